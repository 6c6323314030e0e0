"""DuckDB and Apache Spark build the same marts from the same landing (issue 16, item 4).

The committed sample city is refreshed on DuckDB as in production (`gonghui refresh`). Its
landing tables are then copied out as Hive-partitioned Parquet, the layout the ingestion
itself is to write (docs/architecture.md, "Spark"), and the same dbt project is built from that
Parquet on a local Spark: `dbt build --target spark` (`method: session`), in a dbt process of
its own session, whose JVM must end with it. The marts of the two engines must be equal row for
row, doubles to 1e-9. Then an incremental load (a town's file removed, another's changed) is
built incrementally on both engines and compared again: it exercises Spark's partition
overwrite and the drop of a period whose town lost every row.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb
import pytest

from pipelines.ingest.load import ingest

pytestmark = pytest.mark.spark

REPO_ROOT = Path(__file__).resolve().parents[2]
DBT_PROJECT = REPO_ROOT / "dbt_project"
TODAY = "2026-11-23"
# the row tables: partitioned by period and prefecture (the first 4 digits of the town code)
PARTITIONED = {"enterprise_returns", "enterprise_returns_archive", "quarantine", "field_issues"}
# What is compared, with the key that pairs rows up to compare their doubles.
MARTS = {
    "mart_kpi": ["region_code", "region_level", "period", "kpi"],
    "mart_actions": None,
    "mart_contract_expiry": None,
    "mart_quarantine": None,
    "mart_summary_reconciliation": ["source_file", "source_row", "metric"],
    "fct_enterprise_returns": ["uscc", "period"],
}
REMOVED = "returns/2025/余姚市兰江街道_2025年企业工会报表.csv"
REMOVED_TOWN = "330281004000"  # 兰江街道
CHANGED = "returns/2025/余姚市低塘街道_2025年企业工会报表.csv"


def export_landing(warehouse: Path, out: Path) -> Path:
    """The landing tables of `warehouse` as Parquet under `out`: the row tables by
    p_period=…/p_city=…, the small ones as one file each. An empty row table gets one empty
    file under p_period=none/p_city=none, so that both engines can read its columns."""
    out.mkdir()
    with duckdb.connect(str(warehouse), read_only=True) as con:
        tables = con.execute(
            "select table_name from information_schema.tables "
            "where table_schema = 'landing' and table_type = 'BASE TABLE'"
        ).fetchall()
        for (table,) in tables:
            target = out / table
            rows = con.execute(f"select count(*) from landing.{table}").fetchone()[0]
            if table in PARTITIONED and rows:
                con.execute(
                    f"copy (select *, coalesce(period, 'unknown') as p_period,"
                    f" coalesce(substring(region_code, 1, 4), 'unknown') as p_city"
                    f" from landing.{table}) to '{target}'"
                    " (format parquet, partition_by (p_period, p_city))"
                )
            elif table in PARTITIONED:
                (target / "p_period=none" / "p_city=none").mkdir(parents=True)
                con.execute(
                    f"copy (select * from landing.{table} limit 0)"
                    f" to '{target}/p_period=none/p_city=none/data_0.parquet' (format parquet)"
                )
            else:
                target.mkdir(parents=True)
                con.execute(f"copy landing.{table} to '{target}/data_0.parquet' (format parquet)")
    return out


def session_pids(sid: int) -> list[int]:
    """The live processes of session `sid`."""
    found = []
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                fields = (proc / "stat").read_text().rsplit(") ", 1)[1].split()
            except (OSError, IndexError):
                continue
            if int(fields[3]) == sid and fields[0] != "Z":
                found.append(int(proc.name))
    return found


def spark_build(root: Path, landing: Path, *, full: bool) -> str:
    """`dbt build --target spark` of the landing Parquet into root/spark; what dbt printed.

    The process gets a session of its own, so that what it leaves running (the JVM pyspark
    starts) can be found and, after the assertion, killed."""
    env = {
        **os.environ,
        "GONGHUI_SPARK_DIR": str(root / "spark"),
        "GONGHUI_LANDING_DIR": str(landing),
        "GONGHUI_SPARK_DRIVER_MEMORY": "1g",
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        "SPARK_LOCAL_IP": "127.0.0.1",
    }
    args = [
        str(Path(sys.executable).with_name("dbt")), "build",
        "--target", "spark",
        "--exclude", "resource_type:unit_test",
        "--project-dir", str(DBT_PROJECT),
        "--profiles-dir", str(DBT_PROJECT),
        "--target-path", str(root / "spark_target"),
        "--log-path", str(root / "spark_logs"),
    ]  # fmt: skip
    process = subprocess.Popen(
        [*args, "--full-refresh"] if full else args,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    output, _ = process.communicate(timeout=900)
    left = _still_running(process.pid)
    for pid in left:
        os.kill(pid, signal.SIGKILL)
    assert process.returncode == 0, output[-8000:]
    assert left == [], f"the Spark build left processes running: {left}"
    return output


def _still_running(sid: int, seconds: float = 15) -> list[int]:
    """What is left of session `sid` once it has had `seconds` to end."""
    deadline = time.monotonic() + seconds
    while (left := session_pids(sid)) and time.monotonic() < deadline:
        time.sleep(0.2)
    return left


def spark_table(root: Path, table: str) -> str:
    """DuckDB's reading of a table the Spark build wrote (Parquet under its warehouse dir);
    a table partitioned by period keeps `period` as text."""
    directory = root / "spark" / "tables" / "main.db" / table
    assert directory.is_dir(), f"Spark wrote no {table}"
    if any(path.name.startswith("period=") for path in directory.iterdir()):
        return (
            f"read_parquet('{directory}/*/*.parquet', hive_partitioning = true,"
            " hive_types = {'period': VARCHAR})"
        )
    return f"read_parquet('{directory}/*.parquet')"


def differences(warehouse: Path, root: Path, table: str, key: list[str] | None) -> list[str]:
    """How the Spark build's `table` differs from the DuckDB warehouse's: columns (by name)
    and types, rows compared whole (except all, both ways) on every column but the doubles,
    and the doubles of rows paired on `key`, to 1e-9 of their size."""
    found = []
    with duckdb.connect() as con:
        con.execute(f"attach '{warehouse}' as duck (read_only)")
        con.execute(f"create view spark as select * from {spark_table(root, table)}")
        duck_types = dict(
            con.execute(
                "select column_name, data_type from information_schema.columns "
                "where table_catalog = 'duck' and table_name = ? order by ordinal_position",
                [table],
            ).fetchall()
        )
        spark_types = dict(
            con.execute("select column_name, column_type from (describe spark)").fetchall()
        )
        if duck_types != spark_types:
            found.append(f"columns or types differ: DuckDB {duck_types}, Spark {spark_types}")
            return found
        doubles = [name for name, kind in duck_types.items() if kind == "DOUBLE"]
        exact = ", ".join(f'"{name}"' for name in duck_types if name not in doubles)
        for this, other in (("duck.main." + table, "spark"), ("spark", "duck.main." + table)):
            only = con.execute(
                f"select {exact} from {this} except all select {exact} from {other}"
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
                f"select count(*) from duck.main.{table} d join spark s on {pairs} where {apart}"
            ).fetchone()[0]
            if unequal:
                found.append(f"{unequal} rows whose doubles differ by more than 1e-9")
    return found


def row_count(warehouse: Path, table: str) -> int:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(f"select count(*) from main.{table}").fetchone()[0]


def spark_town_rows(root: Path, table: str, town: str) -> int:
    """Rows of `town` in 2025 in the Spark build's `table`."""
    with duckdb.connect() as con:
        return con.execute(
            f"select count(*) from {spark_table(root, table)}"
            " where region_code = ? and period like '2025%'",
            [town],
        ).fetchone()[0]


@pytest.fixture(scope="module")
def city(tmp_path_factory, gonghui_refresh) -> Path:
    """The committed sample city, refreshed on DuckDB and built on Spark from the same
    landing."""
    root = tmp_path_factory.mktemp("engines")
    shutil.copytree(REPO_ROOT / "raw", root / "raw")
    code, output = gonghui_refresh(root, root / "raw", TODAY)
    assert code == 0, output
    spark_build(root, export_landing(root / "warehouse.duckdb", root / "landing-1"), full=True)
    return root


@dataclass(frozen=True)
class ChangedCity:
    root: Path
    removed_town_rows_before: int  # the removed town's 2025 rows in Spark's fct_enterprise_returns


@pytest.fixture(scope="module")
def changed_city(city, gonghui_refresh) -> ChangedCity:
    """The same city after a load that removes 兰江街道's 2025 file and changes 低塘街道's
    (its first enterprise deleted), built incrementally on both engines.

    The landing is copied out between the ingestion and the DuckDB build, while its record of
    what changed (pending_partitions) is still there: the refresh clears it on publishing."""
    raw, warehouse = city / "raw", city / "warehouse.duckdb"
    before = spark_town_rows(city, "fct_enterprise_returns", REMOVED_TOWN)
    (raw / REMOVED).unlink()
    changed = raw / CHANGED
    lines = changed.read_text(encoding="utf-8-sig").splitlines(keepends=True)
    changed.write_text("".join(lines[:3] + lines[4:]), encoding="utf-8-sig")
    ingest(raw, warehouse, date.fromisoformat(TODAY))
    landing = export_landing(warehouse, city / "landing-2")
    code, output = gonghui_refresh(city, raw, TODAY)
    assert code == 0, output
    spark_build(city, landing, full=False)
    return ChangedCity(city, before)


@pytest.mark.parametrize("table", MARTS)
def test_a_full_build_gives_the_same_marts(city, table):
    assert differences(city / "warehouse.duckdb", city, table, MARTS[table]) == []
    assert row_count(city / "warehouse.duckdb", table) > 0


@pytest.mark.parametrize("table", MARTS)
def test_an_incremental_build_gives_the_same_marts(changed_city, table):
    root = changed_city.root
    assert differences(root / "warehouse.duckdb", root, table, MARTS[table]) == []


def test_the_removed_town_is_gone_from_spark(changed_city):
    """兰江街道 lost its only 2025 file: its rows must be gone from Spark's period-overwritten
    tables too, not only from DuckDB's (compared above)."""
    assert changed_city.removed_town_rows_before > 0
    assert spark_town_rows(changed_city.root, "fct_enterprise_returns", REMOVED_TOWN) == 0
    assert spark_town_rows(changed_city.root, "mart_kpi", REMOVED_TOWN) == 0
