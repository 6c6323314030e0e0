"""A clerk's round trip: export the quarantine, fix the row, send the file back, refresh.

On the messy-city fixture, 西街道2025.xlsx row 8 (西负数有限公司) says -5 employees, row 7
has a period in the future and row 9 repeats row 6's enterprise. The clerk exports 西街道's
quarantine, corrects row 8 to 5 employees, deletes rows 7 and 9 (not fixed yet) and drops the
file into raw/returns/. After the next refresh row 8 is resolved (still in mart_quarantine,
with is_resolved) and only rows 7 and 9 are left to fix.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path

import duckdb
import openpyxl
import polars as pl
import pytest

from pipelines.cli import main as gonghui
from pipelines.ingest.vocabulary import QUARANTINE_EXPORT_HEADERS as EXTRA

EAST, WEST = "990101001000", "990101002000"
WEST_FILE = "returns/西街道2025.xlsx"
SENT_BACK = "returns/西街道隔离改正.xlsx"


def export(published: Path, out: Path, *args: str) -> int:
    return gonghui(
        ["export", "quarantine", *args, "--out", str(out), "--publish-dir", str(published)]
    )


@dataclass
class RoundTrip:
    root: Path
    first_export: pl.DataFrame
    after: Path  # the export for 西街道 after the fixed file came back
    exit_codes: tuple[int, int]
    output: str

    def query(self, sql: str) -> list[tuple]:
        with duckdb.connect(str(self.root / "warehouse.duckdb"), read_only=True) as con:
            return con.execute(sql).fetchall()


@pytest.fixture(scope="module")
def round_trip(tmp_path_factory, gonghui_refresh, copy_messy_city) -> RoundTrip:
    root = tmp_path_factory.mktemp("round_trip")
    raw = copy_messy_city(root)
    first, output = gonghui_refresh(root, raw)
    exported = root / "西街道隔离.xlsx"
    assert export(root / "published", exported, "--region", WEST) == 0
    first_export = pl.read_excel(exported, infer_schema_length=0)

    # The clerk opens the file, fixes 职工人数 of row 8 (to 5), deletes rows 7 and 9, saves it
    # as a new file.
    workbook = openpyxl.load_workbook(exported)
    sheet = workbook.worksheets[0]
    header = [cell.value for cell in sheet[1]]
    for line in range(sheet.max_row, 1, -1):
        cells = dict(zip(header, (cell.value for cell in sheet[line]), strict=True))
        if cells[EXTRA["source_row"]] != "8":
            sheet.delete_rows(line)
        else:
            sheet.cell(line, header.index("职工人数") + 1, "5")
    workbook.save(raw / SENT_BACK)
    later = time.time()
    os.utime(raw / SENT_BACK, (later, later))

    second, more = gonghui_refresh(root, raw)
    after = root / "西街道隔离_再次导出.xlsx"
    assert export(root / "published", after, "--region", WEST) == 0
    return RoundTrip(root, first_export, after, (first, second), output + more)


def test_the_export_has_the_clerks_columns_and_the_reason_beside_each_row(round_trip):
    frame = round_trip.first_export
    assert frame.columns[0] == "原因"
    assert frame.columns[1:4] == ["统一社会信用代码", "企业名称", "所属镇街代码"]
    assert frame.columns[-3:] == [EXTRA["source_file"], EXTRA["sheet"], EXTRA["source_row"]]
    rows = {row[EXTRA["source_row"]]: row for row in frame.iter_rows(named=True)}
    assert set(rows) == {"7", "8", "9"}
    assert rows["8"]["职工人数"] == "-5"  # as written
    assert rows["8"]["企业名称"] == "西负数有限公司"
    assert "职工人数“-5”不能为负数" in rows["8"]["原因"]
    assert rows["8"][EXTRA["reason_code"]] == "count_negative"
    assert rows["7"][EXTRA["source_file"]] == WEST_FILE


def test_the_fixed_file_loads_cleanly(round_trip):
    assert round_trip.exit_codes == (0, 0), round_trip.output
    audit = round_trip.query(
        "select status, rows_read, rows_accepted, rows_quarantined, unknown_columns "
        f"from landing.load_audit where source_file = '{SENT_BACK}'"
    )
    # our reason and file/row columns are recognised, not reported as unknown
    assert audit == [("loaded", 1, 1, 0, None)]
    current = round_trip.query(
        "select employees, source_file from main.fct_enterprise_returns "
        "where enterprise_name = '西负数有限公司'"
    )
    assert current == [(5, SENT_BACK)]


def test_the_fixed_row_is_resolved_and_kept_in_the_history(round_trip):
    rows = round_trip.query(
        "select source_row, reason_code, is_resolved, resolved_by_file from main.mart_quarantine "
        f"where source_file = '{WEST_FILE}' order by source_row"
    )
    assert rows == [
        (7, "period_in_future", False, None),
        (8, "count_negative", True, SENT_BACK),
        (9, "duplicate_in_file", False, None),
    ]


def test_the_next_export_lists_only_what_is_still_wrong(round_trip, tmp_path):
    frame = pl.read_excel(round_trip.after, infer_schema_length=0)
    assert frame[EXTRA["source_row"]].to_list() == ["7", "9"]
    everything = tmp_path / "all.xlsx"
    assert export(round_trip.root / "published", everything, "--region", WEST, "--all") == 0
    frame = pl.read_excel(everything, infer_schema_length=0)
    assert dict(zip(frame[EXTRA["source_row"]], frame[EXTRA["is_resolved"]], strict=True)) == {
        "7": "否",
        "8": "是",
        "9": "否",
    }


def test_without_a_region_xlsx_has_a_sheet_per_town_and_csv_a_town_column(round_trip, tmp_path):
    published = round_trip.root / "published"
    assert export(published, tmp_path / "all.xlsx") == 0
    sheets = pl.read_excel(tmp_path / "all.xlsx", sheet_id=0, infer_schema_length=0)
    # beside each town's quarantine, the companion sheet of field issues: 东镇's E6 (members)
    assert {name: frame.height for name, frame in sheets.items()} == {
        f"东镇 {EAST}": 1,
        f"西街道 {WEST}": 2,
        "字段问题": 1,
    }
    assert export(published, tmp_path / "all.csv") == 0
    frame = pl.read_csv(tmp_path / "all.csv", infer_schema=False)
    assert frame.columns[:2] == [EXTRA["town"], "原因"]
    assert sorted(frame[EXTRA["town"]]) == [f"东镇 {EAST}", *[f"西街道 {WEST}"] * 2]
