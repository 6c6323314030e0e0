"""Writing a table the way a town clerk's spreadsheet looks.

A `Style` is one file's habits (format, encoding, header words, how dates, booleans,
percentages and big numbers are typed); `Style.cell()` turns a canonical value into the
cell that file would hold, and `write_table()` lays the title line, the 填报单位 line,
the (one- or two-row, merged) header, the data, the 合计 line and the notes out as
XLSX (xlsxwriter, fixed document timestamps: the bytes depend only on the content) or
as CSV the way Excel/WPS exports it (every line padded to the table width, CRLF,
GB18030 or UTF-8 with or without BOM). `footer()` gives the note and signature lines
under a return or a summary.
"""

from __future__ import annotations

import csv
import io
import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import xlsxwriter
from xlsxwriter.utility import xl_col_to_name

FORMATS = ("xlsx", "csv-gbk", "csv-utf8", "csv-utf8-bom")
FIXED_CREATED = datetime(2020, 1, 1, 0, 0, 0)
SEQ_HEADER = "序号"
_FULLWIDTH = str.maketrans("0123456789", "０１２３４５６７８９")
_DATE_FORMATS = {"iso": "yyyy-mm-dd", "slash": "yyyy/m/d", "cn": 'yyyy"年"m"月"d"日"'}


@dataclass(frozen=True)
class Raw:
    """A value written exactly as given (planted errors)."""

    value: object


class Pct(float):
    """A fraction written as a percent-formatted number cell (XLSX)."""


@dataclass(frozen=True)
class Total:
    """A 合计 cell: a SUM formula with its cached value (XLSX) or just the value."""

    value: int
    formula: bool = False


@dataclass
class Style:
    fmt: str = "xlsx"
    seq: bool = False
    two_row: bool = False
    blank_line: bool = False
    period: str = "{y}年度"
    period_numeric: bool = False
    bools: tuple[str, str] = ("是", "否")
    dates: str = "iso"  # iso | slash | cn | excel (date cells) | serial (bare numbers)
    thousands: bool = False
    numbers_as_text: bool = False
    fullwidth: float = 0.0
    industry: str = "letter"  # letter | division
    pct: str = "pct"  # pct ("5.5%") | fraction (0.055) | plain (5.5, summaries only)
    zero_blank: bool = False
    numeric_region: bool = False
    formula_totals: bool = False
    header_breaks: bool = False
    aliases: dict[str, str] = field(default_factory=dict)
    order: str = "index"
    sheet: str = "Sheet1"
    rng: random.Random = field(default_factory=lambda: random.Random(0))

    @property
    def is_xlsx(self) -> bool:
        return self.fmt == "xlsx"

    @property
    def extension(self) -> str:
        return "xlsx" if self.is_xlsx else "csv"

    # -- cells ---------------------------------------------------------------------
    def count(self, value: int | None) -> object:
        if value is None:
            return None
        if value == 0 and self.zero_blank:
            return None
        if self.is_xlsx and not self.numbers_as_text:
            return value
        text = f"{value:,}" if self.thousands and abs(value) >= 1000 else str(value)
        if self.fullwidth and self.rng.random() < self.fullwidth:
            text = text.translate(_FULLWIDTH)
        return text

    def date(self, value: date | None) -> object:
        if value is None:
            return None
        if self.is_xlsx and self.dates == "excel":
            return value
        if self.is_xlsx and self.dates == "serial":
            return (value - date(1899, 12, 30)).days
        if self.dates == "slash":
            return f"{value.year}/{value.month}/{value.day}"
        if self.dates == "cn":
            return chinese_date(value)
        return value.isoformat()

    def boolean(self, value: bool | None) -> object:
        if value is None:
            return None
        text = self.bools[0] if value else self.bools[1]
        if self.is_xlsx and text in ("1", "0") and not self.numbers_as_text:
            return int(text)
        return text or None

    def percent(self, value: float | None) -> object:
        """`value` in percent (5.5 means 5.5%)."""
        if value is None:
            return None
        if self.pct == "plain":
            return value if self.is_xlsx else f"{value:g}"
        if self.pct == "fraction" and value < 100:
            # 100% stays "100%": the ingestion reads a bare 1 as 1% (see normalise._percent)
            fraction = round(value / 100, 6)
            return Pct(fraction) if self.is_xlsx else f"{fraction:g}"
        return f"{value:g}%"

    def period_cell(self, year: int) -> object:
        if self.period_numeric and self.is_xlsx and self.period == "{y}":
            return year
        return self.period.format(y=year)

    def region(self, code: str) -> object:
        return int(code) if self.numeric_region and self.is_xlsx else code

    def industry_cell(self, letter: str, division: int) -> object:
        return f"{division:02d}" if self.industry == "division" else letter

    def header(self, name: str, primary: str) -> str:
        text = self.aliases.get(name, primary)
        if self.header_breaks and self.is_xlsx and len(text) > 6 and "（" not in text:
            text = text[:4] + "\n" + text[4:]
        return text


@dataclass
class Table:
    title: str
    meta: Sequence[str]
    headers: Sequence[str]
    rows: Iterable[Sequence[object]]
    total: Sequence[object] | None = None
    notes: Sequence[str] = ()
    # two-row header: (parent, first column, last column) groups, children in `headers`
    groups: Sequence[tuple[str, int, int]] = ()


# Who fills in and checks a table, for the signature line under it.
_SURNAMES = "王李张刘陈杨黄赵吴周徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段漕钱汤尹黎易常武乔贺赖龚文"
_GIVEN_NAMES = (
    "丽",
    "芳",
    "敏",
    "静",
    "伟",
    "强",
    "磊",
    "军",
    "洁",
    "燕",
    "建国",
    "海燕",
    "晓东",
    "雪梅",
    "志刚",
    "慧",
    "颖",
    "斌",
    "红",
    "杰",
)


def footer(rng: random.Random, note: str) -> list[str]:
    """The 备注 line and the 填表人/审核人/联系电话 line under a table."""
    phone = f"0574-8{rng.randint(1000000, 9999999)}"
    return [
        f"备注：{note}",
        f"填表人：{_person(rng)}    审核人：{_person(rng)}    联系电话：{phone}",
    ]


def _person(rng: random.Random) -> str:
    return rng.choice(_SURNAMES) + rng.choice(_GIVEN_NAMES)


def chinese_date(value: date) -> str:
    """2024年1月5日, as clerks write a date by hand."""
    return f"{value.year}年{value.month}月{value.day}日"


@dataclass
class Written:
    path: Path
    first_data_row: int  # 1-based row number (as Excel shows it) of the first data row
    data_rows: int
    size: int = 0


def write_table(path: Path, style: Style, table: Table) -> Written:
    path.parent.mkdir(parents=True, exist_ok=True)
    writer = _write_xlsx if style.is_xlsx else _write_csv
    written = writer(path, style, table)
    written.size = path.stat().st_size
    return written


def _csv_text(cell: object) -> str:
    if cell is None:
        return ""
    if isinstance(cell, Raw):
        return _csv_text(cell.value)
    if isinstance(cell, Total):
        return str(cell.value)
    if isinstance(cell, float):
        return f"{cell:g}"
    return str(cell)


def _write_csv(path: Path, style: Style, table: Table) -> Written:
    width = len(table.headers)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")

    def line(cells: Sequence[object]) -> None:
        texts = [_csv_text(c) for c in cells]
        writer.writerow(texts + [""] * (width - len(texts)))

    line([table.title])
    for meta in table.meta:
        line([meta])
    if style.blank_line:
        line([])
    line(list(table.headers))
    first = 3 + len(table.meta) + (1 if style.blank_line else 0)
    n = 0
    for row in table.rows:
        line(row)
        n += 1
    if table.total is not None:
        line(table.total)
    for note in table.notes:
        line([note])
    text = out.getvalue()
    if style.fmt == "csv-gbk":
        data = text.encode("gb18030")
    elif style.fmt == "csv-utf8-bom":
        data = text.encode("utf-8-sig")
    else:
        data = text.encode("utf-8")
    path.write_bytes(data)
    return Written(path, first, n)


def _write_xlsx(path: Path, style: Style, table: Table) -> Written:
    wb = xlsxwriter.Workbook(
        str(path), {"in_memory": True, "strings_to_urls": False, "strings_to_formulas": False}
    )
    wb.set_properties({"created": FIXED_CREATED, "author": "", "company": ""})
    ws = wb.add_worksheet(style.sheet)
    width = len(table.headers)
    f_title = wb.add_format({"bold": True, "font_size": 16, "align": "center", "valign": "vcenter"})
    f_meta = wb.add_format({"font_size": 10})
    f_head = wb.add_format(
        {
            "bold": True,
            "border": 1,
            "align": "center",
            "valign": "vcenter",
            "text_wrap": True,
            "bg_color": "#DDEBF7",
        }
    )
    f_cell = wb.add_format({"border": 1})
    f_int = wb.add_format({"border": 1, "num_format": "#,##0" if style.thousands else "0"})
    f_num = wb.add_format({"border": 1, "num_format": "General"})
    f_pct = wb.add_format({"border": 1, "num_format": "0.0%"})
    f_date = wb.add_format(
        {
            "border": 1,
            "num_format": _DATE_FORMATS.get(style.dates if style.dates in _DATE_FORMATS else "iso"),
        }
    )
    f_region = wb.add_format({"border": 1, "num_format": "0"})
    f_bold = wb.add_format(
        {"border": 1, "bold": True, "num_format": "#,##0" if style.thousands else "0"}
    )

    first, n = 0, 0

    def put(r: int, c: int, cell: object, bold: bool = False) -> None:
        if isinstance(cell, Raw):
            cell = cell.value
        if cell is None:
            ws.write_blank(r, c, None, f_cell)
        elif isinstance(cell, Total):
            if cell.formula and n:
                ws.write_formula(r, c, sum_formula(c, first, first + n - 1), f_bold, cell.value)
            else:
                ws.write_number(r, c, cell.value, f_bold)
        elif isinstance(cell, Pct):
            ws.write_number(r, c, float(cell), f_pct)
        elif isinstance(cell, bool):
            ws.write_string(r, c, str(cell), f_cell)
        elif isinstance(cell, int):
            ws.write_number(r, c, cell, f_region if cell > 10**9 else f_int)
        elif isinstance(cell, float):
            ws.write_number(r, c, cell, f_num)
        elif isinstance(cell, date):
            ws.write_datetime(r, c, datetime(cell.year, cell.month, cell.day), f_date)
        else:
            ws.write_string(r, c, str(cell), f_bold if bold else f_cell)

    r = 0
    if width > 1:
        ws.merge_range(r, 0, r, width - 1, table.title, f_title)
    else:
        ws.write_string(r, 0, table.title, f_title)
    ws.set_row(r, 28)
    r += 1
    for meta in table.meta:
        ws.write_string(r, 0, meta, f_meta)
        r += 1
    if style.blank_line:
        r += 1
    if table.groups:
        grouped = {}
        for parent, c0, c1 in table.groups:
            ws.merge_range(r, c0, r, c1, parent, f_head)
            for c in range(c0, c1 + 1):
                grouped[c] = True
                ws.write_string(r + 1, c, table.headers[c], f_head)
        for c, text in enumerate(table.headers):
            if c not in grouped:
                ws.merge_range(r, c, r + 1, c, text, f_head)
        r += 2
    else:
        for c, text in enumerate(table.headers):
            ws.write_string(r, c, text, f_head)
        r += 1
    first = r + 1
    n = 0
    for row in table.rows:
        for c, cell in enumerate(row):
            put(r, c, cell)
        r += 1
        n += 1
    if table.total is not None:
        for c, cell in enumerate(table.total):
            put(r, c, cell, bold=True)
        r += 1
    for note in table.notes:
        ws.write_string(r, 0, note, f_meta)
        r += 1
    for c, text in enumerate(table.headers):
        ws.set_column(c, c, min(34, max(8, 2 * len(text.split("\n")[0]) + 2)))
    wb.close()
    return Written(path, first, n)


def sum_formula(col: int, first_row: int, last_row: int) -> str:
    letter = xl_col_to_name(col)
    return f"=SUM({letter}{first_row}:{letter}{last_row})"
