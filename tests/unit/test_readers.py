"""Files → grids of strings: encodings, delimiters, Excel row numbers, unreadable input."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import openpyxl
import pytest

from pipelines.ingest.readers import UnreadableFile, read_file, sniff_delimiter
from pipelines.ingest.xlsx_cells import _scan, excel_general

GBK_TABLE = (
    "2024年度企业工会基本情况统计表\n"
    "填报单位：东镇总工会,,\n"
    "统一社会信用代码,企业名称,职工人数\n"
    "91310117MA1J00001A,上海甲机械有限公司,120\n"
    "\n"
    "合计,,120\n"
)


def rows(sheet) -> list[tuple]:
    return sheet.grid.rows()


def write(tmp_path: Path, name: str, content: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(content)
    return path


def test_gbk_csv_with_title_lines_keeps_excel_row_numbers(tmp_path):
    path = write(tmp_path, "a.csv", GBK_TABLE.encode("gbk"))

    [sheet] = read_file(path)

    assert sheet.name is None
    assert sheet.grid.columns == ["row", "c1", "c2", "c3"]
    assert rows(sheet) == [
        (1, "2024年度企业工会基本情况统计表", None, None),
        (2, "填报单位：东镇总工会", None, None),
        (3, "统一社会信用代码", "企业名称", "职工人数"),
        (4, "91310117MA1J00001A", "上海甲机械有限公司", "120"),
        (5, None, None, None),
        (6, "合计", None, "120"),
    ]


def test_utf8_with_and_without_bom_read_the_same(tmp_path):
    plain = read_file(write(tmp_path, "plain.csv", GBK_TABLE.encode("utf-8")))
    bom = read_file(write(tmp_path, "bom.csv", GBK_TABLE.encode("utf-8-sig")))

    assert rows(plain[0]) == rows(bom[0])
    assert rows(bom[0])[2][1] == "统一社会信用代码"


def test_gb18030_characters_outside_gbk_decode(tmp_path):
    # 𠀀 (U+20000) exists in GB18030 only.
    [sheet] = read_file(write(tmp_path, "a.csv", "企业名称,职工人数\n𠀀厂,5\n".encode("gb18030")))

    assert rows(sheet)[1] == (2, "𠀀厂", "5")


@pytest.mark.parametrize(
    ("delimiter", "expected"),
    [("\t", "\t"), (";", ";"), ("；", "；"), ("，", "，"), (",", ",")],
)
def test_delimiter_is_sniffed(tmp_path, delimiter, expected):
    text = f"企业名称{delimiter}职工人数{delimiter}报告期\n甲厂{delimiter}5{delimiter}2024\n"

    [sheet] = read_file(write(tmp_path, "a.csv", text.encode("utf-8")))

    assert sniff_delimiter(text) == expected
    assert rows(sheet) == [(1, "企业名称", "职工人数", "报告期"), (2, "甲厂", "5", "2024")]


def test_tab_file_with_thousands_separators_is_still_tab_delimited():
    text = "企业名称\t职工人数\n甲厂\t1,234\n乙厂\t2,345\n"

    assert sniff_delimiter(text) == "\t"


def test_note_full_of_fullwidth_commas_does_not_outvote_the_commas():
    text = "企业名称,职工人数,报告期\n甲厂,5,2024\n备注：一，二，三，四，五，六\n"

    assert sniff_delimiter(text) == ","


def test_narrow_title_line_does_not_truncate_wider_rows(tmp_path):
    text = '标题\n企业名称,职工人数,报告期\n"甲厂\n二分厂",5,2024\n乙厂,6,2024\n'

    [sheet] = read_file(write(tmp_path, "a.csv", text.encode("utf-8")))

    # The quoted line break keeps one record, as Excel shows it: one row.
    assert rows(sheet) == [
        (1, "标题", None, None),
        (2, "企业名称", "职工人数", "报告期"),
        (3, "甲厂\n二分厂", "5", "2024"),
        (4, "乙厂", "6", "2024"),
    ]


def test_whitespace_only_cells_are_null(tmp_path):
    [sheet] = read_file(write(tmp_path, "a.csv", "a,b\n  ,\u3000\nx, y \n".encode()))

    assert rows(sheet) == [(1, "a", "b"), (2, None, None), (3, "x", " y ")]


def test_quoted_blank_and_empty_cells_are_null(tmp_path):
    [sheet] = read_file(write(tmp_path, "a.csv", b'a,b,c\n"  ","",x\n'))

    assert rows(sheet) == [(1, "a", "b", "c"), (2, None, None, "x")]


def test_only_cells_with_a_percent_style_or_an_error_are_overridden():
    xml = (
        b'<sheetData><row r="1" s="3"><c r="A1" s="3"><v>0.5</v></c>'
        b'<c r="B1" s="3"/><c r="C1" s="2"><v>7</v></c>'
        b'<c r="D1" xs="3"><v>0.25</v></c></row>'
        b'<row r="2"><c r="A2" s="3"><f>B2/C2</f><v>1</v></c>'
        b'<c r="B2" s="3" t="e"><f>1/0</f><v>#DIV/0!</v></c>'
        b'<c r="C2" t="e"><v>#N/A</v></c><c r="D2" t="s" s="3"><v>4</v></c></row></sheetData>'
    )

    assert _scan(xml, frozenset({b"3"})) == {
        (1, 1): "50%",
        (2, 1): "100%",
        (2, 2): "#DIV/0!",
        (2, 3): "#N/A",
    }


def make_workbook(path: Path) -> None:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "企业"
    sheet["B3"] = "2024年度企业工会基本情况统计表"  # rows 1-2 blank, column A blank above
    sheet.append(["统一社会信用代码", "职工人数", "集体合同签订日期", "增幅", "签订时间"])
    sheet.append(
        ["91310117MA1J00001A", 120, dt.date(2024, 3, 1), 0.035, dt.datetime(2024, 3, 1, 9, 30)]
    )
    sheet.append([None] * 5)
    sheet.append(["91310117MA1J00002B", 98.0, "2024/3/1", 3.5, None])
    hidden = workbook.create_sheet("lists")
    hidden["A1"] = "单独建会"
    hidden.sheet_state = "hidden"
    workbook.create_sheet("Sheet3")  # empty
    workbook.save(path)


def test_xlsx_rows_keep_excel_numbers_dates_iso_and_integers_plain(tmp_path):
    path = tmp_path / "a.xlsx"
    make_workbook(path)

    sheets = read_file(path)

    # The empty sheet holds nothing; the hidden one is read (the header search passes over
    # a list of dropdown values, as over any sheet without a header).
    assert [sheet.name for sheet in sheets] == ["企业", "lists"]
    grid = rows(sheets[0])
    assert grid[0][0] == 1 and grid[2][:2] == (3, None)
    assert [cell for cell in grid[2][1:] if cell] == ["2024年度企业工会基本情况统计表"]
    data = [row for row in grid if row[0] in (5, 7)]
    values = [[cell for cell in row[1:] if cell is not None] for row in data]
    assert values == [
        ["91310117MA1J00001A", "120", "2024-03-01", "0.035", "2024-03-01 09:30:00"],
        ["91310117MA1J00002B", "98", "2024/3/1", "3.5"],
    ]
    assert [row[0] for row in data] == [5, 7]


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("corrupt.xlsx", os.urandom(2048), "file_unreadable"),
        ("zip-but-not-excel.xlsx", b"PK\x03\x04" + os.urandom(512), "file_unreadable"),
        ("old.xls", b"\xd0\xcf\x11\xe0" + os.urandom(512), "unsupported_format"),
        ("notes.txt", "企业名称\n".encode(), "unsupported_format"),
        ("empty.csv", b"", "file_empty"),
        ("blank.csv", b" \r\n\r\n", "file_empty"),
        ("commas.csv", b",,,\n,,\n", "file_empty"),
        ("empty.xlsx", b"", "file_empty"),
        ("binary.csv", b"\x00\x01\x02abc", "file_not_text"),
    ],
)
def test_unreadable_input_raises_one_error_with_a_reason(tmp_path, name, content, reason):
    with pytest.raises(UnreadableFile) as raised:
        read_file(write(tmp_path, name, content))

    assert raised.value.reason_code == reason


def test_workbook_without_any_cell_is_empty(tmp_path):
    path = tmp_path / "blank.xlsx"
    openpyxl.Workbook().save(path)

    with pytest.raises(UnreadableFile) as raised:
        read_file(path)

    assert raised.value.reason_code == "file_empty"


def test_unsupported_format_names_the_extension(tmp_path):
    with pytest.raises(UnreadableFile) as raised:
        read_file(write(tmp_path, "old.XLS", b"x"))

    assert raised.value.params == {"extension": ".xls"}


def test_excel_error_and_percent_cells_read_as_excel_shows_them(tmp_path):
    # calamine alone gives an error cell as empty and a 100% cell as "1"; the grid starts
    # at the leftmost used column (C here), which the overrides must follow.
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet["C1"], sheet["D1"] = "职工人数", "协商工资增幅"
    sheet["C2"], sheet["D2"] = "#DIV/0!", 1
    sheet["D2"].number_format = "0%"
    sheet["F3"] = "#N/A"  # beyond every other used column
    path = tmp_path / "errors.xlsx"
    workbook.save(path)

    [read] = read_file(path)

    assert rows(read) == [
        (1, "职工人数", "协商工资增幅", None, None),
        (2, "#DIV/0!", "100%", None, None),
        (3, None, None, None, "#N/A"),
    ]


def test_an_encrypted_workbook_is_named_as_such(tmp_path):
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(500) + "EncryptedPackage".encode("utf-16-le")
    with pytest.raises(UnreadableFile) as raised:
        read_file(write(tmp_path, "locked.xlsx", ole))
    assert raised.value.reason_code == "file_encrypted"


@pytest.mark.parametrize(
    ("stored", "shown"),
    [("913302058878759743", "9.13302E+17"), ("9.1330205887875974E+17", "9.13302E+17"),
     ("9000000000000000000", "9E+18"), ("1234567890123456", "1.23457E+15")],
)  # fmt: skip
def test_long_numbers_are_shown_as_excel_shows_them(stored, shown):
    assert excel_general(stored) == shown


def test_formulas_without_a_value_and_long_numbers_are_overridden():
    xml = (
        b'<sheetData><row r="2"><c r="A2"><v>913302058878759743</v></c>'
        b'<c r="B2" t="s"><v>1234567890123456789</v></c>'  # a shared-string index: text
        b'<c r="C2"><f>D2*0.9</f></c><c r="D2"><f>E2&amp;"x"</f><v></v></c>'
        b'<c r="E2"><f>F2+1</f><v>100</v></c><c r="F2"><v>12345</v></c></row></sheetData>'
    )
    assert _scan(xml, frozenset()) == {
        (2, 1): "9.13302E+17",
        (2, 3): "=D2*0.9",
        (2, 4): '=E2&"x"',
    }


HEADER_LINE = "统一社会信用代码,企业名称,所属镇街代码,报告期,职工人数,建会形式"


def csv_rows(data: bytes) -> list[tuple]:
    [sheet] = read_file_bytes(data)
    return [row[1:3] for row in sheet.grid.rows()]


def read_file_bytes(data: bytes, name: str = "a.csv"):
    path = Path("/nonexistent") / name
    return read_file(path, data)


def test_lines_ending_in_a_carriage_return_alone_are_lines():
    data = f"{HEADER_LINE}\r91310117MA1J00001A,甲厂,310117101000,2025,5,无\r".encode()
    assert csv_rows(data) == [("统一社会信用代码", "企业名称"), ("91310117MA1J00001A", "甲厂")]


def test_a_quote_typed_inside_a_name_does_not_refuse_the_file():
    data = (
        f"{HEADER_LINE}\n"
        '91310117MA1J00001A,甲"乙厂,310117101000,2025,5,无\n'
        '91310117MA1J00002B,"丙厂,310117101000,2025,5,无\n'
    ).encode()
    assert csv_rows(data)[1:] == [
        ("91310117MA1J00001A", '甲"乙厂'),
        ("91310117MA1J00002B", '"丙厂'),
    ]


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
def test_utf16_without_a_byte_order_mark_is_read(encoding):
    data = f"{HEADER_LINE}\n91310117MA1J00001A,甲厂,310117101000,2025,5,无\n".encode(encoding)
    assert csv_rows(data)[1] == ("91310117MA1J00001A", "甲厂")


def test_binary_content_in_a_csv_asks_for_utf8():
    with pytest.raises(UnreadableFile) as raised:
        read_file_bytes(bytes(range(256)) * 4)
    assert raised.value.reason_code == "file_not_text"
