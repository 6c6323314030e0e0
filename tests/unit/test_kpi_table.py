"""The KPI table (dbt_project.yml vars.kpis) is consistent with what reads it."""

from __future__ import annotations

import re

import yaml

from pipelines import kpi_table, settings
from pipelines.ingest.landing import TABLES

SQL_WORDS = {"and", "or", "not", "is", "in", "null", "true", "false"}


def columns_named(condition: str) -> set[str]:
    """The column names of a filter (string literals and SQL words left out)."""
    without_literals = re.sub(r"'[^']*'", "", condition)
    return set(re.findall(r"[a-z_][a-z0-9_]*", without_literals)) - SQL_WORDS


def contract_columns(model: str) -> set[str]:
    marts = yaml.safe_load(
        (settings.DBT_PROJECT_DIR / "models" / "marts" / "_marts.yml").read_text("utf-8")
    )
    node = next(m for m in marts["models"] if m["name"] == model)
    return {column["name"] for column in node["columns"]}


def test_codes_and_chinese_names_are_unique():
    kpis = kpi_table.kpis()
    assert len({kpi.code for kpi in kpis}) == len({kpi.name_zh for kpi in kpis}) == len(kpis)


def test_a_rate_has_a_denominator_and_a_count_has_none():
    for kpi in kpi_table.kpis():
        assert kpi.unit in {"pct", "persons", "rounds", "enterprises"}, kpi.code
        assert (kpi.unit == "pct") == (kpi.denominator is not None), kpi.code
        assert (kpi.denominator is None) == (kpi.denominator_zh is None), kpi.code
        assert not kpi.bounded or kpi.unit == "pct", kpi.code


def test_filters_and_measures_of_this_periods_returns_are_columns_of_the_fact_table():
    """The dashboard applies them to fct_enterprise_returns in the snapshot."""
    fact = contract_columns("fct_enterprise_returns")
    for kpi in kpi_table.kpis():
        if kpi.population != "returns":
            continue
        for count in filter(None, (kpi.numerator, kpi.denominator)):
            named = columns_named(count.filter or "")
            if count.measure != "enterprises":
                named.add(count.measure)
            assert named <= fact, (kpi.code, named - fact)


def test_summary_columns_are_columns_of_the_summary_returns():
    landing = set(re.findall(r"^\s*(\w+) ", TABLES["summary_returns"], re.MULTILINE))
    for kpi in kpi_table.kpis():
        if kpi.summary is None:
            continue
        parts = (kpi.summary.value, kpi.summary.numerator, kpi.summary.denominator)
        assert {part.column for part in parts if part} <= landing, kpi.code


def test_populations_are_the_ones_the_town_counts_know():
    assert {kpi.population for kpi in kpi_table.kpis()} <= {"returns", "previous_returns"}


def test_the_table_is_read_once():
    assert kpi_table.kpis() is kpi_table.kpis()
