"""The landing tables as Parquet, for a dbt build on Spark.

Spark cannot read the DuckDB warehouse file, so before a Spark build the ingestion's landing
tables are written out as Parquet, the format both engines read, in the layout the ingestion
is to write itself (issue 16, item 1; docs/architecture.md, "Landing as Parquet"):

    <dir>/<table>/p_period=YYYY-MM/p_city=NNNN/data_0.parquet   the row tables
    <dir>/<table>/data_0.parquet                               the small ones

The row tables are partitioned by period and prefecture (the first four digits of the town
code): a city is one file per period, a province ten or twenty, the country a few hundred
files of ~5 MB. An empty row table gets one empty file under p_period=none/p_city=none, since
both engines learn a table's columns from its files. The copy is written beside the previous
one and renamed into its place (under the refresh lock: no build reads it meanwhile).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import duckdb

from pipelines.ingest.landing import SCHEMA

# the tables whose rows grow with the returns; the rest are small
PARTITIONED = frozenset(
    {"enterprise_returns", "enterprise_returns_archive", "quarantine", "field_issues"}
)
EMPTY_PARTITION = "p_period=none/p_city=none"
# A quarantined row keeps what the clerk wrote: a period or town code that is not one
# ("2025年", "33/02") goes to the 'unknown' partition rather than giving each typo a folder
# of its own (named escaped, "p_period=2025%2F12"), so the folders stay the real periods and
# prefectures.
PARTITION_KEYS = """
    case when regexp_full_match(period, '[0-9]{4}-[0-9]{2}') then period else 'unknown' end
        as p_period,
    case when regexp_full_match(region_code, '[0-9]{4}.*') then substring(region_code, 1, 4)
        else 'unknown' end as p_city"""


def write_landing_parquet(warehouse: Path, landing_dir: Path) -> dict[str, int]:
    """Write every landing table of `warehouse` under `landing_dir`, replacing what was
    there; returns the rows written per table."""
    staged = landing_dir.with_name(f"{landing_dir.name}.partial")
    shutil.rmtree(staged, ignore_errors=True)
    staged.mkdir(parents=True)
    written = {}
    with duckdb.connect(str(warehouse), read_only=True) as con:
        con.execute("set enable_progress_bar = false")
        for table in _landing_tables(con):
            written[table] = _write_table(con, table, staged / table)
    previous = landing_dir.with_name(f"{landing_dir.name}.previous")
    shutil.rmtree(previous, ignore_errors=True)
    if landing_dir.exists():
        os.replace(landing_dir, previous)
    os.replace(staged, landing_dir)
    shutil.rmtree(previous, ignore_errors=True)
    return written


def _landing_tables(con: duckdb.DuckDBPyConnection) -> list[str]:
    rows = con.execute(
        "select table_name from information_schema.tables "
        "where table_schema = ? and table_type = 'BASE TABLE' order by table_name",
        [SCHEMA],
    ).fetchall()
    return [name for (name,) in rows]


def _write_table(con: duckdb.DuckDBPyConnection, table: str, target: Path) -> int:
    rows = con.execute(f"select count(*) from {SCHEMA}.{table}").fetchone()[0]
    if table in PARTITIONED and rows:
        con.execute(
            f"copy (select *, {PARTITION_KEYS} from {SCHEMA}.{table}) to '{_quoted(target)}'"
            " (format parquet, partition_by (p_period, p_city))"
        )
        return rows
    if table in PARTITIONED:
        target = target / EMPTY_PARTITION
    target.mkdir(parents=True)
    con.execute(f"copy {SCHEMA}.{table} to '{_quoted(target / 'data_0.parquet')}' (format parquet)")
    return rows


def _quoted(path: Path) -> str:
    return str(path).replace("'", "''")
