"""The file registry: unchanged files are never parsed again; changes replace and archive."""

from __future__ import annotations

import os
from datetime import date, datetime

import duckdb

from pipelines.ingest import registry
from pipelines.ingest.load import ingest
from tests.integration.conftest import copy_fixture

TODAY = date(2026, 11, 23)
SOUTH_2025 = "returns/南镇2025.csv"


def query(warehouse, sql: str) -> list[tuple]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(sql).fetchall()


def test_second_run_without_changes_parses_nothing(tmp_path):
    raw, warehouse = copy_fixture(tmp_path), tmp_path / "wh.duckdb"
    first = ingest(raw, warehouse, TODAY, load_id="L1")
    second = ingest(raw, warehouse, TODAY, load_id="L2")

    assert (first.full, first.files_parsed) == (True, 10)
    assert (second.changed, second.files_parsed, second.files_unchanged) == (False, 0, 10)
    assert second.lines() == [
        "没有新增或改动的文件（10 个未变） / no new or changed files (10 unchanged)"
    ]
    assert query(warehouse, "select distinct load_id from landing.load_audit") == [("L1",)]
    # nothing was published yet: the first load is still in the record, the second added none
    assert query(warehouse, "select load_id, full_reload from landing.pending_loads") == [
        ("L1", True)
    ]


def test_a_changed_file_replaces_its_rows_and_keeps_the_old_ones_in_the_archive(tmp_path):
    raw, warehouse = copy_fixture(tmp_path), tmp_path / "wh.duckdb"
    ingest(raw, warehouse, TODAY, load_id="L1")
    south = raw / SOUTH_2025
    stat = south.stat()
    text = south.read_text(encoding="utf-8-sig").replace("南方制造有限公司", "南方制造集团有限公司")
    south.write_text(text, encoding="utf-8-sig")
    os.utime(south, (stat.st_atime, stat.st_mtime + 5))

    summary = ingest(raw, warehouse, TODAY, load_id="L2")

    assert (summary.full, summary.files_parsed, summary.files_unchanged) == (False, 1, 9)
    assert query(
        warehouse,
        f"select enterprise_name, load_id from landing.enterprise_returns "
        f"where source_file = '{SOUTH_2025}' order by source_row",
    ) == [("南方制造集团有限公司", "L2"), ("南星包装有限公司", "L2")]
    assert query(
        warehouse,
        "select enterprise_name, archive_reason from landing.enterprise_returns_archive "
        "order by source_row",
    ) == [("南方制造有限公司", "replaced"), ("南星包装有限公司", "replaced")]
    assert query(warehouse, "select count(distinct load_id) from landing.load_audit") == [(2,)]


def test_a_touched_file_only_moves_its_lineage(tmp_path):
    raw, warehouse = copy_fixture(tmp_path), tmp_path / "wh.duckdb"
    ingest(raw, warehouse, TODAY, load_id="L1")
    south = raw / SOUTH_2025
    later = south.stat().st_mtime + 3600
    os.utime(south, (later, later))

    summary = ingest(raw, warehouse, TODAY, load_id="L2")

    assert (summary.changed, summary.files_parsed) == (True, 0)
    rows = query(
        warehouse,
        f"select distinct load_id, file_mtime from landing.enterprise_returns "
        f"where source_file = '{SOUTH_2025}'",
    )
    assert rows == [("L1", datetime.fromtimestamp(int(later)))]


def test_only_files_whose_size_or_mtime_moved_are_read_again(tmp_path, monkeypatch):
    raw, warehouse = copy_fixture(tmp_path), tmp_path / "wh.duckdb"
    ingest(raw, warehouse, TODAY, load_id="L1")
    south = raw / SOUTH_2025
    later = south.stat().st_mtime + 3600
    os.utime(south, (later, later))
    read = []
    real_sha256 = registry.file_sha256
    monkeypatch.setattr(
        registry, "file_sha256", lambda path: read.append(path) or real_sha256(path)
    )

    incremental = ingest(raw, warehouse, TODAY, load_id="L2")
    reread = len(read)
    full = ingest(raw, warehouse, TODAY, load_id="L3", full=True)

    assert (incremental.changed, incremental.files_parsed, reread) == (True, 0, 1)
    assert read[0] == south
    assert (full.full, len(read) - reread) == (True, 10)


def test_new_reference_data_forces_a_full_reload(tmp_path):
    raw, warehouse = copy_fixture(tmp_path), tmp_path / "wh.duckdb"
    ingest(raw, warehouse, TODAY, load_id="L1")
    (raw / "reference" / "targets 2026.csv").write_text(
        "年度,区划代码,指标代码,目标值\n2026,990000000000,org_rate,96\n", encoding="utf-8"
    )

    summary = ingest(raw, warehouse, TODAY, load_id="L2")

    assert (summary.full, summary.plan_reason, summary.files_parsed) == (
        True,
        "reference data changed",
        11,
    )
    assert query(warehouse, "select distinct load_id from landing.enterprise_returns") == [("L2",)]


def test_a_new_month_revalidates_everything(tmp_path):
    raw, warehouse = copy_fixture(tmp_path), tmp_path / "wh.duckdb"
    ingest(raw, warehouse, TODAY, load_id="L1")

    summary = ingest(raw, warehouse, date(2026, 12, 1), load_id="L2")

    assert (summary.full, summary.plan_reason) == (True, "seeds, dbt project or month changed")
