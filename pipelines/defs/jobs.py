"""The refresh job and its nightly schedule."""

from __future__ import annotations

import dagster as dg

from pipelines import settings
from pipelines.defs.abandoned_runs import fail_abandoned_runs
from pipelines.warehouse.freshness import nothing_to_refresh

REFRESH_JOB_NAME = "refresh"

refresh_job = dg.define_asset_job(
    REFRESH_JOB_NAME,
    selection=dg.AssetSelection.all(),
    description="从 raw/ 刷新数仓：读取校验 → dbt 建模与测试 → 发布快照 (ingest → dbt build → publish)",
)


@dg.schedule(
    name="nightly_refresh",
    job=refresh_job,
    cron_schedule="0 2 * * *",
    execution_timezone="Asia/Shanghai",
    default_status=dg.DefaultScheduleStatus.RUNNING,
    description="每晚 02:00（北京时间）刷新；raw/ 与已发布的快照一致时不启动",
)
def nightly_refresh(context: dg.ScheduleEvaluationContext):
    """No run is launched when it would find nothing to do (pipelines.warehouse.freshness).
    A refresh whose process was killed outright is marked failed first: the daemon's queue
    would otherwise hold tonight's run behind it (pipelines.defs.abandoned_runs)."""
    for line in fail_abandoned_runs(context.instance, refresh_job.name).values():
        context.log.warning(line)
    if nothing_to_refresh(
        settings.raw_dir(), settings.warehouse_path(), settings.publish_dir(), settings.today()
    ):
        return dg.SkipReason(
            "raw/ 与已发布的快照一致，没有要刷新的 (nothing changed since the snapshot)"
        )
    return dg.RunRequest()
