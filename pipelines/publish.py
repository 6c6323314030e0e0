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
# The marts of millions of rows are built by partition (town, period), and dbt keeps a digest
# of every partition of theirs (dbt_project/models/intermediate/int_partition_digests.sql). A
# new snapshot starts as a copy of the current one, which keeps the digests it was made from,
# and only the partitions whose digests differ are written again. Every other table is
# copied whole.
DIGESTS = "int_partition_digests"
SNAPSHOT_DIGESTS = "snapshot_partition_digests"


def published_tables(con: duckdb.DuckDBPyConnection, catalog: str) -> list[str]:
    """What dbt built in the main schema for readers: marts, dimensions and seeds."""
    return [name for name in _tables(con, catalog) if not name.startswith(UNPUBLISHED_PREFIXES)]


def publish_snapshot(warehouse: Path, publish_dir: Path, run_id: str, fingerprint: str) -> Path:
    """Write the warehouse's tables into a new snapshot and make it current.

    `fingerprint` records what the snapshot was built from (pipelines.fingerprint)."""
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
        for table in carried - {*tables, SNAPSHOT_DIGESTS, "snapshot_info"}:
            con.execute(f'drop table main."{table}"')
        changed = _changed_partitions(con, catalog, has_digests=SNAPSHOT_DIGESTS in carried)
        for table in tables:
            if table in changed and _same_columns(con, catalog, table):
                _write_partitions(con, catalog, table, changed[table])
            else:
                _copy_whole(con, catalog, table)
        con.execute(
            f"create or replace table main.{SNAPSHOT_DIGESTS} as "
            f'select * from "{catalog}".main.{DIGESTS}'
        )
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


def _changed_partitions(
    con: duckdb.DuckDBPyConnection, catalog: str, *, has_digests: bool
) -> dict[str, list[tuple[str, str]]]:
    """Per partitioned table whose partitions can be rewritten one by one: the (region_code,
    period) partitions whose digests differ between the warehouse and the carried snapshot.
    Tables left out are copied whole: no carried digests, or most partitions changed (after
    a full build writing the table anew is cheaper)."""
    if not has_digests:
        return {}
    rows = con.execute(
        f"""
        select table_name, region_code, period
        from "{catalog}".main.{DIGESTS} as built
        full outer join main.{SNAPSHOT_DIGESTS} as published
            using (table_name, region_code, period)
        where built.row_count is distinct from published.row_count
            or built.digest is distinct from published.digest
        """
    ).fetchall()
    totals = dict(
        con.execute(
            f'select table_name, count(*) from "{catalog}".main.{DIGESTS} group by table_name'
        ).fetchall()
    )
    changed: dict[str, list[tuple[str, str]]] = {table: [] for table in totals}
    for table, region_code, period in rows:
        changed.setdefault(table, []).append((region_code, period))
    return {
        table: partitions
        for table, partitions in changed.items()
        if 2 * len(partitions) <= totals.get(table, 0)
    }


def _write_partitions(
    con: duckdb.DuckDBPyConnection, catalog: str, table: str, partitions: list[tuple[str, str]]
) -> None:
    """Make main.table equal the warehouse's in these partitions (the others are equal)."""
    if not partitions:
        return
    con.execute("create or replace temp table rewritten (region_code varchar, period varchar)")
    con.executemany("insert into rewritten values (?, ?)", partitions)
    where = "(region_code, period) in (select region_code, period from rewritten)"
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
