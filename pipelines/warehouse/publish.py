"""Publish a read-only snapshot of the marts for the dashboard and exports.

DuckDB allows one writer per file and then refuses even readers, so the dashboard
never opens the warehouse. Instead each refresh writes the finished tables into a new
snapshot file and swaps a one-line pointer (`CURRENT`) with `os.replace`, which is
atomic: a reader sees the previous snapshot or the new one, never half of either.

The marts of millions of rows are built by partition (town, period). A new snapshot starts
as a copy of the current one, and only the partitions this build rebuilt (dbt's
`int_partitions_to_rebuild`, from the record of what changed: pipelines.warehouse.changes)
are written again; every other table is copied whole. Once the pointer names the new
snapshot, the record is cleared.
"""

from __future__ import annotations

import os
import shutil
from datetime import datetime
from pathlib import Path

import duckdb

from pipelines import settings
from pipelines.warehouse import changes

POINTER = "CURRENT"
SNAPSHOT_PREFIX = "snapshot-"
KEEP_SNAPSHOTS = 3
# dbt's staging and intermediate models are the warehouse's working steps, not for readers.
UNPUBLISHED_PREFIXES = ("stg_", "int_")
REBUILT = "int_partitions_to_rebuild"
INFO = "snapshot_info"


def published_tables(con: duckdb.DuckDBPyConnection, catalog: str) -> list[str]:
    """What dbt built in the main schema for readers: marts, dimensions and seeds."""
    return [name for name in _tables(con, catalog) if not name.startswith(UNPUBLISHED_PREFIXES)]


def publish_snapshot(
    warehouse: Path,
    publish_dir: Path,
    run_id: str,
    partitioned: frozenset[str],
    *,
    tables: Path | None = None,
    engine: str = "duckdb",
) -> Path:
    """Write the warehouse's tables into a new snapshot, make it current, clear the record.

    `partitioned`: the tables dbt builds by partition, which are copied partition by
    partition when the current snapshot can be carried over. `tables`: the DuckDB file
    dbt's tables are read from when not the warehouse (views over the tables a build on
    Spark wrote); `engine` is recorded in snapshot_info."""
    publish_dir.mkdir(parents=True, exist_ok=True)
    pending = changes.pending(warehouse)
    published_at = datetime.now()
    name = f"{SNAPSHOT_PREFIX}{published_at:%Y%m%dT%H%M%S%f}.duckdb"
    partial = publish_dir / f"{name}.partial"
    partial.unlink(missing_ok=True)
    previous = current_snapshot(publish_dir)
    carry_over = previous is not None and not pending.full
    if carry_over:
        shutil.copyfile(previous, partial)
    source = tables or warehouse
    catalog = source.stem
    with duckdb.connect(str(partial), config=settings.duckdb_config()) as con:
        con.execute("set enable_progress_bar = false")
        con.execute(f"attach '{source}' as \"{catalog}\" (read_only)")
        tables = published_tables(con, catalog)
        for table in set(_tables(con, _own_catalog(con))) - {*tables, INFO}:
            con.execute(f'drop table main."{table}"')
        for table in tables:
            if carry_over and table in partitioned and _same_columns(con, catalog, table):
                _write_rebuilt_partitions(con, catalog, table)
            else:
                _copy_whole(con, catalog, table)
        con.execute(
            f"create or replace table {INFO} as"
            " select ?::timestamp as published_at, ? as run_id, ? as engine",
            [published_at, run_id, engine],
        )
        con.execute(f'detach "{catalog}"')
    final = publish_dir / name
    os.replace(partial, final)
    _point_to(publish_dir, name)
    with duckdb.connect(str(warehouse)) as con:
        changes.clear(con, pending, run_id)
    _remove_old_snapshots(publish_dir, keep=name)
    return final


def _write_rebuilt_partitions(con: duckdb.DuckDBPyConnection, catalog: str, table: str) -> None:
    """Make main.table equal the warehouse's in the partitions this build rebuilt (the
    others are equal already)."""
    where = f'(region_code, period) in (select region_code, period from "{catalog}".main.{REBUILT})'
    con.execute(f'delete from main."{table}" where {where}')
    con.execute(
        f'insert into main."{table}" by name select * from "{catalog}".main."{table}" where {where}'
    )


def _tables(con: duckdb.DuckDBPyConnection, catalog: str) -> list[str]:
    rows = con.execute(
        """
        select table_name from information_schema.tables
        where table_catalog = ? and table_schema = 'main'
        order by table_name
        """,
        [catalog],
    ).fetchall()
    return [name for (name,) in rows]


def _columns(con: duckdb.DuckDBPyConnection, catalog: str, table: str) -> list[tuple[str, str]]:
    return con.execute(
        """
        select column_name, data_type from information_schema.columns
        where table_catalog = ? and table_schema = 'main' and table_name = ?
        order by ordinal_position
        """,
        [catalog, table],
    ).fetchall()


def _own_catalog(con: duckdb.DuckDBPyConnection) -> str:
    return con.execute("select current_database()").fetchone()[0]


def _copy_whole(con: duckdb.DuckDBPyConnection, catalog: str, table: str) -> None:
    con.execute(
        f'create or replace table main."{table}" as select * from "{catalog}".main."{table}"'
    )


def _same_columns(con: duckdb.DuckDBPyConnection, catalog: str, table: str) -> bool:
    """The carried-over table exists with the warehouse table's columns."""
    carried = _columns(con, _own_catalog(con), table)
    return bool(carried) and carried == _columns(con, catalog, table)


def current_snapshot(publish_dir: Path) -> Path | None:
    """The snapshot the pointer names, or None before the first publish."""
    pointer = publish_dir / POINTER
    if not pointer.exists():
        return None
    path = publish_dir / pointer.read_text(encoding="utf-8").strip()
    return path if path.exists() else None


def _point_to(publish_dir: Path, name: str) -> None:
    staged = publish_dir / f"{POINTER}.partial"
    staged.write_text(name, encoding="utf-8")
    os.replace(staged, publish_dir / POINTER)


def _remove_old_snapshots(publish_dir: Path, keep: str) -> None:
    """Keep the newest few; a reader holding an older file open keeps its inode."""
    snapshots = sorted(publish_dir.glob(f"{SNAPSHOT_PREFIX}*.duckdb"), reverse=True)
    for old in snapshots[KEEP_SNAPSHOTS:]:
        if old.name != keep:
            old.unlink(missing_ok=True)
