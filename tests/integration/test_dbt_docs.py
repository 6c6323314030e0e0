"""The data dictionary (`make docs`): dbt's docs site as one HTML file, built from a refreshed
warehouse, every column the warehouse has described in Chinese, nothing loaded from the
network, and mart_kpi with its Chinese column descriptions shown in a real browser."""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from pipelines import kpi_table, settings
from pipelines.cli import dbt_docs
from tests.browser.cdp import CHROMIUM_MISSING, Browser, chromium_path

HAN = re.compile(r"[\u4e00-\u9fff]")


@dataclass
class Docs:
    page: Path
    manifest: dict
    catalog: dict


@pytest.fixture(scope="module")
def docs(refreshed_city, tmp_path_factory) -> Docs:
    assert refreshed_city.exit_code == 0, refreshed_city.output
    page = dbt_docs.build(refreshed_city.warehouse, tmp_path_factory.mktemp("docs") / "index.html")
    target = settings.dbt_target_dir() / "docs"
    return Docs(
        page,
        json.loads((target / "manifest.json").read_text(encoding="utf-8")),
        json.loads((target / "catalog.json").read_text(encoding="utf-8")),
    )


def test_every_column_the_warehouse_has_is_described_in_chinese(docs):
    """The catalog lists the columns the tables and views really have, also those a model's SQL
    makes and its yml forgot."""
    nodes = {**docs.manifest["nodes"], **docs.manifest["sources"]}
    built = {**docs.catalog["nodes"], **docs.catalog["sources"]}
    assert len(built) > 40
    missing = [
        f"{uid}.{column}"
        for uid, table in built.items()
        for column in table["columns"]
        if not HAN.search(nodes[uid]["columns"].get(column, {}).get("description") or "")
    ]
    assert missing == []


def test_the_page_is_one_file_that_loads_nothing_from_the_network(docs):
    page = docs.page.read_text(encoding="utf-8")
    assert dbt_docs.EXTERNAL_LOAD.search(page) is None
    for address in dbt_docs.TRACKER_ADDRESSES:
        assert address not in page
    assert docs.manifest["metadata"]["send_anonymous_usage_stats"] is False
    # the manifest and catalog are inside: nothing else to fetch
    assert '"MANIFEST.JSON INLINE DATA"' not in page and "model.gonghui.mart_kpi" in page


def test_a_page_that_would_load_from_the_network_is_refused():
    assert dbt_docs.offline('i.src="//d1fc8wv8zag5ca.cloudfront.net/2.9.0/sp.js"') == 'i.src=""'
    with pytest.raises(ValueError, match="network"):
        dbt_docs.offline('<link rel="stylesheet" href="https://fonts.googleapis.com/css?x">')


def test_mart_kpi_shows_its_chinese_column_descriptions_in_a_browser_offline(docs):
    if chromium_path() is None:
        pytest.fail(CHROMIUM_MISSING)
    columns = docs.manifest["nodes"]["model.gonghui.mart_kpi"]["columns"]
    yoy = columns["yoy_change"]["description"]  # 同比变化 = 指标值 − 上年同期值 …
    org_rate = next(kpi for kpi in kpi_table.kpis() if kpi.code == "org_rate")
    browser = Browser()
    try:
        browser.send("Network.enable")
        browser.send("Page.enable")
        browser.send("Page.navigate", url=f"{docs.page.as_uri()}#!/model/model.gonghui.mart_kpi")
        browser.wait_for(
            f"document.body.innerText.includes({json.dumps(yoy)})"
            f" && document.body.innerText.includes({json.dumps(org_rate.numerator_zh)})",
            what="mart_kpi's page with its column descriptions and the KPI table",
        )
        title = browser.eval("document.querySelector('.app-title, h1')?.innerText || ''")
        time.sleep(1)  # whatever the page would fetch after drawing
        browser.eval("1")  # read the events that came meanwhile
        requested = [
            event["params"]["request"]["url"]
            for event in browser.events
            if event["method"] == "Network.requestWillBeSent"
        ]
    finally:
        browser.close()
    assert "mart_kpi" in title
    assert requested  # the page itself at least: the events were recorded
    assert [url for url in requested if not url.startswith(("file:", "data:"))] == []
