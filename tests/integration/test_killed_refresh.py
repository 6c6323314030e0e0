"""A refresh killed outright half-way through dbt (`kill -9` of the CLI, a power cut under
a deployment) leaves its Dagster run STARTED; the next refresh, from the CLI or launched by
the daemon, marks it failed, runs, and publishes what an undisturbed refresh publishes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import dagster as dg
import pytest

from pipelines.defs import resources
from pipelines.defs.abandoned_runs import PROCESS_TAG, ProcessIdentity, this_process
from pipelines.warehouse import run_log
from tests.integration.conftest import instance_at
from tests.integration.processes import left_running, parent_of, session_processes
from tests.integration.test_dagster_launched_runs import (
    exported_kpis,
    logged_runs,
    run_processes_after,
    serve,
    submit,
    wait_for,
)

REPO = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning:gql")


def wait_for_process(sid: int, part: str, seconds: float = 180) -> int:
    """The pid of the first process of session `sid` whose command line holds `part`."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        for pid, (command, _) in session_processes(sid).items():
            if part in command:
                return pid
        time.sleep(0.2)
    raise AssertionError(f"no '{part}' process in session {sid} after {seconds}s")


def runs_in(dagster_home: Path) -> list[dg.DagsterRun]:
    """The runs recorded in that Dagster home, oldest first."""
    with instance_at(dagster_home) as instance:
        return list(reversed(instance.get_runs()))


def marked_failed(run_id: str, pid: int) -> str:
    return (
        f"刷新 {run_id[:8]} 的进程 {pid} 已不存在（被强行终止或机器重启），已标记为失败"
        f" (refresh {run_id[:8]}: its process {pid} is gone, killed or the machine restarted;"
        " marked as failed)"
    )


def test_the_next_cli_refresh_marks_a_killed_one_failed_and_publishes(
    tmp_path, copy_messy_city, gonghui_refresh, refreshed_city
):
    raw = copy_messy_city(tmp_path)
    home = tmp_path / "dagster_home"
    env = {
        **os.environ,
        "DAGSTER_HOME": str(home),
        "GONGHUI_TODAY": "2026-11-23",
        "GONGHUI_PUBLISH_DIR": str(tmp_path / "published"),
    }
    command = [sys.executable, "-m", "pipelines", "refresh", "--raw", str(raw),
               "--warehouse", str(tmp_path / "warehouse.duckdb")]  # fmt: skip
    cli = subprocess.Popen(
        command, cwd=REPO, env=env, start_new_session=True,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    wait_for_process(cli.pid, "gonghui-dbt build")  # half-way: dbt is building
    os.killpg(cli.pid, signal.SIGKILL)
    cli.wait()
    assert left_running(cli.pid, 10) == {}

    [killed] = runs_in(home)
    assert killed.status == dg.DagsterRunStatus.STARTED  # for ever, without the fix
    assert ProcessIdentity.from_tag(killed.tags[PROCESS_TAG]).pid == cli.pid

    code, output = gonghui_refresh(tmp_path, raw)

    assert code == 0, output
    assert output.splitlines()[0] == marked_failed(killed.run_id, cli.pid)  # at once
    before, after = runs_in(home)
    assert (before.run_id, before.status) == (killed.run_id, dg.DagsterRunStatus.FAILURE)
    assert after.status == dg.DagsterRunStatus.SUCCESS
    logged = {record["run_id"]: record for record in run_log.latest(tmp_path / "published")}
    assert logged[killed.run_id]["status"] == "failure"
    assert logged[killed.run_id]["failure_reason"] == marked_failed(killed.run_id, cli.pid)
    assert exported_kpis(tmp_path / "published", tmp_path / "kpis.csv") == exported_kpis(
        refreshed_city.published, tmp_path / "undisturbed.csv"
    )


def test_a_cli_refresh_is_known_by_its_process_from_its_creation(
    tmp_path, monkeypatch, copy_messy_city, gonghui_refresh
):
    # the note its steps' resources would add left out, as for a refresh killed before them
    monkeypatch.setattr(resources, "note_this_process", lambda instance, run: None)
    code, output = gonghui_refresh(tmp_path, copy_messy_city(tmp_path))

    assert code == 0, output
    [run] = runs_in(tmp_path / "dagster_home")
    assert run.tags[PROCESS_TAG] == this_process().to_tag()


def test_a_refresh_killed_with_its_deployment_does_not_hold_up_the_next_one(
    tmp_path, refreshed_city
):
    # A run worker killed alone is marked failed by its code server ("[DagsterApiServer] Run
    # execution process … was terminated by signal 9"); killed together with it (a power
    # cut, the whole service killed), nothing is left to say so.
    with serve(tmp_path) as (client, sid, _raw, _call_outs):
        first = submit(client)
        worker = parent_of(wait_for_process(sid, "gonghui-dbt build"))  # the run's process
        for pid in session_processes(sid):
            os.kill(pid, signal.SIGKILL)
    [killed] = runs_in(tmp_path / "dagster_home")
    assert killed.status == dg.DagsterRunStatus.STARTED  # for ever, without the fix
    assert ProcessIdentity.from_tag(killed.tags[PROCESS_TAG]).pid == worker

    with serve(tmp_path) as (client, sid, _raw, call_outs):  # the machine back up
        # queued behind the dead run, until the raw/ sensor's first tick marks it failed
        second = submit(client)
        assert wait_for(client, second, seconds=300) == "SUCCESS", second
        assert client.get_run_status(first).value == "FAILURE"
        assert run_processes_after(sid) == []
        # by the run-failure sensor, at its first tick (every 30 s) after the mark
        logged = logged_runs(tmp_path / "published", waiting_for=first)

    assert logged[first]["failure_reason"] == marked_failed(first, worker)
    assert exported_kpis(tmp_path / "published", tmp_path / "kpis.csv") == exported_kpis(
        refreshed_city.published, tmp_path / "undisturbed.csv"
    )
    assert not call_outs.exists(), call_outs.read_text()
