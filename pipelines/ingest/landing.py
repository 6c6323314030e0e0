"""The landing schema: the tables ingestion writes and dbt reads as sources.

Spelled once here; the loader creates them, tests build fixtures with them, and
`dbt_project/models/staging/__sources.yml` documents the same columns.
"""

from __future__ import annotations

import duckdb

SCHEMA = "landing"

LINEAGE = """
    source_file VARCHAR NOT NULL,
    sheet VARCHAR,
    source_row INTEGER NOT NULL,
    file_mtime TIMESTAMP,
    load_id VARCHAR
"""

TABLES: dict[str, str] = {
    "enterprise_returns": f"""{LINEAGE},
    uscc VARCHAR NOT NULL,
    enterprise_name VARCHAR,
    region_code VARCHAR NOT NULL,
    period VARCHAR NOT NULL,
    ownership VARCHAR,
    industry_code VARCHAR,
    employees BIGINT NOT NULL,
    female_employees BIGINT,
    migrant_employees BIGINT,
    union_form VARCHAR NOT NULL,
    members BIGINT,
    female_members BIGINT,
    migrant_members BIGINT,
    members_registered BIGINT,
    cba_signed_on DATE,
    cba_expires_on DATE,
    cba_covered BIGINT,
    female_cba BOOLEAN,
    wage_signed_on DATE,
    wage_expires_on DATE,
    wage_rounds BIGINT,
    wage_rise_pct DOUBLE,
    workers_congress BOOLEAN,
    open_affairs BOOLEAN,
    union_legal_person BOOLEAN,
    unknown_fields VARCHAR""",
    "summary_returns": f"""{LINEAGE},
    region_code VARCHAR NOT NULL,
    region_name VARCHAR,
    period VARCHAR NOT NULL,
    enterprises BIGINT,
    unionised_enterprises BIGINT,
    org_rate DOUBLE,
    employees BIGINT,
    members BIGINT,
    membership_rate DOUBLE,
    cba_enterprises BIGINT,
    cba_rate DOUBLE,
    wage_enterprises BIGINT,
    new_unions BIGINT,
    new_congresses BIGINT""",
    "ref_regions": f"""{LINEAGE},
    region_code VARCHAR NOT NULL,
    region_name VARCHAR NOT NULL,
    region_level VARCHAR NOT NULL,
    parent_code VARCHAR""",
    "ref_targets": f"""{LINEAGE},
    year INTEGER NOT NULL,
    region_code VARCHAR NOT NULL,
    kpi VARCHAR NOT NULL,
    target DOUBLE NOT NULL""",
    "ref_header_aliases": f"""{LINEAGE},
    header VARCHAR NOT NULL,
    field_code VARCHAR NOT NULL,
    applies_to VARCHAR""",
    "ref_boundaries": f"""{LINEAGE},
    region_code VARCHAR NOT NULL,
    geometry VARCHAR NOT NULL""",
    "quarantine": f"""{LINEAGE},
    feed VARCHAR NOT NULL,
    field VARCHAR,
    value VARCHAR,
    reason_code VARCHAR NOT NULL,
    message_zh VARCHAR NOT NULL,
    message_en VARCHAR NOT NULL,
    row_data VARCHAR,
    uscc VARCHAR,
    region_code VARCHAR,
    period VARCHAR""",
    "field_issues": f"""{LINEAGE},
    feed VARCHAR NOT NULL,
    field VARCHAR NOT NULL,
    value VARCHAR,
    reason_code VARCHAR NOT NULL,
    message_zh VARCHAR NOT NULL,
    message_en VARCHAR NOT NULL,
    outcome VARCHAR NOT NULL,
    uscc VARCHAR,
    region_code VARCHAR,
    period VARCHAR""",
    "load_audit": """
    load_id VARCHAR,
    source_file VARCHAR NOT NULL,
    feed VARCHAR,
    sheet VARCHAR,
    file_mtime TIMESTAMP,
    file_size BIGINT,
    sha256 VARCHAR,
    status VARCHAR NOT NULL,
    error_code VARCHAR,
    message_zh VARCHAR,
    message_en VARCHAR,
    rows_read BIGINT NOT NULL,
    rows_accepted BIGINT NOT NULL,
    rows_quarantined BIGINT NOT NULL,
    rows_with_field_issues BIGINT NOT NULL,
    rows_skipped BIGINT NOT NULL,
    total_lines BIGINT NOT NULL,
    note_lines BIGINT NOT NULL,
    other_lines BIGINT NOT NULL,
    unknown_columns VARCHAR,
    loaded_at TIMESTAMP""",
}


# Tables that outlive a full reload: the history of replaced and removed files, the state
# the last load was made under (see pipelines.ingest.registry), and the record of what
# changed: every load the published snapshot does not have yet, with the (town, period)
# partitions of enterprise returns it touched. dbt rebuilds those partitions, the publish
# copies them and then clears the record (pipelines.warehouse.changes), noting where the
# tables it published from live. A full reload touches every partition and asks dbt for a
# full build.
KEPT_TABLES: dict[str, str] = {
    "enterprise_returns_archive": f"""{TABLES["enterprise_returns"]},
    archived_at TIMESTAMP NOT NULL,
    archive_reason VARCHAR NOT NULL""",
    "ingest_state": """
    state_key VARCHAR NOT NULL,
    loaded_at TIMESTAMP NOT NULL""",
    "pending_loads": """
    load_id VARCHAR NOT NULL,
    full_reload BOOLEAN NOT NULL,
    loaded_at TIMESTAMP NOT NULL""",
    "pending_partitions": """
    load_id VARCHAR NOT NULL,
    region_code VARCHAR NOT NULL,
    period VARCHAR NOT NULL""",
    "published_build": """
    tables_location VARCHAR NOT NULL,
    published_at TIMESTAMP NOT NULL""",
}
# Of those, what only the pipeline reads, not dbt: the registry's state and where the last
# snapshot was published from.
PIPELINE_STATE = frozenset({"ingest_state", "published_build"})


def create_landing_tables(con: duckdb.DuckDBPyConnection, *, replace: bool = False) -> None:
    """Create every landing table (empty). With replace, drop what is there first,
    except the tables in KEPT_TABLES, which are only created when missing."""
    con.execute(f"create schema if not exists {SCHEMA}")
    verb = "create or replace table" if replace else "create table if not exists"
    for name, columns in TABLES.items():
        con.execute(f"{verb} {SCHEMA}.{name} ({columns})")
    for name, columns in KEPT_TABLES.items():
        con.execute(f"create table if not exists {SCHEMA}.{name} ({columns})")
        for column in _added_columns(columns):  # a column added since the table was made
            con.execute(f"alter table {SCHEMA}.{name} add column if not exists {column}")


def _added_columns(columns: str) -> list[str]:
    """The nullable column definitions of a table's columns ("name TYPE"), the ones a kept
    table can gain in place."""
    return [c.strip() for c in columns.split(",") if c.strip() and "NOT NULL" not in c]
