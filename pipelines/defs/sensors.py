"""The raw/ sensor: a refresh shortly after towns drop files, one run per batch."""

import time

import dagster as dg

from pipelines import settings
from pipelines.defs.jobs import refresh_job
from pipelines.defs.raw_watch import WatchState, decide, published_is_current, raw_fingerprint


@dg.sensor(
    job=refresh_job,
    minimum_interval_seconds=30,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="raw/ 有新文件或改动且静置 60 秒后触发一次刷新 (debounced file watcher)",
)
def raw_files_sensor(context: dg.SensorEvaluationContext):
    raw_dir = settings.raw_dir()
    if published_is_current(raw_dir, settings.publish_dir()):
        return dg.SkipReason("raw/ 与已发布的快照一致 (the snapshot is up to date with raw/)")
    decision = decide(WatchState.from_cursor(context.cursor), raw_fingerprint(raw_dir), time.time())
    context.update_cursor(decision.state.to_cursor())
    if decision.run_key is None:
        return dg.SkipReason(decision.reason)
    return dg.RunRequest(run_key=decision.run_key, tags={"trigger": "raw_files_sensor"})
