"""Refreshes whose process died without a word, marked failed so that the night goes on.

A refresh killed outright cannot record its own end. When only a daemon-launched run's
worker dies, its code server reports the run failed; but a `gonghui refresh` killed with
`kill -9` (it has no code server), or a deployment killed together with its run (a power
cut, the whole service killed), leaves the run STARTED for ever. The daemon's queue
(`max_concurrent_runs: 1`) then starts no other refresh, and the raw/ sensor waits for it,
night after night. Dagster's run monitoring finds dead run workers only where the run
launcher can ask its platform (Kubernetes, Docker, ECS), not for local processes.

So each run notes the process it runs in (`PROCESS_TAG`, set when its resources start, or
when it is created by the process that runs it),
and the CLI, the sensor and the schedule mark a STARTED refresh whose process is gone as
failed before deciding anything. A process is known by machine, boot, process id and
start time, so a process id reused after the death, or after a restart, is not taken for
the run's. A run noted on another machine is left alone: its process cannot be seen here.
"""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass
from pathlib import Path

import dagster as dg

PROCESS_TAG = "gonghui/process"
_PROC = Path("/proc")


@dataclass(frozen=True)
class ProcessIdentity:
    host: str
    boot: str
    pid: int
    started: str  # clock ticks since boot (field 22 of /proc/<pid>/stat)

    def to_tag(self) -> str:
        return f"{self.host}|{self.boot}|{self.pid}|{self.started}"

    @classmethod
    def from_tag(cls, tag: str) -> ProcessIdentity | None:
        parts = tag.split("|")
        if len(parts) != 4 or not parts[2].isdigit():
            return None
        host, boot, pid, started = parts
        return cls(host, boot, int(pid), started)


def identity_of(pid: int) -> ProcessIdentity | None:
    """The identity of a live process of this machine; None when it is gone, a zombie
    (ended, its exit status not yet collected by its parent) or this system has no /proc."""
    try:
        stat = (_PROC / str(pid) / "stat").read_text()
        boot = (_PROC / "sys" / "kernel" / "random" / "boot_id").read_text().strip()
    except OSError:
        return None
    # "pid (comm) state …": comm may itself hold spaces or parentheses
    fields = stat[stat.rindex(")") + 2 :].split()
    if fields[0] == "Z":
        return None
    return ProcessIdentity(socket.gethostname(), boot, pid, started=fields[19])


def this_process() -> ProcessIdentity | None:
    return identity_of(os.getpid())


def is_gone(noted: ProcessIdentity) -> bool:
    """Whether the noted process has certainly ended: False when it still runs, or runs
    on another machine, or this machine cannot tell."""
    here = this_process()
    if here is None or noted.host != here.host:
        return False
    return noted.boot != here.boot or identity_of(noted.pid) != noted


def tags_of_this_process() -> dict[str, str]:
    """The tag of a run this process starts and runs itself (`gonghui refresh`), given when
    the run is created: one killed before its steps start is then known too."""
    identity = this_process()
    return {} if identity is None else {PROCESS_TAG: identity.to_tag()}


def note_this_process(instance: dg.DagsterInstance, run: dg.DagsterRun) -> None:
    """Tag the run with the process it runs in."""
    tags = tags_of_this_process()
    if tags and run.tags.get(PROCESS_TAG) != tags[PROCESS_TAG]:
        instance.add_run_tags(run.run_id, tags)


def fail_abandoned_runs(instance: dg.DagsterInstance, job_name: str) -> dict[str, str]:
    """Mark every STARTED run of `job_name` whose noted process is gone as failed, saying
    why; returns what was said, by run id, for the caller to show."""
    said = {}
    records = instance.get_run_records(
        dg.RunsFilter(job_name=job_name, statuses=[dg.DagsterRunStatus.STARTED])
    )
    for record in records:
        run = record.dagster_run
        noted = ProcessIdentity.from_tag(run.tags.get(PROCESS_TAG, ""))
        if noted is None or not is_gone(noted):
            continue
        # it may have ended well between the query and now; gone, it can no longer change
        if instance.get_run_by_id(run.run_id).status != dg.DagsterRunStatus.STARTED:
            continue
        line = (
            f"刷新 {run.run_id[:8]} 的进程 {noted.pid} 已不存在（被强行终止或机器重启），"
            f"已标记为失败 (refresh {run.run_id[:8]}: its process {noted.pid} is gone, killed"
            " or the machine restarted; marked as failed)"
        )
        instance.report_run_failed(run, line)
        said[run.run_id] = line
    return said
