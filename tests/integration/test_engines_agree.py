"""DuckDB and Apache Spark give the same published figures (issue 16, items 3 and 4).

The committed sample city is refreshed twice as in production, `python -m pipelines refresh`:
once with GONGHUI_ENGINE=duckdb and once with GONGHUI_ENGINE=spark, where the same dbt
project builds on a local Spark (`method: session`, inside the dbt process, whose JVM must
end with the refresh). The published snapshots must be equal, mart for mart, row for row,
doubles to 1e-9, and `gonghui export kpis` must write the same file from both. Then a load
that removes a town's file and changes another's is refreshed on both, incrementally, and
compared again: it exercises Spark's overwrite of whole periods.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest
import yaml

from pipelines.quality.runner import run_suite
from pipelines.quality.spark_checks import validate_on_spark
from pipelines.quality.suites import SUITES
from pipelines.warehouse.spark_tables import parquet_source, write_table_views
from tests.integration.engines import (
    MARTS,
    ON_DUCKDB,
    ON_SPARK,
    REPO_ROOT,
    Deployment,
    change_city,
    checks_found,
    differences,
    removed_town_rows,
    scalar,
)

pytestmark = pytest.mark.spark


@dataclass
class Pair:
    raw: Path
    duck: Deployment
    spark: Deployment


@pytest.fixture(scope="module")
def city(tmp_path_factory) -> Pair:
    """The committed sample city, refreshed on each engine."""
    root = tmp_path_factory.mktemp("engines")
    raw = root / "raw"
    shutil.copytree(REPO_ROOT / "raw", raw)
    duck, spark = Deployment(root / "duckdb", "duckdb"), Deployment(root / "spark", "spark")
    duck.refresh(raw)
    spark.refresh(raw)
    return Pair(raw, duck, spark)


@dataclass(frozen=True)
class Changed:
    pair: Pair
    removed_town_rows_before: int  # 兰江街道's 2025 returns in Spark's first snapshot


@pytest.fixture(scope="module")
def changed_city(city) -> Changed:
    """The same city after a load that removes 兰江街道's 2025 file and changes 低塘街道's
    (its first enterprise deleted), refreshed incrementally on each engine."""
    before = removed_town_rows(city.spark.snapshot)
    change_city(city.raw)
    for deployment in (city.duck, city.spark):
        # each engine's tables are those its last snapshot was published from
        assert "增量建模" in deployment.refresh(city.raw), deployment.engine
    return Changed(city, before)


def test_the_spark_refresh_built_on_spark(city):
    assert scalar(city.spark.snapshot, "select engine from snapshot_info") == "spark"
    assert scalar(city.duck.snapshot, "select engine from snapshot_info") == "duckdb"
    assert (city.spark.root / "spark" / "tables" / "main.db" / "mart_kpi").is_dir()


@pytest.mark.parametrize("table", MARTS)
def test_a_full_build_publishes_the_same_marts(city, table):
    assert differences(city.duck.snapshot, city.spark.snapshot, table, MARTS[table]) == []
    assert scalar(city.duck.snapshot, f"select count(*) from {table}") > 0


def test_export_kpis_writes_the_same_file(city, tmp_path):
    duck = city.duck.export_kpis(tmp_path / "duckdb.csv")
    assert duck.count(b"\n") > 100
    assert city.spark.export_kpis(tmp_path / "spark.csv") == duck


def test_the_checks_on_dbt_tables_ran_on_spark_and_found_what_duckdb_found(city):
    """Every suite on dbt's tables was validated by GX's Spark datasource in the Spark run, and
    by its SQL datasource (the warehouse) in the DuckDB run; each found the same failing rows.
    The suites on the landing read the warehouse on both."""
    spark, duck = checks_found(city.spark), checks_found(city.duck)
    assert {name: engine for name, (engine, *_) in spark.items()} == {
        suite.name: ON_DUCKDB if suite.on_landing else ON_SPARK for suite in SUITES
    }
    assert {engine for engine, *_ in duck.values()} == {ON_DUCKDB}
    assert {name: found for name, (_, *found) in spark.items()} == {
        name: found for name, (_, *found) in duck.items()
    }
    # the city's four summary figures that disagree with its returns (mart_summary_reconciliation)
    assert spark["summary_reconciliation_flags"] == (ON_SPARK, False, 4)
    assert spark["kpi_complete"] == (ON_SPARK, True, 0)


def test_spark_and_duckdb_checks_find_the_same_broken_rates(city, tmp_path):
    """The city's Spark tables with two town rates set to 150%, and the reconciliation table
    emptied (its folder without a file, as a partitioned table without rows): both engines'
    checks fail exactly those two rows, and read the empty table by its contract."""
    tables = tmp_path / "main.db"
    shutil.copytree(city.spark.root / "spark" / "tables" / "main.db", tables)
    _set_value(tables / "mart_kpi", "330203001000", "2025-12", ("org_rate", "cba_rate"), 150.0)
    for file in (tables / "mart_summary_reconciliation").rglob("*.parquet"):
        file.unlink()
    contracts = _mart_contracts()
    suites = [suite for suite in SUITES if not suite.on_landing]

    on_spark = {
        outcome.suite.name: outcome for outcome in validate_on_spark(suites, tables, contracts)
    }
    write_table_views(tables, tmp_path / "views.duckdb", contracts)
    on_duckdb = {suite.name: run_suite(suite, tmp_path / "views.duckdb") for suite in suites}

    for outcomes in (on_spark, on_duckdb):
        found = {name: (o.success, o.unexpected_count) for name, o in outcomes.items()}
        assert found == {
            "kpi_complete": (True, 0),
            "kpi_rates_within_bounds": (False, 2),
            "kpi_values_match_counts": (False, 2),
            "kpi_reported_ratios_plausible": (True, 0),
            "kpi_targets_plausible": (True, 0),
            "summary_reconciliation_flags": (True, 0),
        }
    assert {o.execution_engine for o in on_spark.values()} == {ON_SPARK}
    (broken,) = on_spark["kpi_rates_within_bounds"].failed
    assert sorted((row["kpi"], row["region_code"]) for row in broken.sample) == [
        ("cba_rate", "330203001000"),
        ("org_rate", "330203001000"),
    ]


def test_a_spark_check_that_cannot_start_fails_every_suite_with_its_error(tmp_path):
    suites = [suite for suite in SUITES if suite.table == "mart_kpi"]
    outcomes = validate_on_spark(suites, tmp_path / "no_such_tables", {})
    assert [outcome.suite.name for outcome in outcomes] == [suite.name for suite in suites]
    for outcome in outcomes:
        (failed,) = outcome.expectations
        assert not failed.success and failed.unexpected_count is None
        assert "no_such_tables" in failed.error


def _set_value(table: Path, region: str, period: str, kpis: tuple[str, ...], value: float):
    """Rewrite the Parquet of a Spark table, as one file, with `value` in those rows."""
    edited = table.parent / f"{table.name}.edited.parquet"
    where = f"region_code = '{region}' and period = '{period}' and kpi in {kpis}"
    with duckdb.connect() as con:
        source = parquet_source(table)
        assert con.execute(f"select count(*) from {source} where {where}").fetchone()[0] == len(
            kpis
        )
        con.execute(
            f"copy (select * replace (case when {where} then {value} else value end as value)"
            f" from {source}) to '{edited}' (format parquet)"
        )
    shutil.rmtree(table)
    table.mkdir()
    edited.rename(table / "part-00000-edited.parquet")


def _mart_contracts() -> dict[str, list[tuple[str, str]]]:
    """The marts' contracts, (column, type) in order, as dbt's manifest gives the checks."""
    marts = yaml.safe_load((REPO_ROOT / "dbt_project/models/marts/_marts.yml").read_text())
    return {
        model["name"]: [(c["name"], c["data_type"]) for c in model["columns"]]
        for model in marts["models"]
    }


@pytest.mark.parametrize("table", MARTS)
def test_an_incremental_build_publishes_the_same_marts(changed_city, table):
    pair = changed_city.pair
    assert differences(pair.duck.snapshot, pair.spark.snapshot, table, MARTS[table]) == []


def test_the_removed_town_is_gone_from_spark(changed_city):
    """兰江街道 lost its only 2025 file: its rows must be gone from Spark's period-overwritten
    tables as well."""
    snapshot = changed_city.pair.spark.snapshot
    assert changed_city.removed_town_rows_before > 0
    for table in ("fct_enterprise_returns", "mart_kpi"):
        assert removed_town_rows(snapshot, table) == 0, table
