"""What is in raw/: the files each feed will read, without reading them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

FEED_FOLDERS: dict[str, str] = {
    "reference": "reference",
    "returns": "returns",
    "summaries": "summaries",
}
READABLE_SUFFIXES = frozenset({".csv", ".txt", ".tsv", ".xlsx", ".xlsm", ".xls"})


@dataclass(frozen=True)
class RawFile:
    feed: str
    path: Path
    relative: str
    size: int
    mtime: datetime


def is_candidate(path: Path) -> bool:
    """Hidden files and Excel's `~$` lock files are never returns."""
    return path.is_file() and not path.name.startswith((".", "~$"))


def list_raw_files(raw_dir: Path) -> list[RawFile]:
    """Every candidate file under the feed folders, in feed then path order."""
    files: list[RawFile] = []
    for feed, folder in FEED_FOLDERS.items():
        root = raw_dir / folder
        if not root.is_dir():
            continue
        for path in sorted(root.rglob("*")):
            if not is_candidate(path):
                continue
            stat = path.stat()
            files.append(
                RawFile(
                    feed=feed,
                    path=path,
                    relative=path.relative_to(raw_dir).as_posix(),
                    size=stat.st_size,
                    mtime=datetime.fromtimestamp(stat.st_mtime),
                )
            )
    return files
