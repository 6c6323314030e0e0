"""Every table and column of the warehouse is described in Chinese where analysts look, and the
data dictionary (dbt docs, `make docs`) and the Dagster UI show the same words.

Read from the manifest `dbt parse` writes: no warehouse needed. The columns a model's SQL makes
but its yml does not list are found against a built warehouse's catalog, in
tests/integration/test_dbt_docs.py."""

from __future__ import annotations

import json
import re

import dagster as dg
import pytest

from pipelines import kpi_table
from pipelines.definitions import defs
from pipelines.defs.dbt_models import TRANSLATOR
from pipelines.defs.dbt_project import dbt_project

HAN = re.compile(r"[\u4e00-\u9fff]")
DESCRIBED = {"model", "seed", "source"}
KPI_COUNT_MODELS = ("int_kpi_counts__town", "int_kpi_counts__rollup")


def chinese(text: str | None) -> bool:
    return bool(HAN.search(text or ""))


@pytest.fixture(scope="module")
def manifest() -> dict:
    return json.loads(dbt_project.manifest_path.read_text(encoding="utf-8"))


def described_nodes(manifest: dict) -> dict[str, dict]:
    nodes = {**manifest["nodes"], **manifest["sources"]}
    return {uid: node for uid, node in nodes.items() if node["resource_type"] in DESCRIBED}


def test_every_model_seed_and_source_is_described_in_chinese(manifest):
    nodes = described_nodes(manifest)
    assert len(nodes) > 40  # the whole project, not an empty manifest
    assert [uid for uid, node in nodes.items() if not chinese(node["description"])] == []


def test_every_column_in_the_yml_is_described_in_chinese(manifest):
    missing = [
        f"{uid}.{name}"
        for uid, node in described_nodes(manifest).items()
        for name, column in node["columns"].items()
        if not chinese(column["description"])
    ]
    assert missing == []


def kpi_count_columns(kpi: kpi_table.Kpi) -> list[str]:
    parts = ["numerator", *(["denominator"] if kpi.denominator else []), "reported", "in_scope"]
    return [f"{kpi.code}__{part}" for part in parts]


@pytest.mark.parametrize("model", KPI_COUNT_MODELS)
def test_every_kpi_of_the_kpi_table_has_its_count_columns_described_by_its_name(manifest, model):
    """The count columns are generated from the KPI table; their yml entries are not, so a new
    KPI fails here until its columns are listed (with its Chinese name in front)."""
    columns = manifest["nodes"][f"model.gonghui.{model}"]["columns"]
    for kpi in kpi_table.kpis():
        for name in kpi_count_columns(kpi):
            assert name in columns, f"{model}.{name}: list it in _intermediate.yml"
            assert columns[name]["description"].startswith(f"{kpi.name_zh} "), name
    counted = {name for kpi in kpi_table.kpis() for name in kpi_count_columns(kpi)}
    assert {name for name in columns if "__" in name} == counted  # none left of a removed KPI


@pytest.mark.parametrize("model", ["kpi_definitions", "mart_kpi"])
def test_every_kpis_formula_is_in_the_description_of_the_kpi_models(manifest, model):
    description = manifest["nodes"][f"model.gonghui.{model}"]["description"]
    for kpi in kpi_table.kpis():
        denominator = kpi.denominator_zh or "无(值即分子)"
        row = f"| {kpi.name_zh} | {kpi.code} | {kpi.numerator_zh} | {denominator} | {kpi.description} |"
        assert row in description.splitlines(), kpi.code


def test_the_data_dictionary_opens_on_a_chinese_overview(manifest):
    overview = manifest["docs"]["doc.gonghui.__overview__"]["block_contents"]
    assert overview.startswith("# 工会组建与覆盖统计数仓")
    assert "kpi_definitions" in overview and "mart_kpi" in overview


def test_a_dbt_assets_description_in_dagster_is_its_models_description(manifest):
    specs = {spec.key: spec for spec in defs.resolve_all_asset_specs()}
    compared = 0
    for node in described_nodes(manifest).values():
        if node["resource_type"] == "source":
            continue  # the landing tables are ingestion assets, described in ingestion.py
        spec = specs[TRANSLATOR.get_asset_key(node)]
        assert spec.description == node["description"], node["name"]
        compared += 1
    assert compared > 30
    assert "| 工会组建率 | org_rate |" in specs[dg.AssetKey("mart_kpi")].description
