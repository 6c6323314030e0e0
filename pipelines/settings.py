"""Where things live. Every path comes from an environment variable with a default
inside the repository, so a fresh clone runs without configuration."""

from __future__ import annotations

import os
import sys
from datetime import date
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
DBT_PROJECT_DIR = REPO_ROOT / "dbt_project"


def _path(var: str, default: str) -> Path:
    return Path(os.environ.get(var) or REPO_ROOT / default).resolve()


def raw_dir() -> Path:
    return _path("GONGHUI_RAW_DIR", "raw")


def warehouse_path() -> Path:
    return _path("GONGHUI_WAREHOUSE", "data/warehouse.duckdb")


def publish_dir() -> Path:
    return _path("GONGHUI_PUBLISH_DIR", "data/published")


ENGINES = ("duckdb", "spark")


def engine() -> str:
    """The engine dbt builds on, GONGHUI_ENGINE: `duckdb` (the default) or `spark`, a local
    Apache Spark session (docs/operations.md, "Building on Spark")."""
    chosen = (os.environ.get("GONGHUI_ENGINE") or "duckdb").strip().lower()
    if chosen not in ENGINES:
        raise ValueError(
            f"GONGHUI_ENGINE 只能是 duckdb 或 spark，而不是 {chosen!r}"
            f" (GONGHUI_ENGINE must be duckdb or spark, not {chosen!r})"
        )
    return chosen


# the Spark outputs of dbt_project/profiles.yml: a local session, or a cluster's Thrift Server
# by its kind of sign-in
SPARK_TARGETS = ("spark", "spark_thrift", "spark_thrift_kerberos", "spark_thrift_ldap")

# The Spark session settings the models and the suites rely on, which every Spark output of
# dbt_project/profiles.yml sets too (tests/unit/test_spark_thrift.py holds them together):
# `timestamp` is TIMESTAMP_NTZ, as DuckDB's TIMESTAMP and the landing Parquet's; partition
# values in a path (`period=2025-12`, `p_city=3302`) stay text; Beijing time.
SPARK_SESSION_SETTINGS = {
    "spark.sql.timestampType": "TIMESTAMP_NTZ",
    "spark.sql.sources.partitionColumnTypeInference.enabled": "false",
    "spark.sql.session.timeZone": "Asia/Shanghai",
}


def spark_target() -> str:
    """The profile output a build on Spark uses, GONGHUI_SPARK_TARGET: `spark` (the default,
    a local session) or one of the `spark_thrift*` outputs, a cluster's Spark Thrift Server
    (docs/operations.md, "A cluster's Spark Thrift Server")."""
    chosen = (os.environ.get("GONGHUI_SPARK_TARGET") or "spark").strip()
    if chosen not in SPARK_TARGETS:
        raise ValueError(
            f"GONGHUI_SPARK_TARGET 只能是 {'、'.join(SPARK_TARGETS)} 之一，而不是 {chosen!r}"
            f" (GONGHUI_SPARK_TARGET must be one of {', '.join(SPARK_TARGETS)}, not {chosen!r})"
        )
    return chosen


def spark_dir() -> Path:
    """What a build on Spark keeps on this machine between runs (GONGHUI_SPARK_DIR): a local
    session's tables and Hive metastore, and a DuckDB file of views over the tables."""
    return _path("GONGHUI_SPARK_DIR", "data/spark")


def _shared_path(var: str, local_default: Path) -> Path:
    """A folder both this machine and the engine read. DuckDB and a local Spark session share
    this machine's disk, so it has a default; a cluster reads only what it mounts, so the
    folder must be named, on a path that both mount alike."""
    chosen = os.environ.get(var)
    if chosen:
        return Path(chosen).resolve()
    if engine() == "duckdb" or spark_target() == "spark":
        return local_default
    raise ValueError(
        f"用集群的 Spark（GONGHUI_SPARK_TARGET={spark_target()}）时须设 {var}：本机与集群"
        f"以同一路径挂载的共享目录 (with a cluster's Spark, set {var} to a folder that this"
        " machine and the cluster mount at the same path; docs/operations.md)"
    )


def landing_parquet_dir(warehouse: Path | None = None) -> Path:
    """The landing tables as Parquet, written by the ingestion, the sources dbt reads on
    either engine (GONGHUI_LANDING_DIR; default: `landing` beside the warehouse file,
    data/landing/)."""
    return _shared_path("GONGHUI_LANDING_DIR", (warehouse or warehouse_path()).parent / "landing")


def dbt_folders(warehouse: Path, built_on: str) -> dict[str, str]:
    """The folders a dbt process is to find, as the environment variables it reads: the
    landing Parquet of `warehouse` its sources read and, when it builds `built_on` Spark,
    where its tables go."""
    folders = {"GONGHUI_LANDING_DIR": str(landing_parquet_dir(warehouse))}
    if built_on == "spark":
        folders["GONGHUI_SPARK_TABLES_DIR"] = str(spark_tables_dir())
    return folders


def spark_tables_dir() -> Path:
    """Where a build on Spark writes its tables, one folder each: the location of the
    database dbt builds in (GONGHUI_SPARK_TABLES_DIR; default for a local session: where
    Spark puts its `main` database). The checks and the publish read the tables there."""
    return _shared_path("GONGHUI_SPARK_TABLES_DIR", spark_dir() / "tables" / "main.db")


def dbt_tables_location() -> str:
    """Where the tables of a dbt build on the chosen engine live: `duckdb` (the warehouse
    file) or `spark:<spark_tables_dir()>`. Each place has the loads of the builds made there
    only (pipelines.warehouse.changes)."""
    return "duckdb" if engine() == "duckdb" else f"spark:{spark_tables_dir()}"


def dbt_checks_engine() -> str:
    """Where the checks on dbt's tables run: `duckdb` (the warehouse, after a DuckDB build),
    `spark_session` (a local Spark session of their own through GX's Spark datasource, after a
    local session's build) or `thrift_server` (the cluster's Spark Thrift Server that built
    them, through GX's SQL datasource; pipelines.quality.spark_thrift)."""
    if engine() == "duckdb":
        return "duckdb"
    return "spark_session" if spark_target() == "spark" else "thrift_server"


def marts_path(warehouse: Path, built_on: str) -> Path:
    """The DuckDB file the publish reads dbt's tables from: the `warehouse`, or when they were `built_on` Spark a file of
    views over the Parquet tables Spark wrote (pipelines.warehouse.spark_tables). The engine
    is the caller's: the Dagster definitions read it once, when they load."""
    return spark_dir() / "tables.duckdb" if built_on == "spark" else warehouse


def check_engine_settings() -> None:
    """Raise ValueError, in the words the user reads, when the engine's settings would not
    let a refresh build: an unknown engine or Spark output, or a cluster without the shared
    folders."""
    if engine() == "spark":
        landing_parquet_dir()
        spark_tables_dir()


def duckdb_config() -> dict[str, str]:
    """The settings of the refresh's own DuckDB connections that write (the landing load, the
    publish): a memory limit, GONGHUI_DUCKDB_MEMORY_LIMIT (default 1GB, as dbt's
    GONGHUI_DBT_MEMORY_LIMIT). Without it DuckDB keeps what it wrote cached up to 80% of the
    machine, and the publish's memory grew with the province (~3.7 GB at scale 3); with it, it
    writes to disk what does not fit and stays flat (docs/benchmarks.md)."""
    return {"memory_limit": os.environ.get("GONGHUI_DUCKDB_MEMORY_LIMIT") or "1GB"}


def today() -> date:
    """Today, or GONGHUI_TODAY (YYYY-MM-DD) so tests and replays are deterministic."""
    override = os.environ.get("GONGHUI_TODAY")
    return date.fromisoformat(override) if override else date.today()


def dbt_target_dir() -> Path:
    """Where dbt writes its artifacts (manifest, partial-parse state, the refresh's compiled
    SQL and dbt.log): the project's target/, or DBT_TARGET_PATH, the variable dbt and
    dagster-dbt themselves read for it (relative to the dbt project, as dbt takes it). Read
    here too so that Dagster loads the manifest dbt wrote; the tests give each of their
    parallel workers its own, as two dbt runs in one target/ overwrite each other's files."""
    return (DBT_PROJECT_DIR / (os.environ.get("DBT_TARGET_PATH") or "target")).resolve()


def dbt_docs_file() -> Path:
    """The data dictionary `make docs` writes: dbt's docs site as one HTML file."""
    return _path("GONGHUI_DBT_DOCS", "docs/dbt/index.html")


def dagster_home() -> Path:
    return _path("DAGSTER_HOME", ".dagster_home")


def prepare_offline_environment() -> None:
    """Point Dagster at an instance whose dagster.yaml turns telemetry off, and switch off
    the usage statistics of dbt, Great Expectations and Streamlit: nothing may call out.

    Called by every entry point (CLI, Dagster definitions, dashboard) before the tools load.
    """
    home = dagster_home()
    home.mkdir(parents=True, exist_ok=True)
    instance_yaml = home / "dagster.yaml"
    shipped = (REPO_ROOT / "dagster.yaml").read_text(encoding="utf-8")
    if not instance_yaml.exists() or instance_yaml.read_text(encoding="utf-8") != shipped:
        instance_yaml.write_text(shipped, encoding="utf-8")
    os.environ["DAGSTER_HOME"] = str(home)
    # dbt runs as a subprocess: use the one installed beside this interpreter, also when
    # .venv/bin is not on PATH (`.venv/bin/gonghui`, `.venv/bin/python -m pytest`).
    interpreter_bin = str(Path(sys.executable).parent)
    if interpreter_bin not in os.environ.get("PATH", "").split(os.pathsep):
        os.environ["PATH"] = interpreter_bin + os.pathsep + os.environ.get("PATH", "")
    os.environ.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "False")
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
    os.environ.setdefault("STREAMLIT_BROWSER_GATHER_USAGE_STATS", "false")
