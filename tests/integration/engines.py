"""What the engine tests share: a deployment refreshed as in production, the comparison of two
snapshots' marts, and the change of the sample city that the incremental builds refresh."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from pipelines.warehouse.publish import current_snapshot
from tests.integration.conftest import check_evaluations
from tests.integration.processes import left_running

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
    # more of the refresh's environment (a cluster's address and shared folders)
    env: dict[str, str] = field(default_factory=dict)

    @property
    def snapshot(self) -> Path:
        return current_snapshot(self.root / "published")

    def environment(self) -> dict[str, str]:
        return {
            **os.environ,
            "GONGHUI_ENGINE": self.engine,
            "GONGHUI_SPARK_DIR": str(self.root / "spark"),
            "GONGHUI_SPARK_DRIVER_MEMORY": "1g",
            "GONGHUI_TODAY": TODAY,
            "DAGSTER_HOME": str(self.root / "dagster_home"),
            "DBT_TARGET_PATH": str(self.root / "dbt_target"),
            "SPARK_LOCAL_IP": "127.0.0.1",
            **self.env,
        }

    def command(self, raw: Path) -> list[str]:
        return [
            sys.executable, "-m", "pipelines", "refresh", "--raw", str(raw),
            "--warehouse", str(self.root / "warehouse.duckdb"),
            "--publish-dir", str(self.root / "published"),
        ]  # fmt: skip

    def refresh(self, raw: Path, succeed: bool = True) -> str:
        """`python -m pipelines refresh` in a process session of its own: what it printed.
        Asserts that it succeeded (or with `succeed=False`, failed), and that nothing of it
        (the JVM pyspark starts) is left running."""
        process = subprocess.Popen(
            self.command(raw), env=self.environment(), cwd=REPO_ROOT, text=True,
            start_new_session=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        )  # fmt: skip
        output, _ = process.communicate(timeout=900)
        left = left_running(process.pid, seconds=15)
        for pid in left:
            os.kill(pid, signal.SIGKILL)
        assert (process.returncode == 0) == succeed, output[-8000:]
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


# the GX execution engines: the SQL datasource on DuckDB or on a Spark Thrift Server (PyHive's
# `hive` dialect), and the Spark datasource
ON_DUCKDB = "SqlAlchemyExecutionEngine (duckdb)"
ON_THRIFT_SERVER = "SqlAlchemyExecutionEngine (hive)"
ON_SPARK = "SparkDFExecutionEngine"


def checks_found(deployment: Deployment) -> dict[str, tuple[str, bool, int]]:
    """Each data-quality check of the deployment's latest refresh, by suite: the GX execution
    engine that evaluated it, whether it passed, and its failing rows."""
    return {
        name: (
            evaluation.metadata["execution_engine"].value,
            evaluation.passed,
            evaluation.metadata["unexpected_rows"].value,
        )
        for name, evaluation in check_evaluations(deployment.root / "dagster_home").items()
    }


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


def change_city(raw: Path) -> None:
    """A load that removes 兰江街道's 2025 file and changes 低塘街道's (its first enterprise
    deleted)."""
    (raw / REMOVED).unlink()
    changed = raw / CHANGED
    lines = changed.read_text(encoding="utf-8-sig").splitlines(keepends=True)
    changed.write_text("".join(lines[:3] + lines[4:]), encoding="utf-8-sig")


def removed_town_rows(snapshot: Path, table: str = "fct_enterprise_returns") -> int:
    """兰江街道's 2025 rows in `table` of `snapshot`."""
    return scalar(
        snapshot,
        f"select count(*) from {table} where region_code = ? and period like '2025%'",
        [REMOVED_TOWN],
    )
