"""The landing tables as Parquet, the sources of dbt on DuckDB and on Spark.

Spark cannot read the DuckDB warehouse file, so the landing step ends by writing the
ingestion's landing tables as Parquet, the format both engines read; dbt's sources are views
over it on either engine (docs/architecture.md, "Landing as Parquet"):

    <dir>/<table>/p_period=YYYY-MM/p_city=NNNN/part-<load id>-0.parquet   the row tables
    <dir>/<table>/data_0.parquet                                         the small ones

The row tables are partitioned by period and prefecture (the first four digits of the town
code): a city is one folder per period, a province ten or twenty, the country a few hundred.
Within a partition each load that brought rows has a file of its own, so a night's new town
files add a small file beside the others instead of writing the partition again (at scale 3
a generated province's period is one partition of 3.2 M rows). A full reload is one load:
one file per partition again. An empty row table gets one empty file under
p_period=none/p_city=none, since both engines learn a table's columns from its files.

Only what changed is written again. Each row table keeps, in `_fingerprints.json`, its
columns and, for every file group of every partition, the loads it holds with their row
count and sum of row hashes, and its files; a group all of whose loads hash to the same, in
a table of the same columns, keeps its files (on a cluster the landing sits on a shared
mount, where a night's copy of a whole province would be the slowest part). A group some of
whose rows went away (a town file replaced) is written again whole, with the rows it has
left. The changed files are written in one pass beside the table, in a hidden folder, and
each is renamed into its partition; then every file the fingerprints do not name is
deleted. The small tables are written whole, under a hidden name, and renamed. Spark and
DuckDB skip names that start with `_` or `.`. The fingerprints are written last: a copy
that stops half-way is finished by the next one. All of it runs under the refresh lock, so
no build reads the folder meanwhile.

A group is one load, until a partition would hold more than MOST_GROUPS of them (a year of
nightly town files): then every group but the one of the most rows is merged into one.
Both engines open every file a query reads, so small files cost each build more as the
nights add up; leaving the largest group, most often a full reload's, as it was keeps the
merge to the rows of the nights since.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import duckdb

from pipelines import settings
from pipelines.ingest.landing import PIPELINE_STATE, SCHEMA

# the tables whose rows grow with the returns; the rest are small
PARTITIONED = frozenset(
    {"enterprise_returns", "enterprise_returns_archive", "quarantine", "field_issues"}
)
EMPTY_PARTITION = "p_period=none/p_city=none"
# A quarantined row keeps what the clerk wrote: a period or town code that is not one
# ("2025年", "33/02") goes to the 'unknown' partition rather than giving each typo a folder
# of its own (named escaped, "p_period=2025%2F12"), so the folders stay the real periods and
# prefectures.
PARTITION_KEYS = """
    case when regexp_full_match(period, '[0-9]{4}-[0-9]{2}') then period else 'unknown' end
        as p_period,
    case when regexp_full_match(region_code, '[0-9]{4}.*') then substring(region_code, 1, 4)
        else 'unknown' end as p_city"""
# The load a row came with, as it names a file: the ingestion's load ids are UUIDs; a NULL or
# an id made by hand becomes a name both engines and every file system accept.
LOAD_KEY = "regexp_replace(coalesce(load_id, 'none'), '[^0-9A-Za-z-]', '-', 'g') as p_load"
FINGERPRINTS = "_fingerprints.json"
STAGED = ".staged"
FILE = "data_0.parquet"
MOST_GROUPS = 16  # file groups in one partition before the small ones are merged

Partition = tuple[str, str]  # (p_period, p_city)
Prints = dict[str, str]  # p_load → "rows:sum of row hashes"


@dataclass(frozen=True)
class Copied:
    """What bringing the Parquet up to date wrote: rows per table (of the loads written
    again, or the whole small table), and the row tables' files written, left as they were,
    and removed."""

    rows: dict[str, int]
    files_written: int
    files_kept: int
    files_removed: int


@dataclass(frozen=True)
class Group:
    """The rows of one or more loads in one partition, written together: each load's
    "rows:sum of row hashes" as written, and the files that hold them."""

    prints: Prints
    files: list[str]


def write_landing_parquet(warehouse: Path, landing_dir: Path) -> Copied:
    """Bring the Parquet under `landing_dir` up to the landing tables of `warehouse`."""
    landing_dir.mkdir(parents=True, exist_ok=True)
    rows, files = {}, [0, 0, 0]  # written, kept, removed
    with duckdb.connect(str(warehouse), read_only=True, config=settings.duckdb_config()) as con:
        con.execute("set enable_progress_bar = false")
        tables = _landing_tables(con)
        for table in tables:
            if table in PARTITIONED:
                rows[table], *counts = _update_partitions(con, table, landing_dir / table)
                files = [a + b for a, b in zip(files, counts, strict=True)]
            else:
                rows[table] = _write_whole(con, table, landing_dir / table)
    for gone in set(_folders(landing_dir)) - set(tables):  # a table the landing no longer has
        shutil.rmtree(landing_dir / gone)
    return Copied(rows, *files)


def _landing_tables(con: duckdb.DuckDBPyConnection) -> list[str]:
    """The landing tables dbt reads: all but the pipeline's own state."""
    rows = con.execute(
        "select table_name from information_schema.tables "
        "where table_schema = ? and table_type = 'BASE TABLE' order by table_name",
        [SCHEMA],
    ).fetchall()
    return [name for (name,) in rows if name not in PIPELINE_STATE]


def _write_whole(con: duckdb.DuckDBPyConnection, table: str, target: Path) -> int:
    """A small table, written again every time (a few thousand rows at most)."""
    target.mkdir(parents=True, exist_ok=True)
    staged = target / f".{FILE}"
    con.execute(f"copy {SCHEMA}.{table} to '{_quoted(staged)}' (format parquet)")
    os.replace(staged, target / FILE)
    return con.execute(f"select count(*) from {SCHEMA}.{table}").fetchone()[0]


def _update_partitions(
    con: duckdb.DuckDBPyConnection, table: str, target: Path
) -> tuple[int, int, int, int]:
    """Write again the file groups of `table` whose rows changed and remove the files left
    without rows: rows written, files written, kept, removed."""
    target.mkdir(parents=True, exist_ok=True)
    shutil.rmtree(target / STAGED, ignore_errors=True)
    now = _fingerprints(con, table)
    columns = _columns(con, table)
    before = _read_fingerprints(target, columns)
    kept: dict[Partition, dict[str, Group]] = {}
    changed: dict[Partition, dict[str, Prints]] = {}
    for partition, prints in now.items():
        kept[partition], changed[partition] = _plan_groups(
            prints, before.get(partition, {}), target / _folder(partition)
        )
    written = _write_groups(con, table, target, changed)
    expected = {
        f"{_folder(partition)}/{name}"
        for groups in (kept, written)
        for partition, by_name in groups.items()
        for group in by_name.values()
        for name in group.files
    }
    if not now:  # both engines learn the table's columns from a file: an empty one
        (target / EMPTY_PARTITION).mkdir(parents=True, exist_ok=True)
        con.execute(
            f"copy {SCHEMA}.{table} to '{_quoted(target / EMPTY_PARTITION / FILE)}' (format parquet)"
        )
        expected.add(f"{EMPTY_PARTITION}/{FILE}")
    removed = _remove_all_but(target, expected)
    _write_fingerprints(
        target, columns, {partition: {**kept[partition], **written[partition]} for partition in now}
    )
    rows = sum(_rows(group.prints) for by_name in written.values() for group in by_name.values())
    return rows, _file_count(written), _file_count(kept), removed


def _plan_groups(
    prints: Prints, before: dict[str, Group], folder: Path
) -> tuple[dict[str, Group], dict[str, Prints]]:
    """Split one partition's loads into the groups whose files stay as they are and the
    groups to write: a group whose loads all hash as written stays; a group that changed is
    written again with the loads it has left; a new load is a group of its own. Past
    MOST_GROUPS, every group but the largest is merged into one."""
    kept = {
        name: group
        for name, group in before.items()
        if all(prints.get(load) == print_ for load, print_ in group.prints.items())
        and _all_exist(folder, group.files)
    }
    placed = {load for group in kept.values() for load in group.prints}
    to_write: list[set[str]] = []
    for name, group in before.items():
        if name not in kept and (left := set(group.prints) & set(prints) - placed):
            to_write.append(left)
            placed |= left
    to_write += [{load} for load in sorted(set(prints) - placed)]
    if len(kept) + len(to_write) > MOST_GROUPS:
        groups = [set(group.prints) for group in kept.values()] + to_write
        largest = max(groups, key=lambda loads: (_rows({n: prints[n] for n in loads}), min(loads)))
        kept = {name: group for name, group in kept.items() if set(group.prints) == largest}
        to_write = [] if kept else [largest]
        to_write.append(set(prints) - largest)
    return kept, {
        _group_name(loads): {load: prints[load] for load in sorted(loads)} for loads in to_write
    }


def _group_name(loads: set[str]) -> str:
    """A group of one load is named by it; a merged one by a digest of its loads."""
    if len(loads) == 1:
        return next(iter(loads))
    digest = hashlib.sha1("\n".join(sorted(loads)).encode(), usedforsecurity=False)
    return f"merged-{digest.hexdigest()[:16]}"


def _write_groups(
    con: duckdb.DuckDBPyConnection,
    table: str,
    target: Path,
    changed: dict[Partition, dict[str, Prints]],
) -> dict[Partition, dict[str, Group]]:
    """Write the groups to write in one pass into the staged folder, a folder per partition
    and group, and rename each group's files into its partition."""
    pairs = [
        (f"{period}/{city}/{load}", name)
        for (period, city), groups in changed.items()
        for name, prints in groups.items()
        for load in prints
    ]
    if not pairs:
        return {partition: {} for partition in changed}
    con.execute(
        "copy (select landed.* exclude (p_load), chosen.p_group"
        f" from (select *, {PARTITION_KEYS}, {LOAD_KEY} from {SCHEMA}.{table}) landed"
        " join (select unnest(?::varchar[]) as load_key, unnest(?::varchar[]) as p_group) chosen"
        " on chosen.load_key = landed.p_period || '/' || landed.p_city || '/' || landed.p_load)"
        f" to '{_quoted(target / STAGED)}'"
        " (format parquet, partition_by (p_period, p_city, p_group))",
        [[key for key, _ in pairs], [name for _, name in pairs]],
    )
    written = {
        partition: {
            name: Group(prints, _move_in(target, partition, name))
            for name, prints in groups.items()
        }
        for partition, groups in changed.items()
    }
    shutil.rmtree(target / STAGED)
    return written


def _fingerprints(con: duckdb.DuckDBPyConnection, table: str) -> dict[Partition, Prints]:
    """(period, prefecture) → load → "rows:sum of row hashes" of every load's rows in every
    partition."""
    found = con.execute(
        f"select p_period, p_city, p_load, count(*), cast(sum(hash(t)) as varchar)"
        f" from (select *, {PARTITION_KEYS}, {LOAD_KEY} from {SCHEMA}.{table}) t group by all"
    ).fetchall()
    prints: dict[Partition, Prints] = {}
    for period, city, load, rows, hashed in found:
        prints.setdefault((period, city), {})[load] = f"{rows}:{hashed}"
    return prints


def _move_in(target: Path, partition: Partition, name: str) -> list[str]:
    """Rename the files DuckDB wrote for one group of one partition into the partition's
    folder, named by the group (a file of the same name, the group's rows as they were, is
    replaced)."""
    staged = target / STAGED / _folder(partition) / f"p_group={name}"
    folder = target / _folder(partition)
    folder.mkdir(parents=True, exist_ok=True)
    names = []
    for number, file in enumerate(sorted(staged.glob("*.parquet"))):
        names.append(f"part-{name}-{number}.parquet")
        os.replace(file, folder / names[-1])
    return names


def _remove_all_but(target: Path, expected: set[str]) -> int:
    """Delete every file of the partition folders that `expected` does not name (a load's
    rows that went away, a file of a copy that stopped half-way or of an older layout), then
    the folders left empty: the files removed, the empty table's placeholder not counted."""
    removed = 0
    for file in target.glob("p_period=*/p_city=*/*.parquet"):
        name = file.relative_to(target).as_posix()
        if name not in expected:
            file.unlink()
            removed += not name.startswith(EMPTY_PARTITION)
    for folder in [*target.glob("p_period=*/p_city=*"), *target.glob("p_period=*")]:
        with contextlib.suppress(OSError):  # not empty: still holds files
            folder.rmdir()
    return removed


def _all_exist(folder: Path, names: list[str]) -> bool:
    return bool(names) and all((folder / name).is_file() for name in names)


def _columns(con: duckdb.DuckDBPyConnection, table: str) -> list[str]:
    """The table's columns and types: a file of other columns or types than its neighbours'
    would not read as one table, even when its values hash the same."""
    described = con.execute(f"describe {SCHEMA}.{table}").fetchall()
    return [f"{name} {kind}" for name, kind, *_ in described]


def _read_fingerprints(target: Path, columns: list[str]) -> dict[Partition, dict[str, Group]]:
    """What the last copy wrote; nothing when it never finished, wrote other columns or
    kept another layout (every file is then written again)."""
    try:
        saved = json.loads((target / FINGERPRINTS).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if saved.get("columns") != columns or "groups" not in saved:
        return {}
    groups: dict[Partition, dict[str, Group]] = {}
    for key, entry in saved["groups"].items():
        period, city, name = key.split("/", 2)
        groups.setdefault((period, city), {})[name] = Group(entry["loads"], entry["files"])
    return groups


def _write_fingerprints(
    target: Path, columns: list[str], groups: dict[Partition, dict[str, Group]]
) -> None:
    saved = {
        f"{period}/{city}/{name}": {"loads": group.prints, "files": group.files}
        for (period, city), by_name in sorted(groups.items())
        for name, group in sorted(by_name.items())
    }
    staged = target / f".{FINGERPRINTS}"
    staged.write_text(
        json.dumps({"columns": columns, "groups": saved}, ensure_ascii=False, indent=1),
        encoding="utf-8",
    )
    os.replace(staged, target / FINGERPRINTS)


def _rows(prints: Prints) -> int:
    return sum(int(print_.split(":")[0]) for print_ in prints.values())


def _file_count(groups: dict[Partition, dict[str, Group]]) -> int:
    return sum(len(group.files) for by_name in groups.values() for group in by_name.values())


def _folder(partition: Partition) -> str:
    period, city = partition
    return f"p_period={period}/p_city={city}"


def _folders(directory: Path) -> list[str]:
    return [path.name for path in directory.iterdir() if path.is_dir() and path.name[0] not in "._"]


def _quoted(path: Path) -> str:
    return str(path).replace("'", "''")
