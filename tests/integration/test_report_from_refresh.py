"""The year's report on a snapshot the whole pipeline published (the messy city): every
figure of its paragraphs and table is the one in the snapshot's marts, and the data-quality
line counts the files of the year as the load audit does."""

from __future__ import annotations

import re

import duckdb
import pytest
from docx import Document

from pipelines.cli import main as gonghui
from pipelines.exports.report_text import AREAS, SHARE_WORDS
from tests.integration.conftest import RefreshedCity

CITY, DISTRICT = "990000000000", "990100000000"  # 测试市, 甲区
COUNT_UNITS = {"persons": "人", "rounds": "次", "enterprises": "家"}


def snapshot_rows(city: RefreshedCity, sql: str, params: list | None = None) -> list[dict]:
    snapshot = city.published / (city.published / "CURRENT").read_text().strip()
    with duckdb.connect(str(snapshot), read_only=True) as con:
        cursor = con.execute(sql, params or [])
        names = [column[0] for column in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def written(city: RefreshedCity, tmp_path, region: str | None) -> Document:
    out = tmp_path / "报告.docx"
    args = ["export", "report", "--period", "2025-12", "--out", str(out)]
    region_args = ["--region", region] if region else []
    assert gonghui([*args, *region_args, "--publish-dir", str(city.published)]) == 0
    return Document(str(out))


def expected_phrases(row: dict, definition: dict) -> list[str]:
    """What the report must say of one mart_kpi row, formatted here from the row itself."""
    if definition["unit"] != "pct":
        unit = COUNT_UNITS[definition["unit"]]
        phrases = [f"{row['value']:,.0f}{unit}"]
        if row["yoy_change"]:  # 0 reads 与上年持平
            more = "增加" if row["yoy_change"] > 0 else "减少"
            phrases.append(f"比上年{more}{abs(row['yoy_change']):,.0f}{unit}")
        return phrases
    unit = definition["numerator_unit_zh"]
    phrases = [f"{row['numerator']:,.0f}{unit}", f"{row['value']:.1f}%"]
    if row["kpi"] in SHARE_WORDS:
        return phrases
    phrases.append(f"{row['denominator']:,.0f}{unit}")
    if row["yoy_change"] is not None and round(row["yoy_change"], 1) != 0:
        way = "提高" if row["yoy_change"] > 0 else "下降"
        phrases.append(f"同比{way}{abs(row['yoy_change']):.1f}个百分点")
    if row["target"] is not None:
        if row["gap"] >= 0:
            phrases.append(f"完成年度目标{row['target']:g}%")
        else:
            phrases.append(f"距年度目标{row['target']:g}%还差{-row['gap']:.1f}个百分点")
        if row["still_needed"]:
            phrases.append(f"还需{definition['still_needed_zh']}{row['still_needed']:,}{unit}")
    return phrases


@pytest.mark.parametrize("region", [None, DISTRICT])
def test_every_paragraph_states_the_marts_figures(refreshed_city, tmp_path, region):
    document = written(refreshed_city, tmp_path, region)
    code = region or CITY  # the root with figures: the shipped 宁波市 has none here

    definitions = {
        d["kpi"]: d for d in snapshot_rows(refreshed_city, "select * from kpi_definitions")
    }
    rows = snapshot_rows(
        refreshed_city,
        "select * from mart_kpi where region_code = ? and period = '2025-12'",
        [code],
    )
    assert document.paragraphs[0].text == f"{rows[0]['region_name']}2025年度工会组建与覆盖统计情况"
    paragraphs = [p.text for p in document.paragraphs]
    by_kpi = {row["kpi"]: row for row in rows}
    checked = 0
    for area in AREAS:
        paragraph = next(
            paragraphs[i + 1] for i, text in enumerate(paragraphs) if text.endswith(area.heading)
        )
        for kpi in area.kpis:
            row = by_kpi[kpi]
            assert row["value"] is not None  # every KPI of the messy city has a value in 2025
            for phrase in expected_phrases(row, definitions[kpi]):
                assert phrase in paragraph, (kpi, phrase, paragraph)
            rate = f"{re.escape(definitions[kpi]['name_zh'])}[达为]{row['value']:.1f}%"
            assert (
                kpi in SHARE_WORDS
                or definitions[kpi]["unit"] != "pct"
                or re.search(rate, paragraph)
            )
            checked += 1
    assert checked == sum(len(area.kpis) for area in AREAS)


@pytest.mark.parametrize("region", [None, DISTRICT])
def test_the_table_has_the_marts_figures_for_every_region_below(refreshed_city, tmp_path, region):
    document = written(refreshed_city, tmp_path, region)
    code = region or CITY

    (table,) = document.tables
    header, *body = [[cell.text for cell in row.cells] for row in table.rows]
    kpi_of = {
        d["name_zh"]: d["kpi"]
        for d in snapshot_rows(refreshed_city, "select kpi, name_zh from kpi_definitions")
    }
    below = snapshot_rows(
        refreshed_city,
        "select region_code, region_name from dim_region where parent_code = ? order by region_code",
        [code],
    )
    assert [row[0] for row in body] == [r["region_name"] for r in below] + ["合计"]
    for line, place in zip(body, [*(r["region_code"] for r in below), code], strict=True):
        marts = {
            row["kpi"]: row
            for row in snapshot_rows(
                refreshed_city,
                "select * from mart_kpi where region_code = ? and period = '2025-12'",
                [place],
            )
        }
        org = marts["org_rate"]
        assert line[1:3] == [f"{org['denominator']:,.0f}", f"{org['numerator']:,.0f}"]
        for title, cell in zip(header[3:], line[3:], strict=True):
            assert cell == f"{marts[kpi_of[title]]['value']:.1f}%", (place, title)


def test_the_quality_line_counts_the_files_of_the_year(refreshed_city, tmp_path):
    document = written(refreshed_city, tmp_path, None)

    # the fixture's returns and summaries of 2025 say so in their names (so does its targets
    # file, reference data, not a return); the two unreadable files have no year
    (files,) = snapshot_rows(
        refreshed_city,
        "select count(*) as n, sum(rows_read) as read, sum(rows_accepted) as accepted,"
        " sum(rows_quarantined) as quarantined, sum(rows_skipped) as skipped,"
        " count(*) filter (where feed = 'returns') as returns"
        " from mart_load_audit where status = 'loaded' and source_file like '%2025%'"
        " and feed in ('returns', 'summaries')",
    )
    (refused,) = snapshot_rows(
        refreshed_city, "select count(*) as n from mart_load_audit where status <> 'loaded'"
    )
    text = "".join(p.text for p in document.paragraphs)
    assert (
        f"报表文件{files['n']}个（企业报表{files['returns']}个、镇街汇总表{files['n'] - files['returns']}个），"
        f"共读取数据行{files['read']}行，其中受理{files['accepted']}行，隔离{files['quarantined']}行"
    ) in text
    assert f"跳过合计、备注等非数据行{files['skipped']}行。另有{refused['n']}个文件无法读取" in text
    assert refused["n"] == 2 and files["quarantined"] > 0
