"""One ingestion run: bring the landing tables up to date with the files under raw/.

Only new and changed files are parsed (pipelines.ingest.registry). They are parsed and
validated in batches by two worker processes (pipelines.ingest.pool), never in this one, so
that no file can take the load down with it; the batches are staged as they come back and
the load ends in one transaction (pipelines.ingest.write), so memory holds a few batches,
not the whole load. Every file gets a `landing.load_audit` row (one per sheet when several
sheets of a workbook hold data); a file that cannot be used is reported there, and the
other files still load. Nothing under raw/ is written to.
"""

from __future__ import annotations

import functools
import itertools
import uuid
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path

from pipelines import settings
from pipelines.ingest import registry, write
from pipelines.ingest.budget import ParseBudget
from pipelines.ingest.discovery import RawFile, discover
from pipelines.ingest.parse import (
    FileOutcome,
    ParsedFile,
    SheetOutcome,
    ValidatedBatch,
    accepted_regions,
    failure,
    load_batch,
    merged,
    parse_file,
    taught_headers,
    validate_batch,
)
from pipelines.ingest.pool import WorkerLost, WorkerPool, batches, run_alone
from pipelines.ingest.reference_seeds import kpi_codes, seed_region_codes
from pipelines.ingest.summary import IngestSummary, Progress, summarise
from pipelines.ingest.validate import ValidationContext
from pipelines.ingest.vocabulary import Feed


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
    `seeds_dir` (default: the dbt project's seeds) supplies the shipped regions; reference
    files under raw_dir/reference extend them. KPI codes come from the KPI table.
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
    report = Progress(len(plan.parse), progress)
    seed_codes, seed_towns = seed_region_codes(seeds_dir / "regions.csv")
    known_kpis, kpi_names = kpi_codes()

    def context(codes: frozenset[str]) -> ValidationContext:
        return ValidationContext(codes, today, known_kpis, kpi_names)

    budget = ParseBudget.from_environment()
    with WorkerPool(budget, start=len(plan.parse)) as pool:
        reference_files = [f for f in plan.parse if f.folder == "reference"]
        unparsed = functools.partial(refused_unparsed, budget=budget)
        references = list(pool.in_order(parse_file, reference_files, recover=unparsed))
        # The towns that reference regions add, and the headers the federation taught, must
        # be known before returns are read; reference files are validated again below with
        # the rest (they are small). A changed reference file makes the load a full one.
        first = {
            Feed.REF_REGIONS: context(seed_codes),
            Feed.REF_HEADER_ALIASES: context(seed_codes),
        }
        if plan.full:
            frames = validate_batch(references, first).frames
            regions, aliases = frames["ref_regions"], frames["ref_header_aliases"]
        else:
            landed_regions, landed_aliases = write.landed_references(warehouse)
            regions, aliases = [landed_regions], [landed_aliases]
        ref_codes, ref_towns = accepted_regions(regions)
        taught = taught_headers(aliases)
        contexts = {
            **first,
            Feed.REF_TARGETS: context(seed_codes | ref_codes),
            Feed.RETURNS: context(seed_towns | ref_towns),
            Feed.SUMMARIES: context(seed_towns | ref_towns),
        }
        others = batches([f for f in plan.parse if f.folder != "reference"])
        work = functools.partial(load_batch, contexts=contexts, taught=taught)
        recover = functools.partial(one_by_one, work, budget=budget)
        loaded = pool.in_order(work, others, recover=recover)
        outcomes: list[FileOutcome] = []
        with write.staged_load(warehouse) as con:
            # boundary files name regions of every level, those of the reference files too
            every_code = seed_codes | ref_codes
            first_batch = validate_batch(references, contexts, boundary_codes=every_code)
            for validated in itertools.chain([first_batch], loaded):
                for outcome in validated.outcomes:
                    report(outcome)
                write.insert_all(con, validated.frames, load_id)
                outcomes += validated.outcomes
            write.finish(con, load_id, plan, outcomes, state)
    return summarise(load_id, outcomes, plan)


def one_by_one(
    work: Callable[[list[RawFile]], ValidatedBatch],
    files: list[RawFile],
    lost: WorkerLost,
    *,
    budget: ParseBudget,
) -> ValidatedBatch:
    """A batch whose worker was lost (it died, or went over the budget's time or memory),
    file by file, each in a process of its own under the same budget: the file whose
    process is lost again is refused, the others load. A batch of one file is refused at
    once: it has been tried alone already."""
    if len(files) == 1:
        return refused(files[0], lost, budget)
    results = []
    for raw in files:
        try:
            results.append(run_alone(work, [raw], budget))
        except WorkerLost as again:
            results.append(refused(raw, again, budget))
    return merged(results)


def refused(raw: RawFile, lost: WorkerLost, budget: ParseBudget) -> ValidatedBatch:
    """The answer for a file whose worker was lost: refused, with why."""
    return ValidatedBatch(
        [FileOutcome(raw, raw.size, registry.file_sha256(raw.path), [refusal(lost, budget)])], {}
    )


def refused_unparsed(raw: RawFile, lost: WorkerLost, *, budget: ParseBudget) -> ParsedFile:
    """As `refused`, for a reference file (parsed first, validated with the rest)."""
    return ParsedFile(raw, raw.size, registry.file_sha256(raw.path), [], refusal(lost, budget))


def refusal(lost: WorkerLost, budget: ParseBudget) -> SheetOutcome:
    """parser_crashed for a worker that died, file_over_budget naming the limit of time or
    memory for one that was killed. The file is registered by its hash, so it is not tried
    again every night; a changed budget tries it again."""
    if lost.limit is None:
        return failure(None, "parser_crashed", detail=lost.detail)
    over = budget.exceeded(lost.limit, lost.actual)
    assert over is not None  # the worker was killed for going over it
    return failure(None, "file_over_budget", **over)
