"""The workers that parse and validate batches of files, and the batches they get.

Parsing is mostly Python, which threads cannot run side by side, so a large load is handled
by worker processes; a small one by threads, as starting processes would cost more than it
saves. The pool lives for one load (a `with` block) and its workers end with it.

A worker process that dies (a parser's abort, a signal) breaks its pool. The load does not
fail: that batch, and every batch after it, is recovered by the caller's `recover` (the
loader parses their files one by one, each in a process of its own, and refuses the file
whose process dies). The parse budget (pipelines.ingest.budget) keeps the known causes of
such deaths away from the parsers in the first place.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import multiprocessing.connection
import os
import signal
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import (
    BrokenExecutor,
    Executor,
    Future,
    ProcessPoolExecutor,
    ThreadPoolExecutor,
)
from typing import TypeVar

from pipelines.ingest.discovery import RawFile

T = TypeVar("T")
R = TypeVar("R")

WORKERS = 2
# Files are validated together until a batch holds this many bytes (some 50,000 rows):
# enough for the per-batch costs to vanish, few enough to keep memory small.
BATCH_BYTES = 8 << 20
# From this many files on, starting worker processes repays itself.
PROCESS_MIN_FILES = 100


def worker_pool(files: int) -> Executor:
    """Threads for a small load, processes for a large one."""
    # A daemonic process (a worker of someone else's pool) may not start processes.
    if files < PROCESS_MIN_FILES or multiprocessing.current_process().daemon:
        return ThreadPoolExecutor(max_workers=WORKERS)
    # Spawned, not forked: a fork while Polars' threads are busy can deadlock the child.
    return ProcessPoolExecutor(
        WORKERS, mp_context=multiprocessing.get_context("spawn"), initializer=end_with_parent
    )


def end_with_parent() -> None:
    """In a worker process: terminate once the process that started it is gone.

    A pool's worker waits for work on a queue of which it holds both ends, so it never sees
    its parent die (killed by the out-of-memory killer, say) and would wait, holding its
    memory, for ever. multiprocessing gives a spawned child its parent's sentinel, which
    becomes ready when the parent ends."""
    parent = multiprocessing.parent_process()
    if parent is None:
        return

    def watch() -> None:
        multiprocessing.connection.wait([parent.sentinel])
        os.kill(os.getpid(), signal.SIGTERM)

    threading.Thread(target=watch, name="end-with-parent", daemon=True).start()


def batches(files: list[RawFile]) -> Iterator[list[RawFile]]:
    """Consecutive files, cut once a batch holds BATCH_BYTES."""
    batch: list[RawFile] = []
    size = 0
    for raw in files:
        batch.append(raw)
        with contextlib.suppress(OSError):  # the parser will say what is wrong with it
            size += raw.path.stat().st_size
        if size >= BATCH_BYTES:
            yield batch
            batch, size = [], 0
    if batch:
        yield batch


def in_order(
    pool: Executor,
    fn: Callable[[T], R],
    items: Iterable[T],
    recover: Callable[[T], R] | None = None,
) -> Iterator[R]:
    """fn of each item, run on the pool and yielded in order, submitted at most WORKERS
    items ahead of the one yielded (so results never pile up in memory).

    Once the pool is broken (a worker process died), `recover` gives the result of each
    item not yet done, in order; without it the BrokenExecutor error is raised."""
    pending: deque[tuple[T, Future[R] | None]] = deque()
    broken = False

    def resolve(item: T, future: Future[R] | None) -> R:
        nonlocal broken
        if future is not None:
            try:
                return future.result()
            except BrokenExecutor:
                if recover is None:
                    raise
                broken = True
        assert recover is not None
        return recover(item)

    for item in items:
        future = None
        if not broken:
            try:
                future = pool.submit(fn, item)
            except BrokenExecutor:
                if recover is None:
                    raise
                broken = True
        pending.append((item, future))
        if len(pending) > WORKERS:
            yield resolve(*pending.popleft())
    while pending:
        yield resolve(*pending.popleft())


def run_alone(fn: Callable[[T], R], item: T) -> R:
    """fn(item) in a process of its own, which ends with it. Raises BrokenExecutor when
    that process dies before it answers."""
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(1, mp_context=context, initializer=end_with_parent) as alone:
        return alone.submit(fn, item).result()
