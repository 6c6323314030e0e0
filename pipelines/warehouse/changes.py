"""The record of what changed: the loads the published snapshot does not have yet.

The ingestion writes it (pipelines.ingest.write: one row per load in
`landing.pending_loads`, the (town, period) partitions it touched in
`landing.pending_partitions`); dbt's incremental models rebuild those partitions
(dbt_project/models/intermediate/int_partitions_to_rebuild.sql reads them as a source);
the publish copies them into the new snapshot and then clears the record. A run that fails
before publishing leaves the record as it was, so the next run builds those partitions
again: nothing is lost, whatever step failed.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb

from pipelines.ingest.landing import SCHEMA
from pipelines.ingest.write import record_all_partitions


@dataclass(frozen=True)
class Pending:
    """The loads not yet published; `full` when one of them replaced every landing row (or
    a hand-picked build left the tables out of step), so dbt must build everything."""

    loads: tuple[str, ...]
    full: bool

    @property
    def nothing(self) -> bool:
        return not self.loads


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
    """The loads of `published` are in the snapshot run `run_id` made: take them out of the
    record, all but the mark of a hand-picked build in that same run."""
    loads = [load for load in published.loads if load != _partial_build(run_id)]
    for table in ("pending_partitions", "pending_loads"):
        con.execute(
            f"delete from {SCHEMA}.{table} where load_id in (select unnest(?::varchar[]))",
            [loads],
        )


def _partial_build(run_id: str) -> str:
    return f"partial-build:{run_id}"


def _pending(con: duckdb.DuckDBPyConnection) -> Pending:
    exists = con.execute(
        "select count(*) from information_schema.tables "
        "where table_schema = ? and table_name = 'pending_loads'",
        [SCHEMA],
    ).fetchone()[0]
    if not exists:
        return NOTHING
    rows = con.execute(
        f"select load_id, full_reload from {SCHEMA}.pending_loads order by loaded_at, load_id"
    ).fetchall()
    return Pending(tuple(load for load, _ in rows), any(full for _, full in rows))
