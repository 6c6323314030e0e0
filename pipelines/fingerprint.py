"""What a published snapshot was built from, so a refresh can tell it has nothing to do.

The fingerprint covers every file in the landing registry (name, content hash, mtime)
and every file of the dbt project (models, seeds, tests, macros). A refresh whose
warehouse fingerprint equals the current snapshot's skips dbt and publish; a failed run
leaves the snapshot's fingerprint behind, so the next run rebuilds by itself.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import duckdb

from pipelines import settings
from pipelines.publish import current_snapshot

DBT_FOLDERS = ("models", "seeds", "tests", "macros")


def dbt_project_digest() -> str:
    digest = hashlib.sha256()
    root = settings.DBT_PROJECT_DIR
    files = [root / "dbt_project.yml"] + sorted(
        path for folder in DBT_FOLDERS for path in (root / folder).rglob("*") if path.is_file()
    )
    for path in files:
        digest.update(path.relative_to(root).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def warehouse_fingerprint(warehouse: Path) -> str:
    digest = hashlib.sha256(dbt_project_digest().encode())
    with duckdb.connect(str(warehouse), read_only=True) as con:
        rows = con.execute(
            "select source_file, coalesce(sheet, ''), coalesce(sha256, ''), "
            "coalesce(file_mtime::varchar, '') from landing.load_audit order by all"
        ).fetchall()
    for row in rows:
        digest.update("\x1f".join(row).encode() + b"\x1e")
    return digest.hexdigest()


def published_fingerprint(publish_dir: Path) -> str | None:
    snapshot = current_snapshot(publish_dir)
    if snapshot is None:
        return None
    with duckdb.connect(str(snapshot), read_only=True) as con:
        has_column = con.execute(
            "select count(*) from information_schema.columns "
            "where table_name = 'snapshot_info' and column_name = 'fingerprint'"
        ).fetchone()[0]
        if not has_column:
            return None
        row = con.execute("select fingerprint from snapshot_info").fetchone()
    return row[0] if row else None
