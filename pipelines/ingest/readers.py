"""Read a raw file into grids of strings, one per sheet.

Everything after this module is format-agnostic: a CSV and an XLSX become the same
thing, a `Sheet` whose grid is a Polars DataFrame with an Int64 `row` column (the row
number the user sees in Excel: 1-based, title and blank lines counted) and Utf8
columns `c1..cN`, one per spreadsheet column. Blank and white-space-only cells are
null; nothing else is changed, so cells stay "as written".
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass
from pathlib import Path

import fastexcel
import polars as pl

from pipelines.ingest.xlsx_cells import Overrides, cell_overrides

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


def read_file(path: Path, data: bytes | None = None) -> list[Sheet]:
    """Read one raw file (CSV or XLSX) into its sheets; never writes to `path`.

    `data` lets the caller pass bytes it already read (to hash them), so the file is
    read once. Sheets without any cell are left out; a file with none raises
    `UnreadableFile("file_empty")`.
    """
    suffix = path.suffix.lower()
    if suffix not in CSV_SUFFIXES | XLSX_SUFFIXES:
        raise UnreadableFile(
            "unsupported_format", f"extension {suffix or '(none)'}", extension=suffix or path.name
        )
    if data is None:
        data = path.read_bytes()
    if not data.strip():
        raise UnreadableFile("file_empty", "no bytes")
    sheets = read_csv_bytes(data) if suffix in CSV_SUFFIXES else read_xlsx_bytes(data)
    sheets = [sheet for sheet in sheets if _has_cells(sheet.grid)]
    if not sheets:
        raise UnreadableFile("file_empty", "no non-blank cell")
    return sheets


def read_csv_bytes(data: bytes) -> list[Sheet]:
    text = decode_text(data)
    delimiter = sniff_delimiter(text)
    if len(delimiter.encode()) > 1:
        text = text.replace(delimiter, _UNIT_SEPARATOR)
        delimiter = _UNIT_SEPARATOR
    # Polars takes the column count from the first line, which is often a one-cell
    # title; an explicit, wide enough schema keeps the later columns.
    width = max((line.count(delimiter) for line in text.splitlines()), default=0) + 1
    try:
        frame = pl.read_csv(
            text.encode(),
            has_header=False,
            separator=delimiter,
            schema={f"c{i}": pl.String for i in range(1, width + 1)},
            truncate_ragged_lines=True,
            raise_if_empty=False,
        )
    except pl.exceptions.PolarsError as error:
        raise UnreadableFile("file_unreadable", f"CSV parse error: {error}") from error
    return [Sheet(None, _finish(frame))]


def decode_text(data: bytes) -> str:
    """UTF-8 (with or without BOM), UTF-16 with BOM, else GB18030 (a superset of GBK)."""
    try:
        if data.startswith(codecs.BOM_UTF8):
            return data[len(codecs.BOM_UTF8) :].decode("utf-8")
        if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            return data.decode("utf-16")
    except UnicodeDecodeError as error:
        raise UnreadableFile("file_unreadable", f"bad text after BOM: {error}") from error
    if b"\x00" in data:
        raise UnreadableFile("file_unreadable", "binary content (NUL bytes) in a CSV file")
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
    raise UnreadableFile("file_unreadable", "neither UTF-8 nor GB18030 text")


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


def read_xlsx_bytes(data: bytes) -> list[Sheet]:
    """Every visible sheet as strings, from row 1 so row numbers match Excel."""
    if data.startswith(_OLE_MAGIC) and _ENCRYPTED_STREAM in data:
        raise UnreadableFile("file_encrypted", "password-protected (encrypted) workbook")
    if data.startswith(_OLE_MAGIC):
        raise UnreadableFile("file_unreadable", "an old-format (.xls) workbook named .xlsx")
    if not data.startswith(_ZIP_MAGIC):
        raise UnreadableFile("file_unreadable", "not an XLSX (zip) file")
    overrides = cell_overrides(data)
    try:
        reader = fastexcel.read_excel(data)
        sheets = []
        for name in reader.sheet_names:
            # skip_rows=0: without it calamine drops leading blank rows and the
            # row numbers shift.
            sheet = reader.load_sheet(name, header_row=None, skip_rows=0, dtypes="string")
            if sheet.visible != "visible":
                continue
            frame = _override(sheet.to_polars(), overrides.get(name, {}))
            sheets.append(Sheet(name, _finish(frame, excel=True)))
    except fastexcel.FastExcelError as error:
        raise UnreadableFile("file_unreadable", f"XLSX error: {error}") from error
    return sheets


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
    width = frame.width
    while width and frame.get_column(frame.columns[width - 1]).null_count() == frame.height:
        width -= 1
    if width < frame.width:
        frame = frame.select(frame.columns[:width])
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
