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
columns and, for every load in every partition, the row count, the sum of the row hashes
and the files written; a load whose rows hash to the same, in a table of the same columns,
keeps its files (on a cluster the landing sits on a shared mount, where a night's copy of a
whole province would be the slowest part). A load some of whose rows went away (a town
file replaced) is written again whole. The changed files are written in one pass beside the
table, in a hidden folder, and each is renamed into its partition; then every file the
fingerprints do not name is deleted. The small tables are written whole, under a hidden
name, and renamed. Spark and DuckDB skip names that start with `_` or `.`. The fingerprints
are written last: a copy that stops half-way is finished by the next one. All of it runs
under the refresh lock, so no build reads the folder meanwhile.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import duckdb

from pipelines import settings
from pipelines.ingest.landing import SCHEMA

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

Key = tuple[str, str, str]  # (p_period, p_city, p_load)


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
class Written:
    """One load's rows in one partition as last written: "rows:sum of row hashes", and the
    files that hold them."""

    print_: str
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
    rows = con.execute(
        "select table_name from information_schema.tables "
        "where table_schema = ? and table_type = 'BASE TABLE' order by table_name",
        [SCHEMA],
    ).fetchall()
    return [name for (name,) in rows]


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
    """Write again the files of `table` whose rows changed and remove those left without
    rows: rows written, files written, kept, removed."""
    target.mkdir(parents=True, exist_ok=True)
    shutil.rmtree(target / STAGED, ignore_errors=True)
    now = _fingerprints(con, table)
    columns = _columns(con, table)
    before = _read_fingerprints(target, columns)
    files: dict[Key, list[str]] = {}
    changed = []
    for key, print_ in now.items():
        last = before.get(key)
        if last and last.print_ == print_ and _all_exist(target / _folder(key), last.files):
            files[key] = last.files
        else:
            changed.append(key)
    if changed:
        con.execute(
            f"copy (select * from (select *, {PARTITION_KEYS}, {LOAD_KEY} from {SCHEMA}.{table})"
            " where list_contains(?, p_period || '/' || p_city || '/' || p_load))"
            f" to '{_quoted(target / STAGED)}'"
            " (format parquet, partition_by (p_period, p_city, p_load))",
            [["/".join(key) for key in changed]],
        )
        for key in changed:
            files[key] = _move_in(target / STAGED / _staged_folder(key), target / _folder(key), key)
        shutil.rmtree(target / STAGED)
    expected = {f"{_folder(key)}/{name}" for key, names in files.items() for name in names}
    if not now:  # both engines learn the table's columns from a file: an empty one
        (target / EMPTY_PARTITION).mkdir(parents=True, exist_ok=True)
        con.execute(
            f"copy {SCHEMA}.{table} to '{_quoted(target / EMPTY_PARTITION / FILE)}' (format parquet)"
        )
        expected.add(f"{EMPTY_PARTITION}/{FILE}")
    removed = _remove_all_but(target, expected)
    _write_fingerprints(target, columns, {key: Written(now[key], files[key]) for key in now})
    rows = sum(int(now[key].split(":")[0]) for key in changed)
    written = sum(len(files[key]) for key in changed)
    kept = sum(len(files[key]) for key in now if key not in changed)
    return rows, written, kept, removed


def _fingerprints(con: duckdb.DuckDBPyConnection, table: str) -> dict[Key, str]:
    """(period, prefecture, load) → "rows:sum of row hashes" of every load's rows in every
    partition."""
    found = con.execute(
        f"select p_period, p_city, p_load, count(*), cast(sum(hash(t)) as varchar)"
        f" from (select *, {PARTITION_KEYS}, {LOAD_KEY} from {SCHEMA}.{table}) t group by all"
    ).fetchall()
    return {(period, city, load): f"{rows}:{hashed}" for period, city, load, rows, hashed in found}


def _move_in(staged: Path, partition: Path, key: Key) -> list[str]:
    """Rename the files DuckDB wrote for one load of one partition into the partition's
    folder, named by the load (a file of the same name, the load's rows as they were, is
    replaced)."""
    partition.mkdir(parents=True, exist_ok=True)
    names = []
    for number, file in enumerate(sorted(staged.glob("*.parquet"))):
        names.append(f"part-{key[2]}-{number}.parquet")
        os.replace(file, partition / names[-1])
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


def _read_fingerprints(target: Path, columns: list[str]) -> dict[Key, Written]:
    """What the last copy wrote; nothing when it never finished, wrote other columns or
    kept another layout (every file is then written again)."""
    try:
        saved = json.loads((target / FINGERPRINTS).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if saved.get("columns") != columns or "loads" not in saved:
        return {}
    return {
        tuple(key.split("/", 2)): Written(entry["print"], entry["files"])
        for key, entry in saved["loads"].items()
    }


def _write_fingerprints(target: Path, columns: list[str], written: dict[Key, Written]) -> None:
    loads = {
        "/".join(key): {"print": entry.print_, "files": entry.files}
        for key, entry in sorted(written.items())
    }
    staged = target / f".{FINGERPRINTS}"
    staged.write_text(
        json.dumps({"columns": columns, "loads": loads}, ensure_ascii=False, indent=1),
        encoding="utf-8",
    )
    os.replace(staged, target / FINGERPRINTS)


def _folder(key: Key) -> str:
    period, city, _ = key
    return f"p_period={period}/p_city={city}"


def _staged_folder(key: Key) -> str:
    return f"{_folder(key)}/p_load={key[2]}"


def _folders(directory: Path) -> list[str]:
    return [path.name for path in directory.iterdir() if path.is_dir() and path.name[0] not in "._"]


def _quoted(path: Path) -> str:
    return str(path).replace("'", "''")
