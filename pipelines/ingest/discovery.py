"""Which files under raw/ belong to which feed, in the order corrections are applied.

A file anywhere else under raw/ (in raw/ itself, or in a folder such as raw/Returns/) is
listed too, under the folder UNSORTED, and refused as `outside_feed_folders` with where it
should go: a return dropped one folder off is told about, never passed over in silence.

Symbolic links are never followed: raw/ is where towns drop their files, and a link would let
one of them point the refresh at anything the machine can read (a link to /etc/passwd was
read). A link, to a file or to a folder, is listed like a file and refused when it is
opened (`symlink_refused`); nothing below a linked folder is listed.
"""

from __future__ import annotations

import contextlib
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
# The folder of a file outside the feed folders (listed, refused, see module docstring).
UNSORTED = "unsorted"
FOLDER_ZH[UNSORTED] = "不在报表文件夹中"
# Written by Windows and macOS next to the user's files; not theirs to be told about.
_SYSTEM_FILES = frozenset({"thumbs.db", "desktop.ini", ".ds_store"})
# Office writes "~$name.xlsx" (162 or 165 bytes: who has the workbook open) while a workbook
# is open, LibreOffice ".~lock.name.xlsx#"; a file named so but bigger is somebody's data
# and is read like any other. macOS writes "._name" (a copy's extended attributes, often
# 4 KB), known by its AppleDouble magic number.
_OWNER_FILE_MAX_BYTES = 1024
_APPLE_DOUBLE_MAGIC = b"\x00\x05\x16\x07"
# raw/README.md describes the folder (the sample city's manifest); it is no return.
_FOLDER_NOTES = ("readme",)
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
    """Files of each feed folder, each folder ordered by (mtime in seconds, file name), then
    the files outside the feed folders (UNSORTED) by name.

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
        found = [_raw_file(raw_dir, path, folder) for path in entries]
        files.extend(sorted(found, key=lambda f: (f.mtime, f.path.name, f.source_file)))
    misplaced = [_raw_file(raw_dir, path, UNSORTED) for path in _outside_feed_folders(raw_dir)]
    return files + sorted(misplaced, key=lambda f: f.source_file)


def _raw_file(raw_dir: Path, path: Path, folder: str) -> RawFile:
    stat = path.lstat()
    mtime = datetime.fromtimestamp(int(stat.st_mtime))
    source = readable_name(path.relative_to(raw_dir).as_posix())
    return RawFile(RawPath(path), source, folder, mtime, stat.st_size)


def _outside_feed_folders(raw_dir: Path) -> Iterator[Path]:
    """Files in raw/ itself (but its README) and below folders that are no feed folder."""
    if raw_dir.is_symlink() or not raw_dir.is_dir():
        return
    for path in _entries(raw_dir, descend=False):
        is_folder = path.is_dir() and not path.is_symlink()
        if path.name in FOLDERS and (is_folder or path.is_symlink()):
            continue  # a feed folder (a linked one is listed and refused by discover)
        if is_folder:
            yield from _entries(path)
        elif not path.name.lower().startswith(_FOLDER_NOTES):
            yield path


def where_it_belongs(source_file: str) -> tuple[str, dict[str, str]]:
    """The refusal of a file outside the feed folders, by its path under raw/: the reason
    code and its message parameters. When the name of its folder points to a feed folder
    (raw/Returns/, raw/企业报表/ → raw/returns/), the message names that folder."""
    top, *below = source_file.split("/")
    place = f"raw/{top}/" if below else "raw/"
    guess = next((f for f in FOLDERS if top.casefold() == f or FOLDER_ZH[f] in top), None)
    if below and guess:
        return "wrong_feed_folder", {"place": place, "folder": f"raw/{guess}/"}
    return "outside_feed_folders", {"place": place}


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


def _passed_over(entry: os.DirEntry) -> bool:
    """A file the system or an office program wrote beside the user's (see above), or a
    hidden folder (.git, a stick's .Trash-1000 of deleted files): nobody's return."""
    name = entry.name.lower()
    if entry.is_dir(follow_symlinks=False):
        return name.startswith(".")
    if name in _SYSTEM_FILES:
        return True
    if entry.is_symlink():
        return False  # listed, and refused when read
    if name.startswith(("~$", ".~lock.")):
        return entry.stat(follow_symlinks=False).st_size <= _OWNER_FILE_MAX_BYTES
    if name.startswith("._"):
        with contextlib.suppress(OSError), open(entry.path, "rb", opener=_no_follow) as file:
            return file.read(4) == _APPLE_DOUBLE_MAGIC
    return False


def _entries(folder: Path, *, descend: bool = True) -> Iterator[Path]:
    """Regular files and symbolic links below folder, system and lock files and hidden
    folders left out (`_passed_over`); hidden files are read like any other. Folders are
    entered, linked folders are not (they are entries, refused when read). Without
    `descend`, folder's own folders are entries too, not entered."""
    with os.scandir(folder) as scan:
        children = list(scan)
    for entry in children:
        if _passed_over(entry):
            continue
        path = folder / entry.name
        if entry.is_symlink() or entry.is_file(follow_symlinks=False):
            yield path
        elif entry.is_dir(follow_symlinks=False):
            if descend:
                yield from _entries(path)
            else:
                yield path
