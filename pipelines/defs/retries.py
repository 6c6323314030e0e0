"""Transient trouble is retried; a run asked to stop is not.

A step with a Dagster `RetryPolicy` is also retried when it is *interrupted*: a run
terminated from the UI, or by the daemon's run monitoring once it has run longer than its
maximum (dagster.yaml). The step then starts again after the delay, and the run's process
goes on, though the run is marked failed, waiting again on whatever held it. So the steps
that are worth a retry ask for it themselves (`dg.RetryRequested`), for their own errors
only, as the policy would: an interrupt is not an `Exception` and ends the run.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import dagster as dg


@contextlib.contextmanager
def retried_on_error(*, max_retries: int, seconds: float) -> Iterator[None]:
    """Retry the step after `seconds` when the block raises, up to `max_retries` times. Like
    a `RetryPolicy`, not for Dagster's own errors nor for a `Failure` that forbids it."""
    try:
        yield
    except Exception as error:
        if isinstance(error, dg.DagsterError | dg.RetryRequested) or (
            isinstance(error, dg.Failure) and not error.allow_retries
        ):
            raise
        raise dg.RetryRequested(max_retries=max_retries, seconds_to_wait=seconds) from error
