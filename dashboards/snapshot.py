"""Find and open the published snapshot (never the warehouse: its writer holds DuckDB's lock).

`<publish_dir>/CURRENT` names the current snapshot file; the publisher replaces it
atomically, so reading it on every rerun picks up a new snapshot at the next interaction.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb
import polars as pl
import streamlit as st

from pipelines import settings

NO_SNAPSHOT_ZH = "尚无已发布的数据，请先运行 make run 或 gonghui refresh"


class NoSnapshotError(RuntimeError):
    """No snapshot has been published yet (or CURRENT points to a missing file)."""


def current_snapshot_path() -> Path | None:
    """The snapshot CURRENT points to, or None when nothing usable is published."""
    pointer = settings.publish_dir() / "CURRENT"
    try:
        name = pointer.read_text(encoding="utf-8").strip()
    except (FileNotFoundError, NotADirectoryError):
        return None
    path = pointer.parent / name
    return path if name and path.is_file() else None


# Keyed on the snapshot's path: a new file name means a new connection. A few entries
# let sessions still rendering the previous snapshot finish while the new one opens.
@st.cache_resource(max_entries=4, show_spinner=False)
def _connect(path: str) -> duckdb.DuckDBPyConnection:
    return duckdb.connect(path, read_only=True)


@st.cache_data(max_entries=512, show_spinner=False)
def _read(path: str, sql: str, params: tuple) -> pl.DataFrame:
    # Each call uses its own cursor: a DuckDB connection is shared by every Streamlit
    # session (thread), and cursors are the thread-safe way to share it.
    with _connect(path).cursor() as cursor:
        # relation.pl() exists in DuckDB 1.x and 2.x; connection.execute(...).pl() not in 2.x
        return cursor.sql(sql, params=list(params) or None).pl()


def query(sql: str, params: list[Any] | None = None) -> pl.DataFrame:
    """Run one read on the current snapshot and return it as Polars.

    Results are cached per snapshot file, statement and parameters: a newly published
    snapshot has a new file name, so nothing stale is served after a refresh.
    """
    return _read(str(_snapshot()), sql, tuple(params or ()))


def _snapshot() -> Path:
    path = current_snapshot_path()
    if path is None:
        raise NoSnapshotError(NO_SNAPSHOT_ZH)
    return path


def has_table(name: str) -> bool:
    """Whether the snapshot has a table (optional ones such as run_log may be absent)."""
    frame = query(
        "select count(*) as n from information_schema.tables"
        " where table_schema = 'main' and table_name = ?",
        [name],
    )
    return bool(frame["n"][0])
