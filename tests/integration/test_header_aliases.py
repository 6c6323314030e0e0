"""Headers a federation teaches: raw/reference/表头别名.csv (header as written → field code)
makes the next load read a column it did not know, in a full load and in an incremental one,
and refuses, with a reason, an alias naming a field that does not exist."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

import duckdb

from pipelines.ingest import load
from pipelines.ingest.uscc import check_char

TODAY = date(2026, 3, 31)
HEADER = "统一社会信用代码,企业名称,所属镇街代码,报告期,职工人数,建会形式,厂务公开落实情况"


def write_returns(raw: Path, name: str, serials: list[int], mtime: int) -> None:
    rows = []
    for serial in serials:
        body = f"91310117MA1J{serial:05d}"
        rows.append(f"{body}{check_char(body)},厂{serial},310117101000,2025,5,单独建会,是")
    path = raw / "returns" / name
    path.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    os.utime(path, (mtime, mtime))


def seeds(tmp_path: Path) -> Path:
    folder = tmp_path / "seeds"
    folder.mkdir()
    (folder / "regions.csv").write_text(
        "region_code,region_name,region_level,parent_code\n310117101000,东镇,town,\n",
        encoding="utf-8",
    )
    return folder


def landed(warehouse: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.sql(sql).fetchall()


def test_a_taught_header_is_read_from_the_next_load_on(tmp_path):
    raw, warehouse, seed_dir = tmp_path / "raw", tmp_path / "wh.duckdb", seeds(tmp_path)
    (raw / "returns").mkdir(parents=True)
    (raw / "reference").mkdir()
    write_returns(raw, "东镇.csv", [1, 2], mtime=1_700_000_000)

    def refresh():
        return load.ingest(raw, warehouse, TODAY, seeds_dir=seed_dir)

    refresh()
    assert landed(warehouse, "select open_affairs from landing.enterprise_returns") == [
        (None,),
        (None,),
    ]
    assert landed(warehouse, "select unknown_columns from landing.load_audit") == [
        ("厂务公开落实情况",)
    ]

    # the federation teaches the header, and one alias it gets wrong
    (raw / "reference" / "表头别名.csv").write_text(
        "表头,字段代码,报表\n厂务公开落实情况,open_affairs,企业报表\n会员采集,members_collected,\n",
        encoding="utf-8",
    )
    taught = refresh()
    assert taught.plan_reason == "reference data changed"
    assert landed(warehouse, "select open_affairs from landing.enterprise_returns") == [
        (True,),
        (True,),
    ]
    assert landed(
        warehouse, "select unknown_columns from landing.load_audit where feed = 'returns'"
    ) == [(None,)]
    assert landed(warehouse, "select header, field_code from landing.ref_header_aliases") == [
        ("厂务公开落实情况", "open_affairs")
    ]
    assert landed(
        warehouse, "select source_row, field, reason_code, message_zh from landing.quarantine"
    ) == [
        (
            3,
            "field_code",
            "alias_field_unknown",
            "字段代码“members_collected”不是企业报表的字段，此表头别名未采用；"
            "字段代码见 docs/architecture.md“Feeds and headers”（如 open_affairs、members_registered）",
        )
    ]

    # an incremental load (one more file, no reference change) reads it too
    write_returns(raw, "东镇补报.csv", [3], mtime=1_700_000_100)
    incremental = refresh()
    assert incremental.plan_reason == "incremental"
    assert landed(
        warehouse,
        "select source_file, open_affairs from landing.enterprise_returns order by source_row, 1",
    ) == [("returns/东镇.csv", True), ("returns/东镇补报.csv", True), ("returns/东镇.csv", True)]
