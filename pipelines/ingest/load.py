"""One ingestion run: bring the landing tables up to date with the files under raw/.

Only new and changed files are parsed (pipelines.ingest.registry). They are parsed and
validated in batches on two workers (pipelines.ingest.pool); the batches are written as
they come back, inside one transaction (pipelines.ingest.write), so memory holds a few
batches, not the whole load. Every file gets a `landing.load_audit` row (one per sheet
when several sheets of a workbook hold data); a file that cannot be used is reported
there, and the other files still load. Nothing under raw/ is written to.
"""

from __future__ import annotations

import functools
import itertools
import uuid
from collections.abc import Callable
from concurrent.futures import BrokenExecutor
from datetime import date, datetime
from pathlib import Path

from pipelines import settings
from pipelines.ingest import registry, write
from pipelines.ingest.discovery import discover
from pipelines.ingest.parse import (
    FileOutcome,
    ValidatedBatch,
    accepted_regions,
    crashed,
    load_batch,
    merged,
    parse_file,
    taught_headers,
    validate_batch,
)
from pipelines.ingest.pool import batches, in_order, run_alone, worker_pool
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

    with worker_pool(len(plan.parse)) as pool:
        references = [parse_file(f) for f in plan.parse if f.folder == "reference"]
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
        loaded = in_order(pool, work, others, recover=functools.partial(one_by_one, work))
        outcomes: list[FileOutcome] = []
        with write.transaction(warehouse, plan, load_id) as con:
            for validated in itertools.chain([validate_batch(references, contexts)], loaded):
                for outcome in validated.outcomes:
                    report(outcome)
                write.insert_all(con, validated.frames, load_id)
                outcomes += validated.outcomes
            write.finish(con, load_id, plan, outcomes, state)
    return summarise(load_id, outcomes, plan)


def one_by_one(work: Callable[[list], ValidatedBatch], files: list) -> ValidatedBatch:
    """A batch whose worker process died, file by file, each in a process of its own: the
    file whose process dies again is refused (parser_crashed), the others load."""
    results = []
    for raw in files:
        try:
            results.append(run_alone(work, [raw]))
        except BrokenExecutor as error:
            results.append(crashed(raw, error))
    return merged(results)
