"""The raw/ watcher asks for one refresh per batch of files, once raw/ is quiet."""

from __future__ import annotations

import time
from datetime import datetime

import dagster as dg
import pytest

from pipelines.definitions import defs
from pipelines.defs.raw_watch import QUIET_SECONDS, WatchState, decide, raw_fingerprint
from tests.unit.conftest import started_run


def test_a_batch_of_twenty_files_triggers_one_run(tmp_path):
    returns = tmp_path / "returns"
    returns.mkdir()
    state, runs, clock = WatchState(), [], 1000.0
    for i in range(20):  # a town copies 20 files, one every 5 seconds
        (returns / f"town{i}.csv").write_text("x" * (i + 1), encoding="utf-8")
        decision = decide(state, raw_fingerprint(tmp_path), clock)
        state, clock = decision.state, clock + 5
        runs += [decision.run_key] if decision.run_key else []
    for _ in range(20):  # then the sensor keeps looking every 30 seconds
        decision = decide(state, raw_fingerprint(tmp_path), clock)
        state, clock = decision.state, clock + 30
        runs += [decision.run_key] if decision.run_key else []
    assert len(runs) == 1


def test_a_file_still_growing_is_not_read_half_way(tmp_path):
    (tmp_path / "returns").mkdir()
    growing = tmp_path / "returns" / "big.xlsx"
    state, clock = WatchState(), 0.0
    for size in range(1, 6):  # written over several minutes, a chunk per minute
        growing.write_bytes(b"x" * size * 1000)
        decision = decide(state, raw_fingerprint(tmp_path), clock)
        assert decision.run_key is None
        state, clock = decision.state, clock + QUIET_SECONDS - 1
    decision = decide(state, raw_fingerprint(tmp_path), clock + QUIET_SECONDS)
    assert decision.run_key is not None


def test_no_change_since_the_last_run_starts_nothing(tmp_path):
    (tmp_path / "returns").mkdir()
    (tmp_path / "returns" / "a.csv").write_text("a", encoding="utf-8")
    fingerprint = raw_fingerprint(tmp_path)
    launched = WatchState(seen=fingerprint, seen_since=0.0, launched=fingerprint)
    assert decide(launched, fingerprint, 10_000.0).run_key is None


def test_the_sensor_in_dagster_waits_then_requests_a_run(tmp_path, monkeypatch):
    monkeypatch.setenv("GONGHUI_RAW_DIR", str(tmp_path))
    (tmp_path / "returns").mkdir()
    (tmp_path / "returns" / "a.csv").write_text("a", encoding="utf-8")
    sensor = defs.resolve_sensor_def("raw_files_sensor")
    assert sensor.default_status == dg.DefaultSensorStatus.RUNNING

    instance = dg.DagsterInstance.ephemeral()
    first = sensor.evaluate_tick(dg.build_sensor_context(instance=instance, cursor=None))
    assert first.run_requests == [] and "等待" in first.skip_message

    aged = WatchState.from_cursor(first.cursor)
    aged = WatchState(aged.seen, aged.seen_since - QUIET_SECONDS - 1, aged.launched)
    second = sensor.evaluate_tick(
        dg.build_sensor_context(instance=instance, cursor=aged.to_cursor())
    )
    assert [request.run_key for request in second.run_requests] == [aged.seen[:16]]

    third = sensor.evaluate_tick(dg.build_sensor_context(instance=instance, cursor=second.cursor))
    assert third.run_requests == []


@pytest.mark.parametrize(
    ("status", "requested"),
    [
        (dg.DagsterRunStatus.STARTING, False),
        (dg.DagsterRunStatus.STARTED, False),
        (dg.DagsterRunStatus.SUCCESS, True),
        (dg.DagsterRunStatus.FAILURE, True),
    ],
)
def test_no_run_is_requested_while_a_refresh_is_in_flight(tmp_path, monkeypatch, status, requested):
    instance = dg.DagsterInstance.ephemeral()
    run = instance.create_run_for_job(defs.resolve_job_def("refresh"), status=status)

    tick, fingerprint, quiet = _tick_after_quiet_raw(tmp_path, monkeypatch, instance)

    assert [r.run_key for r in tick.run_requests] == ([fingerprint[:16]] if requested else [])
    if not requested:
        assert tick.skip_message == (
            f"刷新 {run.run_id[:8]} 尚未结束 (refresh {run.run_id[:8]} is still in flight)"
        )
        assert tick.cursor == quiet.to_cursor()  # unchanged: the tick after the run decides


def _tick_after_quiet_raw(tmp_path, monkeypatch, instance: dg.DagsterInstance):
    """The sensor's tick once raw/ (one new file) has been quiet long enough: (tick,
    raw/'s fingerprint, the cursor state the tick started from)."""
    monkeypatch.setenv("GONGHUI_RAW_DIR", str(tmp_path))
    (tmp_path / "returns").mkdir()
    (tmp_path / "returns" / "a.csv").write_text("a", encoding="utf-8")
    fingerprint = raw_fingerprint(tmp_path)
    quiet = WatchState(seen=fingerprint, seen_since=time.time() - QUIET_SECONDS - 1)
    sensor = defs.resolve_sensor_def("raw_files_sensor")
    tick = sensor.evaluate_tick(
        dg.build_sensor_context(instance=instance, cursor=quiet.to_cursor())
    )
    return tick, fingerprint, quiet


def test_a_refresh_killed_outright_is_marked_failed_and_holds_up_nothing(
    tmp_path, monkeypatch, ended_process
):
    instance = dg.DagsterInstance.ephemeral()
    killed = started_run(instance, ended_process)

    tick, fingerprint, _ = _tick_after_quiet_raw(tmp_path, monkeypatch, instance)

    assert [request.run_key for request in tick.run_requests] == [fingerprint[:16]]
    assert instance.get_run_by_id(killed).status == dg.DagsterRunStatus.FAILURE


def test_the_schedule_fires_the_refresh_job_before_the_first_snapshot(tmp_path, monkeypatch):
    monkeypatch.setenv("GONGHUI_PUBLISH_DIR", str(tmp_path / "published"))
    schedule = defs.resolve_schedule_def("nightly_refresh")
    with dg.instance_for_test() as instance:
        context = dg.build_schedule_context(
            instance=instance, scheduled_execution_time=datetime(2026, 11, 24, 2, 0)
        )
        result = schedule.evaluate_tick(context)
    assert len(result.run_requests) == 1
