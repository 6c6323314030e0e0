"""The worker processes a load's files are parsed in (pipelines.ingest.pool): answers in order,
few in flight, and a worker that dies or goes over the budget's time or memory costs only its
own item. The functions the workers run live at module level: they are sent by reference."""

from __future__ import annotations

import multiprocessing
import os
import time
from dataclasses import replace

import pytest

from pipelines.ingest import pool
from pipelines.ingest.budget import ParseBudget
from pipelines.ingest.pool import WorkerLost, WorkerPool, run_alone

BUDGET = ParseBudget.from_environment()


def times_ten(item: int) -> int:
    return item * 10


def pid_of_worker(item: int) -> int:
    return os.getpid()


def dies_on_three(item: int) -> int:
    if item == 3:
        os.abort()
    return item * 10


def hangs_on_two(item: int) -> int:
    if item == 2:
        time.sleep(60)
    return item * 10


def swells_on_one(item: int) -> int:
    if item == 1:
        ballast = b"x" * (400 << 20)  # written, so resident
        time.sleep(30)
        return len(ballast)
    return item * 10


def raises_on_two(item: int) -> int:
    if item == 2:
        raise ValueError("bad item")
    return item * 10


def lost_as(item: int, lost: WorkerLost) -> tuple[int, str | None, str]:
    return (item, lost.limit, lost.detail.split()[0])


def test_answers_come_in_order_from_at_most_two_workers_in_the_parents_stead():
    with WorkerPool(BUDGET) as workers:
        assert list(workers.in_order(times_ten, range(8))) == [i * 10 for i in range(8)]
        pids = set(workers.in_order(pid_of_worker, range(8)))
    assert len(pids) == pool.WORKERS and os.getpid() not in pids
    assert multiprocessing.active_children() == []  # nothing left running


def test_a_worker_that_dies_costs_its_item_only():
    with WorkerPool(BUDGET) as workers:
        answers = list(workers.in_order(dies_on_three, range(7), recover=lost_as))

    assert answers == [0, 10, 20, (3, None, "signal"), 40, 50, 60]
    assert multiprocessing.active_children() == []


def test_a_worker_over_its_time_is_killed_and_the_rest_goes_on():
    budget = replace(BUDGET, max_parse_seconds=1)
    started = time.monotonic()
    with WorkerPool(budget) as workers:
        answers = list(workers.in_order(hangs_on_two, range(5), recover=lost_as))

    assert answers == [0, 10, (2, "max_parse_seconds", "max_parse_seconds"), 30, 40]
    assert time.monotonic() - started < 30  # killed, not waited for
    assert multiprocessing.active_children() == []


def test_a_worker_over_its_memory_is_killed():
    budget = replace(BUDGET, max_parse_memory_mb=300)
    with WorkerPool(budget) as workers:
        answers = list(workers.in_order(swells_on_one, range(3), recover=lost_as))

    assert answers == [0, (1, "max_parse_memory_mb", "max_parse_memory_mb"), 20]


def test_an_error_raised_by_the_work_reaches_the_caller_and_is_not_a_lost_worker():
    with WorkerPool(BUDGET) as workers, pytest.raises(ValueError, match="bad item"):
        list(workers.in_order(raises_on_two, range(4), recover=lost_as))
    assert multiprocessing.active_children() == []


def test_run_alone_raises_what_lost_its_process():
    assert run_alone(times_ten, 4, BUDGET) == 40
    with pytest.raises(WorkerLost) as lost:
        run_alone(dies_on_three, 3, BUDGET)
    assert lost.value.limit is None
