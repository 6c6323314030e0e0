"""raw/ → landing.*: a small messy raw directory, loaded into a temporary DuckDB."""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path

import duckdb
import openpyxl
import pytest

from pipelines.ingest import load, write
from pipelines.ingest.load import discover, ingest
from pipelines.ingest.uscc import check_char

TODAY = dt.date(2026, 1, 15)
RETURN_HEADER = "统一社会信用代码,企业名称,所属镇街代码,报告期,职工人数,建会形式"


def uscc(serial: int) -> str:
    body = f"91310117MA1J{serial:05d}"
    return body + check_char(body)


def bad_check_char(code: str) -> str:
    return code[:-1] + ("0" if code[-1] != "0" else "1")


U = [uscc(i) for i in range(8)]


def write_seeds(seeds: Path) -> None:
    seeds.mkdir()
    (seeds / "regions.csv").write_text(
        "region_code,region_name,region_level,parent_code\n"
        "310100000000,上海市,city,\n"
        "310117000000,松江区,district,310100000000\n"
        "310117101000,东镇,town,310117000000\n",
        encoding="utf-8",
    )


def write_workbook(path: Path) -> None:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "企业"
    sheet["A1"] = "2025年度企业工会基本情况统计表"
    headers = ["统一社会信用代码", "企业名称", "所属镇街代码", "报告期", "职工人数", "建会形式"]
    for column, header in enumerate(headers, start=1):
        sheet.cell(3, column, header)
        sheet.merge_cells(start_row=3, start_column=column, end_row=4, end_column=column)
    sheet["G3"] = "集体合同"
    sheet.merge_cells("G3:H3")
    sheet["G4"], sheet["H4"] = "签订日期", "到期日期"
    sheet.append([U[3], "西街道甲厂", "310117102000", "2025年12月", 50, "联合建会",
                  dt.date(2024, 7, 1), dt.date(2026, 6, 30)])  # fmt: skip
    sheet.append([U[4], "西街道乙厂", "310117102000", "2025", 30, "未建会"])
    workbook.create_sheet("填表说明")["A1"] = "请按要求填写"
    workbook.save(path)


@pytest.fixture
def raw_dir(tmp_path: Path) -> Path:
    raw = tmp_path / "raw"
    for folder in ("reference", "returns", "summaries"):
        (raw / folder).mkdir(parents=True)
    (raw / "reference/regions.csv").write_text(
        "区划代码,区划名称,层级,上级区划代码\n310117102000,西街道,街道,310117000000\n",
        encoding="utf-8",
    )
    (raw / "reference/targets.csv").write_text(
        "年度,区划代码,指标,目标值\n2025,310117000000,工会组建率,95\n", encoding="utf-8"
    )
    returns = raw / "returns"
    (returns / "东镇.csv").write_bytes(
        (
            "2025年度企业工会基本情况统计表\n"  # 1
            "填报单位：东镇总工会\n"  # 2
            f"{RETURN_HEADER},会员人数,联系电话\n"  # 3
            f"{U[0]},东镇甲机械有限公司,310117101000,2025,120,单独建会,100\n"  # 4
            f"{bad_check_char(U[1])},东镇乙厂,310117101000,2025,30,未建会,\n"  # 5
            ",,,,,,\n"  # 6
            f"{U[2]},东镇丙厂,310117999000,2025,10,未建会,\n"  # 7: unknown town
            "合计,,,,160,,100\n"  # 8
            "备注：本表由镇总工会汇总填报\n"  # 9
        ).encode("gbk")
    )
    write_workbook(returns / "西街道.xlsx")
    (returns / "bom.csv").write_bytes(
        f"{RETURN_HEADER}\n{U[5]},BOM厂,310117101000,2025-12,8,单独建会\n".encode("utf-8-sig")
    )
    (returns / "tab.csv").write_text(
        RETURN_HEADER.replace(",", "\t") + f"\n{U[6]}\t制表符厂\t310117101000\t2025\t３０\t无\n",
        encoding="utf-8",
    )
    (returns / "损坏.xlsx").write_bytes(os.urandom(4096))
    (returns / "空.csv").write_bytes(b"")
    (returns / "缺列.csv").write_text(
        f"统一社会信用代码,企业名称,所属镇街代码,职工人数\n{U[7]},缺列厂,310117101000,5\n",
        encoding="utf-8",
    )
    (returns / "只有表头.csv").write_text(f"{RETURN_HEADER}\n", encoding="utf-8")
    (returns / "old.xls").write_bytes(b"\xd0\xcf\x11\xe0" + bytes(100))
    (returns / ".hidden.csv").write_text("x", encoding="utf-8")  # read: hidden is no reason
    (returns / "~$西街道.xlsx").write_bytes(b"lock")  # Excel's owner file: passed over
    (raw / "summaries/甲区.csv").write_text(
        "镇街代码,镇街名称,报告期,企业数,已建会企业数,集体合同签订率\n"
        "310117101000,东镇,2025,100,90,20230%\n",
        encoding="utf-8",
    )
    return raw


@pytest.fixture
def seeds(tmp_path: Path) -> Path:
    write_seeds(tmp_path / "seeds")
    return tmp_path / "seeds"


def run(raw_dir: Path, warehouse: Path, seeds: Path, **kwargs) -> load.IngestSummary:
    return ingest(raw_dir, warehouse, TODAY, load_id="L1", seeds_dir=seeds, **kwargs)


def query(warehouse: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(sql).fetchall()


def snapshot(raw: Path) -> dict[str, tuple[bytes, int]]:
    return {
        path.relative_to(raw).as_posix(): (path.read_bytes(), path.stat().st_mtime_ns)
        for path in raw.rglob("*")
        if path.is_file()
    }


def test_ingest_reports_every_file_and_loses_no_row(raw_dir, seeds, tmp_path):
    warehouse = tmp_path / "wh.duckdb"
    lines: list[str] = []

    summary = run(raw_dir, warehouse, seeds, progress=lines.append)

    assert summary.files_seen == 13
    assert summary.files_loaded == 7
    assert {(src, code) for src, code, _ in summary.unreadable} == {
        ("returns/.hidden.csv", "header_not_found"),
        ("returns/old.xls", "unsupported_format"),
        ("returns/只有表头.csv", "no_data_rows"),
        ("returns/空.csv", "file_empty"),
        ("returns/损坏.xlsx", "file_unreadable"),
        ("returns/缺列.csv", "missing_required_columns"),
    }
    # 东镇.csv's 合计 and 备注 lines are read and skipped
    assert (summary.rows_read, summary.rows_accepted, summary.rows_quarantined) == (12, 8, 2)
    assert summary.rows_skipped == 2
    assert len(lines) == 13 and lines[0].startswith("[1/13] reference/")
    assert any("文件 13 个" in line for line in summary.lines())

    audit = query(
        warehouse,
        "select source_file, sheet, feed, status, error_code, rows_read, rows_accepted,"
        " rows_quarantined, unknown_columns, load_id from landing.load_audit"
        " order by source_file",
    )
    assert [row for row in audit if row[3] == "loaded"] == [
        ("reference/regions.csv", None, "reference", "loaded", None, 1, 1, 0, None, "L1"),
        ("reference/targets.csv", None, "reference", "loaded", None, 1, 1, 0, None, "L1"),
        ("returns/bom.csv", None, "returns", "loaded", None, 1, 1, 0, None, "L1"),
        ("returns/tab.csv", None, "returns", "loaded", None, 1, 1, 0, None, "L1"),
        ("returns/东镇.csv", None, "returns", "loaded", None, 5, 1, 2, "联系电话", "L1"),
        ("returns/西街道.xlsx", "企业", "returns", "loaded", None, 2, 2, 0, None, "L1"),
        ("summaries/甲区.csv", None, "summaries", "loaded", None, 1, 1, 0, None, "L1"),
    ]
    assert all(row[5] == row[6] + row[7] for row in audit if row[0] != "returns/东镇.csv")


def test_unreadable_files_are_audited_with_messages(raw_dir, seeds, tmp_path):
    warehouse = tmp_path / "wh.duckdb"
    run(raw_dir, warehouse, seeds)

    rows = query(
        warehouse,
        "select source_file, error_code, message_zh, message_en, rows_read, sha256, file_size"
        " from landing.load_audit where status = 'unreadable' order by source_file",
    )
    by_file = {row[0]: row for row in rows}
    assert by_file["returns/缺列.csv"][1:3] == (
        "missing_required_columns",
        "缺少必填列：报告期、建会形式",
    )
    assert by_file["returns/损坏.xlsx"][1] == "file_unreadable"
    assert by_file["returns/空.csv"][1:] == (
        "file_empty",
        "文件是空的",
        "the file is empty",
        0,
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        0,
    )
    assert all(row[3] for row in rows)  # an English message beside every Chinese one


def test_quarantine_rows_carry_excel_row_numbers_and_the_original_row(raw_dir, seeds, tmp_path):
    warehouse = tmp_path / "wh.duckdb"
    run(raw_dir, warehouse, seeds)

    rows = query(
        warehouse,
        "select source_file, sheet, source_row, feed, field, value, reason_code, uscc,"
        " region_code, period, row_data from landing.quarantine order by source_row",
    )
    assert [row[:10] for row in rows] == [
        ("returns/东镇.csv", None, 5, "returns", "uscc", bad_check_char(U[1]),
         "uscc_bad_check_char", None, "310117101000", "2025-12"),
        ("returns/东镇.csv", None, 7, "returns", "region_code", "310117999000",
         "region_unknown", U[2], "310117999000", "2025-12"),
    ]  # fmt: skip
    assert json.loads(rows[1][10]) == {
        "统一社会信用代码": U[2],
        "企业名称": "东镇丙厂",
        "所属镇街代码": "310117999000",
        "报告期": "2025",
        "职工人数": "10",
        "建会形式": "未建会",
        "会员人数": None,
        "联系电话": None,
    }


def test_accepted_rows_are_typed_with_lineage(raw_dir, seeds, tmp_path):
    warehouse = tmp_path / "wh.duckdb"
    run(raw_dir, warehouse, seeds)

    returns = query(
        warehouse,
        "select source_file, sheet, source_row, uscc, region_code, period, employees,"
        " union_form, cba_signed_on, members, load_id from landing.enterprise_returns"
        " order by source_file, source_row",
    )
    assert returns == [
        ("returns/bom.csv", None, 2, U[5], "310117101000", "2025-12", 8, "single", None, None, "L1"),
        ("returns/tab.csv", None, 2, U[6], "310117101000", "2025-12", 30, "none", None, None, "L1"),
        ("returns/东镇.csv", None, 4, U[0], "310117101000", "2025-12", 120, "single", None, 100, "L1"),
        ("returns/西街道.xlsx", "企业", 5, U[3], "310117102000", "2025-12", 50, "joint",
         dt.date(2024, 7, 1), None, "L1"),
        ("returns/西街道.xlsx", "企业", 6, U[4], "310117102000", "2025-12", 30, "none", None,
         None, "L1"),
    ]  # fmt: skip
    mtime = dt.datetime.fromtimestamp(int((raw_dir / "returns/bom.csv").stat().st_mtime))
    assert query(
        warehouse,
        "select file_mtime from landing.enterprise_returns where source_file like '%bom%'",
    ) == [(mtime,)]
    assert query(warehouse, "select year, region_code, kpi, target from landing.ref_targets") == [
        (2025, "310117000000", "org_rate", 95.0)
    ]
    assert query(warehouse, "select region_code, region_level from landing.ref_regions") == [
        ("310117102000", "town")
    ]
    assert query(
        warehouse, "select region_code, period, cba_rate from landing.summary_returns"
    ) == [("310117101000", "2025-12", 20230.0)]


def test_raw_files_are_left_byte_identical_with_their_mtimes(raw_dir, seeds, tmp_path):
    before = snapshot(raw_dir)

    run(raw_dir, tmp_path / "wh.duckdb", seeds)

    assert snapshot(raw_dir) == before


def test_a_removed_file_leaves_the_landing_tables_for_the_archive(raw_dir, seeds, tmp_path):
    warehouse = tmp_path / "wh.duckdb"
    run(raw_dir, warehouse, seeds)
    (raw_dir / "returns/bom.csv").unlink()

    summary = ingest(raw_dir, warehouse, TODAY, load_id="L2", seeds_dir=seeds)

    assert (summary.full, summary.files_parsed, summary.files_removed) == (False, 0, 1)
    # the other files were not parsed again: their rows keep the first load's id
    assert query(warehouse, "select distinct load_id from landing.enterprise_returns") == [("L1",)]
    assert query(warehouse, "select count(*) from landing.enterprise_returns") == [(4,)]
    assert query(warehouse, "select count(*) from landing.load_audit") == [(12,)]
    assert query(
        warehouse,
        "select source_file, archive_reason, count(*) from landing.enterprise_returns_archive "
        "group by all",
    ) == [("returns/bom.csv", "removed", 1)]


def test_a_full_reload_reparses_every_file(raw_dir, seeds, tmp_path):
    warehouse = tmp_path / "wh.duckdb"
    run(raw_dir, warehouse, seeds)

    summary = ingest(raw_dir, warehouse, TODAY, load_id="L2", seeds_dir=seeds, full=True)

    assert summary.full and summary.files_parsed == 13
    assert query(warehouse, "select distinct load_id from landing.enterprise_returns") == [("L2",)]
    assert query(warehouse, "select count(*) from landing.enterprise_returns") == [(5,)]
    assert query(warehouse, "select count(*) from landing.enterprise_returns_archive") == [(0,)]


def test_a_failed_write_leaves_the_previous_load(raw_dir, seeds, tmp_path, monkeypatch):
    warehouse = tmp_path / "wh.duckdb"
    run(raw_dir, warehouse, seeds)

    def broken_insert(con, table, frame):
        raise RuntimeError("disk full")

    monkeypatch.setattr(write, "insert", broken_insert)
    with pytest.raises(RuntimeError):
        ingest(raw_dir, warehouse, TODAY, load_id="L2", seeds_dir=seeds, full=True)

    assert query(warehouse, "select distinct load_id from landing.load_audit") == [("L1",)]
    assert query(warehouse, "select count(*) from landing.enterprise_returns") == [(5,)]


STAGED_TABLES = "select table_name from information_schema.tables where table_name like '%__staged'"


@pytest.mark.parametrize("full", [True, False])
def test_a_load_failing_in_its_last_transaction_leaves_the_previous_load(
    raw_dir, seeds, tmp_path, monkeypatch, full
):
    """Every batch is staged (committed) before the load's one transaction; when that fails,
    the landing tables are the previous load's, and the next load stages afresh and lands."""
    warehouse = tmp_path / "wh.duckdb"
    run(raw_dir, warehouse, seeds)
    assert query(warehouse, STAGED_TABLES) == []
    bom = raw_dir / "returns/bom.csv"
    bom.write_bytes(bom.read_bytes() + b"\n")  # changed: parsed again by an incremental load

    def broken_audit(outcomes):
        raise RuntimeError("disk full")

    with monkeypatch.context() as patched:
        patched.setattr(write, "audit", broken_audit)
        with pytest.raises(RuntimeError):
            ingest(raw_dir, warehouse, TODAY, load_id="L2", seeds_dir=seeds, full=full)
    assert query(warehouse, "select distinct load_id from landing.load_audit") == [("L1",)]
    assert query(warehouse, "select distinct load_id from landing.enterprise_returns") == [("L1",)]
    assert query(warehouse, "select count(*) from landing.enterprise_returns") == [(5,)]
    assert query(warehouse, "select count(*) from landing.enterprise_returns_archive") == [(0,)]

    summary = ingest(raw_dir, warehouse, TODAY, load_id="L3", seeds_dir=seeds, full=full)
    assert summary.files_parsed == (13 if full else 1)
    assert query(warehouse, "select count(*) from landing.enterprise_returns") == [(5,)]
    assert query(
        warehouse, "select load_id, count(*) from landing.enterprise_returns group by 1 order by 1"
    ) == ([("L3", 5)] if full else [("L1", 4), ("L3", 1)])
    assert query(warehouse, STAGED_TABLES) == []


def test_without_seeds_the_reference_towns_still_count(raw_dir, tmp_path):
    warehouse = tmp_path / "wh.duckdb"

    summary = ingest(raw_dir, warehouse, TODAY, seeds_dir=tmp_path / "no-seeds")

    accepted = query(warehouse, "select distinct region_code from landing.enterprise_returns")
    assert accepted == [("310117102000",)]
    assert summary.rows_read == (
        summary.rows_accepted + summary.rows_quarantined + summary.rows_skipped
    )


def test_files_are_ordered_by_whole_second_mtime_then_name(tmp_path):
    returns = tmp_path / "returns"
    (returns / "sub").mkdir(parents=True)
    for name, mtime in [("b.csv", 1000.7), ("a.csv", 1000.2), ("sub/c.csv", 999.9)]:
        (returns / name).write_text("x", encoding="utf-8")
        os.utime(returns / name, (mtime, mtime))
    (returns / "~$a.xlsx").write_text("lock", encoding="utf-8")
    (returns / ".DS_Store").write_text("x", encoding="utf-8")

    files = discover(tmp_path)

    assert [f.source_file for f in files] == ["returns/sub/c.csv", "returns/a.csv", "returns/b.csv"]


def test_each_data_sheet_of_a_workbook_gets_an_audit_row(seeds, tmp_path):
    raw = tmp_path / "raw"
    (raw / "returns").mkdir(parents=True)
    workbook = openpyxl.Workbook()
    for title, serial in (("一月", 0), ("二月", 5)):
        sheet = workbook.create_sheet(title)
        sheet.append(RETURN_HEADER.split(","))
        sheet.append([U[serial], "厂", "310117101000", "2025-01", 5, "无"])
    workbook.remove(workbook["Sheet"])
    workbook.save(raw / "returns/两表.xlsx")
    warehouse = tmp_path / "wh.duckdb"

    ingest(raw, warehouse, TODAY, seeds_dir=seeds)

    assert query(
        warehouse, "select sheet, rows_read, rows_accepted from landing.load_audit order by sheet"
    ) == [("一月", 1, 1), ("二月", 1, 1)]


def test_field_issues_keep_the_row_and_are_counted_per_file(seeds, tmp_path):
    raw = tmp_path / "raw"
    (raw / "returns").mkdir(parents=True)
    source = raw / "returns/东镇.csv"
    source.write_text(
        f"{RETURN_HEADER},女职工人数,集体合同签订日期,集体合同到期日期\n"  # 1
        f"{U[0]},甲厂,310117101000,2025,40,单独建会,41,2024年2月,2027年1月\n"  # 2
        f"{U[1]},乙厂,310117101000,2025,30,联合建会,10,2024-03-01,2027-02-28\n"  # 3
        f"{bad_check_char(U[2])},丙厂,310117101000,2025,10,未建会,11,,\n",  # 4
        encoding="utf-8",
    )
    warehouse = tmp_path / "wh.duckdb"
    summary = run(raw, warehouse, seeds)

    assert (summary.rows_read, summary.rows_accepted, summary.rows_quarantined) == (3, 2, 1)
    assert summary.rows_with_field_issues == 1
    assert any("其中 1 行接受但有字段问题" in line for line in summary.lines())
    assert query(
        warehouse,
        "select rows_read, rows_accepted, rows_quarantined, rows_with_field_issues"
        " from landing.load_audit",
    ) == [(3, 2, 1, 1)]
    assert query(
        warehouse,
        "select source_file, source_row, field, value, reason_code, outcome, uscc"
        " from landing.field_issues order by source_row, field",
    ) == [
        ("returns/东镇.csv", 2, "cba_expires_on", "2027年1月", "date_month_only", "month_precision", U[0]),
        ("returns/东镇.csv", 2, "cba_signed_on", "2024年2月", "date_month_only", "month_precision", U[0]),
        ("returns/东镇.csv", 2, "female_employees", "41", "female_exceeds_total", "unknown", U[0]),
    ]  # fmt: skip
    # the quarantined row keeps every problem it has in the quarantine, none as a field issue
    assert query(warehouse, "select source_row, reason_code from landing.quarantine") == [
        (4, "uscc_bad_check_char"),
        (4, "female_exceeds_total"),
    ]
    optional_absent = (
        "ownership,industry_code,migrant_employees,members,female_members,migrant_members,"
        "members_registered,cba_covered,female_cba,wage_signed_on,wage_expires_on,wage_rounds,"
        "wage_rise_pct,workers_congress,open_affairs,union_legal_person"
    )
    assert query(
        warehouse,
        "select source_row, female_employees, cba_signed_on, cba_expires_on, unknown_fields"
        " from landing.enterprise_returns order by source_row",
    ) == [
        (2, None, dt.date(2024, 2, 1), dt.date(2027, 1, 31),
         optional_absent.replace("ownership,industry_code,", "ownership,industry_code,female_employees,")),
        (3, 10, dt.date(2024, 3, 1), dt.date(2027, 2, 28), optional_absent),
    ]  # fmt: skip

    # a corrected file replaces its field issues with its own (none)
    source.write_text(
        f"{RETURN_HEADER},女职工人数\n{U[0]},甲厂,310117101000,2025,40,单独建会,30\n",
        encoding="utf-8",
    )
    os.utime(source, (source.stat().st_atime, source.stat().st_mtime + 10))
    run(raw, warehouse, seeds)
    assert query(warehouse, "select count(*) from landing.field_issues") == [(0,)]


def test_total_and_note_lines_are_counted_and_rows_after_a_note_are_read(seeds, tmp_path):
    raw = tmp_path / "raw"
    (raw / "returns").mkdir(parents=True)
    (raw / "returns/东镇.csv").write_text(
        f"{RETURN_HEADER}\n"  # 1
        f"{U[0]},合计(宁波)信息科技有限公司,310117101000,2025,40,单独建会\n"  # 2
        "注：以下为补报企业\n"  # 3
        f"{U[1]},小计量器具厂,310117101000,2025,30,联合建会\n"  # 4
        "合计,,,,70,\n",  # 5
        encoding="utf-8",
    )
    lines: list[str] = []
    warehouse = tmp_path / "wh.duckdb"
    run(raw, warehouse, seeds, progress=lines.append)

    assert query(
        warehouse,
        "select rows_read, rows_accepted, rows_skipped, total_lines, note_lines"
        " from landing.load_audit",
    ) == [(4, 2, 2, 1, 1)]
    assert query(warehouse, "select enterprise_name from landing.enterprise_returns") == [
        ("合计(宁波)信息科技有限公司",),
        ("小计量器具厂",),
    ]
    assert lines[0].endswith("（跳过 skipped: 合计 1 行，备注 1 行）")
