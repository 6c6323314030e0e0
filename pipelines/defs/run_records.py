"""Runs launched by the daemon (schedule, sensor, UI) are written to the run log here;
`gonghui refresh` writes its own record after its in-process run."""

import dagster as dg

from pipelines import settings
from pipelines.defs.jobs import refresh_job
from pipelines.warehouse import run_log


def _record(context: dg.RunStatusSensorContext) -> None:
    record = run_log.record_from_run(context.instance, context.dagster_run.run_id)
    run_log.write(settings.publish_dir(), record)


@dg.run_status_sensor(
    run_status=dg.DagsterRunStatus.SUCCESS,
    monitored_jobs=[refresh_job],
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="把成功的刷新记入运行日志 (record successful refreshes)",
)
def record_successful_refresh(context: dg.RunStatusSensorContext):
    _record(context)


@dg.run_failure_sensor(
    monitored_jobs=[refresh_job],
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="把失败的刷新及原因记入运行日志 (record failed refreshes with the reason)",
)
def record_failed_refresh(context: dg.RunFailureSensorContext):
    _record(context)
