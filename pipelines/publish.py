"""Publish a read-only snapshot of the marts for the dashboard and exports.

DuckDB allows one writer per file and then refuses even readers, so the dashboard
never opens the warehouse. Instead each refresh copies the finished tables into a new
snapshot file and swaps a one-line pointer (`CURRENT`) with `os.replace`, which is
atomic: a reader sees the previous snapshot or the new one, never half of either.
"""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path

import duckdb

POINTER = "CURRENT"
SNAPSHOT_PREFIX = "snapshot-"
KEEP_SNAPSHOTS = 3


# dbt's staging and intermediate models are the warehouse's working steps, not for readers.
UNPUBLISHED_PREFIXES = ("stg_", "int_")


def published_tables(con: duckdb.DuckDBPyConnection, catalog: str) -> list[str]:
    """What dbt built in the main schema for readers: marts, dimensions and seeds.

    The large fact marts are views in the warehouse and become tables here, so their
    millions of rows are written once per refresh, into the snapshot."""
    rows = con.execute(
        """
        select table_name from information_schema.tables
        where table_catalog = ? and table_schema = 'main'
        order by table_name
        """,
        [catalog],
    ).fetchall()
    return [name for (name,) in rows if not name.startswith(UNPUBLISHED_PREFIXES)]


def publish_snapshot(warehouse: Path, publish_dir: Path, run_id: str, fingerprint: str) -> Path:
    """Copy the warehouse's tables into a new snapshot and make it current.

    `fingerprint` records what the snapshot was built from (pipelines.fingerprint)."""
    publish_dir.mkdir(parents=True, exist_ok=True)
    published_at = datetime.now()
    name = f"{SNAPSHOT_PREFIX}{published_at:%Y%m%dT%H%M%S%f}.duckdb"
    partial = publish_dir / f"{name}.partial"
    partial.unlink(missing_ok=True)
    # Attached under the name dbt knows it by: its views name their inputs with it.
    catalog = warehouse.stem
    with duckdb.connect(str(partial)) as con:
        con.execute("set enable_progress_bar = false")
        con.execute(f"attach '{warehouse}' as \"{catalog}\" (read_only)")
        for table in published_tables(con, catalog):
            con.execute(f'create table main."{table}" as select * from "{catalog}".main."{table}"')
        con.execute(
            "create table snapshot_info as select ?::timestamp as published_at, "
            "? as run_id, ? as fingerprint",
            [published_at, run_id, fingerprint],
        )
        con.execute(f'detach "{catalog}"')
    final = publish_dir / name
    os.replace(partial, final)
    _point_to(publish_dir, name)
    _remove_old_snapshots(publish_dir, keep=name)
    return final


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
