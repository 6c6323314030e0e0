"""raw/ is read where it is: a symbolic link, to a file or a folder, is listed and refused,
never followed; a file outside the feed folders is listed and refused with where it belongs
(pipelines.ingest.discovery)."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import duckdb
import pytest

from pipelines.ingest import discovery
from pipelines.ingest.discovery import RawPath, discover, link_digest
from pipelines.ingest.load import ingest
from pipelines.ingest.readers import UnreadableFile
from pipelines.ingest.registry import file_sha256
from pipelines.ingest.uscc import check_char

TODAY = dt.date(2026, 1, 15)
TOWN = "310117101000"
HEADER = "统一社会信用代码,企业名称,所属镇街代码,报告期,职工人数,建会形式\n"


def uscc(serial: int) -> str:
    body = f"91310117MA1J{serial:05d}"
    return body + check_char(body)


def returns_csv(path: Path, serial: int, name: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(HEADER + f"{uscc(serial)},{name},{TOWN},2025-12,30,单独建会\n", "utf-8")


@pytest.fixture
def raw_with_links(tmp_path: Path) -> Path:
    """raw/returns: one file of its own, a link to a file outside raw/, a link to a folder
    outside raw/ (holding a file), and a link that points nowhere."""
    outside = tmp_path / "outside"
    returns_csv(outside / "secret.csv", 1, "外部秘密企业")
    returns_csv(outside / "folder" / "inner.csv", 2, "外部文件夹企业")
    raw = tmp_path / "raw"
    returns_csv(raw / "returns" / "own.csv", 3, "本镇企业")
    (raw / "returns" / "link.csv").symlink_to(outside / "secret.csv")
    (raw / "returns" / "linked_folder").symlink_to(outside / "folder", target_is_directory=True)
    (raw / "returns" / "nowhere.csv").symlink_to(tmp_path / "missing.csv")
    return raw


@pytest.fixture
def seeds(tmp_path: Path) -> Path:
    folder = tmp_path / "seeds"
    folder.mkdir()
    (folder / "regions.csv").write_text(
        "region_code,region_name,region_level,parent_code\n"
        "310100000000,上海市,city,\n310117000000,松江区,district,310100000000\n"
        f"{TOWN},东镇,town,310117000000\n",
        encoding="utf-8",
    )
    return folder


def query(warehouse: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(sql).fetchall()


def test_a_link_out_of_raw_is_audited_as_refused_and_not_read(raw_with_links, seeds, tmp_path):
    # the paths travel to worker processes and are refused there
    warehouse = tmp_path / "wh.duckdb"

    ingest(raw_with_links, warehouse, TODAY, seeds_dir=seeds)

    audit = query(
        warehouse,
        "select source_file, status, error_code, message_zh, message_en, rows_read, sha256"
        " from landing.load_audit order by source_file",
    )
    refused = (
        "unreadable",
        "symlink_refused",
        "不读取符号链接（快捷方式），请把文件本身放进 raw/",
        "symbolic links are not followed; put the file itself into raw/",
        0,
    )
    returns = raw_with_links / "returns"
    # registered by what they point to (never read): the hash of "symlink:" + the target
    assert audit == [
        ("returns/link.csv", *refused, link_digest(returns / "link.csv")),
        # listed, not entered: no inner.csv
        ("returns/linked_folder", *refused, link_digest(returns / "linked_folder")),
        ("returns/nowhere.csv", *refused, link_digest(returns / "nowhere.csv")),
        ("returns/own.csv", "loaded", None, None, None, 1, file_sha256(raw_with_links / "returns/own.csv")),
    ]  # fmt: skip
    assert query(warehouse, "select enterprise_name from landing.enterprise_returns") == [
        ("本镇企业",)
    ]
    assert query(warehouse, "select count(*) from landing.quarantine") == [(0,)]


def test_a_second_load_refuses_the_link_again_without_failing(raw_with_links, seeds, tmp_path):
    warehouse = tmp_path / "wh.duckdb"
    ingest(raw_with_links, warehouse, TODAY, seeds_dir=seeds)

    # registered by what they point to: the next refresh has nothing to do ...
    again = ingest(raw_with_links, warehouse, TODAY, seeds_dir=seeds)
    assert not again.changed
    # ... until one of them changes
    (raw_with_links / "returns" / "nowhere.csv").unlink()
    (raw_with_links / "returns" / "nowhere.csv").symlink_to("/still/nowhere.csv")
    changed = ingest(raw_with_links, warehouse, TODAY, seeds_dir=seeds)
    assert (changed.changed, changed.files_parsed) == (True, 1)

    assert query(
        warehouse,
        "select source_file, error_code from landing.load_audit where status = 'unreadable'"
        " order by source_file",
    ) == [
        ("returns/link.csv", "symlink_refused"),
        ("returns/linked_folder", "symlink_refused"),
        ("returns/nowhere.csv", "symlink_refused"),
    ]
    assert query(warehouse, "select enterprise_name from landing.enterprise_returns") == [
        ("本镇企业",)
    ]


def test_links_are_listed_with_their_own_size_and_time(raw_with_links):
    link = raw_with_links / "returns" / "link.csv"
    os.utime(link, (1_000_000, 1_000_000), follow_symlinks=False)

    files = {f.source_file: f for f in discover(raw_with_links)}

    assert set(files) == {
        "returns/own.csv",
        "returns/link.csv",
        "returns/linked_folder",
        "returns/nowhere.csv",
    }
    assert files["returns/link.csv"].size == len(os.readlink(link))
    assert files["returns/link.csv"].mtime == dt.datetime.fromtimestamp(1_000_000)
    assert all(isinstance(f.path, RawPath) for f in files.values())


def test_a_linked_feed_folder_is_refused_not_entered(tmp_path):
    outside = tmp_path / "elsewhere"
    returns_csv(outside / "a.csv", 1, "甲")
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "returns").symlink_to(outside, target_is_directory=True)

    files = discover(raw)

    assert [f.source_file for f in files] == ["returns"]
    with pytest.raises(UnreadableFile) as refused:
        files[0].path.read_bytes()
    assert refused.value.reason_code == "symlink_refused"


def test_a_file_swapped_for_a_link_after_discovery_is_still_refused(tmp_path, monkeypatch):
    """The check before opening can be raced; the open itself (O_NOFOLLOW) refuses too."""
    (tmp_path / "secret.csv").write_text("secret", encoding="utf-8")
    link = tmp_path / "swapped.csv"
    link.symlink_to(tmp_path / "secret.csv")
    monkeypatch.setattr(RawPath, "is_symlink", lambda self: False)  # as if checked too early

    with pytest.raises(UnreadableFile) as refused:
        RawPath(link).read_bytes()

    assert refused.value.reason_code == "symlink_refused"
    assert RawPath(tmp_path / "secret.csv").read_text(encoding="utf-8") == "secret"
    assert discovery.NO_FOLLOW  # the race is closed on this system (POSIX)


def test_a_file_name_in_gbk_bytes_is_read_and_recorded_under_a_name_that_says_so(tmp_path):
    """A zip made on Chinese Windows keeps GBK bytes in its file names; the refresh used to
    fail on such a name every night without naming the file."""
    returns = tmp_path / "raw" / "returns"
    returns.mkdir(parents=True)
    gbk = os.path.join(os.fsencode(returns), "东镇.csv".encode("gbk"))
    undecodable = os.path.join(os.fsencode(returns), b"\xff\xfe.csv")
    header = "统一社会信用代码,企业名称,所属镇街代码,报告期,职工人数,建会形式\n"
    for path in (gbk, undecodable):
        with open(path, "wb") as file:
            file.write(header.encode())

    names = sorted(raw.source_file for raw in discover(tmp_path / "raw"))

    assert names == [
        "returns/\\xff\\xfe.csv [文件名编码无法识别 undecodable file name]",
        "returns/东镇.csv [文件名为GBK编码 GBK file name]",
    ]
    ingest(tmp_path / "raw", tmp_path / "w.duckdb", dt.date(2026, 1, 15))
    with duckdb.connect(str(tmp_path / "w.duckdb"), read_only=True) as con:
        audited = con.execute(
            "select source_file, error_code from landing.load_audit order by source_file"
        ).fetchall()
    assert audited == [(name, "no_data_rows") for name in names]


@pytest.fixture
def raw_with_misplaced_files(tmp_path: Path) -> Path:
    """One return where it belongs, and four that are not: in raw/ itself, in raw/Returns/,
    in raw/企业报表/2025/ and in raw/杂项/; raw/README.md describes the folder."""
    raw = tmp_path / "raw"
    returns_csv(raw / "returns" / "own.csv", 1, "本镇企业")
    returns_csv(raw / "stray.csv", 2, "根目录企业")
    returns_csv(raw / "Returns" / "a.csv", 3, "大写文件夹企业")
    returns_csv(raw / "企业报表" / "2025" / "b.csv", 4, "中文文件夹企业")
    returns_csv(raw / "杂项" / "c.csv", 5, "杂项企业")
    (raw / "README.md").write_text("# 样本城市\n", encoding="utf-8")
    return raw


def test_files_outside_the_feed_folders_are_audited_as_not_read_with_where_they_belong(
    raw_with_misplaced_files, seeds, tmp_path
):
    warehouse = tmp_path / "wh.duckdb"

    summary = ingest(raw_with_misplaced_files, warehouse, TODAY, seeds_dir=seeds)

    feeds = "raw/returns/（企业报表）、raw/summaries/（镇街汇总表）、raw/reference/（参考数据）"
    assert query(
        warehouse,
        "select source_file, feed, status, error_code, message_zh, rows_read, sha256 is not null"
        " from landing.load_audit order by source_file",
    ) == [
        ("Returns/a.csv", "unsorted", "unreadable", "wrong_feed_folder",
         "文件在 raw/Returns/ 中，未读取：报表文件夹的名称是 raw/returns/，请移入该文件夹", 0, True),
        ("returns/own.csv", "returns", "loaded", None, None, 1, True),
        ("stray.csv", "unsorted", "unreadable", "outside_feed_folders",
         f"文件在 raw/ 中，不在 {feeds}之中，未读取：请按种类移入其中之一", 0, True),
        ("企业报表/2025/b.csv", "unsorted", "unreadable", "wrong_feed_folder",
         "文件在 raw/企业报表/ 中，未读取：报表文件夹的名称是 raw/returns/，请移入该文件夹", 0, True),
        ("杂项/c.csv", "unsorted", "unreadable", "outside_feed_folders",
         f"文件在 raw/杂项/ 中，不在 {feeds}之中，未读取：请按种类移入其中之一", 0, True),
    ]  # fmt: skip
    assert query(warehouse, "select enterprise_name from landing.enterprise_returns") == [
        ("本镇企业",)
    ]
    assert (summary.files_seen, summary.files_loaded, len(summary.unreadable)) == (5, 1, 4)
    # registered by their content: told once, not every night
    assert not ingest(raw_with_misplaced_files, warehouse, TODAY, seeds_dir=seeds).changed


def test_a_misplaced_file_moved_into_its_feed_folder_loads(
    raw_with_misplaced_files, seeds, tmp_path
):
    warehouse = tmp_path / "wh.duckdb"
    ingest(raw_with_misplaced_files, warehouse, TODAY, seeds_dir=seeds)

    (raw_with_misplaced_files / "stray.csv").rename(raw_with_misplaced_files / "returns/stray.csv")
    ingest(raw_with_misplaced_files, warehouse, TODAY, seeds_dir=seeds)

    assert query(
        warehouse,
        "select source_file, status from landing.load_audit where source_file like '%stray%'",
    ) == [("returns/stray.csv", "loaded")]
    assert query(
        warehouse, "select enterprise_name from landing.enterprise_returns order by 1"
    ) == [("本镇企业",), ("根目录企业",)]


def test_hidden_files_are_read_and_only_system_and_lock_files_passed_over(tmp_path):
    returns = tmp_path / "raw" / "returns"
    returns_csv(returns / ".以点开头.csv", 1, "点号厂")
    (returns / "~$东镇.xlsx").write_bytes(b"\x05user" + bytes(160))  # Excel's owner file
    (returns / "~$大文件.xlsx").write_bytes(bytes(2048))  # too big for one: somebody's file
    (returns / ".~lock.东镇.xlsx#").write_text("user,host,2025", encoding="utf-8")
    (returns / "._东镇.csv").write_bytes(b"\x00\x05\x16\x07" + bytes(4092))  # macOS
    (returns / ".DS_Store").write_bytes(bytes(6148))
    returns_csv(returns / ".git" / "old.csv", 2, "版本库厂")  # a hidden folder: not entered

    names = sorted(raw.source_file for raw in discover(tmp_path / "raw"))

    assert names == ["returns/.以点开头.csv", "returns/~$大文件.xlsx"]
