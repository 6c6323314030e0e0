"""Which files under raw/ belong to which feed, in the order corrections are applied.

Symbolic links are never followed: raw/ is where towns drop their files, and a link would let
one of them point the refresh at anything the machine can read (a link to /etc/passwd was
read). A link, to a file or to a folder, is listed like a file and refused when it is
opened (`symlink_refused`); nothing below a linked folder is listed.
"""

from __future__ import annotations

import errno
import hashlib
import io
import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from pipelines.ingest.readers import UnreadableFile

# Reference first: its regions decide which town codes the returns may use.
FOLDERS: tuple[str, ...] = ("reference", "returns", "summaries")
FOLDER_ZH: dict[str, str] = {
    "reference": "参考数据",
    "returns": "企业报表",
    "summaries": "镇街汇总表",
}
# Written by Windows and macOS next to the user's files; not theirs to be told about.
_SYSTEM_FILES = frozenset({"thumbs.db", "desktop.ini"})
# os.open refuses a link as the last part of the path (ELOOP; EMLINK on FreeBSD); Windows
# has no such flag, there the check before opening is all there is.
NO_FOLLOW = getattr(os, "O_NOFOLLOW", 0)


class RawPath(type(Path())):  # PosixPath or WindowsPath, as Path() itself picks
    """A path under raw/ that is opened without following a symbolic link.

    Whoever reads a raw file (the parser, the content hash) opens it through this path, so
    a link is refused however it got there, also one put in place of a file after discovery.
    """

    def open(self, mode="r", buffering=-1, encoding=None, errors=None, newline=None):
        if self.is_symlink():
            raise UnreadableFile("symlink_refused", "symbolic link")
        if "b" not in mode:
            encoding = io.text_encoding(encoding)
        try:
            return open(self, mode, buffering, encoding, errors, newline, opener=_no_follow)
        except OSError as error:  # with O_NOFOLLOW, ELOOP says the file is a link
            if error.errno in (errno.ELOOP, errno.EMLINK):
                raise UnreadableFile("symlink_refused", "symbolic link") from error
            raise


def _no_follow(path: str, flags: int) -> int:
    return os.open(path, flags | NO_FOLLOW)


@dataclass(frozen=True)
class RawFile:
    path: Path
    source_file: str  # relative to raw_dir, posix
    folder: str
    mtime: datetime  # whole seconds: copies and zips lose sub-second precision
    size: int | None = None  # bytes


def discover(raw_dir: Path) -> list[RawFile]:
    """Files of each feed folder, each folder ordered by (mtime in seconds, file name).

    A symbolic link (to a file or a folder, the feed folder itself included) is listed with
    its own size and time and refused when read; a linked folder is not entered.
    """
    files: list[RawFile] = []
    for folder in FOLDERS:
        base = raw_dir / folder
        if base.is_symlink():
            entries: Iterator[Path] = iter([base])
        elif base.is_dir():
            entries = _entries(base)
        else:
            continue
        found = []
        for path in entries:
            stat = path.lstat()
            mtime = datetime.fromtimestamp(int(stat.st_mtime))
            source = readable_name(path.relative_to(raw_dir).as_posix())
            found.append(RawFile(RawPath(path), source, folder, mtime, stat.st_size))
        files.extend(sorted(found, key=lambda f: (f.mtime, f.path.name, f.source_file)))
    return files


def link_digest(path: Path) -> str | None:
    """For a symbolic link, a stand-in for its content hash: what it points to. A refused
    link is then registered like any file, and a refresh that finds it unchanged has
    nothing to do (instead of refusing it again every night). None for anything else."""
    if not path.is_symlink():
        return None
    return hashlib.sha256(b"symlink:" + os.fsencode(os.readlink(path))).hexdigest()


def readable_name(source: str) -> str:
    """A file name as text the warehouse can store. A name that is not UTF-8 (a zip made
    on Chinese Windows keeps GBK bytes) holds undecodable bytes as surrogates, which no
    table accepts: it is read as GBK when it decodes so, else with the bytes escaped, and
    marked either way (the file itself is read through its real path)."""
    try:
        source.encode("utf-8")
        return source
    except UnicodeEncodeError:
        raw = os.fsencode(source)
    try:
        return f"{raw.decode('gb18030')} [文件名为GBK编码 GBK file name]"
    except UnicodeDecodeError:
        escaped = raw.decode("utf-8", "backslashreplace")
        return f"{escaped} [文件名编码无法识别 undecodable file name]"


def _entries(folder: Path) -> Iterator[Path]:
    """Regular files and symbolic links below folder, hidden and system files left out;
    folders are entered, linked folders are not (they are entries, refused when read)."""
    with os.scandir(folder) as scan:
        children = list(scan)
    for entry in children:
        if entry.name.startswith((".", "~$")) or entry.name.lower() in _SYSTEM_FILES:
            continue
        path = folder / entry.name
        if entry.is_symlink() or entry.is_file(follow_symlinks=False):
            yield path
        elif entry.is_dir(follow_symlinks=False):
            yield from _entries(path)
