"""Headers a federation teaches: raw/reference/表头别名.csv (header as written → field code)
makes the next load read a column it did not know, in a full load and in an incremental one,
and refuses, with a reason, an alias naming a field that does not exist. Until then the
column is named, with the field it most looks like, in the refresh's output and in the
quarantine export's companion sheet."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

import duckdb
import polars as pl

from pipelines.cli import main as gonghui
from pipelines.ingest import load
from pipelines.ingest.uscc import check_char
from tests.integration.conftest import copy_fixture, run_refresh

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


def test_a_careless_or_broken_alias_file_fails_itself_not_the_returns(tmp_path):
    """Teaching 统一社会信用代码 as another field would refuse every return for a missing
    credit code: that line is quarantined, and a second alias file of binary junk is
    refused alone; the returns load as before."""
    raw, warehouse = tmp_path / "raw", tmp_path / "wh.duckdb"
    (raw / "returns").mkdir(parents=True)
    (raw / "reference").mkdir()
    write_returns(raw, "东镇.csv", [1, 2], mtime=1_700_000_000)
    (raw / "reference" / "表头别名.csv").write_text(
        "表头,字段代码\n统一社会信用代码,members\n厂务公开落实情况,open_affairs\n",
        encoding="utf-8",
    )
    (raw / "reference" / "表头别名2.csv").write_bytes(b"\x00\xff" * 500)

    load.ingest(raw, warehouse, TODAY, seeds_dir=seeds(tmp_path))

    assert landed(
        warehouse,
        "select source_file, status, rows_read, rows_accepted, rows_quarantined"
        " from landing.load_audit order by source_file",
    ) == [
        ("reference/表头别名.csv", "loaded", 2, 1, 1),
        ("reference/表头别名2.csv", "unreadable", 0, 0, 0),
        ("returns/东镇.csv", "loaded", 2, 2, 0),
    ]
    assert landed(warehouse, "select field, reason_code from landing.quarantine") == [
        ("header", "alias_takes_known_header")
    ]
    assert landed(warehouse, "select open_affairs from landing.enterprise_returns") == [
        (True,),
        (True,),
    ]


def rename_header(path: Path, encoding: str, old: str, new: str) -> None:
    mtime = path.stat().st_mtime
    path.write_bytes(path.read_bytes().decode(encoding).replace(old, new).encode(encoding))
    os.utime(path, (mtime, mtime))


def test_unknown_and_taught_columns_through_refresh_and_export(tmp_path):
    """End to end, through `gonghui refresh` and `gonghui export quarantine`: 东镇's 2025 file
    heads its 厂务公开 column 厂务公开落实情况, which nobody taught; 南镇's corrected file
    heads 会员实名制信息采集人数 实名登记会员, which the federation taught."""
    raw = copy_fixture(tmp_path)
    rename_header(raw / "returns" / "东镇2025年报.csv", "gbk", ",厂务公开,", ",厂务公开落实情况,")
    south = raw / "returns" / "南镇2025 更正.csv"
    rename_header(south, "utf-8-sig", ",会员实名制信息采集人数,", ",实名登记会员,")
    (raw / "reference" / "表头别名.csv").write_text(
        "表头,字段代码\n实名登记会员,members_registered\n", encoding="utf-8"
    )

    code, output = run_refresh(tmp_path, raw)

    assert code == 0, output
    unknown = [line for line in output.splitlines() if "未识别的列" in line]
    assert unknown == [
        "  ? 未识别的列，未读入 column not read: returns/东镇2025年报.csv“厂务公开落实情况”，"
        "最接近的字段 closest field: 厂务公开 open_affairs"
        "（如是某字段的写法，可在 raw/reference/表头别名.csv 中教给系统）"
    ]
    warehouse = tmp_path / "warehouse.duckdb"
    current = "select uscc, {} from main.fct_enterprise_returns where region_code = '{}'"
    # not read: not reported (null), never 否, and 厂务公开建制率 is 未报, not 0%
    assert landed(
        warehouse,
        current.format("open_affairs", "990101001000") + " and period = '2025-12' order by 1",
    ) == [
        ("91330200MA0000001L", None),
        ("91330200MA0000002P", None),
        ("91330200MA0000003T", None),
        ("91330200MA0000004X", None),
        ("91330200MA00000064", None),
    ]
    assert landed(
        warehouse,
        "select value, reported_enterprises, in_scope_enterprises from main.mart_kpi"
        " where region_code = '990101001000' and period = '2025-12'"
        " and kpi = 'open_affairs_rate'",
    ) == [(None, 0, 3)]  # E1, E2 and E6 have a union
    assert landed(
        warehouse, current.format("members_registered", "990201001000") + " order by 1"
    ) == [
        ("91330200MA00000077", 900),
        ("91330200MA0000008A", 22),
    ]
    assert landed(
        warehouse,
        "select header, field_code, applies_to, source_file from main.mart_header_aliases",
    ) == [("实名登记会员", "members_registered", "returns", "reference/表头别名.csv")]

    out = tmp_path / "quarantine.xlsx"
    args = ["export", "quarantine", "--out", str(out)]
    assert gonghui([*args, "--publish-dir", str(tmp_path / "published")]) == 0
    assert pl.read_excel(out, sheet_name="未识别的列").rows() == [
        ("returns/东镇2025年报.csv", None, "厂务公开落实情况", "厂务公开 open_affairs")
    ]
