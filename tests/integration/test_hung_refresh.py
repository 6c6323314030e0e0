"""A refresh that hangs while its process lives (here: waiting for a warehouse lock a stuck
process holds) is stopped by the daemon's run monitoring (dagster.yaml) once it has run
longer than its maximum, or by Terminate in the UI; its step is not retried, its processes
end, and the run queued behind it goes ahead."""

from __future__ import annotations

import fcntl
import time

import dagster as dg
import pytest

from pipelines.warehouse.locking import lock_path
from tests.integration.conftest import instance_at
from tests.integration.test_dagster_launched_runs import (
    exported_kpis,
    logged_runs,
    run_processes_after,
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
        assert run_processes_after(sid) == []
        logged = logged_runs(tmp_path / "published", waiting_for=hung)

        fcntl.flock(held, fcntl.LOCK_UN)  # the stuck process is gone
        after = submit(client)
        assert wait_for(client, after, seconds=300) == "SUCCESS", after

    with instance_at(tmp_path / "dagster_home") as instance:
        failure = instance.all_logs(hung, of_type=dg.DagsterEventType.RUN_FAILURE)
    assert [event.message for event in failure] == [
        f"Exceeded maximum runtime of {MAX_RUNTIME} seconds."
    ]
    # the daemon's reason, not the interrupted step's, whichever it logged first
    assert logged[hung]["failure_reason"] == f"Exceeded maximum runtime of {MAX_RUNTIME} seconds."
    assert exported_kpis(tmp_path / "published", tmp_path / "kpis.csv") == exported_kpis(
        refreshed_city.published, tmp_path / "undisturbed.csv"
    )
    assert not call_outs.exists(), call_outs.read_text()


def test_a_refresh_terminated_in_the_ui_while_it_waits_ends_its_process(tmp_path):
    lock = lock_path(tmp_path / "warehouse.duckdb")
    with serve(tmp_path) as (client, sid, _raw, _call_outs), lock.open("a+") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        waiting = submit(client)
        with instance_at(tmp_path / "dagster_home") as instance:
            wait_for_step(instance, waiting, "landing_tables")  # waits for the lock
        client.terminate_run(waiting)  # the UI's Terminate
        assert wait_for(client, waiting, seconds=120) == "CANCELED", waiting
        assert run_processes_after(sid) == []  # its step was not started again


def wait_for_step(instance: dg.DagsterInstance, run_id: str, step: str, seconds: float = 180):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        started = instance.all_logs(run_id, of_type=dg.DagsterEventType.STEP_START)
        if any(event.step_key == step for event in started):
            return
        time.sleep(0.5)
    raise AssertionError(f"step {step} of run {run_id} not started after {seconds}s")
