"""Read a raw file into grids of strings, one per sheet.

Everything after this module is format-agnostic: a CSV and an XLSX become the same
thing, a `Sheet` whose grid is a Polars DataFrame with an Int64 `row` column (the row
number the user sees in Excel: 1-based, title and blank lines counted) and Utf8
columns `c1..cN`, one per spreadsheet column. Blank and white-space-only cells are
null; nothing else is changed, so cells stay "as written".
"""

from __future__ import annotations

import codecs
import io
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

import fastexcel
import polars as pl

from pipelines.ingest.budget import ParseBudget
from pipelines.ingest.xlsx_cells import (
    Merged,
    Overrides,
    SheetExtras,
    column_number,
    sheet_extras,
    sheet_paths,
)

CSV_SUFFIXES = frozenset({".csv"})
XLSX_SUFFIXES = frozenset({".xlsx", ".xlsm"})

# Priority order for ties: Excel/WPS write commas; the full-width ones come from
# hand-made files typed with a Chinese input method.
_DELIMITERS = (",", "\t", ";", "；", "，")
# A single byte that never occurs in text, standing in for multi-byte delimiters,
# which Polars cannot split on.
_UNIT_SEPARATOR = "\x1f"
_SNIFF_CHARS = 64 * 1024
_SNIFF_LINES = 50
_QUOTED = re.compile(r'"[^"]*"')
_ZIP_MAGIC = b"PK\x03\x04"
# A CR not followed by LF ends a line too (Polars' CSV reader splits at LF only).
_LONE_CR = re.compile("\r(?!\n)")
# Control characters no text file of a clerk's holds (tab, LF and CR excepted).
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# Office's compound (OLE) container: an old .xls, or an XLSX saved with an open password,
# which Office wraps, encrypted, in a stream of this name.
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ENCRYPTED_STREAM = "EncryptedPackage".encode("utf-16-le")
# A UTF-8 file with a few stray bytes (a cell pasted from a GBK file) is still UTF-8 when
# its good non-ASCII characters outnumber the undecodable bytes this many times.
_UTF8_MAJORITY = 5
# calamine renders a date cell as a midnight datetime; the date is what the user typed.
_MIDNIGHT = re.compile(r"^(\d{4}-\d{2}-\d{2}) 00:00:00$")


class UnreadableFile(Exception):
    """The file (or a sheet of it) cannot be turned into rows.

    `reason_code` is one of the file-level codes of `pipelines.ingest.reasons`
    (file_unreadable, file_empty, unsupported_format, header_not_found, ...);
    `detail` is a short technical note (it fills the message's {detail});
    `params` fill the other placeholders of the reason's message.
    """

    def __init__(self, reason_code: str, detail: str = "", **params: str) -> None:
        super().__init__(f"{reason_code}: {detail}" if detail else reason_code)
        self.reason_code = reason_code
        self.detail = detail
        self.params = params


@dataclass(frozen=True)
class Sheet:
    name: str | None  # None for CSV
    grid: pl.DataFrame
    merged: tuple[Merged, ...] = ()  # an XLSX sheet's merged ranges, in the grid's columns


def read_file(
    path: Path, data: bytes | None = None, budget: ParseBudget | None = None
) -> list[Sheet]:
    """Read one raw file (CSV or XLSX) into its sheets; never writes to `path`.

    `data` lets the caller pass bytes it already read (to hash them), so the file is
    read once. Sheets without any cell are left out; a file with none raises
    `UnreadableFile("file_empty")`; a file over the parse budget (default: from the
    environment) raises `UnreadableFile("file_over_budget")` before the step it would
    overwhelm.
    """
    budget = budget or ParseBudget.from_environment()
    suffix = path.suffix.lower()
    if suffix not in CSV_SUFFIXES | XLSX_SUFFIXES:
        raise UnreadableFile(
            "unsupported_format", f"extension {suffix or '(none)'}", extension=suffix or path.name
        )
    if data is None:
        data = path.read_bytes()
    if not data.strip():
        raise UnreadableFile("file_empty", "no bytes")
    if _is_workbook(data, suffix):
        sheets = read_xlsx_bytes(data, budget)
    else:
        sheets = read_csv_bytes(data, budget)
    sheets = [sheet for sheet in sheets if _has_cells(sheet.grid)]
    if not sheets:
        raise UnreadableFile("file_empty", "no non-blank cell")
    for sheet in sheets:
        _within(budget, "max_cell_chars", _longest_cell(sheet.grid))
    return sheets


def _is_workbook(data: bytes, suffix: str) -> bool:
    """Read by what the file holds, not by its name: a workbook saved as 名单.csv is a
    workbook (a zip), a CSV renamed 名单.xlsx is text. A .xlsx that is neither a zip, an
    old-format (OLE) workbook nor clean text goes to the XLSX reader, which says why."""
    if data.startswith((_ZIP_MAGIC, _OLE_MAGIC)):
        return True
    return suffix in XLSX_SUFFIXES and not _is_clean_text(data)


def _is_clean_text(data: bytes) -> bool:
    """Text with a byte-order mark, or UTF-8 or GB18030 without control characters (other
    than tab and line ends): not the random bytes of a broken workbook."""
    if data.startswith((codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return True
    for encoding in ("utf-8", "gb18030"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        return not _CONTROL.search(text)
    return False


def _within(budget: ParseBudget, limit: str, actual: int) -> None:
    """Refuse the file when it exceeds the budget's limit named `limit`."""
    if params := budget.exceeded(limit, actual):
        raise UnreadableFile("file_over_budget", f"{limit} {actual:,}", **params)


def _longest_cell(grid: pl.DataFrame) -> int:
    lengths = grid.select(pl.col(pl.String).str.len_chars().max())
    return max((value or 0 for value in lengths.row(0)), default=0) if lengths.width else 0


def read_csv_bytes(data: bytes, budget: ParseBudget | None = None) -> list[Sheet]:
    budget = budget or ParseBudget.from_environment()
    text = decode_text(data)
    delimiter = sniff_delimiter(text)
    if len(delimiter.encode()) > 1:
        text = text.replace(delimiter, _UNIT_SEPARATOR)
        delimiter = _UNIT_SEPARATOR
    # Polars takes the column count from the first line, which is often a one-cell
    # title; an explicit, wide enough schema keeps the later columns.
    width = max((line.count(delimiter) for line in text.splitlines()), default=0) + 1
    _within(budget, "max_columns", width)
    if "\r" in text:  # lines ending in CR alone (old Mac files, or some lines of a file)
        text = _LONE_CR.sub("\n", text)
    schema = {f"c{i}": pl.String for i in range(1, width + 1)}
    # A quote a clerk typed inside a name (甲"乙厂, or "甲厂 with no closing quote) breaks
    # quoted parsing; the file is then read with quotes taken as ordinary characters.
    for quote in ('"', None):
        try:
            frame = pl.read_csv(
                text.encode(),
                has_header=False,
                separator=delimiter,
                schema=schema,
                quote_char=quote,
                truncate_ragged_lines=True,
                raise_if_empty=False,
            )
        except pl.exceptions.PolarsError:
            continue
        return [Sheet(None, _finish(frame))]
    raise UnreadableFile(
        "file_unreadable", "CSV 格式无法解析 the CSV cannot be parsed；请用 Excel 打开后另存为 CSV"
    )


def decode_text(data: bytes) -> str:
    """UTF-8 (with or without BOM), UTF-16 with BOM, else GB18030 (a superset of GBK)."""
    try:
        if data.startswith(codecs.BOM_UTF8):
            return data[len(codecs.BOM_UTF8) :].decode("utf-8")
        if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            return data.decode("utf-16")
    except UnicodeDecodeError as error:
        raise UnreadableFile(
            "file_unreadable", "字节顺序标记后的文字无法解码 bad text after the byte-order mark"
        ) from error
    if b"\x00" in data:
        return _utf16_without_bom(data)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    if _mostly_utf8(data):
        return data.decode("utf-8", errors="replace")
    try:
        return data.decode("gb18030")
    except UnicodeDecodeError:
        pass
    raise UnreadableFile(
        "file_unreadable", "既非 UTF-8 也非 GB18030 文本 neither UTF-8 nor GB18030"
    )


def _utf16_without_bom(data: bytes) -> str:
    """Text saved as UTF-16 without a byte-order mark ("Unicode text" of old tools): its
    ASCII characters (digits, commas, line ends) put a NUL in every other byte."""
    odd, even = data[1::2].count(0), data[0::2].count(0)
    encoding = "utf-16-le" if odd > even else "utf-16-be"
    if max(odd, even) >= max(4, len(data) // 8):  # a quarter of the characters or more
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            pass
    raise UnreadableFile("file_not_text", "NUL bytes: not a text file")


def _mostly_utf8(data: bytes) -> bool:
    """Valid UTF-8 except for a few stray bytes, with real multi-byte characters in it.

    GBK text decoded as UTF-8 fails on nearly every Chinese character, so a handful of
    failures among many good UTF-8 characters means a UTF-8 file with a damaged cell;
    the damaged bytes become U+FFFD and the rest of the file reads as written.
    """
    text = data.decode("utf-8", errors="replace")
    stray = text.count("\ufffd")
    # Non-ASCII characters counted in C: the text minus its ASCII characters.
    multibyte = len(text) - len(text.encode("ascii", "ignore")) - stray
    return multibyte >= _UTF8_MAJORITY * stray


def sniff_delimiter(text: str) -> str:
    """The delimiter found on the most lines (then the most often on one line).

    Counting lines rather than occurrences keeps a note line full of "，" or a
    thousands separator in a few cells from outvoting the real delimiter, which
    Excel writes on every line, title lines included.
    """
    sample = [line for line in text[:_SNIFF_CHARS].splitlines() if line.strip()]
    lines = [_QUOTED.sub("", line) for line in sample[:_SNIFF_LINES]]

    def score(delimiter: str) -> tuple[int, int, int]:
        counts = [line.count(delimiter) for line in lines]
        return (
            sum(1 for count in counts if count),
            max(counts, default=0),
            -_DELIMITERS.index(delimiter),
        )

    return max(_DELIMITERS, key=score)


def read_xlsx_bytes(data: bytes, budget: ParseBudget | None = None) -> list[Sheet]:
    """Every sheet as strings, from row 1 so row numbers match Excel. Hidden sheets too:
    hiding a sheet does not withdraw its rows (one that holds dropdown lists has no header
    and is passed over like any sheet without one)."""
    if data.startswith(_OLE_MAGIC) and _ENCRYPTED_STREAM in data:
        raise UnreadableFile("file_encrypted", "password-protected (encrypted) workbook")
    if data.startswith(_OLE_MAGIC):
        raise UnreadableFile(
            "file_unreadable", "这是旧版 .xls 工作簿，请另存为 .xlsx an old-format .xls workbook"
        )
    if not data.startswith(_ZIP_MAGIC):
        raise UnreadableFile("file_unreadable", "不是 XLSX 文件 not an XLSX (zip) file")
    check_workbook(data, budget or ParseBudget.from_environment())
    extras = sheet_extras(data)
    try:
        reader = fastexcel.read_excel(data)
        sheets = []
        for name in reader.sheet_names:
            # skip_rows=0: without it calamine drops leading blank rows and the
            # row numbers shift.
            sheet = reader.load_sheet(name, header_row=None, skip_rows=0, dtypes="string")
            overrides, merged = extras.get(name, SheetExtras({}, ()))
            frame = _override(sheet.to_polars(), overrides)
            sheets.append(Sheet(name, _finish(frame, excel=True), merged))
    except fastexcel.FastExcelError as error:  # its message is the library's, not a clerk's
        raise UnreadableFile(
            "file_unreadable", "XLSX 文件已损坏 the XLSX file is damaged"
        ) from error
    return sheets


# The used range a sheet declares (<dimension ref="A1:Z50"/>) near the start of its XML,
# and the reference of every cell (for a sheet that declares none).
_DIMENSION = re.compile(rb'<dimension\s+ref="([A-Z]{1,3})(\d+)(?::([A-Z]{1,3})(\d+))?"')
_CELL_REF = re.compile(rb'<c\s+r="([A-Z]{1,3})(\d+)"')
_HEAD_BYTES = 4096
_SHARED_STRINGS = "xl/sharedStrings.xml"


def check_workbook(data: bytes, budget: ParseBudget) -> None:
    """Refuse a workbook whose parts inflate past the budget, whose sheet spans more
    cells or columns than it allows (a stray cell at XFD1048576), or that holds a text
    longer than a cell may be, before the XLSX reader lays out its grid.

    Best effort like sheet_extras: a workbook this cannot open is left to the reader,
    which says what is wrong with it.
    """
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        return
    with archive:
        _within(budget, "max_inflated_bytes", sum(i.file_size for i in archive.infolist()))
        try:
            paths = sheet_paths(archive)
        except (KeyError, ValueError, SyntaxError):
            return
        for path in paths.values():
            if path in archive.NameToInfo:
                columns, cells = _extent(archive, path)
                _within(budget, "max_columns", columns)
                _within(budget, "max_cells", cells)
        # A shared string of more than 4 bytes a character is longer than the limit however
        # it is written; shorter ones, and strings written in the sheet, are measured once
        # read (read_file), within the inflated size.
        longest = 4 * budget.max_cell_chars + 1
        if _SHARED_STRINGS in archive.NameToInfo and re.search(
            rb">[^<]{%d}" % longest, archive.read(_SHARED_STRINGS)
        ):
            _within(budget, "max_cell_chars", longest)


def _extent(archive: zipfile.ZipFile, path: str) -> tuple[int, int]:
    """(columns, cells) of the rectangle from A1 to the sheet's last used row and column:
    as the sheet declares it, else as its cells' references give it."""
    with archive.open(path) as member:
        head = member.read(_HEAD_BYTES)
    declared = _DIMENSION.search(head)
    if declared:
        last_column, last_row = declared.group(3) or declared.group(1), declared.group(4)
        columns = column_number(last_column.decode())
        return columns, columns * int(last_row or declared.group(2))
    refs = _CELL_REF.findall(archive.read(path))
    if not refs:
        return 0, 0
    columns = max(column_number(letters.decode()) for letters, _ in refs)
    return columns, columns * max(int(row) for _, row in refs)


def _override(frame: pl.DataFrame, cells: Overrides) -> pl.DataFrame:
    """Put the text Excel shows (#N/A, 100%) into cells calamine left empty or bare."""
    cells = {key: text for key, text in cells.items() if key[1] >= 1}
    if not cells:
        return frame
    width = max(frame.width, *(column for _, column in cells))
    height = max(frame.height, *(row for row, _ in cells))
    names = [f"c{i}" for i in range(1, width + 1)]
    grown = pl.DataFrame(
        {name: pl.Series(name, [None] * (height - frame.height), pl.String) for name in names}
    )
    frame = pl.concat(
        [
            frame.select(
                *(
                    pl.col(old).cast(pl.String).alias(new)
                    for old, new in zip(frame.columns, names[: frame.width], strict=True)
                ),
                *(pl.lit(None, pl.String).alias(name) for name in names[frame.width :]),
            ),
            grown,
        ]
    )
    by_column: dict[str, tuple[list[int], list[str]]] = {}
    for (row, column), text in cells.items():
        indices, texts = by_column.setdefault(names[column - 1], ([], []))
        indices.append(row - 1)
        texts.append(text)
    return frame.with_columns(
        frame[name].scatter(indices, texts) for name, (indices, texts) in by_column.items()
    )


def _finish(frame: pl.DataFrame, *, excel: bool = False) -> pl.DataFrame:
    """Name columns c1..cN, null out blank cells, number rows from 1."""
    # Files are small and many: renaming, casting only when needed and numbering rows
    # from a range avoid a Polars query each.
    frame = frame.rename({column: f"c{i}" for i, column in enumerate(frame.columns, start=1)})
    if any(dtype != pl.String for dtype in frame.dtypes):
        frame = frame.cast(pl.String)
    if cleaned := _cleaned(frame, excel=excel):
        frame = frame.with_columns(cleaned)
    # Trailing empty columns come from the CSV width estimate counting quoted delimiters.
    columns = frame.columns
    width = len(columns)
    while width and frame.get_column(columns[width - 1]).null_count() == frame.height:
        width -= 1
    if width < len(columns):
        frame = frame.select(columns[:width])
    rows = pl.Series("row", range(1, frame.height + 1), dtype=pl.Int64)
    return frame.insert_column(0, rows)


def _cleaned(frame: pl.DataFrame, *, excel: bool) -> list[pl.Expr]:
    """Blank cells made null and, from Excel, midnight datetimes cut to their date.

    Both are rare, and a cheap test finds the columns that may hold any: a blank cell is
    empty or starts with white space, a midnight datetime ends with 00:00:00. Only those
    columns are rewritten.
    """
    if not frame.width:
        return []
    tests = [pl.col(name).str.contains(r"^(?:\s|$)") for name in frame.columns]
    if excel:
        tests = [
            test | pl.col(name).str.ends_with(" 00:00:00")
            for test, name in zip(tests, frame.columns, strict=True)
        ]
    found = frame.select(test.any() for test in tests).row(0)
    cleaned = []
    for name, needed in zip(frame.columns, found, strict=True):
        if needed:
            cell = pl.col(name)
            if excel:
                cell = cell.str.replace(_MIDNIGHT.pattern, "${1}")
            cleaned.append(
                pl.when(cell.str.strip_chars() == "").then(None).otherwise(cell).alias(name)
            )
    return cleaned


def _has_cells(grid: pl.DataFrame) -> bool:
    cells = [column for column in grid.columns if column != "row"]
    return any(grid.get_column(cell).null_count() < grid.height for cell in cells)
