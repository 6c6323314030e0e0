"""One ingestion run: raw/ → landing.* in the warehouse, as a full reload.

Files are parsed and validated in batches of many files, which is far cheaper than one
by one, on two workers (processes for a large load: parsing is mostly Python). The
landing tables are replaced and filled inside ONE transaction, batch by batch as the
batches come back (so memory holds a few batches, not the whole load): a failure leaves
the previous load in place and a reader never sees half of a load. Every file gets a
`landing.load_audit` row (one per sheet when several sheets of a workbook hold data); a
file that cannot be used is reported there, and the other files still load. Nothing
under raw/ is written to.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import itertools
import logging
import multiprocessing
import os
import uuid
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Executor, Future, ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import TypeVar

import duckdb
import polars as pl

from pipelines import build_state, kpi_table, settings
from pipelines.ingest import reasons, registry
from pipelines.ingest.header import ParsedTable, parse_reference, parse_table
from pipelines.ingest.landing import SCHEMA, create_landing_tables
from pipelines.ingest.readers import Sheet, UnreadableFile, read_file
from pipelines.ingest.validate import TABLE, ValidationContext, validate_tables
from pipelines.ingest.vocabulary import Feed
from pipelines.worker_process import exit_with_parent

log = logging.getLogger(__name__)
T = TypeVar("T")
R = TypeVar("R")

# Reference first: its regions decide which town codes the returns may use.
FOLDERS: tuple[str, ...] = ("reference", "returns", "summaries")
FOLDER_FEED: dict[str, Feed] = {"returns": Feed.RETURNS, "summaries": Feed.SUMMARIES}
FOLDER_ZH: dict[str, str] = {
    "reference": "参考数据",
    "returns": "企业报表",
    "summaries": "镇街汇总表",
}
TABLE_BY_FEED: dict[Feed, str] = {
    Feed.RETURNS: "enterprise_returns",
    Feed.SUMMARIES: "summary_returns",
    Feed.REF_REGIONS: "ref_regions",
    Feed.REF_TARGETS: "ref_targets",
}
TOWN_LEVELS = frozenset({"town", "镇", "街道", "乡", "镇街", "street"})
# Written by Windows and macOS next to the user's files; not theirs to be told about.
_SYSTEM_FILES = frozenset({"thumbs.db", "desktop.ini"})
WORKERS = 2
# Files are validated together until a batch holds this many bytes (some 50,000 rows):
# enough for the per-batch costs to vanish, few enough to keep memory small.
BATCH_BYTES = 8 << 20
# Parsing is mostly Python, which threads cannot run side by side, so a large load is
# handled by worker processes: from this many files on, that repays starting them.
PROCESS_MIN_FILES = 100


@dataclass(frozen=True)
class RawFile:
    path: Path
    source_file: str  # relative to raw_dir, posix
    folder: str
    mtime: datetime  # whole seconds: copies and zips lose sub-second precision
    size: int | None = None  # bytes


@dataclass
class SheetOutcome:
    """What became of one sheet (the whole file when it failed before its sheets)."""

    sheet: str | None
    feed: Feed | None = None
    rows_read: int = 0
    rows_accepted: int = 0
    rows_quarantined: int = 0
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
class FeedCounts:
    files: int = 0
    rows_read: int = 0
    rows_accepted: int = 0
    rows_quarantined: int = 0


@dataclass
class IngestSummary:
    load_id: str
    full: bool = True
    plan_reason: str = ""
    files_seen: int = 0
    files_parsed: int = 0
    files_unchanged: int = 0
    files_removed: int = 0
    files_loaded: int = 0
    unreadable: list[tuple[str, str, str]] = field(default_factory=list)
    rows_read: int = 0
    rows_accepted: int = 0
    rows_quarantined: int = 0
    by_feed: dict[str, FeedCounts] = field(default_factory=dict)
    changed: bool = True

    def lines(self) -> list[str]:
        """A short account of the run, Chinese first, English beside it."""
        if not self.changed:
            return [
                f"没有新增或改动的文件（{self.files_unchanged} 个未变），无需重建 / "
                f"no new or changed files ({self.files_unchanged} unchanged): nothing to do"
            ]
        mode = "全量 full" if self.full else "增量 incremental"
        out = [
            f"{mode} ({self.plan_reason}): 解析 {self.files_parsed} 个，未变跳过 "
            f"{self.files_unchanged} 个，移除 {self.files_removed} 个 / parsed "
            f"{self.files_parsed}, unchanged {self.files_unchanged}, removed {self.files_removed}",
            f"文件 {self.files_seen} 个，载入 {self.files_loaded} 个，无法读取 "
            f"{len(self.unreadable)} 个 / files: {self.files_seen} seen, "
            f"{self.files_loaded} loaded, {len(self.unreadable)} unreadable",
            f"读取 {self.rows_read} 行：接受 {self.rows_accepted} 行，隔离 "
            f"{self.rows_quarantined} 行 / rows: {self.rows_read} read, "
            f"{self.rows_accepted} accepted, {self.rows_quarantined} quarantined",
        ]
        for folder, counts in self.by_feed.items():
            out.append(
                f"  {FOLDER_ZH.get(folder, folder)} {folder}: {counts.files} 个文件 files, "
                f"{counts.rows_read} 行 rows, {counts.rows_accepted} 接受 accepted, "
                f"{counts.rows_quarantined} 隔离 quarantined"
            )
        out.extend(
            f"  无法读取 unreadable: {src} ({code}) {zh}" for src, code, zh in self.unreadable
        )
        return out


def ingest(
    raw_dir: Path,
    warehouse: Path,
    today: date,
    *,
    load_id: str | None = None,
    progress: Callable[[str], None] | None = None,
    seeds_dir: Path | None = None,
    full: bool = False,
) -> IngestSummary:
    """Bring the landing tables up to date with the files under raw_dir.

    Only new and changed files are parsed (see `registry`); `full` reparses everything.
    `seeds_dir` (default: the dbt project's seeds) supplies the shipped regions and KPI
    codes; reference files under raw_dir/reference extend them.
    """
    load_id = load_id or f"{datetime.now():%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:6]}"
    seeds_dir = seeds_dir or settings.DBT_PROJECT_DIR / "seeds"
    files = discover(raw_dir)
    previous = registry.previous_load(warehouse)
    hashes = registry.content_hashes(files, previous[0] if previous else {}, reread=full)
    state = registry.state_key(seeds_dir, today)
    plan = registry.make_plan(files, hashes, previous, state, full=full)
    if plan.nothing_to_do:
        return summarise(load_id, [], plan)
    report = _Progress(len(plan.parse), progress)
    seed_codes, seed_towns = seed_region_codes(seeds_dir / "regions.csv")
    known_kpis, kpi_names = kpi_codes()

    def context(codes: frozenset[str]) -> ValidationContext:
        return ValidationContext(codes, today, known_kpis, kpi_names)

    with _pool(len(plan.parse)) as pool:
        references = [_parse_file(f) for f in plan.parse if f.folder == "reference"]
        # The towns that reference regions add must be known before returns are validated;
        # regions are validated again below with the rest (reference files are small).
        regions_only = {Feed.REF_REGIONS: context(seed_codes)}
        if plan.full:
            regions = _validate_batch(references, regions_only).frames["ref_regions"]
            ref_codes, ref_towns = _accepted_regions(regions)
        else:
            ref_codes, ref_towns = _landed_regions(warehouse)
        contexts = {
            **regions_only,
            Feed.REF_TARGETS: context(seed_codes | ref_codes),
            Feed.RETURNS: context(seed_towns | ref_towns),
            Feed.SUMMARIES: context(seed_towns | ref_towns),
        }
        others = _batches([f for f in plan.parse if f.folder != "reference"])
        loaded = _in_order(pool, functools.partial(_load_batch, contexts=contexts), others)
        outcomes: list[FileOutcome] = []
        with _transaction(warehouse, plan) as con:
            for validated in itertools.chain([_validate_batch(references, contexts)], loaded):
                for outcome in validated.outcomes:
                    report(outcome)
                _insert_all(con, validated.frames, load_id)
                outcomes += validated.outcomes
            _insert(
                con, "load_audit", _audit(outcomes).with_columns(pl.lit(load_id).alias("load_id"))
            )
            con.execute(f"delete from {SCHEMA}.ingest_state")
            con.execute(f"insert into {SCHEMA}.ingest_state values (?, now())", [state])
    return summarise(load_id, outcomes, plan)


def discover(raw_dir: Path) -> list[RawFile]:
    """Files of each feed folder, each folder ordered by (mtime in seconds, file name)."""
    files: list[RawFile] = []
    for folder in FOLDERS:
        base = raw_dir / folder
        if not base.is_dir():
            continue
        found = []
        for path in base.rglob("*"):
            parts = path.relative_to(base).parts
            if any(part.startswith((".", "~$")) for part in parts):
                continue
            if path.name.lower() in _SYSTEM_FILES or not path.is_file():
                continue
            stat = path.stat()
            mtime = datetime.fromtimestamp(int(stat.st_mtime))
            source = path.relative_to(raw_dir).as_posix()
            found.append(RawFile(path, source, folder, mtime, stat.st_size))
        files.extend(sorted(found, key=lambda f: (f.mtime, f.path.name, f.source_file)))
    return files


def seed_region_codes(path: Path) -> tuple[frozenset[str], frozenset[str]]:
    """(all region codes, town-level codes) of the shipped regions seed; empty if absent."""
    table = _read_seed(path, ("region_code", "region_level"))
    if table is None:
        return frozenset(), frozenset()
    table = table.select(pl.col("region_code", "region_level").str.strip_chars()).drop_nulls()
    towns = table.filter(pl.col("region_level").is_in(TOWN_LEVELS))
    return frozenset(table["region_code"]), frozenset(towns["region_code"])


def kpi_codes() -> tuple[frozenset[str], dict[str, str]]:
    """(KPI codes, Chinese name → code) of the KPI table (pipelines.kpi_table)."""
    kpis = kpi_table.kpis()
    return frozenset(kpi.code for kpi in kpis), {kpi.name_zh: kpi.code for kpi in kpis}


def _read_seed(path: Path, columns: tuple[str, ...]) -> pl.DataFrame | None:
    if not path.is_file():
        return None
    table = pl.read_csv(path, infer_schema=False)
    return table if set(columns) <= set(table.columns) else None


# ---------------------------------------------------------------- one file


@dataclass
class _ParsedFile:
    raw: RawFile
    size: int | None  # None when the file could not even be read
    sha256: str | None
    tables: list[tuple[str | None, ParsedTable]]
    failure: SheetOutcome | None = None


@dataclass
class _Validated:
    outcomes: list[FileOutcome]  # in file order
    frames: dict[str, list[pl.DataFrame]]  # landing table → rows to insert


@dataclass
class _Pending:
    """A sheet with data rows, waiting for its feed's part of the batch."""

    file: FileOutcome
    index: int  # of its SheetOutcome in file.sheets
    table: ParsedTable


def _parse_file(raw: RawFile) -> _ParsedFile:
    parsed = _ParsedFile(raw, None, None, [])
    try:
        data = raw.path.read_bytes()
        parsed.size, parsed.sha256 = len(data), hashlib.sha256(data).hexdigest()
        parsed.tables = _parse_sheets(read_file(raw.path, data), raw.folder)
    except UnreadableFile as error:
        parsed.failure = _failure(None, error.reason_code, detail=error.detail, **error.params)
    except Exception as error:  # one bad file (or a locked one: OSError) never stops the others
        log.exception("parsing %s failed", raw.source_file)
        parsed.failure = _failure(
            None, "file_unreadable", detail=f"{type(error).__name__}: {error}"
        )
    return parsed


def _parse_sheets(sheets: list[Sheet], folder: str) -> list[tuple[str | None, ParsedTable]]:
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
                table = parse_table(sheet.grid, FOLDER_FEED[folder])
        except UnreadableFile as error:
            first_error = first_error or error
            continue
        tables.append((sheet.name, table))
    if not tables:
        raise first_error or UnreadableFile("file_empty")
    return [(name, table) for name, table in tables if table.data.height] or tables[:1]


def _pool(files: int) -> Executor:
    """The workers that parse and validate the batches."""
    # A daemonic process (a worker of someone else's pool) may not start processes.
    if files < PROCESS_MIN_FILES or multiprocessing.current_process().daemon:
        return ThreadPoolExecutor(max_workers=WORKERS)
    # Spawned, not forked: a fork while Polars' threads are busy can deadlock the child.
    return ProcessPoolExecutor(
        WORKERS,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=exit_with_parent,
        initargs=(os.getpid(),),
    )


def _batches(files: list[RawFile]) -> Iterator[list[RawFile]]:
    """Consecutive files, cut once a batch holds BATCH_BYTES."""
    batch: list[RawFile] = []
    size = 0
    for raw in files:
        batch.append(raw)
        with contextlib.suppress(OSError):  # the parser will say what is wrong with it
            size += raw.path.stat().st_size
        if size >= BATCH_BYTES:
            yield batch
            batch, size = [], 0
    if batch:
        yield batch


def _in_order(pool: Executor, fn: Callable[[T], R], items: Iterable[T]) -> Iterator[R]:
    """fn of each item, run on the pool and yielded in order, submitted at most WORKERS
    items ahead of the one yielded (so results never pile up in memory)."""
    pending: deque[Future[R]] = deque()
    for item in items:
        pending.append(pool.submit(fn, item))
        if len(pending) > WORKERS:
            yield pending.popleft().result()
    while pending:
        yield pending.popleft().result()


def _load_batch(files: list[RawFile], contexts: dict[Feed, ValidationContext]) -> _Validated:
    """Parse and validate a batch of files (in a worker)."""
    return _validate_batch([_parse_file(raw) for raw in files], contexts)


def _validate_batch(
    batch: list[_ParsedFile], contexts: dict[Feed, ValidationContext]
) -> _Validated:
    """Validate the files of a batch, each feed's sheets together."""
    validated = _Validated([], {table: [] for table in (*TABLE_BY_FEED.values(), "quarantine")})
    pending: dict[Feed, list[_Pending]] = {}
    for parsed in batch:
        outcome = FileOutcome(parsed.raw, parsed.size, parsed.sha256, [])
        validated.outcomes.append(outcome)
        if parsed.failure:
            outcome.sheets.append(parsed.failure)
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
        return _failure(sheet, "missing_required_columns", columns=columns)
    if table.data.height == 0:
        return _failure(sheet, "no_data_rows")
    return SheetOutcome(
        sheet=sheet,
        feed=table.feed,
        rows_read=table.data.height,
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
        result = validate_tables(feed, [waiting.table.data for waiting in sheets], context)
    except Exception as error:
        if len(sheets) > 1:
            for waiting in sheets:
                _validate_sheets(feed, [waiting], context, frames)
            return
        [failed] = sheets
        log.exception("validating %s failed", failed.file.raw.source_file)
        sheet = failed.file.sheets[failed.index].sheet
        detail = f"{type(error).__name__}: {error}"
        failed.file.sheets[failed.index] = _failure(sheet, "file_unreadable", detail=detail)
        return
    accepted = dict(result.accepted.group_by(TABLE).len().iter_rows())
    quarantined = dict(
        result.quarantine.group_by(TABLE).agg(pl.col("source_row").n_unique()).iter_rows()
    )
    for i, waiting in enumerate(sheets):
        outcome = waiting.file.sheets[waiting.index]
        outcome.rows_accepted = accepted.get(i, 0)
        outcome.rows_quarantined = quarantined.get(i, 0)
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


def _failure(sheet: str | None, code: str, **params: str) -> SheetOutcome:
    zh, en = reasons.message(code, **{"detail": "", "expected": "", "extension": "", **params})
    return SheetOutcome(sheet=sheet, error_code=code, message_zh=zh, message_en=en)


def _accepted_regions(regions: list[pl.DataFrame]) -> tuple[frozenset[str], frozenset[str]]:
    """(all codes, town codes) of the accepted rows of reference region files."""
    codes: set[str] = set()
    towns: set[str] = set()
    for accepted in regions:
        codes.update(accepted["region_code"].drop_nulls())
        is_town = accepted["region_level"] == "town"
        towns.update(accepted.filter(is_town)["region_code"].drop_nulls())
    return frozenset(codes), frozenset(towns)


# ---------------------------------------------------------------- writing


@contextlib.contextmanager
def _transaction(warehouse: Path, plan: registry.Plan) -> Iterator[duckdb.DuckDBPyConnection]:
    """ONE transaction for the whole load, committed when the block ends without error.

    It starts by applying the plan: archive what is replaced or removed, drop the old
    rows of reparsed files (or every row, when full); the block inserts the new ones.
    """
    warehouse.parent.mkdir(parents=True, exist_ok=True)
    with duckdb.connect(str(warehouse)) as con:
        con.begin()
        try:
            create_landing_tables(con)
            _archive(con, plan.replaced, "replaced")
            _archive(con, plan.removed, "removed")
            if plan.full:
                create_landing_tables(con, replace=True)
                build_state.forget(con)
            else:
                _forget(con, [f.source_file for f in plan.parse] + plan.removed)
                _move_mtimes(con, plan.touched)
            yield con
            con.commit()
        except BaseException:
            con.rollback()
            raise


def _insert_all(
    con: duckdb.DuckDBPyConnection, frames: dict[str, list[pl.DataFrame]], load_id: str
) -> None:
    for table, parts in frames.items():
        non_empty = [part for part in parts if part.height]
        if non_empty:
            combined = pl.concat(non_empty, how="diagonal_relaxed")
            _insert(con, table, combined.with_columns(pl.lit(load_id).alias("load_id")))


def _archive(con: duckdb.DuckDBPyConnection, sources: list[str], reason: str) -> None:
    """Keep the enterprise rows of replaced or removed files in the history."""
    if sources:
        con.execute(
            f"insert into {SCHEMA}.enterprise_returns_archive "
            f"select *, now(), ? from {SCHEMA}.enterprise_returns "
            f"where source_file in (select unnest(?::varchar[]))",
            [reason, sources],
        )


def _forget(con: duckdb.DuckDBPyConnection, sources: list[str]) -> None:
    """Drop every landing row (and audit row) that came from these files."""
    if not sources:
        return
    for table in (*TABLE_BY_FEED.values(), "quarantine", "load_audit"):
        con.execute(
            f"delete from {SCHEMA}.{table} where source_file in (select unnest(?::varchar[]))",
            [sources],
        )


def _move_mtimes(con: duckdb.DuckDBPyConnection, touched: list[RawFile]) -> None:
    """Same content, new modification time: only the lineage that orders corrections moves."""
    for raw in touched:
        for table in (*TABLE_BY_FEED.values(), "quarantine", "load_audit"):
            con.execute(
                f"update {SCHEMA}.{table} set file_mtime = ? where source_file = ?",
                [raw.mtime, raw.source_file],
            )


def _landed_regions(warehouse: Path) -> tuple[frozenset[str], frozenset[str]]:
    """(all codes, town codes) of the reference regions already in the landing table."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        rows = con.execute(f"select region_code, region_level from {SCHEMA}.ref_regions").fetchall()
    return (
        frozenset(code for code, _ in rows),
        frozenset(code for code, level in rows if level == "town"),
    )


def _insert(con: duckdb.DuckDBPyConnection, table: str, frame: pl.DataFrame) -> None:
    """Insert the frame's columns that the landing table has, through Arrow."""
    wanted = {
        row[0]
        for row in con.execute(
            "select column_name from information_schema.columns "
            "where table_schema = ? and table_name = ?",
            [SCHEMA, table],
        ).fetchall()
    }
    columns = ", ".join(f'"{name}"' for name in frame.columns if name in wanted)
    view = f"incoming_{table}"
    # String views go to DuckDB as they are, without the copy to plain strings.
    con.register(view, frame.to_arrow(compat_level=pl.CompatLevel.newest()))
    con.execute(f"insert into {SCHEMA}.{table} ({columns}) select {columns} from {view}")
    con.unregister(view)  # lets the batch's memory go


def _audit(outcomes: list[FileOutcome]) -> pl.DataFrame:
    loaded_at = datetime.now()
    rows = [
        {
            "source_file": outcome.raw.source_file,
            "feed": outcome.raw.folder,
            "sheet": sheet.sheet,
            "file_mtime": outcome.raw.mtime,
            "file_size": outcome.size,
            "sha256": outcome.sha256,
            "status": "unreadable" if sheet.error_code else "loaded",
            "error_code": sheet.error_code,
            "message_zh": sheet.message_zh,
            "message_en": sheet.message_en,
            "rows_read": sheet.rows_read,
            "rows_accepted": sheet.rows_accepted,
            "rows_quarantined": sheet.rows_quarantined,
            "unknown_columns": ",".join(sheet.unknown_columns) or None,
            "loaded_at": loaded_at,
        }
        for outcome in outcomes
        for sheet in outcome.sheets
    ]
    schema = {
        "source_file": pl.String,
        "feed": pl.String,
        "sheet": pl.String,
        "file_mtime": pl.Datetime("us"),
        "file_size": pl.Int64,
        "sha256": pl.String,
        "status": pl.String,
        "error_code": pl.String,
        "message_zh": pl.String,
        "message_en": pl.String,
        "rows_read": pl.Int64,
        "rows_accepted": pl.Int64,
        "rows_quarantined": pl.Int64,
        "unknown_columns": pl.String,
        "loaded_at": pl.Datetime("us"),
    }
    return pl.DataFrame(rows, schema=schema)


# ---------------------------------------------------------------- reporting


def _label(outcome: FileOutcome, sheet: SheetOutcome) -> str:
    return f"{outcome.raw.source_file} [{sheet.sheet}]" if sheet.sheet else outcome.raw.source_file


class _Progress:
    """One line per file, in file order: "[3/80] returns/a.csv 512 行 ..."."""

    def __init__(self, total: int, sink: Callable[[str], None] | None) -> None:
        self.total, self.done, self.sink = total, 0, sink

    def __call__(self, outcome: FileOutcome) -> None:
        self.done += 1
        if self.sink is None:
            return
        for sheet in outcome.sheets:
            prefix = f"[{self.done}/{self.total}] {_label(outcome, sheet)}"
            if sheet.error_code:
                self.sink(f"{prefix} 无法读取 unreadable ({sheet.error_code}): {sheet.message_zh}")
            else:
                self.sink(
                    f"{prefix} {sheet.rows_read} 行 rows, 接受 {sheet.rows_accepted} accepted, "
                    f"隔离 {sheet.rows_quarantined} quarantined"
                )


def summarise(load_id: str, outcomes: list[FileOutcome], plan: registry.Plan) -> IngestSummary:
    summary = IngestSummary(
        load_id,
        full=plan.full,
        plan_reason=plan.reason,
        files_seen=len(plan.parse) + len(plan.touched) + len(plan.unchanged),
        files_parsed=len(plan.parse),
        files_unchanged=len(plan.unchanged) + len(plan.touched),
        files_removed=len(plan.removed),
        changed=not plan.nothing_to_do,
    )
    for outcome in outcomes:
        counts = summary.by_feed.setdefault(outcome.raw.folder, FeedCounts())
        counts.files += 1
        if any(sheet.error_code is None for sheet in outcome.sheets):
            summary.files_loaded += 1
        for sheet in outcome.sheets:
            if sheet.error_code:
                summary.unreadable.append(
                    (_label(outcome, sheet), sheet.error_code, sheet.message_zh or "")
                )
            counts.rows_read += sheet.rows_read
            counts.rows_accepted += sheet.rows_accepted
            counts.rows_quarantined += sheet.rows_quarantined
    summary.rows_read = sum(c.rows_read for c in summary.by_feed.values())
    summary.rows_accepted = sum(c.rows_accepted for c in summary.by_feed.values())
    summary.rows_quarantined = sum(c.rows_quarantined for c in summary.by_feed.values())
    return summary
