"""Failed sign-ins per key (a user name, a client address), with a lock that doubles.

After `threshold` failures a key is locked for 30 s; every failure after the lock ends
doubles it, up to 15 min. While a key is locked its attempts are refused before any password
is checked, so guessing costs the server nothing (an scrypt check costs 128 MiB and a third of
a second). A success clears the key; a key without a failure for an hour is forgotten.
The counts live in the dashboard's process (every browser session shares them) and are lost
when it restarts.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

FIRST_LOCK_SECONDS = 30.0
LONGEST_LOCK_SECONDS = 15 * 60.0
FORGET_AFTER_SECONDS = 60 * 60.0
# Keys kept at most: guesses under ever new names must not grow memory without end.
MAX_KEYS = 10_000


@dataclass
class _Failures:
    count: int = 0
    last: float = 0.0
    locked_until: float = 0.0


class Throttle:
    """Failures and locks of one kind of key."""

    def __init__(self, threshold: int) -> None:
        self.threshold = threshold
        self._failures: dict[str, _Failures] = {}
        self._mutex = threading.Lock()  # Streamlit runs each browser session in a thread

    def wait(self, key: str, now: float | None = None) -> float:
        """Seconds the key is still locked for (0: it may try)."""
        now = time.time() if now is None else now
        with self._mutex:
            record = self._failures.get(key)
            return 0.0 if record is None else max(0.0, record.locked_until - now)

    def failed(self, key: str, now: float | None = None) -> float:
        """Count a failure; the seconds the key is now locked for (0 below the threshold)."""
        now = time.time() if now is None else now
        with self._mutex:
            self._forget_stale(now)
            record = self._failures.get(key)
            if record is None or _stale(record, now):
                record = self._failures[key] = _Failures()
            record.count += 1
            record.last = now
            if record.count >= self.threshold:
                doublings = record.count - self.threshold
                lock = min(FIRST_LOCK_SECONDS * 2 ** min(doublings, 32), LONGEST_LOCK_SECONDS)
                record.locked_until = now + lock
            return max(0.0, record.locked_until - now)

    def succeeded(self, key: str) -> None:
        with self._mutex:
            self._failures.pop(key, None)

    def clear(self) -> None:
        with self._mutex:
            self._failures.clear()

    def _forget_stale(self, now: float) -> None:
        """Past MAX_KEYS: forget the stale keys, then those whose lock ends first."""
        if len(self._failures) < MAX_KEYS:
            return
        for key, record in list(self._failures.items()):
            if _stale(record, now):
                del self._failures[key]
        by_lock = sorted(self._failures, key=lambda k: (self._failures[k].locked_until, k))
        for key in by_lock[: max(0, len(by_lock) - MAX_KEYS + 1)]:
            del self._failures[key]


def _stale(record: _Failures, now: float) -> bool:
    """An hour past the last failure and the end of the lock: the count starts again."""
    return max(record.last, record.locked_until) + FORGET_AFTER_SECONDS < now
