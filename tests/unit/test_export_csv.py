"""CSV exports are inert in Excel: a text cell that starts like a formula gets a leading ',
numbers stay numbers, and the XLSX export keeps writing text cells as they are."""

from __future__ import annotations

import openpyxl
import polars as pl

from pipelines.exports import tables as export
from tests.unit.clerk_rows import quarantine_table

# The payloads of issue 14: a link, a DDE command, an @ function, arithmetic, a tab before =
PAYLOADS = ['=HYPERLINK("http://x","y")', "+cmd|' /C calc'!A0", "@SUM(1)", "-2+3", "\t=1+1"]
NEUTRALISED = [
    '\'=HYPERLINK("http://x","y")',
    "'+cmd|' /C calc'!A0",
    "'@SUM(1)",
    "'-2+3",
    "'\t=1+1",
]


def test_formula_payloads_in_a_quarantine_csv_read_back_neutralised(tmp_path):
    cells = [{"企业名称": payload, "职工人数": payload} for payload in PAYLOADS]
    cells.append({"企业名称": "东方=机械厂", "职工人数": "12"})  # = inside a name: untouched
    out = tmp_path / "隔离.csv"

    export.write_table(quarantine_table(cells, town_column=True), out, sheet="隔离")

    back = pl.read_csv(out, infer_schema=False)
    assert back["企业名称"].to_list() == [*NEUTRALISED, "东方=机械厂"]
    assert back["职工人数"].to_list() == [*NEUTRALISED, "12"]
    assert back["镇街 town"].to_list() == ["东镇 310117101000"] * 6
    # the file itself: BOM, every text cell quoted, the tab kept inside its quotes
    text = out.read_text(encoding="utf-8")
    assert text.startswith("\ufeff")
    assert '"\'\t=1+1"' in text and '"\'=HYPERLINK(""http://x"",""y"")"' in text


def test_a_header_that_starts_like_a_formula_is_neutralised_too(tmp_path):
    out = tmp_path / "q.csv"

    export.write_table(
        quarantine_table([{"=1+1": "a", "企业名称": "b"}], town_column=True), out, sheet="q"
    )

    assert "'=1+1" in pl.read_csv(out, infer_schema=False).columns


def test_number_columns_stay_numbers_and_only_text_is_prefixed(tmp_path):
    frame = pl.DataFrame(
        {
            "region_name": ["-西区", "东镇"],
            "kpi": ["org_rate", "membership_rate"],
            "value": [92.5, 97.0],
            "gap": [-2.5, 2.0],
            "numerator": [-3, 4],  # not a real count: shows that signs of numbers stay
        }
    )
    out = tmp_path / "kpis.csv"

    export.write_table(frame, out, sheet="kpis")

    lines = out.read_text(encoding="utf-8-sig").splitlines()
    assert lines == [
        '"region_name","kpi","value","gap","numerator"',
        '"\'-西区","org_rate",92.5,-2.5,-3',
        '"东镇","membership_rate",97.0,2.0,4',
    ]
    back = pl.read_csv(out)
    assert back["gap"].to_list() == [-2.5, 2.0] and back["gap"].dtype == pl.Float64
    assert back["numerator"].to_list() == [-3, 4]


def test_the_xlsx_export_keeps_payloads_as_text_cells(tmp_path):
    cells = [{"企业名称": payload} for payload in PAYLOADS]
    out = tmp_path / "隔离.xlsx"

    export.write_table(quarantine_table(cells, town_column=True), out, sheet="隔离")

    sheet = openpyxl.load_workbook(out).active
    column = [cell.value for cell in sheet[1]].index("企业名称") + 1
    written = [sheet.cell(row, column) for row in range(2, 2 + len(PAYLOADS))]
    assert [cell.value for cell in written] == PAYLOADS  # as written, no quote added
    assert {cell.data_type for cell in written} == {"s"}  # text, never a formula ("f")
