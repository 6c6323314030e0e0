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

import os
import shutil
import signal
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

from pipelines.warehouse.publish import current_snapshot
from tests.integration.processes import left_running

pytestmark = pytest.mark.spark

REPO_ROOT = Path(__file__).resolve().parents[2]
TODAY = "2026-11-23"
# What is compared, with the key that pairs rows up to compare their doubles.
MARTS = {
    "mart_kpi": ["region_code", "region_level", "period", "kpi"],
    "mart_actions": None,
    "mart_contract_expiry": None,
    "mart_quarantine": None,
    "mart_summary_reconciliation": ["source_file", "source_row", "metric"],
    "fct_enterprise_returns": ["uscc", "period"],
}
# each deployment's own: the id of the load that brought a row
PER_LOAD = {"load_id"}
REMOVED = "returns/2025/余姚市兰江街道_2025年企业工会报表.csv"
REMOVED_TOWN = "330281004000"  # 兰江街道
CHANGED = "returns/2025/余姚市低塘街道_2025年企业工会报表.csv"


@dataclass(frozen=True)
class Deployment:
    """One engine's warehouse, snapshots, Dagster home and Spark folder."""

    root: Path
    engine: str

    @property
    def snapshot(self) -> Path:
        return current_snapshot(self.root / "published")

    def refresh(self, raw: Path) -> str:
        """`python -m pipelines refresh` in a process session of its own: what it printed.
        Asserts success, and that nothing of it (the JVM pyspark starts) is left running."""
        env = {
            **os.environ,
            "GONGHUI_ENGINE": self.engine,
            "GONGHUI_SPARK_DIR": str(self.root / "spark"),
            "GONGHUI_SPARK_DRIVER_MEMORY": "1g",
            "GONGHUI_TODAY": TODAY,
            "DAGSTER_HOME": str(self.root / "dagster_home"),
            "DBT_TARGET_PATH": str(self.root / "dbt_target"),
            "SPARK_LOCAL_IP": "127.0.0.1",
        }
        command = [
            sys.executable, "-m", "pipelines", "refresh", "--raw", str(raw),
            "--warehouse", str(self.root / "warehouse.duckdb"),
            "--publish-dir", str(self.root / "published"),
        ]  # fmt: skip
        process = subprocess.Popen(
            command, env=env, cwd=REPO_ROOT, text=True, start_new_session=True,
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        )  # fmt: skip
        output, _ = process.communicate(timeout=900)
        left = left_running(process.pid, seconds=15)
        for pid in left:
            os.kill(pid, signal.SIGKILL)
        assert process.returncode == 0, output[-8000:]
        assert left == {}, f"the {self.engine} refresh left processes running: {left}"
        # every dbt test's result reached Dagster as its asset check's evaluation
        assert "emitted no result" not in output, output[-8000:]
        return output

    def export_kpis(self, out: Path) -> bytes:
        result = subprocess.run(
            [sys.executable, "-m", "pipelines", "export", "kpis", "--period", "2025-12",
             "--publish-dir", str(self.root / "published"), "--out", str(out)],
            cwd=REPO_ROOT, capture_output=True, text=True, timeout=120,
        )  # fmt: skip
        assert result.returncode == 0, result.stderr
        return out.read_bytes()


def differences(duck: Path, spark: Path, table: str, key: list[str] | None) -> list[str]:
    """How `table` in the snapshot `spark` differs from the one in `duck`: columns (names,
    order, types), rows compared whole on every column but the doubles and the load ids
    (except all, both ways), and the doubles of rows paired on `key`, to 1e-9 of their
    size."""
    found = []
    with duckdb.connect() as con:
        con.execute(f"attach '{duck}' as duck (read_only)")
        con.execute(f"attach '{spark}' as spark (read_only)")
        columns = {
            side: con.execute(
                "select column_name, data_type from information_schema.columns "
                "where table_catalog = ? and table_name = ? order by ordinal_position",
                [side, table],
            ).fetchall()
            for side in ("duck", "spark")
        }
        if columns["duck"] != columns["spark"] or not columns["duck"]:
            return [f"columns differ: DuckDB {columns['duck']}, Spark {columns['spark']}"]
        doubles = [name for name, kind in columns["duck"] if kind == "DOUBLE"]
        exact = ", ".join(
            f'"{name}"' for name, _ in columns["duck"] if name not in {*doubles, *PER_LOAD}
        )
        for this, other in (("duck", "spark"), ("spark", "duck")):
            only = con.execute(
                f"select {exact} from {this}.main.{table}"
                f" except all select {exact} from {other}.main.{table}"
            ).fetchall()
            if only:
                found.append(f"{len(only)} rows only in {this}, e.g. {only[:2]}")
        if doubles and not key:
            found.append(f"no key to pair rows on for the doubles {doubles}")
        elif doubles:
            pairs = " and ".join(f'd."{k}" is not distinct from s."{k}"' for k in key)
            apart = " or ".join(  # a NULL on one side only is a difference too
                f'not (d."{c}" is not distinct from s."{c}"'
                f' or coalesce(abs(d."{c}" - s."{c}") <= 1e-9 * greatest(1, abs(d."{c}")), false))'
                for c in doubles
            )
            unequal = con.execute(
                f"select count(*) from duck.main.{table} d join spark.main.{table} s"
                f" on {pairs} where {apart}"
            ).fetchone()[0]
            if unequal:
                found.append(f"{unequal} rows whose doubles differ by more than 1e-9")
    return found


def scalar(snapshot: Path, sql: str, params: list | None = None):
    with duckdb.connect(str(snapshot), read_only=True) as con:
        return con.execute(sql, params or []).fetchone()[0]


@dataclass
class Pair:
    raw: Path
    duck: Deployment
    spark: Deployment
    spark_output: str


@pytest.fixture(scope="module")
def city(tmp_path_factory) -> Pair:
    """The committed sample city, refreshed on each engine."""
    root = tmp_path_factory.mktemp("engines")
    raw = root / "raw"
    shutil.copytree(REPO_ROOT / "raw", raw)
    duck, spark = Deployment(root / "duckdb", "duckdb"), Deployment(root / "spark", "spark")
    duck.refresh(raw)
    return Pair(raw, duck, spark, spark.refresh(raw))


@dataclass(frozen=True)
class Changed:
    pair: Pair
    removed_town_rows_before: int  # 兰江街道's 2025 returns in Spark's first snapshot


@pytest.fixture(scope="module")
def changed_city(city) -> Changed:
    """The same city after a load that removes 兰江街道's 2025 file and changes 低塘街道's
    (its first enterprise deleted), refreshed incrementally on each engine."""
    before = scalar(
        city.spark.snapshot,
        "select count(*) from fct_enterprise_returns where region_code = ? and period like '2025%'",
        [REMOVED_TOWN],
    )
    (city.raw / REMOVED).unlink()
    changed = city.raw / CHANGED
    lines = changed.read_text(encoding="utf-8-sig").splitlines(keepends=True)
    changed.write_text("".join(lines[:3] + lines[4:]), encoding="utf-8-sig")
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
        rows = scalar(
            snapshot,
            f"select count(*) from {table} where region_code = ? and period like '2025%'",
            [REMOVED_TOWN],
        )
        assert rows == 0, table
