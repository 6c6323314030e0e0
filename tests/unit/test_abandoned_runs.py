"""A refresh killed outright is marked failed by the next one, the sensor or the schedule,
and only that one: runs still alive, of another machine or not noted are left alone."""

from __future__ import annotations

import dataclasses
import os
import socket
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

import dagster as dg
import pytest

from pipelines.definitions import defs
from pipelines.defs import abandoned_runs
from pipelines.defs.abandoned_runs import (
    PROCESS_TAG,
    ProcessIdentity,
    fail_abandoned_runs,
    identity_of,
    is_gone,
    this_process,
)
from pipelines.warehouse import run_log
from tests.integration.processes import stat_fields
from tests.unit.conftest import started_run

REFRESH = defs.resolve_job_def("refresh")


def test_this_process_is_known_by_machine_boot_pid_and_start():
    me = this_process()
    assert (me.host, me.pid) == (socket.gethostname(), os.getpid())
    assert me.boot == Path("/proc/sys/kernel/random/boot_id").read_text().strip()
    assert me.started.isdigit()
    assert ProcessIdentity.from_tag(me.to_tag()) == me
    assert not is_gone(me)


def test_a_process_that_ended_is_gone(ended_process):
    assert identity_of(ended_process.pid) is None
    assert is_gone(ended_process)


def test_a_zombie_is_gone():
    child = subprocess.Popen([sys.executable, "-c", "import sys; sys.stdin.read()"],
                             stdin=subprocess.PIPE)  # fmt: skip
    identity = identity_of(child.pid)
    child.stdin.close()  # it ends; until waited for, it stays a zombie
    deadline = time.monotonic() + 10
    while stat_fields(child.pid)[0] != "Z":
        assert time.monotonic() < deadline
        time.sleep(0.01)
    assert is_gone(identity)
    child.wait()


def test_a_reused_pid_or_a_restart_is_not_the_noted_process():
    me = this_process()
    assert is_gone(dataclasses.replace(me, started=str(int(me.started) - 1)))
    assert is_gone(dataclasses.replace(me, boot="another-boot"))


def test_a_process_of_another_machine_is_never_judged(ended_process):
    assert not is_gone(dataclasses.replace(ended_process, host="another-machine"))


@pytest.mark.parametrize("tag", ["", "host|boot|12x|5", "host|boot|12"])
def test_a_tag_that_is_not_an_identity_is_ignored(tag):
    assert ProcessIdentity.from_tag(tag) is None


def _status(instance: dg.DagsterInstance, run_id: str) -> dg.DagsterRunStatus:
    return instance.get_run_by_id(run_id).status


def test_only_started_runs_whose_process_is_gone_are_marked_failed(ended_process):
    instance = dg.DagsterInstance.ephemeral()
    dead = started_run(instance, ended_process)
    alive = started_run(instance, this_process())
    elsewhere = started_run(instance, dataclasses.replace(ended_process, host="another-machine"))
    not_noted = started_run(instance, None)
    finished = instance.create_run_for_job(REFRESH, status=dg.DagsterRunStatus.SUCCESS).run_id
    instance.add_run_tags(finished, {PROCESS_TAG: ended_process.to_tag()})

    said = fail_abandoned_runs(instance, REFRESH.name)

    line = (
        f"刷新 {dead[:8]} 的进程 {ended_process.pid} 已不存在（被强行终止或机器重启），"
        f"已标记为失败 (refresh {dead[:8]}: its process {ended_process.pid} is gone, killed"
        " or the machine restarted; marked as failed)"
    )
    assert said == {dead: line}
    assert _status(instance, dead) == dg.DagsterRunStatus.FAILURE
    failure = instance.all_logs(dead, of_type=dg.DagsterEventType.RUN_FAILURE)
    assert [event.message for event in failure] == [line]
    for run_id in (alive, elsewhere, not_noted):
        assert _status(instance, run_id) == dg.DagsterRunStatus.STARTED
    assert _status(instance, finished) == dg.DagsterRunStatus.SUCCESS
    assert fail_abandoned_runs(instance, REFRESH.name) == {}  # once
    record = run_log.record_from_run(instance, dead)  # what the run log will say of it
    assert (record.status, record.failure_reason) == ("failure", line)


def test_the_schedule_marks_a_killed_refresh_failed_before_its_run(
    tmp_path, monkeypatch, ended_process
):
    monkeypatch.setenv("GONGHUI_PUBLISH_DIR", str(tmp_path / "published"))
    with dg.instance_for_test() as instance:  # a schedule's context needs a persistent one
        killed = started_run(instance, ended_process)

        schedule = defs.resolve_schedule_def("nightly_refresh")
        context = dg.build_schedule_context(
            instance=instance, scheduled_execution_time=datetime(2026, 11, 24, 2, 0)
        )
        result = schedule.evaluate_tick(context)

        assert len(result.run_requests) == 1
        assert _status(instance, killed) == dg.DagsterRunStatus.FAILURE


def test_a_run_that_ended_meanwhile_keeps_its_own_end(monkeypatch, ended_process):
    instance = dg.DagsterInstance.ephemeral()
    run_id = started_run(instance, ended_process)

    def gone_after_its_own_end(noted: ProcessIdentity) -> bool:
        # between the query of STARTED runs and this look at its process, the run ended
        instance.report_run_canceled(instance.get_run_by_id(run_id))
        return True

    monkeypatch.setattr(abandoned_runs, "is_gone", gone_after_its_own_end)

    assert fail_abandoned_runs(instance, REFRESH.name) == {}
    assert _status(instance, run_id) == dg.DagsterRunStatus.CANCELED
