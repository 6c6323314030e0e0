"""The last build: which code made it and which loads it was built from.

A refresh whose last build finished with the same code only needs to look at what changed
since: the incremental dbt models (dbt_project/macros/partitions.sql) rebuild only the
partitions whose landing rows changed, and the landing checks that judge rows one by one look
only at the rows of loads that build did not see (pipelines.defs.checks). That is right only
when the last build finished: one that failed half-way leaves some tables newer than others.
So a build removes the record as it starts and writes it when it finishes, and a refresh that
finds none (first build, failed build, code changed, full reload of the landing tables)
builds and checks everything.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import duckdb

from pipelines.fingerprint import dbt_project_digest

SCHEMA = "refresh_state"
BUILD = f"{SCHEMA}.last_build"
BUILT_LOADS = f"{SCHEMA}.built_loads"
# the expectation suites (read as a file: the suites import the ingestion, which imports this)
SUITES_SOURCE = Path(__file__).parent / "quality" / "suites.py"


def code_digest() -> str:
    """What decides how rows are checked and built: the dbt project and the GX suites."""
    digest = hashlib.sha256(dbt_project_digest().encode())
    digest.update(SUITES_SOURCE.read_bytes())
    return digest.hexdigest()


def last_build_finished(warehouse: Path, digest: str) -> bool:
    """True when the last build finished, made by the code of `digest`."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return _finished(con, digest)


def new_loads(warehouse: Path, digest: str) -> list[str] | None:
    """The loads in the landing tables that the last build did not have, or None when there
    is no finished build made by the code of `digest` to go on from."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        if not _finished(con, digest):
            return None
        rows = con.execute(
            f"select load_id from landing.load_audit except select load_id from {BUILT_LOADS} "
            "order by all"
        ).fetchall()
    return [load_id for (load_id,) in rows]


def start(warehouse: Path) -> None:
    """A build begins: until it finishes, the next one must be full."""
    with duckdb.connect(str(warehouse)) as con:
        forget(con)


def finish(warehouse: Path, digest: str) -> None:
    """A build finished with the code of `digest`, from every load in the landing tables."""
    with duckdb.connect(str(warehouse)) as con:
        forget(con)
        con.execute(f"insert into {BUILT_LOADS} select distinct load_id from landing.load_audit")
        con.execute(f"insert into {BUILD} values (?, now())", [digest])


def forget(con: duckdb.DuckDBPyConnection) -> None:
    """No finished build to go on from (also: the ingestion's full reload replaces every row)."""
    con.execute(f"create schema if not exists {SCHEMA}")
    con.execute(
        f"create table if not exists {BUILD} "
        "(code_digest varchar not null, finished_at timestamp not null)"
    )
    con.execute(f"create table if not exists {BUILT_LOADS} (load_id varchar)")
    con.execute(f"delete from {BUILD}")
    con.execute(f"delete from {BUILT_LOADS}")


def _finished(con: duckdb.DuckDBPyConnection, digest: str) -> bool:
    exists = con.execute(
        "select count(*) from information_schema.tables "
        "where table_schema = ? and table_name = 'last_build'",
        [SCHEMA],
    ).fetchone()[0]
    if not exists:
        return False
    return con.execute(f"select code_digest from {BUILD}").fetchall() == [(digest,)]
