"""One batch of files: read, find each sheet's header, validate, count.

Every file gets an outcome per sheet (rows read, accepted, quarantined, or why it could not
be used); a file that cannot be read fails alone, never the batch.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Mapping
from dataclasses import dataclass

import polars as pl

from pipelines.ingest import boundaries, reasons
from pipelines.ingest.discovery import UNSORTED, RawFile, link_digest, where_it_belongs
from pipelines.ingest.header import ParsedTable, SkippedLines, parse_reference, parse_table
from pipelines.ingest.readers import Sheet, UnreadableFile, read_file
from pipelines.ingest.registry import file_sha256
from pipelines.ingest.validate import TABLE, SheetOf, ValidationContext, validate_tables
from pipelines.ingest.vocabulary import TAUGHT_FEEDS, Feed, fold_header

log = logging.getLogger(__name__)

FOLDER_FEED: dict[str, Feed] = {"returns": Feed.RETURNS, "summaries": Feed.SUMMARIES}
TABLE_BY_FEED: dict[Feed, str] = {
    Feed.RETURNS: "enterprise_returns",
    Feed.SUMMARIES: "summary_returns",
    Feed.REF_REGIONS: "ref_regions",
    Feed.REF_TARGETS: "ref_targets",
    Feed.REF_HEADER_ALIASES: "ref_header_aliases",
}
# What a clerk reads about an error no reader foresaw (its own message goes to the run's log).
_UNEXPECTED = "读取时发生意外错误，详情见刷新日志 unexpected error, see the refresh log"
_LOCKED = "文件被占用或无权读取，请关闭后再刷新 the file is in use or not readable"
# Headers a federation taught (raw/reference/表头别名.csv): feed → folded header → field.
Taught = Mapping[Feed, Mapping[str, str]]


@dataclass
class SheetOutcome:
    """What became of one sheet (the whole file when it failed before its sheets)."""

    sheet: str | None
    feed: Feed | None = None
    # every line below the header that holds something: accepted + quarantined + skipped
    rows_read: int = 0
    rows_accepted: int = 0
    rows_quarantined: int = 0
    # accepted rows with a field made unknown, capped or read to the month
    rows_with_field_issues: int = 0
    # lines below the header passed over as not data, by kind
    skipped: SkippedLines = SkippedLines()

    unknown_columns: tuple[str, ...] = ()
    error_code: str | None = None
    message_zh: str | None = None
    message_en: str | None = None


@dataclass
class FileOutcome:
    raw: RawFile
    size: int | None
    sha256: str | None
    sheets: list[SheetOutcome]


@dataclass
class ParsedFile:
    raw: RawFile
    size: int | None  # None when the file could not even be read
    sha256: str | None
    tables: list[tuple[str | None, ParsedTable]]
    failure: SheetOutcome | None = None
    # a boundary file (raw/reference/*.geojson): its features, as written
    features: pl.DataFrame | None = None


@dataclass
class ValidatedBatch:
    outcomes: list[FileOutcome]  # in file order
    frames: dict[str, list[pl.DataFrame]]  # landing table → rows to insert


@dataclass
class _Pending:
    """A sheet with data rows, waiting for its feed's part of the batch."""

    file: FileOutcome
    index: int  # of its SheetOutcome in file.sheets
    table: ParsedTable


def parse_file(raw: RawFile, taught: Taught | None = None) -> ParsedFile:
    parsed = ParsedFile(raw, None, None, [])
    if raw.folder == UNSORTED:  # registered by its hash, so told once, not every night
        parsed.size, parsed.sha256 = raw.size, file_sha256(raw.path)
        code, params = where_it_belongs(raw.source_file)
        parsed.failure = failure(None, code, **params)
        return parsed
    try:
        data = raw.path.read_bytes()
        parsed.size, parsed.sha256 = len(data), hashlib.sha256(data).hexdigest()
        if raw.folder == "reference" and boundaries.is_boundary_file(raw.path):
            parsed.features = boundaries.read_features(data)
        else:
            parsed.tables = _parse_sheets(read_file(raw.path, data), raw.folder, taught or {})
    except UnreadableFile as error:
        parsed.failure = failure(None, error.reason_code, detail=error.detail, **error.params)
        if (linked := link_digest(raw.path)) is not None:  # registered, so not refused nightly
            parsed.size, parsed.sha256 = raw.size, linked
    except OSError:  # locked by another program, or no permission
        log.exception("reading %s failed", raw.source_file)
        parsed.failure = failure(None, "file_unreadable", detail=_LOCKED)
    except Exception:  # one bad file never stops the others
        log.exception("parsing %s failed", raw.source_file)  # the library's words go to the log
        parsed.failure = failure(None, "file_unreadable", detail=_UNEXPECTED)
    return parsed


def _parse_sheets(
    sheets: list[Sheet], folder: str, taught: Taught
) -> list[tuple[str | None, ParsedTable]]:
    """The sheets worth reporting: those with data rows, else the first with a header.

    A workbook often carries an instructions sheet or an empty Sheet2; those are not
    the user's data and are passed over silently.
    """
    tables, first_error = [], None
    for sheet in sheets:
        try:
            if folder == "reference":
                table = parse_reference(sheet.grid)
            else:
                feed = FOLDER_FEED[folder]
                table = parse_table(sheet.grid, feed, taught.get(feed), sheet.merged)
        except UnreadableFile as error:
            first_error = first_error or error
            continue
        tables.append((sheet.name, table))
    if not tables:
        raise first_error or UnreadableFile("file_empty")
    return [(name, table) for name, table in tables if table.data.height] or tables[:1]


def load_batch(
    files: list[RawFile], contexts: dict[Feed, ValidationContext], taught: Taught
) -> ValidatedBatch:
    """Parse and validate a batch of files (in a worker)."""
    return validate_batch([parse_file(raw, taught) for raw in files], contexts)


def merged(batches: list[ValidatedBatch]) -> ValidatedBatch:
    """Several validated batches as one, in order."""
    frames: dict[str, list[pl.DataFrame]] = {}
    for batch in batches:
        for table, parts in batch.frames.items():
            frames.setdefault(table, []).extend(parts)
    return ValidatedBatch([o for batch in batches for o in batch.outcomes], frames)


def validate_batch(
    batch: list[ParsedFile],
    contexts: dict[Feed, ValidationContext],
    boundary_codes: frozenset[str] | None = None,
) -> ValidatedBatch:
    """Validate the files of a batch, each feed's sheets together; boundary files against
    `boundary_codes` (every known region code), or not at all without them."""
    tables = (*TABLE_BY_FEED.values(), boundaries.TABLE, "quarantine", "field_issues")
    validated = ValidatedBatch([], {table: [] for table in tables})
    pending: dict[Feed, list[_Pending]] = {}
    for parsed in batch:
        outcome = FileOutcome(parsed.raw, parsed.size, parsed.sha256, [])
        validated.outcomes.append(outcome)
        if parsed.failure:
            outcome.sheets.append(parsed.failure)
            continue
        if parsed.features is not None:
            if boundary_codes is not None:
                outcome.sheets.append(_validate_features(parsed, boundary_codes, validated.frames))
            continue
        for sheet, table in parsed.tables:
            if table.feed not in contexts:
                continue  # the regions-only pass leaves targets for later
            outcome.sheets.append(_sheet_outcome(sheet, table))
            if outcome.sheets[-1].error_code is None:
                waiting = _Pending(outcome, len(outcome.sheets) - 1, table)
                pending.setdefault(table.feed, []).append(waiting)
    for feed, sheets in pending.items():
        _validate_sheets(feed, sheets, contexts[feed], validated.frames)
    return validated


def _sheet_outcome(sheet: str | None, table: ParsedTable) -> SheetOutcome:
    """The sheet's outcome before validation: refused as a whole, or its rows read."""
    if table.missing_required:
        columns = "、".join(f.header for f in table.missing_required)
        return failure(sheet, "missing_required_columns", columns=columns)
    if table.data.height == 0:
        return failure(sheet, "no_data_rows")
    return SheetOutcome(
        sheet=sheet,
        feed=table.feed,
        rows_read=table.data.height + table.skipped.count,
        skipped=table.skipped,
        unknown_columns=tuple(table.unknown_columns),
    )


def _validate_sheets(
    feed: Feed,
    sheets: list[_Pending],
    context: ValidationContext,
    frames: dict[str, list[pl.DataFrame]],
) -> None:
    """Validate sheets of one feed together; count their rows and add their rows (with
    lineage) to `frames`. Should that fail, each sheet is validated alone, so that one
    bad file never stops the others."""
    try:
        file_index: dict[int, int] = {}  # the sheets of one workbook share an index
        of = [
            SheetOf(
                file_index.setdefault(id(w.file), len(file_index)), w.file.sheets[w.index].sheet
            )
            for w in sheets
        ]
        result = validate_tables(feed, [w.table.data for w in sheets], context, of)
    except Exception:
        if len(sheets) > 1:
            for waiting in sheets:
                _validate_sheets(feed, [waiting], context, frames)
            return
        [failed] = sheets
        log.exception("validating %s failed", failed.file.raw.source_file)
        sheet = failed.file.sheets[failed.index].sheet
        failed.file.sheets[failed.index] = failure(sheet, "file_unreadable", detail=_UNEXPECTED)
        return
    accepted = dict(result.accepted.group_by(TABLE).len().iter_rows())
    quarantined, with_field_issues = (
        dict(problems.group_by(TABLE).agg(pl.col("source_row").n_unique()).iter_rows())
        for problems in (result.quarantine, result.field_issues)
    )
    for i, waiting in enumerate(sheets):
        outcome = waiting.file.sheets[waiting.index]
        outcome.rows_accepted = accepted.get(i, 0)
        outcome.rows_quarantined = quarantined.get(i, 0)
        outcome.rows_with_field_issues = with_field_issues.get(i, 0)
    lineage = _lineage(sheets)
    row_data = pl.concat(
        waiting.table.data.select(pl.lit(i, pl.Int32).alias(TABLE), "source_row", "row_data")
        for i, waiting in enumerate(sheets)
    )
    quarantine = result.quarantine.join(
        row_data, on=[TABLE, "source_row"], how="left", maintain_order="left"
    )
    frames[TABLE_BY_FEED[feed]].append(result.accepted.with_columns(lineage[:3]).drop(TABLE))
    frames["quarantine"].append(quarantine.with_columns(lineage).drop(TABLE))
    frames["field_issues"].append(result.field_issues.with_columns(lineage).drop(TABLE))


def _validate_features(
    parsed: ParsedFile, known_codes: frozenset[str], frames: dict[str, list[pl.DataFrame]]
) -> SheetOutcome:
    """Accept or quarantine each feature of a boundary file; its outcome, counted."""
    features = parsed.features
    assert features is not None
    checked = boundaries.validate_features(features, known_codes)
    raw = parsed.raw
    lineage = [
        pl.lit(raw.source_file).alias("source_file"),
        pl.lit(None, pl.String).alias("sheet"),
        pl.lit(raw.mtime, pl.Datetime("us")).alias("file_mtime"),
    ]
    quarantine = checked.quarantine.join(
        features.select("source_row", "row_data"), on="source_row", how="left"
    )
    frames[boundaries.TABLE].append(checked.accepted.with_columns(lineage))
    frames["quarantine"].append(quarantine.with_columns(*lineage, pl.lit(raw.folder).alias("feed")))
    return SheetOutcome(
        sheet=None,
        rows_read=features.height,
        rows_accepted=checked.accepted.height,
        rows_quarantined=checked.quarantine["source_row"].n_unique(),
    )


def _lineage(sheets: list[_Pending]) -> list[pl.Expr]:
    """source_file, sheet, file_mtime and feed (folder) of each row, by its TABLE."""

    def by_table(name: str, values: list, dtype: pl.DataType) -> pl.Expr:
        return pl.lit(pl.Series(name, values, dtype)).gather(pl.col(TABLE)).alias(name)

    raws = [waiting.file.raw for waiting in sheets]
    return [
        by_table("source_file", [raw.source_file for raw in raws], pl.String),
        by_table("sheet", [w.file.sheets[w.index].sheet for w in sheets], pl.String),
        by_table("file_mtime", [raw.mtime for raw in raws], pl.Datetime("us")),
        by_table("feed", [raw.folder for raw in raws], pl.String),
    ]


def failure(sheet: str | None, code: str, **params: str) -> SheetOutcome:
    zh, en = reasons.message(code, **{"detail": "", "expected": "", "extension": "", **params})
    return SheetOutcome(sheet=sheet, error_code=code, message_zh=zh, message_en=en)


def accepted_regions(regions: list[pl.DataFrame]) -> tuple[frozenset[str], frozenset[str]]:
    """(all codes, town codes) of the accepted rows of reference region files."""
    codes: set[str] = set()
    towns: set[str] = set()
    for accepted in regions:
        codes.update(accepted["region_code"].drop_nulls())
        is_town = accepted["region_level"] == "town"
        towns.update(accepted.filter(is_town)["region_code"].drop_nulls())
    return frozenset(codes), frozenset(towns)


def taught_headers(aliases: list[pl.DataFrame]) -> dict[Feed, dict[str, str]]:
    """feed → folded header → field of the accepted rows of header-alias files; where files
    teach one header twice, the later file wins (files come in correction order)."""
    taught: dict[Feed, dict[str, str]] = {feed: {} for feed in TAUGHT_FEEDS}
    for accepted in aliases:
        for header, field, applies_to in accepted.select(
            "header", "field_code", "applies_to"
        ).iter_rows():
            feed = Feed(applies_to or Feed.RETURNS.value)
            taught[feed][fold_header(header)] = field.strip().lower()
    return taught
