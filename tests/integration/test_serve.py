"""`gonghui serve` (what `make run` ends in) stops everything it started on one Ctrl-C.

The launcher starts in a session of its own, as a terminal starts a job, on free ports, with
a temporary Dagster home and nothing published (the dashboard must start without a
snapshot). Once both ports answer HTTP, SIGINT goes to the foreground process group, as
Ctrl-C does; within ten seconds no process of that session may be left. Processes are read
from /proc (psutil is not installed); whatever the test finds is killed at the end, whether
it passed or not.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from tests.browser.cdp import free_port
from tests.integration.processes import left_running, session_processes

REPO_ROOT = Path(__file__).resolve().parents[2]
STARTUP_SECONDS = 240  # dagster dev parses the dbt project first; two busy cores are slow
STOP_SECONDS = 10


def answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


def wait_until_both_answer(urls: list[str], launcher: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while not all(answers(url) for url in urls):
        assert launcher.poll() is None, log.read_text(encoding="utf-8")
        assert time.monotonic() < deadline, f"not up: {urls}\n" + log.read_text(encoding="utf-8")
        time.sleep(0.5)


def test_ctrl_c_stops_the_dashboard_and_dagster_with_every_process_they_started(tmp_path):
    dagster_port, dashboard_port = free_port(), free_port()
    env = {
        **os.environ,
        "DAGSTER_HOME": str(tmp_path / "dagster_home"),
        "GONGHUI_PUBLISH_DIR": str(tmp_path / "published"),
        "GONGHUI_WAREHOUSE": str(tmp_path / "warehouse.duckdb"),
    }
    log = tmp_path / "serve.log"
    with log.open("w", encoding="utf-8") as output:
        launcher = subprocess.Popen(
            [sys.executable, "-m", "pipelines", "serve",
             "--dagster-port", str(dagster_port), "--dashboard-port", str(dashboard_port)],
            cwd=REPO_ROOT, env=env, stdin=subprocess.DEVNULL, stdout=output,
            stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
    session = launcher.pid  # a session leader's pid is its session's and its group's id
    try:
        wait_until_both_answer(
            [f"http://127.0.0.1:{dashboard_port}/_stcore/health",
             f"http://127.0.0.1:{dagster_port}/server_info"],
            launcher, log,
        )  # fmt: skip
        running = session_processes(session)
        # the launcher, streamlit, dagster dev and what it starts (webserver, daemon, code server)
        assert len(running) >= 5, running
        assert (tmp_path / "dagster_home" / "dagster.yaml").exists()

        os.killpg(session, signal.SIGINT)  # Ctrl-C: to the foreground process group

        assert left_running(session, STOP_SECONDS) == {}, log.read_text(encoding="utf-8")
        assert launcher.wait(timeout=1) == 0
        printed = log.read_text(encoding="utf-8")
        assert f"http://localhost:{dashboard_port}" in printed
        assert f"http://localhost:{dagster_port}" in printed
        assert "已全部停止 (everything stopped)" in printed
    finally:
        for pid in session_processes(session):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            launcher.wait(timeout=10)
