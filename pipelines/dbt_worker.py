"""dbt in a process of its own, started as a refresh begins.

dbt takes about three seconds to start (importing it, reading the project, connecting): more
than an incremental build at province scale spends on its models. `start()` spawns a worker
that gets all of that done while the refresh parses files and runs its landing checks; the
build step then hands it the arguments and reads dbt's events back as dbt fires them: the
same structured events dagster-dbt reads from the log of a dbt subprocess. A worker serves
one build and exits, which releases the warehouse file.
"""

from __future__ import annotations

import atexit
import gc
import multiprocessing
import multiprocessing.util
import os
from collections.abc import Iterator
from dataclasses import dataclass
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from typing import NoReturn

from pipelines import settings
from pipelines.worker_process import exit_with_parent, give_way

# dbt's log and compiled SQL of the latest refresh (one refresh runs at a time)
BUILD_DIR = settings.dbt_target_dir() / "refresh"
LOG = BUILD_DIR / "dbt.log"
# what Dagster makes of a build (dagster_dbt's DbtCoreCliEventMessage.is_result_event)
RESULT_EVENTS = frozenset({"LogModelResult", "LogTestResult", "LogSeedResult", "LogSnapshotResult"})


class DbtBuildFailed(Exception):
    """dbt stopped with an error; the message is dbt's own."""


@dataclass
class _Worker:
    process: BaseProcess
    connection: Connection
    warehouse: str  # the profile's warehouse file, which the parsed project names


_worker: _Worker | None = None


def start() -> None:
    """Spawn a worker that loads dbt and parses the project (one worker a build)."""
    global _worker
    warehouse = os.environ["GONGHUI_WAREHOUSE"]
    if _worker is not None and _worker.warehouse != warehouse:
        stop()
    if _worker is None:
        spawn = multiprocessing.get_context("spawn")
        ours, theirs = spawn.Pipe()
        project = str(settings.DBT_PROJECT_DIR)
        process = spawn.Process(target=_serve, args=(theirs, project, os.getpid()))
        process.start()
        theirs.close()
        _worker = _Worker(process, ours, warehouse)


def build(args: list[str], env: dict[str, str]) -> Iterator[dict]:
    """Run `dbt <args>` with `env` set, in the worker; yield dbt's result and error events
    (as dicts, the form of dbt's JSON log) as they come. Raises DbtBuildFailed."""
    global _worker
    start()
    worker, _worker = _worker, None
    errors: list[str] = []
    try:
        worker.connection.send((args, env))
        while True:
            kind, payload = worker.connection.recv()
            if kind == "done":
                break
            if payload["info"]["level"] == "error":
                errors.append(payload["info"]["msg"])
            yield payload
    except (EOFError, BrokenPipeError):
        raise DbtBuildFailed("dbt 进程意外退出 the dbt process died") from None
    finally:
        worker.connection.close()
        worker.process.join(timeout=5)  # it exits as soon as it has reported
        if worker.process.is_alive():  # the build was abandoned half-way (run cancelled)
            worker.process.kill()
    success, exception = payload
    if not success:
        # one line, as a refresh's summary shows a failure by its first line
        said = [" ".join(message.split()) for message in errors] or [exception or "dbt failed"]
        raise DbtBuildFailed(" / ".join(said))


def stop() -> None:
    """Let an unused worker go: it leaves by itself once it has loaded dbt."""
    global _worker
    if _worker is not None:
        _worker.connection.close()
        _worker = None


# At exit, before multiprocessing's own handler (registered earlier, so run later), which
# waits for the worker to end.
atexit.register(stop)


def _serve(connection: Connection, project_dir: str, parent: int) -> None:
    """The worker: parse now, build when asked, report, exit."""
    exit_with_parent(parent)
    # last in line: its build is the last of the three to be needed, and while it builds
    # the refresh only waits for it
    give_way(19)
    from dbt.adapters.duckdb.connections import DuckDBConnectionManager
    from dbt.cli.main import dbtRunner
    from dbt_common.events.functions import msg_to_dict

    # dbt's log goes to its file only (set up by the first invocation, kept for the second):
    # the refresh shows its own progress, not dbt's chatter
    dirs = ["--project-dir", project_dir, "--profiles-dir", project_dir]
    logs = ["--log-path", str(BUILD_DIR), "--log-level", "none", "--log-level-file", "info"]
    # parsed into the project's own target/, where dbt keeps what lets it re-parse only what
    # changed; built into BUILD_DIR
    parsed = dbtRunner().invoke(["parse", *dirs, *logs, "--no-write-json"])
    try:
        args, env = connection.recv()
    except EOFError:  # nothing to build after all
        _leave()
    os.environ.update(env)

    def forward(event) -> None:
        if event.info.name in RESULT_EVENTS or event.info.level == "error":
            connection.send(("event", msg_to_dict(event)))

    manifest = parsed.result if parsed.success else None  # a broken project: dbt says why
    build = [*args, *dirs, *logs, "--target-path", str(BUILD_DIR)]
    result = dbtRunner(manifest=manifest, callbacks=[forward]).invoke(build)
    exception = None if result.exception is None else str(result.exception)
    # dbt-duckdb keeps the warehouse open for the next invocation until the interpreter
    # exits; this one has none: DuckDB checkpoints and closes the file now
    DuckDBConnectionManager.close_all_connections()
    gc.collect()
    connection.send(("done", (result.success, exception)))
    _leave()


def _leave() -> NoReturn:
    """Exit without tearing the interpreter down (a second, for nothing), once the semaphores
    of dbt's multiprocessing context are released, as a normal exit would."""
    multiprocessing.util._exit_function()
    os._exit(0)
