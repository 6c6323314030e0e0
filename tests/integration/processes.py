"""The processes of a session, read from /proc (psutil is not installed): what the tests that
start a deployment, a launcher or a refresh in a session of its own look at to prove that
nothing of it is left running."""

from __future__ import annotations

import contextlib
import time
from pathlib import Path


def stat_fields(pid: int) -> list[str]:
    """The fields of /proc/<pid>/stat after the command name: state, ppid, pgrp, session, …
    ("pid (comm) state …"; comm may hold spaces and parentheses). OSError once it is gone."""
    return Path(f"/proc/{pid}/stat").read_text().rsplit(") ", 1)[1].split()


def parent_of(pid: int) -> int:
    return int(stat_fields(pid)[1])


def session_processes(sid: int) -> dict[int, tuple[str, int]]:
    """pid → (command line, resident KiB) of every live process of session `sid`. Zombies are
    left out: they have ended and hold nothing but their exit status until their parent
    reads it."""
    found = {}
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        with contextlib.suppress(OSError, IndexError, ValueError):  # ended meanwhile
            fields = stat_fields(int(proc.name))
            state, session = fields[0], int(fields[3])
            if session != sid or state == "Z":
                continue
            command = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            rss = next(  # none for a process that is exiting
                (
                    int(line.split()[1])
                    for line in (proc / "status").read_text().splitlines()
                    if line.startswith("VmRSS:")
                ),
                0,
            )
            found[int(proc.name)] = (command, rss)
    return found


def left_running(sid: int, seconds: float) -> dict[int, tuple[str, int]]:
    """What is left of session `sid` once it has had `seconds` to end."""
    deadline = time.monotonic() + seconds
    while (left := session_processes(sid)) and time.monotonic() < deadline:
        time.sleep(0.1)
    return left
