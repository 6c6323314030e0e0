"""Deciding when files dropped into raw/ should start a refresh.

Towns copy many files at once, and a large file is written over several seconds. The
watcher therefore waits until raw/ has been quiet (no file added, removed, resized or
touched) for QUIET_SECONDS before asking for one refresh of everything it saw; a file
still being written keeps changing size or mtime and so is never read half-way. What counts
as a change is the file registry's rule (pipelines.ingest.registry), applied to the
registry the current snapshot was published from: when raw/ matches it, no run starts.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass
from pathlib import Path

import duckdb

from pipelines.ingest import registry
from pipelines.ingest.discovery import discover
from pipelines.warehouse.publish import current_snapshot

QUIET_SECONDS = 60


@dataclass(frozen=True)
class WatchState:
    seen: str = ""  # fingerprint of raw/ at the last look
    seen_since: float = 0.0  # when raw/ first looked like `seen`
    launched: str = ""  # fingerprint the last refresh was requested for

    def to_cursor(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_cursor(cls, cursor: str | None) -> WatchState:
        return cls(**json.loads(cursor)) if cursor else cls()


@dataclass(frozen=True)
class Decision:
    state: WatchState
    run_key: str | None  # set when a refresh should start now
    reason: str


def raw_fingerprint(raw_dir: Path) -> str:
    """Names, sizes and mtimes (to the nanosecond) of every candidate file."""
    digest = hashlib.sha256()
    for raw in discover(raw_dir):
        stat = raw.path.lstat()  # a symbolic link is listed (and refused), never followed
        digest.update(f"{raw.source_file}\x1f{stat.st_size}\x1f{stat.st_mtime_ns}\x1e".encode())
    return digest.hexdigest()


def published_is_current(raw_dir: Path, publish_dir: Path) -> bool:
    """raw/ holds exactly the files the current snapshot was built from, as they were."""
    snapshot = current_snapshot(publish_dir)
    if snapshot is None:
        return False
    with duckdb.connect(str(snapshot), read_only=True) as con:
        published = registry.registered(con, "mart_load_audit")
    return registry.matches(discover(raw_dir), published)


def decide(state: WatchState, fingerprint: str, now: float) -> Decision:
    if fingerprint == state.launched:
        return Decision(state, None, "raw/ 没有变化 (no change since the last refresh)")
    if fingerprint != state.seen:
        moved = WatchState(seen=fingerprint, seen_since=now, launched=state.launched)
        return Decision(moved, None, "raw/ 有变化，等待文件写完 (changes seen; waiting for quiet)")
    if now - state.seen_since < QUIET_SECONDS:
        left = QUIET_SECONDS - (now - state.seen_since)
        return Decision(state, None, f"等待 {left:.0f} 秒无变化 (waiting {left:.0f}s of quiet)")
    launched = WatchState(seen=fingerprint, seen_since=state.seen_since, launched=fingerprint)
    return Decision(launched, fingerprint[:16], "raw/ 已稳定，开始刷新 (raw/ is quiet: refresh)")
