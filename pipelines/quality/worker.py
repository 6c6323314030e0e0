"""Great Expectations in a process of its own, started as a refresh begins.

Importing GX takes about two seconds here, more than every landing check of a one-file
refresh together. `start()` spawns a worker that imports GX on the second core while the
refresh loads its definitions and parses files; the checks then hand their suites to it.
The worker opens the warehouse read-only during a check, as the check step would itself.
"""

from __future__ import annotations

import atexit
import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from pipelines.quality import runner
from pipelines.quality.suites import Suite
from pipelines.worker_process import exit_with_parent, give_way

_pool: ProcessPoolExecutor | None = None


def start() -> None:
    """Spawn the worker and let it import GX in the background (once per process)."""
    global _pool
    if _pool is not None:
        return
    # Spawned, not forked: the refresh's threads (Polars, Dagster) must not be forked mid-work.
    _pool = ProcessPoolExecutor(
        max_workers=1,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=_import_great_expectations,
        initargs=(os.getpid(),),
    )
    _pool.submit(int)  # a pool starts its process on the first task


def stop() -> None:
    """Let the worker go (waiting, if it is still importing GX, until it has)."""
    global _pool
    if _pool is not None:
        _pool.shutdown()
        _pool = None


def run_suite(suite: Suite, warehouse: Path, *, loads: list[str] | None) -> runner.SuiteOutcome:
    """pipelines.quality.runner.run_suite, in the worker."""
    start()
    return _pool.submit(runner.run_suite, suite, warehouse, loads=loads).result()


def _import_great_expectations(parent: int) -> None:
    exit_with_parent(parent)
    # behind the refresh, ahead of the dbt worker: the landing checks come before the build
    give_way(5)
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")  # nothing may call out
    import great_expectations  # noqa: F401

    # GX's SQL layer keeps DuckDB type objects in module globals; when Python tears the
    # modules down, DuckDB's bindings report them as "leaked" on stderr, which would end every
    # refresh with a page of alarming noise. The worker has nothing left to clean up by then.
    atexit.register(os._exit, 0)
