"""What every worker process the refresh starts does first: give way to the refresh, and
leave when the refresh is gone.

The workers import Great Expectations and dbt while the refresh itself starts, and on two
cores the three compete. The refresh is the one the others wait for (its files must be
loaded before there is anything to check or build), so the workers run at a lower priority:
measured on the one-added-file refresh at province scale, about a second less (12.2 s against
13.2 s, mean of 4 runs each, interleaved).

A worker waits for work from the refresh that started it. When that refresh is killed
(SIGKILL, out of memory), nothing tells the worker, which would wait, holding its memory,
for ever: a pool's worker keeps its own copy of both ends of its queue, so it never sees
one close. So each worker watches its parent and exits once the parent is gone.
"""

from __future__ import annotations

import os
import threading
import time


def give_way(niceness: int) -> None:
    """Lower this process's priority by `niceness` (1–19; it cannot be raised again)."""
    os.nice(niceness)


def exit_with_parent(parent: int) -> None:
    """Start a watch that ends this process (at once, as there is no one left to report
    to) within a second of its parent, the process `parent`, ending. The parent gives its
    own pid: one killed while this process was still starting would otherwise go unseen."""

    def watch() -> None:
        while os.getppid() == parent:  # an orphan is adopted by another process
            time.sleep(1)
        os._exit(1)

    threading.Thread(target=watch, name="exit-with-parent", daemon=True).start()
