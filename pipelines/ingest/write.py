"""Writing one load into the landing tables: batches staged as they come, then ONE
transaction.

The validated batches go into staging tables (`landing.<table>__staged`, one per landing
table), each batch committed as it comes: DuckDB holds a transaction's uncommitted rows in
memory, and a province loaded in one transaction grew the load's process to 2,903 MiB at
scale 3 (823 MiB staged; docs/benchmarks.md). The load then ends in ONE transaction: the
plan is applied (archive what is replaced or removed, drop the old rows of reparsed files),
the staged rows move in (a full load renames the staging tables into place instead of
copying them), and the audit, the record of what changed and the registry's state are
written. A failure before that transaction commits leaves the previous load as it was, and
a reader never sees half of a load; staging tables a failed load left are replaced by the
next.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import duckdb
import polars as pl

from pipelines import settings
from pipelines.ingest import boundaries, registry
from pipelines.ingest.discovery import RawFile
from pipelines.ingest.landing import SCHEMA, TABLES, create_landing_tables
from pipelines.ingest.parse import TABLE_BY_FEED, FileOutcome

LINEAGE_TABLES = (
    *TABLE_BY_FEED.values(),
    boundaries.TABLE,
    "quarantine",
    "field_issues",
    "load_audit",
)


STAGED = "__staged"  # suffix of a landing table's staging table


@contextlib.contextmanager
def staged_load(warehouse: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """A connection whose `insert_all` batches go to fresh, empty staging tables, committed
    one by one; `finish` ends the load."""
    warehouse.parent.mkdir(parents=True, exist_ok=True)
    with duckdb.connect(str(warehouse), config=settings.duckdb_config()) as con:
        create_landing_tables(con)
        for name, columns in TABLES.items():
            con.execute(f"create or replace table {SCHEMA}.{name}{STAGED} ({columns})")
        yield con


def finish(
    con: duckdb.DuckDBPyConnection,
    load_id: str,
    plan: registry.Plan,
    outcomes: list[FileOutcome],
    state: str,
) -> None:
    """In ONE transaction: the plan applied, the staged rows moved in, the audit of every
    file, the record of what changed and the registry's state."""
    con.begin()
    try:
        if not plan.full:  # the partitions of the rows these files held change with them
            changed = [f.source_file for f in plan.parse + plan.touched] + plan.removed
            _record_partitions(con, load_id, changed)
        _archive(con, plan.replaced, "replaced")
        _archive(con, plan.removed, "removed")
        if plan.full:
            _swap_in_staged(con)
        else:
            _forget(con, [f.source_file for f in plan.parse] + plan.removed)
            _move_mtimes(con, plan.touched)
            _copy_in_staged(con)
        insert(con, "load_audit", audit(outcomes).with_columns(pl.lit(load_id).alias("load_id")))
        if plan.full:
            record_all_partitions(con, load_id)
        else:
            _record_partitions(con, load_id, [f.source_file for f in plan.parse + plan.touched])
        con.execute(
            f"insert into {SCHEMA}.pending_loads values (?, ?, now())", [load_id, plan.full]
        )
        con.execute(f"delete from {SCHEMA}.ingest_state")
        con.execute(f"insert into {SCHEMA}.ingest_state values (?, now())", [state])
        con.commit()
    except BaseException:
        con.rollback()
        raise


def _swap_in_staged(con: duckdb.DuckDBPyConnection) -> None:
    """A full load: every landing table replaced by its staging table, renamed (no copy)."""
    for name in TABLES:
        con.execute(f"drop table {SCHEMA}.{name}")
        con.execute(f"alter table {SCHEMA}.{name}{STAGED} rename to {name}")


def _copy_in_staged(con: duckdb.DuckDBPyConnection) -> None:
    """An incremental load: the staged rows (of the new and changed files) added."""
    for name in TABLES:
        con.execute(f"insert into {SCHEMA}.{name} by name select * from {SCHEMA}.{name}{STAGED}")
        con.execute(f"drop table {SCHEMA}.{name}{STAGED}")


def insert_all(
    con: duckdb.DuckDBPyConnection, frames: dict[str, list[pl.DataFrame]], load_id: str
) -> None:
    for table, parts in frames.items():
        non_empty = [part for part in parts if part.height]
        if non_empty:
            combined = pl.concat(non_empty, how="diagonal_relaxed")
            staged = combined.with_columns(pl.lit(load_id).alias("load_id"))
            insert(con, f"{table}{STAGED}", staged)


def insert(con: duckdb.DuckDBPyConnection, table: str, frame: pl.DataFrame) -> None:
    """Insert the frame's columns that the landing table has, through Arrow."""
    wanted = {
        row[0]
        for row in con.execute(
            "select column_name from information_schema.columns "
            "where table_schema = ? and table_name = ?",
            [SCHEMA, table],
        ).fetchall()
    }
    columns = ", ".join(f'"{name}"' for name in frame.columns if name in wanted)
    view = f"incoming_{table}"
    # String views go to DuckDB as they are, without the copy to plain strings.
    con.register(view, frame.to_arrow(compat_level=pl.CompatLevel.newest()))
    con.execute(f"insert into {SCHEMA}.{table} ({columns}) select {columns} from {view}")
    con.unregister(view)  # lets the batch's memory go


def landed_references(warehouse: Path) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The reference regions and header aliases already in the landing tables, as the
    validator accepted them (aliases in correction order)."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        regions = con.sql(f"select region_code, region_level from {SCHEMA}.ref_regions").pl()
        aliases = con.sql(
            f"select header, field_code, applies_to from {SCHEMA}.ref_header_aliases "
            "order by file_mtime, source_file, source_row"
        ).pl()
    return regions, aliases


def record_all_partitions(con: duckdb.DuckDBPyConnection, load_id: str) -> None:
    """Every partition, current or history, is to be built anew."""
    con.execute(
        f"insert into {SCHEMA}.pending_partitions "
        f"select distinct ?, region_code, period from {SCHEMA}.enterprise_returns "
        f"union select ?, region_code, period from {SCHEMA}.enterprise_returns_archive",
        [load_id, load_id],
    )


def _record_partitions(con: duckdb.DuckDBPyConnection, load_id: str, sources: list[str]) -> None:
    """Record the (town, period) partitions that the enterprise rows of these files fall in,
    as the landing table holds them now."""
    if sources:
        con.execute(
            f"insert into {SCHEMA}.pending_partitions "
            f"select distinct ?, region_code, period from {SCHEMA}.enterprise_returns "
            "where source_file in (select unnest(?::varchar[]))",
            [load_id, sources],
        )


def _archive(con: duckdb.DuckDBPyConnection, sources: list[str], reason: str) -> None:
    """Keep the enterprise rows of replaced or removed files in the history."""
    if sources:
        con.execute(
            f"insert into {SCHEMA}.enterprise_returns_archive by name "
            f"select *, now() as archived_at, ? as archive_reason from {SCHEMA}.enterprise_returns "
            f"where source_file in (select unnest(?::varchar[]))",
            [reason, sources],
        )


def _forget(con: duckdb.DuckDBPyConnection, sources: list[str]) -> None:
    """Drop every landing row (and audit row) that came from these files."""
    if not sources:
        return
    for table in LINEAGE_TABLES:
        con.execute(
            f"delete from {SCHEMA}.{table} where source_file in (select unnest(?::varchar[]))",
            [sources],
        )


def _move_mtimes(con: duckdb.DuckDBPyConnection, touched: list[RawFile]) -> None:
    """Same content, new modification time: only the lineage that orders corrections moves."""
    for raw in touched:
        for table in LINEAGE_TABLES:
            con.execute(
                f"update {SCHEMA}.{table} set file_mtime = ? where source_file = ?",
                [raw.mtime, raw.source_file],
            )


def audit(outcomes: list[FileOutcome]) -> pl.DataFrame:
    loaded_at = datetime.now()
    rows = [
        {
            "source_file": outcome.raw.source_file,
            "feed": outcome.raw.folder,
            "sheet": sheet.sheet,
            "file_mtime": outcome.raw.mtime,
            "file_size": outcome.size,
            "sha256": outcome.sha256,
            "status": "unreadable" if sheet.error_code else "loaded",
            "error_code": sheet.error_code,
            "message_zh": sheet.message_zh,
            "message_en": sheet.message_en,
            "rows_read": sheet.rows_read,
            "rows_accepted": sheet.rows_accepted,
            "rows_quarantined": sheet.rows_quarantined,
            "rows_with_field_issues": sheet.rows_with_field_issues,
            "rows_skipped": sheet.skipped.count,
            "total_lines": sheet.skipped.totals,
            "note_lines": sheet.skipped.notes,
            "other_lines": sheet.skipped.others,
            "unknown_columns": ",".join(sheet.unknown_columns) or None,
            "loaded_at": loaded_at,
        }
        for outcome in outcomes
        for sheet in outcome.sheets
    ]
    schema = {
        "source_file": pl.String,
        "feed": pl.String,
        "sheet": pl.String,
        "file_mtime": pl.Datetime("us"),
        "file_size": pl.Int64,
        "sha256": pl.String,
        "status": pl.String,
        "error_code": pl.String,
        "message_zh": pl.String,
        "message_en": pl.String,
        "rows_read": pl.Int64,
        "rows_accepted": pl.Int64,
        "rows_quarantined": pl.Int64,
        "rows_with_field_issues": pl.Int64,
        "rows_skipped": pl.Int64,
        "total_lines": pl.Int64,
        "note_lines": pl.Int64,
        "other_lines": pl.Int64,
        "unknown_columns": pl.String,
        "loaded_at": pl.Datetime("us"),
    }
    return pl.DataFrame(rows, schema=schema)
