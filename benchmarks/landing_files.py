"""What the number of files in a landing partition costs a read on DuckDB.

`python -m benchmarks.landing_files PARTITION [RUNS]` reads the Parquet files of one landing
partition holding more than 364 town files' rows (e.g. `<workdir>/warehouse/landing/
enterprise_returns/p_period=2025-12/p_city=3302` of a `make bench SCALE=3` work directory)
and writes its rows again three ways into a temporary folder: as one file; as one large
file and 16 small ones; as one large file and 364 small ones, each small one the size of a
night's town file at scale 1 (7,946 returns). It then times reading every column of each,
as dbt's staging does, and prints one line per layout with the sorted times.
pipelines.warehouse.landing_parquet merges a partition's small files past 16: this is the
cost that bound keeps away.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import duckdb

TOWN_FILE_ROWS = 7_946  # one added town file at scale 1 (docs/benchmarks.md, "Eighth round")
LAYOUTS = (1, 17, 365)  # files in the partition


def write_layout(con: duckdb.DuckDBPyConnection, folder: Path, files: int) -> None:
    """The rows of table `landed` as one large file and `files - 1` town-sized ones."""
    folder.mkdir()
    small = TOWN_FILE_ROWS * (files - 1)
    con.execute(
        "create or replace temp table numbered as select *,"
        f" case when row_number() over () <= {small}"
        f" then (row_number() over () - 1) // {TOWN_FILE_ROWS} else -1 end as file_number"
        " from landed"
    )
    for (number,) in con.execute("select distinct file_number from numbered").fetchall():
        con.execute(
            "copy (select * exclude (file_number) from numbered"
            f" where file_number = {number}) to '{folder}/part-{number}.parquet' (format parquet)"
        )


def read_seconds(con: duckdb.DuckDBPyConnection, folder: Path, runs: int) -> list[float]:
    seconds = []
    for _ in range(runs):
        started = time.perf_counter()
        con.execute(
            f"create or replace temp table read_back as select * from read_parquet('{folder}/*.parquet')"
        )
        seconds.append(time.perf_counter() - started)
    return sorted(seconds)


def main(partition: Path, runs: int) -> None:
    with tempfile.TemporaryDirectory() as work, duckdb.connect() as con:
        con.execute("set enable_progress_bar = false")
        con.execute(
            f"create temp table landed as select * from read_parquet('{partition}/*.parquet')"
        )
        rows = con.execute("select count(*) from landed").fetchone()[0]
        if rows <= TOWN_FILE_ROWS * (max(LAYOUTS) - 1):
            sys.exit(f"{partition}: {rows:,} rows, too few for {max(LAYOUTS)} files")
        print(f"{partition}: {rows:,} rows; every column read, {runs} runs, seconds sorted")
        for files in LAYOUTS:
            folder = Path(work) / f"files-{files}"
            write_layout(con, folder, files)
            times = " ".join(f"{s:.3f}" for s in read_seconds(con, folder, runs))
            print(f"{files:>4} files: {times}")


if __name__ == "__main__":
    main(Path(sys.argv[1]), int(sys.argv[2]) if len(sys.argv) > 2 else 3)
