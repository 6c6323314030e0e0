"""The warehouse's state between runs: the refresh lock, the record of what changed, the
published snapshots and the run log."""
