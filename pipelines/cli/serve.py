"""`gonghui serve`: the dashboard and the Dagster UI together, stopped together by Ctrl-C.

Started from the Makefile as `dagster dev & streamlit run …`, Ctrl-C left Dagster running: a
background job of a non-interactive shell ignores SIGINT, and killing `dagster dev` alone
leaves the processes it starts (code server, webserver, daemon) behind. Here each program
runs in a process group of its own, which everything it starts joins. On SIGINT, SIGTERM or
SIGHUP the launcher sends SIGINT to both groups (what Ctrl-C in a terminal does to a
foreground job), gives them a few seconds to stop in order, then kills whatever is left of
either group. The groups stay in the launcher's session, so whoever started the launcher can
check that nothing of it survived.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import socket
import subprocess
import sys
import time

from pipelines import settings

# defaults of the ports; GONGHUI_DAGSTER_PORT / GONGHUI_DASHBOARD_PORT or the options change them
DAGSTER_PORT = 3000
DASHBOARD_PORT = 8501
# Where the dashboard listens: this machine only, unless GONGHUI_DASHBOARD_ADDRESS opens it to
# the LAN (0.0.0.0, or one address of the machine).
DASHBOARD_ADDRESS = "127.0.0.1"
_WILDCARDS = frozenset({"0.0.0.0", "::"})  # noqa: S104 (the names of "every interface")
# `dagster dev` stops its webserver, daemon and code server in about five seconds; whatever
# is left after this is killed, so that all is gone within ten seconds of Ctrl-C
GRACE_SECONDS = 7.0
POLL_SECONDS = 0.1
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


def commands(dagster_port: int, dashboard_port: int) -> dict[str, list[str]]:
    """What runs, by the name the messages use. The interpreter's own modules, so that the
    programs of this environment run also when its bin/ is not on PATH."""
    python = sys.executable
    address = os.environ.get("GONGHUI_DASHBOARD_ADDRESS") or DASHBOARD_ADDRESS
    # Streamlit asks a web service for the machine's external IP to print an "External
    # URL" unless it is told the address to print: it is told, so nothing calls out.
    shown = socket.gethostname() if address in _WILDCARDS else address
    return {
        "Dagster": [python, "-m", "dagster", "dev", "-w", "workspace.yaml",
                    "-h", "127.0.0.1", "-p", str(dagster_port)],
        "仪表盘 dashboard": [python, "-m", "streamlit", "run", "dashboards/app.py",
                             "--server.port", str(dashboard_port), "--server.headless", "true",
                             "--server.address", address, "--browser.serverAddress", shown,
                             "--browser.gatherUsageStats", "false"],
    }  # fmt: skip


def _start(argv: list[str]) -> subprocess.Popen:
    """One program in a new process group (its pgid is its pid), from the repository root
    (where workspace.yaml and .streamlit/config.toml are). No terminal input: a process
    group in the background of a terminal would be stopped if it read from it."""
    return subprocess.Popen(argv, cwd=settings.REPO_ROOT, stdin=subprocess.DEVNULL, process_group=0)


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


def _signal_group(pgid: int, signum: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pgid, signum)


def stop(children: dict[str, subprocess.Popen], grace: float = GRACE_SECONDS) -> None:
    """SIGINT to every child's group; after `grace` seconds, SIGKILL to what remains."""
    for child in children.values():
        _signal_group(child.pid, signal.SIGINT)
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline:
        for child in children.values():
            child.poll()  # reap it, or its group would never look empty
        if not any(_group_alive(child.pid) for child in children.values()):
            return
        time.sleep(POLL_SECONDS)
    left = [name for name, child in children.items() if _group_alive(child.pid)]
    print(
        f"{grace:g} 秒内未退出，强制结束 (killed, not stopped within {grace:g} s): {', '.join(left)}",
        file=sys.stderr,
        flush=True,
    )
    for child in children.values():
        _signal_group(child.pid, signal.SIGKILL)
    for child in children.values():
        with contextlib.suppress(subprocess.TimeoutExpired):
            child.wait(timeout=2)


def serve(dagster_port: int, dashboard_port: int) -> int:
    """Run both until a stop signal (exit code 0) or until one of them ends (1)."""
    settings.prepare_offline_environment()  # DAGSTER_HOME with the shipped dagster.yaml
    received: list[int] = []
    previous = {
        signum: signal.signal(signum, lambda s, _: received.append(s)) for signum in STOP_SIGNALS
    }
    children: dict[str, subprocess.Popen] = {}
    try:
        for name, argv in commands(dagster_port, dashboard_port).items():
            children[name] = _start(argv)
        print(
            f"仪表盘 dashboard: http://localhost:{dashboard_port}   "
            f"Dagster: http://localhost:{dagster_port}\n"
            "按 Ctrl-C 全部停止 (press Ctrl-C to stop both)",
            flush=True,
        )
        while not received and all(child.poll() is None for child in children.values()):
            time.sleep(POLL_SECONDS)
    finally:
        stop(children)
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    if received:
        print("已全部停止 (everything stopped)", flush=True)
        return 0
    ended = ", ".join(f"{name} ({child.returncode})" for name, child in children.items())
    print(f"有程序意外退出，已全部停止 (a program exited; everything stopped): {ended}",
          file=sys.stderr)  # fmt: skip
    return 1


def _port(var: str, default: int) -> int:
    return int(os.environ.get(var) or default)


def cmd_serve(args: argparse.Namespace) -> int:
    return serve(args.dagster_port, args.dashboard_port)


def add_parser(commands) -> None:  # noqa: ANN001
    """The `serve` sub-command, with bilingual help like the others, on `commands` (what
    `ArgumentParser.add_subparsers()` returned)."""
    parser = commands.add_parser(
        "serve",
        help="启动仪表盘和 Dagster 界面 serve the dashboard and the Dagster UI",
        description=(
            "启动仪表盘 (8501) 和 Dagster 界面 (3000)；按 Ctrl-C 两者连同其子进程一起停止。"
            " Serves the dashboard (8501) and the Dagster UI (3000); Ctrl-C stops both,"
            " with every process they started."
        ),
    )
    for option, variable, default, what in (
        (
            "--dagster-port",
            "GONGHUI_DAGSTER_PORT",
            DAGSTER_PORT,
            "Dagster 界面端口 Dagster UI port",
        ),
        ("--dashboard-port", "GONGHUI_DASHBOARD_PORT", DASHBOARD_PORT, "仪表盘端口 dashboard port"),
    ):
        parser.add_argument(
            option,
            type=int,
            metavar="PORT",
            default=_port(variable, default),
            help=f"{what} (默认 default {default}, {variable})",
        )
    parser.set_defaults(handler=cmd_serve)
