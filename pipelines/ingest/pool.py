"""The worker processes that parse and validate batches of files, and the batches they get.

Every file is parsed in a worker process, never in the refresh's own: whatever a file does to
its parser (a native library's abort, a signal, an allocation the machine cannot give, a
loop that never ends) ends that worker, not the refresh. Each worker runs one batch at a
time, watched from here against the parse budget's seconds and resident memory
(pipelines.ingest.budget) and killed over either. A batch whose worker is lost goes to the
caller's `recover` (the loader parses its files one by one, each in a process of its own
under the same budget, and refuses the file that loses its process again); the other
batches go on in a fresh worker. The budget's other limits, checked inside the parser
before each costly step, keep the known causes away; these two catch the rest.

The workers live for one load (a `with` block) and end with it, or with the refresh's
process if that is killed (`end_with_parent`).
"""

from __future__ import annotations

import contextlib
import multiprocessing
import multiprocessing.connection
import os
import signal
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from typing import Generic, TypeVar

from pipelines.ingest.budget import ParseBudget
from pipelines.ingest.discovery import RawFile

T = TypeVar("T")
R = TypeVar("R")

WORKERS = 2
# Files are validated together until a batch holds this many bytes (some 50,000 rows):
# enough for the per-batch costs to vanish, few enough to keep memory small.
BATCH_BYTES = 8 << 20
# How often a busy worker's time and memory are looked at.
WATCH_SECONDS = 0.1


class WorkerLost(Exception):
    """The worker running an item ended before it answered: it died (an abort, a signal:
    `limit` None) or was killed over a limit of the parse budget (`limit` names it,
    `actual` is the worker's figure)."""

    def __init__(self, detail: str, limit: str | None = None, actual: int = 0) -> None:
        super().__init__(detail)
        self.detail, self.limit, self.actual = detail, limit, actual


def resident_bytes(pid: int) -> int | None:
    """A process's resident memory (Linux /proc), None where that cannot be read."""
    try:
        with open(f"/proc/{pid}/statm", encoding="ascii") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return None


def _serve(conn: multiprocessing.connection.Connection) -> None:
    """A worker's life: run each (fn, item) it is sent and send back the answer, until it is
    sent None or its parent is gone."""
    end_with_parent()
    with contextlib.suppress(EOFError, KeyboardInterrupt):
        while (task := conn.recv()) is not None:
            fn, item = task
            try:
                answer = ("ok", fn(item))
            except Exception as error:  # raised where the caller can see it
                answer = ("error", error)
            try:
                conn.send(answer)
            except Exception as unpicklable:  # an answer or error that cannot be sent
                conn.send(("error", RuntimeError(f"{type(unpicklable).__name__}: {unpicklable}")))


def end_with_parent() -> None:
    """In a worker process: terminate once the process that started it is gone.

    A worker waits for work on a pipe, so it would never see its parent die (killed by the
    out-of-memory killer, say) and would wait, holding its memory, for ever.
    multiprocessing gives a spawned child its parent's sentinel, which becomes ready when
    the parent ends."""
    parent = multiprocessing.parent_process()
    if parent is None:
        return

    def watch() -> None:
        multiprocessing.connection.wait([parent.sentinel])
        os.kill(os.getpid(), signal.SIGTERM)

    threading.Thread(target=watch, name="end-with-parent", daemon=True).start()


def _how_it_ended(exitcode: int | None) -> str:
    """How a process ended: "signal SIGABRT" when a signal ended it (a negative exit code),
    else "exit code N"."""
    if exitcode is not None and exitcode < 0:
        with contextlib.suppress(ValueError):
            return f"signal {signal.Signals(-exitcode).name}"
    return f"exit code {exitcode}"


class _Worker(Generic[R]):
    """One worker process, the item it runs and, once it is done, its answer."""

    def __init__(self) -> None:
        # Spawned, not forked: a fork while Polars' threads are busy can deadlock the child.
        context = multiprocessing.get_context("spawn")
        self.conn, child = context.Pipe()
        self.process = context.Process(target=_serve, args=(child,), daemon=True)
        self.process.start()
        child.close()
        self.started: float | None = None  # when the running item was sent
        self.answer: tuple[str, object] | None = None

    @property
    def busy(self) -> bool:
        return self.started is not None and self.answer is None

    def send(self, fn: Callable[[T], R], item: T) -> None:
        self.started, self.answer = time.monotonic(), None
        self.conn.send((fn, item))

    def watch(self, ready: list, budget: ParseBudget) -> None:
        """Take the answer if it came, else note a death or kill a worker over a limit."""
        if self.conn in ready:
            with contextlib.suppress(EOFError, OSError):
                self.answer = self.conn.recv()
                return
        if self.process.sentinel in ready or not self.process.is_alive():
            self.process.join()  # its exit code is known once it is joined
            self._lost(WorkerLost(_how_it_ended(self.process.exitcode)))
            return
        seconds = int(time.monotonic() - (self.started or 0))
        memory_mb = (resident_bytes(self.process.pid or 0) or 0) >> 20
        for limit, actual in (("max_parse_seconds", seconds), ("max_parse_memory_mb", memory_mb)):
            if actual > getattr(budget, limit):
                self._lost(WorkerLost(f"{limit} {actual:,}", limit, actual))
                return

    def take(self) -> R:
        """The answer of the finished item (raising what it raised); the worker is free."""
        assert self.answer is not None
        (status, value), self.answer, self.started = self.answer, None, None
        if status != "ok":  # "error" (raised by fn) or "lost"
            raise value  # type: ignore[misc]
        return value  # type: ignore[return-value]

    def _lost(self, lost: WorkerLost) -> None:
        self.stop(kill=True)
        self.answer = ("lost", lost)

    def stop(self, *, kill: bool = False) -> None:
        if not kill:
            with contextlib.suppress(OSError, BrokenPipeError):
                self.conn.send(None)
            self.process.join(timeout=5)
        if self.process.is_alive():
            self.process.kill()
        self.process.join()
        self.conn.close()


class WorkerPool:
    """Up to `size` worker processes, each watched against the budget's limits of time and
    memory while it runs an item. `start` of them are started at once, so that their
    start (a Python and its imports, some 0.3 s) overlaps the caller's own preparations;
    the others as the work needs them."""

    def __init__(self, budget: ParseBudget, size: int = WORKERS, start: int = 0) -> None:
        self.budget, self.size = budget, size
        self.workers: list[_Worker] = [_Worker() for _ in range(min(start, size))]

    def __enter__(self) -> WorkerPool:
        return self

    def __exit__(self, *exc_info: object) -> None:
        for worker in self.workers:
            worker.stop(kill=worker.busy)
        self.workers = []

    def in_order(
        self,
        fn: Callable[[T], R],
        items: Iterable[T],
        recover: Callable[[T, WorkerLost], R] | None = None,
    ) -> Iterator[R]:
        """fn of each item, run by the workers and yielded in order, at most one item per
        worker in flight (so results never pile up in memory). An item whose worker is
        lost goes to `recover` (without it, WorkerLost is raised); the work goes on."""
        pending: deque[tuple[T, _Worker]] = deque()
        for item in items:
            if len(pending) == self.size:
                yield self._result(*pending.popleft(), recover)
            worker = self._idle({w for _, w in pending})
            worker.send(fn, item)
            pending.append((item, worker))
        while pending:
            yield self._result(*pending.popleft(), recover)

    def _idle(self, taken: set[_Worker]) -> _Worker:
        self.workers = [w for w in self.workers if w.process.is_alive()]
        idle = next((w for w in self.workers if w not in taken and not w.busy), None)
        if idle is None:
            idle = _Worker()
            self.workers.append(idle)
        return idle

    def _result(self, item: T, worker: _Worker, recover: Callable[[T, WorkerLost], R] | None) -> R:
        while worker.answer is None:
            busy = [w for w in self.workers if w.busy]
            ready = multiprocessing.connection.wait(
                [handle for w in busy for handle in (w.conn, w.process.sentinel)],
                timeout=WATCH_SECONDS,
            )
            for watched in busy:
                watched.watch(ready, self.budget)
        try:
            return worker.take()
        except WorkerLost as lost:
            if recover is None:
                raise
            return recover(item, lost)


def run_alone(fn: Callable[[T], R], item: T, budget: ParseBudget) -> R:
    """fn(item) in a worker process of its own, under the budget, which ends with it.
    Raises WorkerLost when that process dies or is killed before it answers."""
    with WorkerPool(budget, size=1) as alone:
        return next(alone.in_order(fn, [item]))


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
