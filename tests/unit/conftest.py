"""What the tests of runs killed outright share (pipelines.defs.abandoned_runs)."""

from __future__ import annotations

import subprocess
import sys

import dagster as dg
import pytest

from pipelines.definitions import defs
from pipelines.defs.abandoned_runs import PROCESS_TAG, ProcessIdentity, identity_of


@pytest.fixture
def ended_process() -> ProcessIdentity:
    """The identity of a process of this machine that has since ended (and been reaped)."""
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    identity = identity_of(child.pid)
    child.kill()
    child.wait()
    assert identity is not None
    return identity


def started_run(instance: dg.DagsterInstance, process: ProcessIdentity | None) -> str:
    """A STARTED refresh run, tagged as running in `process` (untagged when None)."""
    run = instance.create_run_for_job(
        defs.resolve_job_def("refresh"), status=dg.DagsterRunStatus.STARTED
    )
    if process is not None:
        instance.add_run_tags(run.run_id, {PROCESS_TAG: process.to_tag()})
    return run.run_id
