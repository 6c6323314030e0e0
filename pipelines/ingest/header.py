"""Find the header in a grid of strings and cut out the data rows.

Government spreadsheets put a title, a "填报单位：xx镇总工会" line, sometimes a header
over two merged rows ("集体合同" over "签订日期 | 到期日期"), then data, a 合计 line and
notes. The header is the row (or pair of rows) whose cells match the most distinct
canonical fields of the feed; everything above it is ignored, and below it blank rows are
passed over, and total lines (a total label, no code, no enterprise name), note lines, the
row of column numbers, a repeated header and rows with nothing in any recognised column are
passed over and counted; rows after a note are data like any other.
"""

from __future__ import annotations

import functools
import itertools
import re
import unicodedata
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import NamedTuple

import polars as pl

from pipelines.ingest.readers import UnreadableFile
from pipelines.ingest.vocabulary import (
    FIELDS_BY_FEED,
    IGNORED_HEADERS,
    NOTE_LINE_MARKERS,
    TOTAL_LINE_MARKERS,
    Feed,
    Field,
    alias_index,
    fold_header,
    header_keys,
)
from pipelines.ingest.xlsx_cells import Merged

HEADER_SCAN_ROWS = 60
# One matching cell could be a coincidence (a title that happens to read "年度").
MIN_HEADER_FIELDS = 2
# Statistical forms number their columns in a row under the header (栏次: 甲 乙 1 2 3 …).
_COLUMN_NUMBER = re.compile(r"^(?:[甲乙丙丁戊己庚辛]|\d{1,3})$")
_IGNORED = frozenset(fold_header(header) for header in IGNORED_HEADERS)
_TOTAL_FOLDED = frozenset(fold_header(marker) for marker in TOTAL_LINE_MARKERS)
# CJK unified ideographs, which every alias holds.
_IDEOGRAPH = re.compile(r"[\u4e00-\u9fff]")
# A cell can only start a total or note line if it holds the first character of a
# marker, or a character NFKC may change: anything but ASCII and CJK unified ideographs,
# which NFKC keeps as they are.
_MARKER_FIRSTS = sorted({fold_header(m)[0] for m in (*TOTAL_LINE_MARKERS, *NOTE_LINE_MARKERS)})
_MAY_START_MARKER = "[" + "".join(_MARKER_FIRSTS) + "]|[^\\x00-\\x7f\\u4e00-\\u9fff]"


# The code that identifies a data row; a total line has none.
_KEY_FIELDS = frozenset({"uscc", "region_code"})
# What an enterprise's name ends in; a line whose name reads so is no total line, whatever
# it begins with (合计(宁波)信息科技有限公司 without its code is an enterprise with a
# missing code, which the quarantine shows, not a total the audit hides).
_COMPANY_NAME = re.compile(
    r"(公司|厂|企业|集团|合作社|商行|商店|店|中心|事务所|医院|学校|银行|酒店|宾馆|工作室|研究院|"
    r"研究所|协会|商会|基金会|农场|门市部|经营部|分部|分行|支行|超市|站)[)）]?$"
)


@dataclass(frozen=True)
class Column:
    cell: str  # grid column (c1..cN)
    label: str  # header as written; "parent/child" under a two-row header
    field: str | None  # canonical field, None when unmapped


class SkippedLines(NamedTuple):
    """Lines below a header that hold something but are not data, by kind: total lines,
    note lines, and others (the row of column numbers under a statistical form's header,
    a repeated header, rows with cells only in columns no field was recognised in)."""

    totals: int = 0
    notes: int = 0
    others: int = 0

    @property
    def count(self) -> int:
        return self.totals + self.notes + self.others


@dataclass(frozen=True)
class ParsedTable:
    """Data rows of one sheet: `data` has Int64 `source_row`, one Utf8 column per
    canonical field found (cells as written), and `row_data` (JSON of the row)."""

    feed: Feed
    header_rows: tuple[int, ...]
    columns: tuple[Column, ...]
    data: pl.DataFrame
    missing_required: tuple[Field, ...]
    # lines below the header that hold something but are not data: total lines and notes
    skipped: SkippedLines = SkippedLines()

    @property
    def unknown_columns(self) -> list[str]:
        return [
            column.label
            for column in self.columns
            if column.field is None and fold_header(column.label) not in _IGNORED
        ]


def parse_table(
    grid: pl.DataFrame,
    feed: Feed,
    taught: Mapping[str, str] | None = None,
    merged: Sequence[Merged] = (),
) -> ParsedTable:
    """Header, column mapping and data rows of a grid for one feed; `taught` are the headers
    the federation taught for it (folded header → field); `merged` the sheet's merged ranges
    (a town code merged down over its enterprises' rows is each row's town code).

    Raises UnreadableFile("header_not_found") when no row looks like the feed's header.
    """
    header_rows, columns = find_header(grid, feed, taught)
    fields = {column.field for column in columns}
    missing = tuple(f for f in FIELDS_BY_FEED[feed] if f.required and f.name not in fields)
    data, skipped = _data_rows(
        _filled_down(grid, header_rows[-1], merged), header_rows[-1], columns
    )
    return ParsedTable(feed, header_rows, columns, data, missing, skipped)


# What a raw/reference/ file may be, told apart by its headers.
REFERENCE_FEEDS = (Feed.REF_REGIONS, Feed.REF_TARGETS, Feed.REF_HEADER_ALIASES)


def parse_reference(grid: pl.DataFrame) -> ParsedTable:
    """A raw/reference/ grid is regions, targets or header aliases, whichever has its
    required headers."""
    tables = []
    for feed in REFERENCE_FEEDS:
        try:
            tables.append(parse_table(grid, feed))
        except UnreadableFile:
            continue
    if not tables:
        raise UnreadableFile(
            "header_not_found",
            "no regions, targets or header aliases header",
            expected="；".join(_expected(feed) for feed in REFERENCE_FEEDS),
        )
    return min(tables, key=lambda table: len(table.missing_required))


def find_header(
    grid: pl.DataFrame, feed: Feed, taught: Mapping[str, str] | None = None
) -> tuple[tuple[int, ...], list[Column]]:
    """(Excel row numbers of the header rows, columns) of the best-matching header."""
    index = alias_index(feed, taught)
    cells = [column for column in grid.columns if column != "row"]
    rows = grid.head(HEADER_SCAN_ROWS).rows()
    best: tuple[tuple[int, int, int], tuple[int, ...], list[Column]] | None = None
    for i, row in enumerate(rows):
        candidates = [((row[0],), _label_single(row[1:]))]
        if i + 1 < len(rows):
            below = rows[i + 1]
            candidates.append(((row[0], below[0]), _label_double(row[1:], below[1:])))
        for header_rows, labelled in candidates:
            # Ties go to the single row, then to the earlier one: a two-row header only
            # wins when the second row adds fields.
            rank = (int(len(header_rows) == 1), -i)
            if best is not None and (_max_score(labelled), *rank) <= best[0]:
                continue  # even if every promising column matched, it could not win
            columns = _map(cells, labelled, index)
            score = len({column.field for column in columns if column.field})
            key = (score, *rank)
            if best is None or key > best[0]:
                best = (key, header_rows, columns)
    if best is None or best[0][0] < MIN_HEADER_FIELDS:
        raise UnreadableFile("header_not_found", f"no {feed} header", expected=_expected(feed))
    return best[1], best[2]


def _expected(feed: Feed) -> str:
    return "、".join(field.header for field in FIELDS_BY_FEED[feed] if field.required)


# Per column: label, texts to try in order. The texts are produced lazily, as most
# candidate rows are never mapped, and so can be gone through once only.
Labelled = list[tuple[str | None, Iterable[str]]]


def _label_single(cells: Sequence[str | None]) -> Labelled:
    """One header row. A "parent/child" cell is a two-row header flattened by our own
    quarantine export, and is matched like the two rows it came from."""
    labelled: Labelled = []
    for cell in cells:
        if not cell:
            labelled.append((None, []))
            continue
        top, _, below = cell.strip().partition("/")
        texts = itertools.chain([cell], _texts(top, below)) if top and below else [cell]
        labelled.append((cell.strip(), texts))
    return labelled


def _texts(top: str, below: str) -> Iterator[str]:
    """Spellings to try for a child header under a parent, most specific first."""
    yield top + below
    yield f"{top}:{below}"
    yield below
    if fold_header(below) in _TOTAL_FOLDED:
        yield top


def _label_double(parent: Sequence[str | None], child: Sequence[str | None]) -> Labelled:
    """Combine a parent row with the row below it.

    A horizontally merged parent has its text in the first column only, so it is carried
    right over the children below it; a vertically merged cell has text in the parent
    row only and stands alone. A child is tried with its parent ("集体合同"+"签订日期"),
    then alone ("其中" over "女职工" → "女职工"); a child that is a subtotal ("职工人数"
    over "合计") means the parent itself.
    """
    labelled: Labelled = []
    group = None
    for top, below in zip(parent, child, strict=True):
        top, below = (top or "").strip(), (below or "").strip()
        if top:
            group = top if below else None
        top = top or (group if below else "")
        if top and below:
            labelled.append((f"{top}/{below}", _texts(top, below)))
        elif top or below:
            labelled.append((top or below, [top or below]))
        else:
            labelled.append((None, []))
    return labelled


def _max_score(labelled: Labelled) -> int:
    """An upper bound on the fields a candidate header can match, found without folding.

    Every alias holds a Chinese character (a unit test keeps it so), and folding only
    drops characters, so a column can match only if its label holds one after NFKC.
    The scan looks at 60 rows of which most are data: this bound lets it skip mapping
    the rows below a header already found.
    """
    return sum(1 for label, _ in labelled if label is not None and _may_name_field(label))


@functools.lru_cache(maxsize=4096)
def _may_name_field(label: str) -> bool:
    return _IDEOGRAPH.search(unicodedata.normalize("NFKC", label)) is not None


def _map(cells: list[str], labelled: Labelled, index: dict[str, str]) -> list[Column]:
    columns, used, seen_labels = [], set(), set()
    for position, (cell, (label, texts)) in enumerate(zip(cells, labelled, strict=True), 1):
        if label is None:
            continue
        keys = (key for text in texts for key in header_keys(text))
        field = next((index[key] for key in keys if key in index), None)
        if field in used:
            field = None  # a second column for the same field is kept in row_data only
        used.add(field)
        if label in seen_labels:
            label = f"{label}(第{position}列)"
        seen_labels.add(label)
        columns.append(Column(cell, label, field))
    return columns


def _folded(cell: pl.Expr) -> pl.Expr:
    return cell.str.normalize("NFKC").str.replace_all(r"\s", "")


def _starts_with_any(expr: pl.Expr, markers: Sequence[str]) -> pl.Expr:
    pattern = "^(?:" + "|".join(re.escape(fold_header(m)) for m in markers) + ")"
    return expr.str.contains(pattern).fill_null(False)


def _data_rows(
    grid: pl.DataFrame, header_row: int, columns: list[Column]
) -> tuple[pl.DataFrame, SkippedLines]:
    """The data rows below the header, and the lines passed over (totals, notes)."""
    cells = [column for column in grid.columns if column != "row"]
    body = grid.slice(grid["row"].search_sorted(header_row, side="right"))  # rows are in order
    body, numbering = _skip_column_numbers(body, columns)
    mapped = [column for column in columns if column.field]
    labelled = {column.cell for column in columns}
    # Unlabelled columns holding data still belong in row_data, named by position.
    extra = [
        Column(cell, f"第{position}列", None)
        for position, cell in enumerate(cells, 1)
        if cell not in labelled and body.get_column(cell).null_count() < body.height
    ]
    code = next((c.cell for c in mapped if c.field in _KEY_FIELDS), None)
    name = next((c.cell for c in mapped if c.field == "enterprise_name"), None)
    totals, notes = _total_and_note_rows(body, cells, len(columns), code, name)
    has_data = pl.any_horizontal(pl.col(c.cell).is_not_null() for c in mapped)
    has_any = pl.any_horizontal(pl.col(cell).is_not_null() for cell in cells)
    # a note is passed over, never the rows below it (补报企业 come after a note)
    marked = pl.col("row").is_in(totals) | pl.col("row").is_in(notes)
    repeated = _repeats_header(grid, header_row, mapped)
    kept = has_data & ~marked & ~repeated
    others = body.select(((has_any & ~has_data & ~marked) | (has_data & repeated)).sum()).item()
    skipped = SkippedLines(totals=len(totals), notes=len(notes), others=numbering + others)
    return (
        body.lazy()
        .filter(kept)
        .select(
            pl.col("row").alias("source_row"),
            *(pl.col(column.cell).alias(column.field) for column in mapped),
            _row_data([*columns, *extra]).alias("row_data"),
        )
        .collect()
    ), skipped


def _filled_down(grid: pl.DataFrame, header_row: int, merged: Sequence[Merged]) -> pl.DataFrame:
    """The grid with the value of each range merged down over data rows (below the header)
    in every row of the range, as the clerk sees it. Only the range's first column is
    filled: a range merged across columns is a wide cell, not a value for each column."""
    downward = [
        m for m in merged if m[0] > header_row and m[2] > m[0] and f"c{m[1]}" in grid.columns
    ]
    if not downward:
        return grid
    tops = {(r1, c1) for r1, c1, _, _ in downward}
    top_rows = grid.filter(pl.col("row").is_in([r for r, _ in tops])).iter_rows()
    by_row = {row[0]: row for row in top_rows}  # the grid's columns: row, c1, c2, …
    value = {(r, c): by_row[r][c] for r, c in tops if r in by_row}
    fills: dict[str, tuple[list[int], list[str]]] = {}
    for r1, c1, r2, _ in downward:
        if (text := value.get((r1, c1))) is None:
            continue
        rows_of, texts = fills.setdefault(f"c{c1}", ([], []))
        rows_of.extend(range(r1 + 1, r2 + 1))
        texts.extend([text] * (r2 - r1))
    for cell, (rows_of, texts) in fills.items():
        fill = pl.DataFrame(
            {"row": rows_of, "__fill": texts}, schema={"row": pl.Int64, "__fill": pl.String}
        )
        grid = (
            grid.join(fill.unique("row", keep="first"), on="row", how="left", maintain_order="left")
            .with_columns(pl.coalesce(cell, "__fill").alias(cell))
            .drop("__fill")
        )
    return grid


def _repeats_header(grid: pl.DataFrame, header_row: int, mapped: list[Column]) -> pl.Expr:
    """A row that repeats the header (a second export pasted below the first, a header
    printed on every page): most of its recognised columns hold their own header text."""
    header = grid.filter(pl.col("row") == header_row).row(0, named=True)
    same = [pl.col(c.cell) == header[c.cell] for c in mapped if header.get(c.cell)]
    if len(same) < MIN_HEADER_FIELDS:
        return pl.lit(False)
    return pl.sum_horizontal(s.fill_null(False) for s in same) * 2 > len(same)


def _total_and_note_rows(
    body: pl.DataFrame, cells: list[str], n_columns: int, code: str | None, name: str | None
) -> tuple[list[int], list[int]]:
    """(rows of total lines, rows of note lines) of the body.

    Both are recognised by a row's first cells; a total line has no code either (a credit
    code for returns, a region code for summaries) and no name that reads as an
    enterprise's: 合计(宁波)信息科技有限公司 and 小计量器具厂 are enterprises. Folding (NFKC) every cell is slow, so
    only candidate rows are looked at: those with no text in the first three cells (the
    first cell is further right) or with a character in one of them that may start a
    marker. Their first filled cell is picked out in Python: a Polars coalesce over
    every column costs more than the whole rest.
    """
    first_three = [pl.col(cell) for cell in cells[:3]]
    may_mark = pl.any_horizontal(
        pl.any_horizontal(cell.str.contains(_MAY_START_MARKER) for cell in first_three),
        pl.all_horizontal(cell.is_null() for cell in first_three),
    )
    candidates = body.filter(may_mark)
    if candidates.height == 0:
        return [], []
    lines = _lines(candidates.select("row", *cells).rows(), cells[:3])
    # a code is a run of ASCII letters and digits (合计 in the code column is no code)
    identifying = [pl.col(code).str.contains("[0-9A-Za-z]{6}")] if code else []
    if name:
        identifying.append(pl.col(name).str.strip_chars().str.contains(_COMPANY_NAME.pattern))
    rows = candidates["row"]
    identified = (
        candidates.filter(pl.any_horizontal(identifying))["row"] if identifying else rows.clear()
    )
    without_code = ~pl.col("row").is_in(identified.implode())
    first_cell = pl.col("first_cell")
    is_total = without_code & pl.any_horizontal(
        _starts_with_any(_folded(expr), TOTAL_LINE_MARKERS) for expr in [first_cell, *first_three]
    )
    # A note is a mostly empty line: "说明…" as the first cell of a filled row is more
    # likely an enterprise name than a footnote, and must not cut off the rows below.
    is_note = _starts_with_any(_folded(first_cell), NOTE_LINE_MARKERS) & (
        pl.col("filled") * 2 < max(n_columns, 2)
    )
    marked = lines.select("row", is_total.alias("total"), is_note.alias("note")).rows()
    return [row for row, total, _ in marked if total], [row for row, _, note in marked if note]


def _lines(rows: list[tuple], first_three: list[str]) -> pl.DataFrame:
    """Of each (row number, cells...): the row number, its first filled cell, how many
    cells are filled, and its first three cells."""
    cells = [row[1:] for row in rows]
    return pl.DataFrame(
        {
            "row": [row[0] for row in rows],
            "first_cell": [next((c for c in row if c is not None), None) for row in cells],
            "filled": [sum(c is not None for c in row) for row in cells],
            **{name: [row[i] for row in cells] for i, name in enumerate(first_three)},
        },
        schema={"row": pl.Int64, "first_cell": pl.String, "filled": pl.Int64}
        | dict.fromkeys(first_three, pl.String),
    )


def _skip_column_numbers(body: pl.DataFrame, columns: list[Column]) -> tuple[pl.DataFrame, int]:
    """The body without the row of column numbers under the header (栏次), and how many
    rows that took off (0 or 1)."""
    if body.height == 0:
        return body, 0
    first = body.row(0, named=True)
    values = [first[column.cell] for column in columns if first[column.cell] is not None]
    others = [v for k, v in first.items() if k != "row" and v is not None]
    numbered = all(_COLUMN_NUMBER.match(value.strip()) for value in values)
    if len(values) >= 2 and len(values) == len(others) and numbered:
        return body.slice(1), 1
    return body, 0


def _row_data(columns: list[Column]) -> pl.Expr:
    """JSON object header → cell as written, non-ASCII kept readable."""
    return pl.struct(
        pl.col(column.cell).alias(column.label) for column in columns
    ).struct.json_encode()
