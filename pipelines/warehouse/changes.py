"""The record of what changed: the loads the published snapshot does not have yet.

The ingestion writes it (pipelines.ingest.write: one row per load in
`landing.pending_loads`, the (town, period) partitions it touched in
`landing.pending_partitions`); dbt's incremental models rebuild those partitions
(dbt_project/models/intermediate/int_partitions_to_rebuild.sql reads them as a source);
the publish copies them into the new snapshot and then clears the record. A run that fails
before publishing leaves the record as it was, so the next run builds those partitions
again: nothing is lost, whatever step failed.

The record is of what the published snapshot lacks, so it holds only for the tables the
snapshot was published from: DuckDB's in the warehouse, or Spark's in its tables folder.
Tables elsewhere lack every load published since they were last built. The publish notes
where its tables live (`landing.published_build`), and a build anywhere else is a full one:
switching GONGHUI_ENGINE (or Spark's tables folder) rebuilds everything once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from pipelines import settings
from pipelines.ingest.landing import KEPT_TABLES, SCHEMA
from pipelines.ingest.write import record_all_partitions


@dataclass(frozen=True)
class Pending:
    """The loads not yet published; `full` when one of them replaced every landing row, a
    hand-picked build left the tables out of step, or the last snapshot was published from
    tables elsewhere (`published_from`: where, or None when no snapshot noted it), so dbt
    must build everything."""

    loads: tuple[str, ...]
    full: bool
    published_from: str | None = field(default=None, compare=False)

    @property
    def nothing(self) -> bool:
        return not self.loads

    @property
    def built_elsewhere(self) -> bool:
        return self.published_from != settings.dbt_tables_location()


NOTHING = Pending((), False)


def pending(warehouse: Path) -> Pending:
    """What the next build has to do, read from the warehouse."""
    if not warehouse.exists():
        return NOTHING
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return _pending(con)


def require_full_build(warehouse: Path, run_id: str) -> None:
    """Put a full build into the record: a build of hand-picked dbt assets (run `run_id`)
    leaves the other tables behind, so the next complete refresh must rebuild everything."""
    with duckdb.connect(str(warehouse)) as con:
        con.execute(
            f"insert into {SCHEMA}.pending_loads values (?, true, now())",
            [_partial_build(run_id)],
        )
        record_all_partitions(con, _partial_build(run_id))


def clear(con: duckdb.DuckDBPyConnection, published: Pending, run_id: str) -> None:
    """The loads of `published` are in the snapshot run `run_id` made from the tables at
    dbt_tables_location(): take them out of the record, all but the mark of a hand-picked
    build in that same run, and note where those tables live. One transaction: a record
    cleared without the note would let tables elsewhere pass for complete."""
    loads = [load for load in published.loads if load != _partial_build(run_id)]
    con.execute("begin")
    for table in ("pending_partitions", "pending_loads"):
        con.execute(
            f"delete from {SCHEMA}.{table} where load_id in (select unnest(?::varchar[]))",
            [loads],
        )
    con.execute(
        f"create table if not exists {SCHEMA}.published_build ({KEPT_TABLES['published_build']})"
    )
    con.execute(f"delete from {SCHEMA}.published_build")
    con.execute(
        f"insert into {SCHEMA}.published_build values (?, now())", [settings.dbt_tables_location()]
    )
    con.execute("commit")


def _partial_build(run_id: str) -> str:
    return f"partial-build:{run_id}"


def _pending(con: duckdb.DuckDBPyConnection) -> Pending:
    if not _exists(con, "pending_loads"):
        return NOTHING
    rows = con.execute(
        f"select load_id, full_reload from {SCHEMA}.pending_loads order by loaded_at, load_id"
    ).fetchall()
    noted = (
        con.execute(f"select tables_location from {SCHEMA}.published_build").fetchall()
        if _exists(con, "published_build")
        else []
    )
    record = Pending(
        tuple(load for load, _ in rows),
        any(full for _, full in rows),
        noted[0][0] if noted else None,
    )
    full = record.full or bool(record.loads and record.built_elsewhere)
    return Pending(record.loads, full, record.published_from)


def _exists(con: duckdb.DuckDBPyConnection, table: str) -> bool:
    return con.execute(
        "select count(*) > 0 from information_schema.tables"
        " where table_schema = ? and table_name = ?",
        [SCHEMA, table],
    ).fetchone()[0]
