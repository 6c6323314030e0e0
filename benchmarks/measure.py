"""Run one command and measure it: wall time, exit code and peak memory of its process tree.

Peak RSS is the largest sum of resident memory over the command and every process it
started (dbt runs as a child of the refresh), sampled from /proc every 50 ms. That is
stricter than `/usr/bin/time`, which reports only the largest single process.
"""

from __future__ import annotations

import os
import subprocess
import threading
import time
from dataclasses import dataclass
from pathlib import Path

SAMPLE_SECONDS = 0.05
_PAGE = os.sysconf("SC_PAGE_SIZE")


@dataclass(frozen=True)
class Measurement:
    seconds: float
    peak_rss: int  # bytes, process tree
    returncode: int
    stdout: str
    stderr: str


def run(command: list[str], *, cwd: Path, env: dict[str, str] | None = None) -> Measurement:
    started = time.perf_counter()
    proc = subprocess.Popen(
        command, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    sampler = _PeakSampler(proc.pid)
    sampler.start()
    stdout, stderr = proc.communicate()
    seconds = time.perf_counter() - started
    sampler.stop()
    return Measurement(seconds, sampler.peak, proc.returncode, stdout, stderr)


class _PeakSampler(threading.Thread):
    def __init__(self, root: int) -> None:
        super().__init__(daemon=True)
        self.root, self.peak = root, 0
        self._done = threading.Event()

    def run(self) -> None:
        while not self._done.is_set():
            self.peak = max(self.peak, tree_rss(self.root))
            self._done.wait(SAMPLE_SECONDS)

    def stop(self) -> None:
        self._done.set()
        self.join()


def tree_rss(root: int) -> int:
    """Resident bytes of `root` and all its descendants (0 once they have exited)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            # the command name (2nd field) may hold spaces; the parent pid follows its ')'
            parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(parent, []).append(int(entry.name))
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        todo.extend(children.get(pid, []))
        try:
            total += int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * _PAGE
        except (OSError, IndexError, ValueError):
            continue
    return total
