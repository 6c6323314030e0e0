"""The raw/ sensor: a refresh shortly after towns drop files, one run per batch, and none
while a refresh is already queued or running (one started from the UI, the schedule or an
earlier tick): that run may take in the new files, and the next tick after it ends sees
whether it did. A refresh whose process was killed outright is marked failed first
(pipelines.defs.abandoned_runs), so it holds up neither this sensor nor the daemon's queue."""

import time

import dagster as dg

from pipelines import settings
from pipelines.defs.abandoned_runs import fail_abandoned_runs
from pipelines.defs.jobs import refresh_job
from pipelines.defs.raw_watch import WatchState, decide, published_is_current, raw_fingerprint

IN_FLIGHT = [
    dg.DagsterRunStatus.QUEUED,
    dg.DagsterRunStatus.NOT_STARTED,
    dg.DagsterRunStatus.STARTING,
    dg.DagsterRunStatus.STARTED,
    dg.DagsterRunStatus.CANCELING,
]


@dg.sensor(
    job=refresh_job,
    minimum_interval_seconds=30,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="raw/ 有新文件或改动且静置 60 秒后触发一次刷新 (debounced file watcher)",
)
def raw_files_sensor(context: dg.SensorEvaluationContext):
    for line in fail_abandoned_runs(context.instance, refresh_job.name).values():
        context.log.warning(line)
    in_flight = context.instance.get_run_records(
        dg.RunsFilter(job_name=refresh_job.name, statuses=IN_FLIGHT), limit=1
    )
    if in_flight:
        run_id = in_flight[0].dagster_run.run_id[:8]
        return dg.SkipReason(f"刷新 {run_id} 尚未结束 (refresh {run_id} is still in flight)")
    raw_dir = settings.raw_dir()
    if published_is_current(raw_dir, settings.publish_dir()):
        return dg.SkipReason("raw/ 与已发布的快照一致 (the snapshot is up to date with raw/)")
    decision = decide(WatchState.from_cursor(context.cursor), raw_fingerprint(raw_dir), time.time())
    context.update_cursor(decision.state.to_cursor())
    if decision.run_key is None:
        return dg.SkipReason(decision.reason)
    return dg.RunRequest(run_key=decision.run_key, tags={"trigger": "raw_files_sensor"})
