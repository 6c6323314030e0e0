"""A record of every refresh, for the dashboard's "数据更新于 …" line and failure banner.

It lives beside the published snapshots, in SQLite rather than DuckDB: SQLite lets the
dashboard read while a refresh appends, where DuckDB would lock one out. Records are made
from the Dagster run's own events, so a run started by the CLI, the schedule or the
sensor is recorded the same way (the CLI records after its run; the daemon's runs are
recorded by the run-status sensors in pipelines/defs/run_records.py).
"""

from __future__ import annotations

import sqlite3
from dataclasses import asdict, dataclass, fields
from datetime import datetime
from pathlib import Path
from typing import Any

import dagster as dg

FILE_NAME = "run_log.sqlite"
INGEST_KEY = dg.AssetKey(["landing", "load_audit"])
PUBLISH_KEY = dg.AssetKey("published_snapshot")


@dataclass
class RunRecord:
    run_id: str
    status: str  # success | failure
    trigger: str  # cli | schedule | sensor | ui
    started_at: datetime | None
    ended_at: datetime | None
    files_seen: int | None
    files_parsed: int | None
    files_unchanged: int | None
    files_unreadable: int | None
    rows_accepted: int | None
    rows_quarantined: int | None
    checks_passed: int
    checks_warned: int  # failed checks of WARN severity: shown, not blocking
    checks_failed: int
    published: bool
    failure_reason: str | None


def _connect(publish_dir: Path) -> sqlite3.Connection:
    publish_dir.mkdir(parents=True, exist_ok=True)
    con = sqlite3.connect(publish_dir / FILE_NAME, timeout=30)
    con.execute("pragma journal_mode=wal")
    columns = ", ".join(f"{f.name}" for f in fields(RunRecord))
    con.execute(f"create table if not exists run_log ({columns}, primary key (run_id))")
    return con


def record_from_run(instance: dg.DagsterInstance, run_id: str) -> RunRecord:
    """Read what a finished run did from its event log."""
    run = instance.get_run_by_id(run_id)
    stats = instance.get_run_stats(run_id)
    ingest: dict = {}
    checks_passed = checks_warned = checks_failed = 0
    published = False
    failures: list[str] = []
    for entry in instance.all_logs(run_id):
        event = entry.dagster_event
        if event is None:
            continue
        if event.is_step_materialization or event.is_asset_observation:
            item = (
                event.step_materialization_data.materialization
                if event.is_step_materialization
                else event.asset_observation_data.asset_observation
            )
            if item.asset_key == INGEST_KEY:
                ingest = {key: value.value for key, value in item.metadata.items()}
            published = published or item.asset_key == PUBLISH_KEY
        elif event.event_type_value == "ASSET_CHECK_EVALUATION":
            evaluation = event.event_specific_data
            if evaluation.passed:
                checks_passed += 1
            elif evaluation.severity == dg.AssetCheckSeverity.WARN:
                checks_warned += 1
            else:
                checks_failed += 1
                failures.append(f"检查未通过 check failed: {evaluation.check_name}")
        elif (
            event.is_step_failure
            and event.step_failure_data.error
            # a step interrupted by a stop from outside: the run's failure says why
            and event.step_failure_data.error.cls_name not in INTERRUPTS
        ):
            failures.append(f"{event.step_key}: {failure_reason(event.step_failure_data.error)}")
        elif event.is_run_failure and not failures and entry.message:
            # failed from outside its steps: the message says why (a refresh killed outright,
            # pipelines.defs.abandoned_runs; one stopped by the daemon's run monitoring)
            failures.append(entry.message)
    tags = run.tags if run else {}
    trigger = (
        "schedule"
        if "dagster/schedule_name" in tags
        else "sensor"
        if "dagster/sensor_name" in tags
        else tags.get("trigger", "ui")
    )
    success = run is not None and run.status == dg.DagsterRunStatus.SUCCESS
    return RunRecord(
        run_id=run_id,
        status="success" if success else "failure",
        trigger=trigger,
        started_at=datetime.fromtimestamp(stats.start_time) if stats.start_time else None,
        ended_at=datetime.fromtimestamp(stats.end_time) if stats.end_time else None,
        files_seen=ingest.get("files_seen"),
        files_parsed=ingest.get("files_parsed"),
        files_unchanged=ingest.get("files_unchanged"),
        files_unreadable=ingest.get("files_unreadable"),
        rows_accepted=ingest.get("rows_accepted"),
        rows_quarantined=ingest.get("rows_quarantined"),
        checks_passed=checks_passed,
        checks_warned=checks_warned,
        checks_failed=checks_failed,
        published=published,
        failure_reason="; ".join(failures)[:2000] or None,
    )


# what a step fails with when its run is stopped from outside (terminated, or past its
# maximum runtime)
INTERRUPTS = ("DagsterExecutionInterruptedError", "KeyboardInterrupt")
# what Dagster wraps a step's own exception in: the step's error, and after its retries
DAGSTER_WRAPPERS = ("DagsterExecutionStepExecutionError", "RetryRequested")


def failure_reason(error: Any) -> str:
    """The first line of what made a step fail (`error`: a step failure's error info). An
    exception raised in a step reaches the event log wrapped by Dagster ("Error occurred while
    executing op …", and after the retries "Exceeded max_retries of 2"): the first cause
    that is not one of those wrappers says what went wrong."""
    while error.cause is not None and error.cls_name in DAGSTER_WRAPPERS:
        error = error.cause
    return error.message.strip().splitlines()[0]


def write(publish_dir: Path, record: RunRecord) -> None:
    values = asdict(record)
    columns = ", ".join(values)
    marks = ", ".join("?" for _ in values)
    with _connect(publish_dir) as con:
        con.execute(
            f"insert or replace into run_log ({columns}) values ({marks})", list(values.values())
        )


def latest(publish_dir: Path, limit: int = 20) -> list[dict]:
    """The newest runs first; empty before the first refresh."""
    path = publish_dir / FILE_NAME
    if not path.exists():
        return []
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30)
    con.row_factory = sqlite3.Row
    try:
        rows = con.execute(
            "select * from run_log order by ended_at desc, started_at desc limit ?", [limit]
        ).fetchall()
    finally:
        con.close()
    return [dict(row) for row in rows]
