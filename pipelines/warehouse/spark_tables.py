"""DuckDB's view of the tables a dbt build on Spark wrote.

dbt on Spark (`method: session`) writes every table as Parquet under
`<spark dir>/tables/main.db/<table>/`, a table partitioned by period as `period=YYYY-MM/`
folders. The publish, and after a cluster's build the data-quality checks, read them through
a small DuckDB file of views, `main.<table>` over those files, so that they run unchanged
whichever engine built the tables. (After a local session's build the checks run on Spark:
pipelines.quality.spark_checks.)
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path

import duckdb

PARTITION = "period"


def write_table_views(
    tables_dir: Path, views_file: Path, contracts: Mapping[str, Sequence[tuple[str, str]]]
) -> list[str]:
    """Write `views_file`: a view `main.<table>` for every table folder under `tables_dir`,
    and return their names.

    `contracts`: the (column, type) pairs of each model with a dbt contract. A view lists its
    columns in that order (Spark puts the partition column last). A table with no file (a
    partitioned table without rows) becomes an empty table of its contract's columns."""
    staged = views_file.with_name(f"{views_file.stem}.partial{views_file.suffix}")
    staged.parent.mkdir(parents=True, exist_ok=True)
    staged.unlink(missing_ok=True)
    made = []
    with duckdb.connect(str(staged)) as con:
        for directory in sorted(path for path in tables_dir.iterdir() if path.is_dir()):
            table, source = directory.name, parquet_source(directory)
            columns = contracts.get(table, ())
            if source is not None:
                con.execute(
                    f'create view main."{table}" as select {_select_list(con, source, columns)} from {source}'
                )
            elif columns:
                con.execute(
                    f'create table main."{table}" ({", ".join(f"{_name(c)} {kind}" for c, kind in columns)})'
                )
            else:
                continue
            made.append(table)
    os.replace(staged, views_file)
    return made


def parquet_source(directory: Path) -> str | None:
    """DuckDB's reading of a Spark table's folder (`period` kept as text), or None when it
    holds no file."""
    path = str(directory).replace("'", "''")
    if any(directory.glob(f"{PARTITION}=*/*.parquet")):
        return (
            f"read_parquet('{path}/{PARTITION}=*/*.parquet', hive_partitioning = true,"
            f" hive_types = {{'{PARTITION}': VARCHAR}})"
        )
    if any(directory.glob("*.parquet")):
        return f"read_parquet('{path}/*.parquet')"
    return None


def _select_list(
    con: duckdb.DuckDBPyConnection, source: str, contract: Sequence[tuple[str, str]]
) -> str:
    """The contract's columns in its order when the files hold exactly those, else all."""
    found = [name for (name, *_) in con.execute(f"describe select * from {source}").fetchall()]
    ordered = [name for name, _ in contract]
    return ", ".join(map(_name, ordered)) if sorted(found) == sorted(ordered) else "*"


def _name(column: str) -> str:
    return '"' + column.replace('"', '""') + '"'
