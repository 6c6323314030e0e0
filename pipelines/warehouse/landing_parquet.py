"""The landing tables as Parquet, the sources of dbt on DuckDB and on Spark.

Spark cannot read the DuckDB warehouse file, so the landing step ends by writing the
ingestion's landing tables as Parquet, the format both engines read; dbt's sources are views
over it on either engine (docs/architecture.md, "Landing as Parquet"):

    <dir>/<table>/p_period=YYYY-MM/p_city=NNNN/data_0.parquet   the row tables
    <dir>/<table>/data_0.parquet                               the small ones

The row tables are partitioned by period and prefecture (the first four digits of the town
code): a city is one file per period, a province ten or twenty, the country a few hundred
files of ~5 MB. An empty row table gets one empty file under p_period=none/p_city=none, since
both engines learn a table's columns from its files.

Only what changed is written again. Each row table keeps, in `_fingerprints.json`, its
columns and, for every partition it wrote, the row count and the sum of the row hashes; a
partition whose rows hash to the same, in a table of the same columns, is left as it is (on a cluster the landing sits on a shared mount, where a
night's copy of a whole province would be the slowest part). The changed partitions are
written in one pass beside the table, in a hidden folder, and each is renamed into its place;
the small tables are written whole, under a hidden name, and renamed. Spark and DuckDB skip
names that start with `_` or `.`. The fingerprints are written last: a copy that stops
half-way is finished by the next one. All of it runs under the refresh lock, so no build
reads the folder meanwhile.
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
FINGERPRINTS = "_fingerprints.json"
STAGED = ".staged"
FILE = "data_0.parquet"


@dataclass(frozen=True)
class Copied:
    """What bringing the Parquet up to date wrote: rows per table (of the partitions written
    again, or the whole small table), and the row tables' partitions written, left as they
    were, and removed."""

    rows: dict[str, int]
    partitions_written: int
    partitions_kept: int
    partitions_removed: int


def write_landing_parquet(warehouse: Path, landing_dir: Path) -> Copied:
    """Bring the Parquet under `landing_dir` up to the landing tables of `warehouse`."""
    landing_dir.mkdir(parents=True, exist_ok=True)
    rows, partitions = {}, [0, 0, 0]  # written, kept, removed
    with duckdb.connect(str(warehouse), read_only=True, config=settings.duckdb_config()) as con:
        con.execute("set enable_progress_bar = false")
        tables = _landing_tables(con)
        for table in tables:
            if table in PARTITIONED:
                rows[table], *counts = _update_partitions(con, table, landing_dir / table)
                partitions = [a + b for a, b in zip(partitions, counts, strict=True)]
            else:
                rows[table] = _write_whole(con, table, landing_dir / table)
    for gone in set(_folders(landing_dir)) - set(tables):  # a table the landing no longer has
        shutil.rmtree(landing_dir / gone)
    return Copied(rows, *partitions)


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
    """Write again the partitions of `table` whose rows changed, remove those that have none
    left: rows written, partitions written, kept, removed."""
    target.mkdir(parents=True, exist_ok=True)
    shutil.rmtree(target / STAGED, ignore_errors=True)
    now = _fingerprints(con, table)
    columns = _columns(con, table)
    before = _read_fingerprints(target, columns)
    on_disk = set(_partitions_on_disk(target))
    changed = sorted(
        key for key, print_ in now.items() if before.get(key) != print_ or key not in on_disk
    )
    if changed:
        con.execute(
            f"copy (select * from (select *, {PARTITION_KEYS} from {SCHEMA}.{table})"
            " where list_contains(?, p_period || '/' || p_city))"
            f" to '{_quoted(target / STAGED)}' (format parquet, partition_by (p_period, p_city))",
            [[f"{period}/{city}" for period, city in changed]],
        )
        for key in changed:
            _replace(target / STAGED / _folder(key), target / _folder(key))
        shutil.rmtree(target / STAGED)
    gone = on_disk - set(now)
    for key in gone:
        shutil.rmtree(target / _folder(key))
        with contextlib.suppress(OSError):  # the period's last prefecture: its folder too
            (target / _folder(key)).parent.rmdir()
    if not now:  # both engines learn the table's columns from a file: an empty one
        (target / EMPTY_PARTITION).mkdir(parents=True, exist_ok=True)
        con.execute(
            f"copy {SCHEMA}.{table} to '{_quoted(target / EMPTY_PARTITION / FILE)}' (format parquet)"
        )
    _write_fingerprints(target, columns, now)
    rows = sum(int(now[key].split(":")[0]) for key in changed)
    return rows, len(changed), len(now) - len(changed), len(gone - {("none", "none")})


def _fingerprints(con: duckdb.DuckDBPyConnection, table: str) -> dict[tuple[str, str], str]:
    """(period, prefecture) → "rows:sum of row hashes" of every partition with rows."""
    found = con.execute(
        f"select p_period, p_city, count(*), cast(sum(hash(t)) as varchar)"
        f" from (select *, {PARTITION_KEYS} from {SCHEMA}.{table}) t group by all"
    ).fetchall()
    return {(period, city): f"{rows}:{hashed}" for period, city, rows, hashed in found}


def _columns(con: duckdb.DuckDBPyConnection, table: str) -> list[str]:
    """The table's columns and types: a file of other columns or types than its neighbours'
    would not read as one table, even when its values hash the same."""
    described = con.execute(f"describe {SCHEMA}.{table}").fetchall()
    return [f"{name} {kind}" for name, kind, *_ in described]


def _read_fingerprints(target: Path, columns: list[str]) -> dict[tuple[str, str], str]:
    """What the last copy wrote; nothing when it never finished or wrote other columns
    (every partition is then written again)."""
    try:
        saved = json.loads((target / FINGERPRINTS).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if saved.get("columns") != columns:
        return {}
    return {tuple(key.split("/", 1)): print_ for key, print_ in saved["partitions"].items()}


def _write_fingerprints(
    target: Path, columns: list[str], prints: dict[tuple[str, str], str]
) -> None:
    partitions = {"/".join(key): print_ for key, print_ in sorted(prints.items())}
    staged = target / f".{FINGERPRINTS}"
    staged.write_text(
        json.dumps({"columns": columns, "partitions": partitions}, ensure_ascii=False, indent=1),
        encoding="utf-8",
    )
    os.replace(staged, target / FINGERPRINTS)


def _partitions_on_disk(target: Path) -> list[tuple[str, str]]:
    return [
        (period.name.removeprefix("p_period="), city.name.removeprefix("p_city="))
        for period in target.glob("p_period=*")
        for city in period.glob("p_city=*")
    ]


def _replace(new: Path, old: Path) -> None:
    """Put the folder `new` where `old` is (or is not yet)."""
    if old.exists():
        shutil.rmtree(old)
    old.parent.mkdir(parents=True, exist_ok=True)
    os.replace(new, old)


def _folder(key: tuple[str, str]) -> str:
    period, city = key
    return f"p_period={period}/p_city={city}"


def _folders(directory: Path) -> list[str]:
    return [path.name for path in directory.iterdir() if path.is_dir() and path.name[0] not in "._"]


def _quoted(path: Path) -> str:
    return str(path).replace("'", "''")
