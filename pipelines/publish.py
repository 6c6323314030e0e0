"""Publish a read-only snapshot of the marts for the dashboard and exports.

DuckDB allows one writer per file and then refuses even readers, so the dashboard
never opens the warehouse. Instead each refresh copies the finished tables into a new
snapshot file and swaps a one-line pointer (`CURRENT`) with `os.replace`, which is
atomic: a reader sees the previous snapshot or the new one, never half of either.
"""

from __future__ import annotations

import os
import shutil
from datetime import datetime
from pathlib import Path

import duckdb

POINTER = "CURRENT"
SNAPSHOT_PREFIX = "snapshot-"
KEEP_SNAPSHOTS = 3


# dbt's staging and intermediate models are the warehouse's working steps, not for readers.
UNPUBLISHED_PREFIXES = ("stg_", "int_")
# The marts of millions of rows, built by partition (town, period) in dbt
# (dbt_project/macros/partitions.sql): a new snapshot starts as a copy of the current one and
# only their changed partitions are written again. Every other table is copied whole.
PARTITIONED_TABLES = ("fct_enterprise_returns", "fct_enterprise_return_history", "mart_actions")
PARTITION = ("region_code", "period")


def published_tables(con: duckdb.DuckDBPyConnection, catalog: str) -> list[str]:
    """What dbt built in the main schema for readers: marts, dimensions and seeds."""
    return [name for name in _tables(con, catalog) if not name.startswith(UNPUBLISHED_PREFIXES)]


def publish_snapshot(warehouse: Path, publish_dir: Path, run_id: str, fingerprint: str) -> Path:
    """Write the warehouse's tables into a new snapshot and make it current.

    The new snapshot starts as a copy of the current one, so that the large partitioned
    tables only need their changed partitions written. `fingerprint` records what the
    snapshot was built from (pipelines.fingerprint)."""
    publish_dir.mkdir(parents=True, exist_ok=True)
    published_at = datetime.now()
    name = f"{SNAPSHOT_PREFIX}{published_at:%Y%m%dT%H%M%S%f}.duckdb"
    partial = publish_dir / f"{name}.partial"
    partial.unlink(missing_ok=True)
    previous = current_snapshot(publish_dir)
    if previous is not None:
        shutil.copyfile(previous, partial)
    catalog = warehouse.stem
    with duckdb.connect(str(partial)) as con:
        con.execute("set enable_progress_bar = false")
        con.execute(f"attach '{warehouse}' as \"{catalog}\" (read_only)")
        tables = published_tables(con, catalog)
        carried = set(_tables(con, _own_catalog(con)))
        for table in carried - set(tables):
            con.execute(f'drop table main."{table}"')
        for table in tables:
            if table in PARTITIONED_TABLES and _same_columns(con, catalog, table):
                _write_changed_partitions(con, catalog, table)
            else:
                _copy_whole(con, catalog, table)
        con.execute(
            "create or replace table snapshot_info as select ?::timestamp as published_at, "
            "? as run_id, ? as fingerprint",
            [published_at, run_id, fingerprint],
        )
        con.execute(f'detach "{catalog}"')
    final = publish_dir / name
    os.replace(partial, final)
    _point_to(publish_dir, name)
    _remove_old_snapshots(publish_dir, keep=name)
    return final


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


def _write_changed_partitions(con: duckdb.DuckDBPyConnection, catalog: str, table: str) -> None:
    """Make main.table equal the warehouse's, rewriting only the partitions whose rows differ
    (compared by row count and a sum of whole-row hashes per partition)."""
    key = ", ".join(PARTITION)
    digest = f"select {key}, count(*) as row_count, sum(hash(*columns(*))) as digest"
    con.execute(
        f"""
        create or replace temp table changed_partitions as
        with
        published as ({digest} from main."{table}" group by all),
        built as ({digest} from "{catalog}".main."{table}" group by all)
        select {key} from built full outer join published using ({key})
        where built.row_count is distinct from published.row_count
            or built.digest is distinct from published.digest
        """
    )
    changed_count, total = con.execute(
        f"select (select count(*) from changed_partitions), "
        f'(select count(distinct ({key})) from "{catalog}".main."{table}")'
    ).fetchone()
    if 2 * changed_count > total:  # after a full build: writing the table anew is cheaper
        _copy_whole(con, catalog, table)
        return
    changed = f"({key}) in (select {key} from changed_partitions)"
    con.execute(f'delete from main."{table}" where {changed}')
    con.execute(
        f'insert into main."{table}" by name '
        f'select * from "{catalog}".main."{table}" where {changed}'
    )


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
