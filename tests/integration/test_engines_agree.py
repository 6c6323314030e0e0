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

import pytest

from tests.integration.engines import (
    MARTS,
    REPO_ROOT,
    Deployment,
    change_city,
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
    city.duck.refresh(city.raw)
    city.spark.refresh(city.raw)
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
