"""The file registry: which files under raw/ need parsing in this run.

The registry is `landing.load_audit` itself (source file, content hash, modification
time of every file loaded before), so it can never disagree with what the landing
tables hold. A file whose content hash is unchanged is never parsed again; a file whose
hash is unchanged but whose mtime moved only has its lineage updated (mtime orders
corrections). A change in reference data, in the month of "today" (the future-period
check) or in the dbt project (its seeds decide how rows validate, its models how they are
built) can change every row, so it forces a full reload, which the build follows with a
full build.
"""

from __future__ import annotations

import hashlib
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import duckdb

from pipelines import settings
from pipelines.ingest import landing
from pipelines.ingest.budget import ParseBudget
from pipelines.ingest.discovery import link_digest
from pipelines.ingest.landing import SCHEMA
from pipelines.ingest.readers import UnreadableFile


@dataclass(frozen=True)
class Registered:
    sha256: str | None
    mtime: datetime | None
    size: int | None


@dataclass
class Plan:
    """What to do with each file; `full` means every landing table is rebuilt."""

    full: bool
    reason: str
    parse: list = field(default_factory=list)  # RawFile: new or changed (all files when full)
    touched: list = field(default_factory=list)  # RawFile: same content, new mtime
    unchanged: list = field(default_factory=list)  # RawFile
    replaced: list[str] = field(default_factory=list)  # source files whose old rows go
    removed: list[str] = field(default_factory=list)  # source files no longer in raw/

    @property
    def nothing_to_do(self) -> bool:
        return not (self.full or self.parse or self.touched or self.removed)


def file_sha256(path: Path) -> str | None:
    """Content hash, or None when the file cannot be read or is refused unread (a symbolic
    link, see discovery.RawPath): the parser will say why."""
    if (linked := link_digest(path)) is not None:
        return linked
    digest = hashlib.sha256()
    try:
        with path.open("rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
    except (OSError, UnreadableFile):
        return None
    return digest.hexdigest()


def looks_unchanged(raw, known: Registered) -> bool:
    """The file has the size and modification time recorded when its content was hashed."""
    return known.sha256 is not None and (known.mtime, known.size) == (raw.mtime, raw.size)


def matches(files: list, registry: dict[str, Registered]) -> bool:
    """Every file in raw/ is registered as it is on disk, and every registered file is there:
    a load would find nothing to do."""
    return {raw.source_file for raw in files} == set(registry) and all(
        looks_unchanged(raw, registry[raw.source_file]) for raw in files
    )


def registered(con: duckdb.DuckDBPyConnection, audit: str) -> dict[str, Registered]:
    """The registry as the audit table `audit` holds it (the landing table, or its copy in a
    published snapshot)."""
    rows = con.execute(
        f"select source_file, any_value(sha256), any_value(file_mtime), "
        f"any_value(file_size) from {audit} group by source_file"
    ).fetchall()
    return {source: Registered(sha, mtime, size) for source, sha, mtime, size in rows}


def content_hashes(files: list, registry: dict[str, Registered], *, reread: bool) -> dict:
    """Each file's content hash, by source file. A file with the size and modification time
    recorded at its last load keeps its recorded hash without being read (as make and rsync
    judge files), so a refresh lists raw/ instead of reading all of it; `reread` (a full
    reload) reads every file."""
    hashes: dict[str, str | None] = {}
    to_read = []
    for raw in files:
        known = None if reread else registry.get(raw.source_file)
        if known and looks_unchanged(raw, known):
            hashes[raw.source_file] = known.sha256
        else:
            to_read.append(raw)
    # hashlib lets go of the GIL while it digests, so two threads read two files at a time
    with ThreadPoolExecutor(max_workers=2) as pool:
        read = pool.map(file_sha256, [raw.path for raw in to_read])
        hashes.update(zip([raw.source_file for raw in to_read], read, strict=True))
    return hashes


def state_key(seeds_dir: Path, today: date) -> str:
    """What, besides raw/, decides how rows are validated and built: the regions seed the
    validator reads (`seeds_dir` may be another folder than the dbt project's), the dbt
    project (with the KPI table), the landing schema, the parse budget (a file refused under
    one limit is tried again under another) and the current month."""
    digest = hashlib.sha256(f"{today:%Y-%m}".encode())
    regions = seeds_dir / "regions.csv"
    digest.update(regions.read_bytes() if regions.exists() else b"-")
    digest.update(dbt_project_digest().encode())
    digest.update(repr(landing.TABLES).encode())  # a new landing column means a full reload
    digest.update(repr(ParseBudget.from_environment()).encode())
    return digest.hexdigest()


def dbt_project_digest() -> str:
    """Every file dbt reads to build the warehouse: its settings, models, seeds, tests and
    macros."""
    digest = hashlib.sha256()
    root = settings.DBT_PROJECT_DIR
    files = [root / "dbt_project.yml"] + sorted(
        path
        for folder in ("models", "seeds", "tests", "macros")
        for path in (root / folder).rglob("*")
        if path.is_file()
    )
    for path in files:
        digest.update(path.relative_to(root).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def previous_load(warehouse: Path) -> tuple[dict[str, Registered], str | None] | None:
    """The registry and state key of the last load, or None if there was none."""
    if not warehouse.exists():
        return None
    with duckdb.connect(str(warehouse), read_only=True) as con:
        tables = {
            name
            for (name,) in con.execute(
                "select table_name from information_schema.tables where table_schema = ?",
                [SCHEMA],
            ).fetchall()
        }
        if not {"load_audit", "ingest_state"} <= tables:
            return None
        registry = registered(con, f"{SCHEMA}.load_audit")
        state = con.execute(f"select state_key from {SCHEMA}.ingest_state").fetchone()
    return registry, state[0] if state else None


def make_plan(
    files: list, hashes: dict[str, str | None], previous, state: str, *, full: bool
) -> Plan:
    """Compare the files found with the registry of the last load."""
    if full:
        return _full(files, hashes, previous, "requested (--full)")
    if previous is None:
        return _full(files, hashes, previous, "first load")
    registry, previous_state = previous
    if previous_state != state:
        return _full(files, hashes, previous, "seeds, dbt project or month changed")
    plan = Plan(full=False, reason="incremental")
    found = {f.source_file for f in files}
    plan.removed = sorted(set(registry) - found)
    for raw in files:
        known = registry.get(raw.source_file)
        if known is None or hashes[raw.source_file] is None:
            plan.parse.append(raw)
        elif known.sha256 != hashes[raw.source_file]:
            plan.parse.append(raw)
            plan.replaced.append(raw.source_file)
        elif known.mtime != raw.mtime:
            plan.touched.append(raw)
        else:
            plan.unchanged.append(raw)
    reference_moved = any(f.folder == "reference" for f in plan.parse) or any(
        source.startswith("reference/") for source in plan.removed
    )
    if reference_moved:
        return _full(files, hashes, previous, "reference data changed")
    return plan


def _full(files: list, hashes: dict[str, str | None], previous, reason: str) -> Plan:
    """Reparse everything; files whose content changed or vanished still count as replaced
    or removed, so their old rows are archived rather than lost."""
    registry = previous[0] if previous else {}
    found = {f.source_file for f in files}
    return Plan(
        full=True,
        reason=reason,
        parse=list(files),
        replaced=sorted(
            source for source in found & set(registry) if registry[source].sha256 != hashes[source]
        ),
        removed=sorted(set(registry) - found),
    )
