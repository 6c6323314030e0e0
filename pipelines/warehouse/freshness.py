"""Whether a refresh would find nothing to do, answered before one is launched.

A refresh that finds nothing to do still pays for starting: Python, Dagster, dagster-dbt
and the definitions load and the run's events are written before its ingestion sees that
raw/ is as it was (some 5 s at any scale). The CLI and the nightly schedule ask this first
and do not launch a run when the answer is yes. It is the run's own test, in the same
order: the last load's registry and state (pipelines.ingest.registry) say no file is new,
changed or gone and neither the seeds, the dbt project nor the month moved; no load is
waiting to be published (pipelines.warehouse.changes); a snapshot is published.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb

from pipelines import settings
from pipelines.ingest import registry
from pipelines.ingest.discovery import discover
from pipelines.warehouse import changes
from pipelines.warehouse.locking import RefreshBusy, refresh_lock
from pipelines.warehouse.publish import current_snapshot


def nothing_to_refresh(
    raw_dir: Path, warehouse: Path, publish_dir: Path, today: date, seeds_dir: Path | None = None
) -> bool:
    """True only when a refresh would ingest nothing and publish nothing. While another
    refresh holds the warehouse the answer is False: the run is launched and waits for that
    one (or, from the CLI, is refused as busy), as it would have been."""
    if current_snapshot(publish_dir) is None or not warehouse.exists():
        return False
    try:
        with refresh_lock(warehouse, wait=False):
            previous = registry.previous_load(warehouse)
            if previous is None or not changes.pending(warehouse).nothing:
                return False
    except (RefreshBusy, duckdb.IOException):  # a refresh is under way
        return False
    known, state = previous
    if state != registry.state_key(seeds_dir or settings.DBT_PROJECT_DIR / "seeds", today):
        return False
    return registry.matches(discover(raw_dir), known)
