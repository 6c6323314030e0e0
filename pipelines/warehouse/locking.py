"""One writer at a time: a lock file beside the warehouse.

DuckDB itself refuses a second writer, but only at the moment it opens the file, which
could be half-way through a refresh. `flock` is released by the kernel when the holder
dies (even by SIGKILL), so a killed refresh never leaves a stale lock behind.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

_held: set[Path] = set()


class RefreshBusy(Exception):
    """Another process is refreshing this warehouse."""


def lock_path(warehouse: Path) -> Path:
    return warehouse.with_name(warehouse.name + ".lock")


@contextmanager
def refresh_lock(warehouse: Path, *, wait: bool) -> Iterator[None]:
    """Hold the warehouse's lock; re-entrant within a process (a run's steps nest in it).

    With wait=False a busy lock raises RefreshBusy at once instead of waiting.
    """
    path = lock_path(warehouse)
    if path in _held:
        yield
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        except BlockingIOError as busy:
            handle.seek(0)
            holder = handle.read().strip() or "?"
            raise RefreshBusy(
                f"另一个刷新正在进行（进程 {holder}），请稍后再试。"
                f" Another refresh (pid {holder}) holds {path}."
            ) from busy
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        _held.add(path)
        try:
            yield
        finally:
            _held.discard(path)
            fcntl.flock(handle, fcntl.LOCK_UN)
