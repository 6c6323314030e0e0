"""Run the refresh job in this process and tell the user what happened."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import dagster as dg
import duckdb

from pipelines import settings
from pipelines.defs.abandoned_runs import fail_abandoned_runs, tags_of_this_process
from pipelines.warehouse import run_log
from pipelines.warehouse.locking import refresh_lock

log = logging.getLogger("gonghui")

QUIET_DAGSTER = {"loggers": {"console": {"config": {"log_level": "WARNING"}}}}


@dataclass
class RefreshOutcome:
    success: bool
    run_id: str
    failures: list[str] = field(default_factory=list)
    files: int = 0
    unreadable: list[tuple[str, str]] = field(default_factory=list)
    rows_read: int = 0
    rows_accepted: int = 0
    rows_quarantined: int = 0
    rows_skipped: int = 0
    kpi_rows: int = 0
    published: bool = False
    # data-quality checks (pipelines.defs.checks) that did not pass
    check_failures: list[str] = field(default_factory=list)
    check_warnings: list[str] = field(default_factory=list)
    # the run's whole log, as the Dagster UI shows it: one line per event
    log: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        status = "成功 succeeded" if self.success else "失败 FAILED"
        if self.published:
            status += "，已发布新快照 (new snapshot published)"
        elif self.success:
            status += "，没有改动，快照已是最新 (nothing changed, snapshot up to date)"
        lines = [
            f"刷新{status} (run {self.run_id[:8]})",
            f"文件 files read: {self.files}，无法读取 unreadable: {len(self.unreadable)}",
        ]
        lines += [f"  ✗ {name}: {reason}" for name, reason in self.unreadable]
        lines += [
            f"行 rows: 读入 read {self.rows_read:,} = 接受 accepted {self.rows_accepted:,}"
            f" + 隔离 quarantined {self.rows_quarantined:,}"
            f" + 跳过 skipped {self.rows_skipped:,}（合计、备注等 totals, notes, …）",
            f"指标 KPI rows built: {self.kpi_rows:,}",
        ]
        lines += [f"  ✗ {failure}" for failure in self.failures]
        lines += [f"  ✗ 检查未通过 check failed: {failure}" for failure in self.check_failures]
        lines += [f"  ⚠ 警告 warning: {warning}" for warning in self.check_warnings]
        if not self.success and not self.published:
            lines.append(
                "未发布新快照，仪表盘仍显示上一次发布的数据"
                " (no new snapshot: the dashboard keeps the last published one)"
            )
        return lines


def run_refresh(*, full: bool = False) -> RefreshOutcome:
    """The same `refresh` job the schedule runs, executed in process.

    Raises RefreshBusy at once when another refresh holds the warehouse.
    """
    settings.prepare_offline_environment()
    from pipelines.definitions import defs

    job = defs.resolve_job_def("refresh")
    run_config = {**QUIET_DAGSTER, "ops": {"landing_tables": {"config": {"full": full}}}}
    with (
        refresh_lock(settings.warehouse_path(), wait=False),
        dg.DagsterInstance.get() as instance,
    ):
        for run_id, line in fail_abandoned_runs(instance, job.name).items():
            log.warning(line)
            # as the daemon's run-failure sensor would, if a daemon runs at all
            run_log.write(settings.publish_dir(), run_log.record_from_run(instance, run_id))
        result = job.execute_in_process(
            instance=instance,
            raise_on_error=False,
            run_config=run_config,
            tags={"trigger": "cli", **tags_of_this_process()},
        )
        run_log.write(settings.publish_dir(), run_log.record_from_run(instance, result.run_id))
        events = instance.all_logs(result.run_id)
    outcome = RefreshOutcome(success=result.success, run_id=result.run_id)
    outcome.log = [_log_line(event) for event in events]
    materialized = {event.asset_key for event in result.get_asset_materialization_events()}
    outcome.published = dg.AssetKey("published_snapshot") in materialized
    outcome.failures = [
        f"{event.step_key}: {run_log.failure_reason(event.step_failure_data.error)}"
        for event in result.all_events
        if event.is_step_failure
        and event.step_failure_data.error
        # a failed blocking check is reported below, with its description and row count
        and event.step_failure_data.error.cls_name != "DagsterAssetCheckFailedError"
    ]
    _read_checks(result, outcome)
    _read_counts(outcome)
    return outcome


def _log_line(event: dg.EventLogEntry) -> str:
    when = datetime.fromtimestamp(event.timestamp).strftime("%Y-%m-%d %H:%M:%S.%f")[:-3]
    step = f" [{event.step_key}]" if event.step_key else ""
    kind = event.dagster_event_type.value if event.dagster_event_type else "LOG"
    return f"{when} {kind}{step} {event.message}"


def _read_checks(result: dg.ExecuteInProcessResult, outcome: RefreshOutcome) -> None:
    for event in result.all_events:
        if event.event_type != dg.DagsterEventType.ASSET_CHECK_EVALUATION:
            continue
        evaluation = event.event_specific_data
        if evaluation.passed:
            continue
        rows = evaluation.metadata.get("unexpected_rows")
        line = f"{evaluation.asset_key.to_user_string()} · {evaluation.check_name}"
        if evaluation.description:
            line += f" — {evaluation.description}"
        if rows is not None:
            line += f"（{rows.value:,} 行 rows）"
        if evaluation.severity == dg.AssetCheckSeverity.ERROR:
            outcome.check_failures.append(line)
        else:
            outcome.check_warnings.append(line)


def _read_counts(outcome: RefreshOutcome) -> None:
    """Totals for the summary; after a failed run the warehouse may still be held by a
    dying subprocess, and the summary then goes without them rather than crash."""
    warehouse = settings.warehouse_path()
    if not warehouse.exists():
        return
    try:
        con = duckdb.connect(str(warehouse), read_only=True)
    except duckdb.IOException as busy:
        outcome.failures.append(f"无法读取数仓统计 (warehouse busy): {busy}")
        return
    with con:
        files, read, accepted, quarantined, skipped = con.execute(
            """
            select count(distinct source_file), coalesce(sum(rows_read), 0),
                coalesce(sum(rows_accepted), 0), coalesce(sum(rows_quarantined), 0),
                coalesce(sum(rows_skipped), 0)
            from landing.load_audit
            """
        ).fetchone()
        outcome.files, outcome.rows_read = files, read
        outcome.rows_accepted, outcome.rows_quarantined = accepted, quarantined
        outcome.rows_skipped = skipped
        outcome.unreadable = con.execute(
            "select source_file, message_zh from landing.load_audit "
            "where status = 'unreadable' order by source_file"
        ).fetchall()
    outcome.kpi_rows = _kpi_rows(settings.marts_path(warehouse, settings.engine()))


def _kpi_rows(marts: Path) -> int:
    """Rows of mart_kpi where dbt's tables are read from (the warehouse, or the views over
    a Spark build's tables); 0 before the first build."""
    if not marts.exists():
        return 0
    with duckdb.connect(str(marts), read_only=True) as con:
        built = con.execute(
            "select count(*) from information_schema.tables"
            " where table_schema = 'main' and table_name = 'mart_kpi'"
        ).fetchone()[0]
        return con.execute("select count(*) from main.mart_kpi").fetchone()[0] if built else 0
