"""A refresh that hangs while its process lives (here: waiting for a warehouse lock a stuck
process holds) is stopped by the daemon's run monitoring (dagster.yaml) once it has run
longer than its maximum, and the run queued behind it goes ahead."""

from __future__ import annotations

import fcntl
import time

import dagster as dg
import pytest

from pipelines.warehouse import run_log
from pipelines.warehouse.locking import lock_path
from tests.integration.conftest import instance_at
from tests.integration.test_dagster_launched_runs import (
    exported_kpis,
    run_processes,
    serve,
    submit,
    wait_for,
)

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning:gql")

# what the run is allowed here, against the 6 hours of dagster.yaml (`dagster/max_runtime`
# is Dagster's tag for one run's own maximum); the daemon looks every 60 s
MAX_RUNTIME = 5


def test_a_hung_refresh_is_stopped_by_the_daemon_and_the_next_one_runs(tmp_path, refreshed_city):
    lock = lock_path(tmp_path / "warehouse.duckdb")
    with serve(tmp_path) as (client, sid, _raw, call_outs), lock.open("a+") as held:
        fcntl.flock(held, fcntl.LOCK_EX)  # a stuck process holds the warehouse
        hung = submit(client, tags={"dagster/max_runtime": str(MAX_RUNTIME)})
        assert wait_for(client, hung, seconds=240) == "FAILURE", hung
        deadline = time.monotonic() + 30
        while run_processes(sid) and time.monotonic() < deadline:
            time.sleep(0.5)
        assert run_processes(sid) == []

        fcntl.flock(held, fcntl.LOCK_UN)  # the stuck process is gone
        after = submit(client)
        assert wait_for(client, after, seconds=300) == "SUCCESS", after

    with instance_at(tmp_path / "dagster_home") as instance:
        stats = instance.get_run_stats(hung)
        failure = instance.all_logs(hung, of_type=dg.DagsterEventType.RUN_FAILURE)
    assert stats.end_time - stats.start_time < MAX_RUNTIME + 90  # not left to hang
    assert [event.message for event in failure] == [
        f"Exceeded maximum runtime of {MAX_RUNTIME} seconds."
    ]
    logged = {record["run_id"]: record for record in run_log.latest(tmp_path / "published")}
    # the daemon's reason, not the interrupted step's, whichever it logged first
    assert logged[hung]["failure_reason"] == f"Exceeded maximum runtime of {MAX_RUNTIME} seconds."
    assert exported_kpis(tmp_path / "published", tmp_path / "kpis.csv") == exported_kpis(
        refreshed_city.published, tmp_path / "undisturbed.csv"
    )
    assert not call_outs.exists(), call_outs.read_text()
