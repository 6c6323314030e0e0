"""Which files under raw/ belong to which feed, in the order corrections are applied."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

# Reference first: its regions decide which town codes the returns may use.
FOLDERS: tuple[str, ...] = ("reference", "returns", "summaries")
FOLDER_ZH: dict[str, str] = {
    "reference": "参考数据",
    "returns": "企业报表",
    "summaries": "镇街汇总表",
}
# Written by Windows and macOS next to the user's files; not theirs to be told about.
_SYSTEM_FILES = frozenset({"thumbs.db", "desktop.ini"})


@dataclass(frozen=True)
class RawFile:
    path: Path
    source_file: str  # relative to raw_dir, posix
    folder: str
    mtime: datetime  # whole seconds: copies and zips lose sub-second precision
    size: int | None = None  # bytes


def discover(raw_dir: Path) -> list[RawFile]:
    """Files of each feed folder, each folder ordered by (mtime in seconds, file name)."""
    files: list[RawFile] = []
    for folder in FOLDERS:
        base = raw_dir / folder
        if not base.is_dir():
            continue
        found = []
        for path in base.rglob("*"):
            parts = path.relative_to(base).parts
            if any(part.startswith((".", "~$")) for part in parts):
                continue
            if path.name.lower() in _SYSTEM_FILES or not path.is_file():
                continue
            stat = path.stat()
            mtime = datetime.fromtimestamp(int(stat.st_mtime))
            source = path.relative_to(raw_dir).as_posix()
            found.append(RawFile(path, source, folder, mtime, stat.st_size))
        files.extend(sorted(found, key=lambda f: (f.mtime, f.path.name, f.source_file)))
    return files
