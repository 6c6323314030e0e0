"""Incremental dbt builds and snapshots: after files are added, changed, removed and touched,
the snapshot an incremental refresh publishes equals, row for row, what a full rebuild of the
same warehouse publishes (rebuilt in a copy after every round, as a later round could mend
what an earlier one missed)."""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import dagster as dg
import duckdb

from pipelines.definitions import defs
from pipelines.warehouse import changes
from pipelines.warehouse.publish import current_snapshot
from tests.integration.conftest import check_evaluations, copy_fixture, run_refresh

EAST_2024 = "returns/东镇2024年报.csv"
EAST_2025 = "returns/东镇2025年报.csv"
SOUTH_CORRECTION = "returns/南镇2025 更正.csv"
SOUTH = "990201001000"
EAST_MACHINERY = "91330200MA0000001L"  # 东方机械, an enterprise of 东镇
# Columns that name the load, which a full reload gives a new value: not content.
LOAD_COLUMNS = ("load_id", "loaded_at")
INCREMENTAL = "增量建模"
FULL = "全量建模"


def snapshot_rows(published: Path) -> dict[str, list[tuple]]:
    """Every published table's rows, sorted, without the load columns (and without the
    snapshot's own bookkeeping: when and from what it was published)."""
    with duckdb.connect(str(current_snapshot(published)), read_only=True) as con:
        tables = [
            name
            for (name,) in con.execute(
                "select table_name from information_schema.tables "
                "where table_schema = 'main' and table_name not like 'snapshot_%'"
            ).fetchall()
        ]
        rows = {}
        for table in tables:
            columns = [
                name
                for (name,) in con.execute(
                    "select column_name from information_schema.columns "
                    "where table_schema = 'main' and table_name = ? order by ordinal_position",
                    [table],
                ).fetchall()
                if name not in LOAD_COLUMNS
            ]
            listed = ", ".join(f'"{name}"' for name in columns)
            rows[table] = con.execute(f'select {listed} from "{table}" order by all').fetchall()
    return rows


def write_return(path: Path, lines: list[str], mtime: float) -> None:
    """A town's CSV return: title, header, the given data lines (UTF-8 with BOM)."""
    header = (path.parent / Path(EAST_2025).name).read_bytes().decode("gb18030").splitlines()[:3]
    path.write_text("\r\n".join([*header, *lines]) + "\r\n", encoding="utf-8-sig")
    os.utime(path, (mtime, mtime))


def test_incremental_refreshes_publish_exactly_what_a_full_rebuild_publishes(tmp_path):
    raw = copy_fixture(tmp_path)
    code, output = run_refresh(tmp_path, raw)
    assert code == 0, output
    assert FULL in output
    east_2025 = (raw / EAST_2025).read_bytes().decode("gb18030").splitlines()
    machinery = next(line for line in east_2025 if line.startswith(EAST_MACHINERY))
    now = time.time()

    # Round 1: only earlier periods change: a 2024 return for 南镇, and 东镇 2024 resent
    # without one enterprise. The 2025 报送率 and 停报 of both towns change with them.
    south_2025 = (raw / "returns/南镇2025.csv").read_text(encoding="utf-8-sig").splitlines()
    write_return(
        raw / "returns/南镇2024.csv",
        [line.replace("2025-12", "2024-12") for line in south_2025[3:5]],
        now,
    )
    east_2024 = raw / EAST_2024
    text = east_2024.read_bytes().decode("gb18030").splitlines(keepends=True)
    east_2024.write_bytes("".join(line for line in text if "东逝纺织" not in line).encode("gbk"))
    os.utime(east_2024, (now, now))
    refresh_incrementally(tmp_path, raw)
    checked = {
        name: evaluation.metadata["checked"].value
        for name, evaluation in check_evaluations(tmp_path / "dagster_home").items()
    }
    assert (
        checked["returns_counts_consistent"]
        == "尚未发布的载入中的行（1次载入）rows of 1 unpublished load(s)"
    )
    assert checked["returns_volume_vs_previous_period"] == "全部行 all rows"

    # Round 2: a late 南镇 return moves 东方机械 to 南镇 for 2025, which takes its row out of
    # 东镇 2025, a file that did not change; the 南镇 correction is withdrawn.
    write_return(
        raw / "returns/南镇2025 补报.csv",
        [machinery.replace("990101001000", SOUTH)],
        now + 60,
    )
    (raw / SOUTH_CORRECTION).unlink()
    refresh_incrementally(tmp_path, raw)
    published = snapshot_rows(tmp_path / "published")
    moved = published["fct_enterprise_returns"]
    assert [row[2] for row in moved if row[0] == EAST_MACHINERY and row[4] == "2025-12"] == [SOUTH]
    # 东镇 2025 lists it as moved out (迁出), not as stopped reporting (停报)
    assert [
        (row[1], row[2])
        for row in published["mart_actions"]
        if row[3] == EAST_MACHINERY and row[1] in ("moved_out", "stopped_reporting")
    ] == [("moved_out", "已迁出，本期在南镇报送")]

    # Round 3: 东镇 2025 is saved again (a later mtime, the same content), which makes
    # 东方机械 东镇's again and takes it out of 南镇 2025.
    os.utime(raw / EAST_2025, (now + 120, now + 120))
    full = refresh_incrementally(tmp_path, raw)

    current = [row for row in full["fct_enterprise_returns"] if row[0] == EAST_MACHINERY]
    assert [(row[2], row[4]) for row in current] == [
        ("990101001000", "2024-12"),
        ("990101001000", "2025-12"),
    ]
    assert len(full["fct_enterprise_return_history"]) > len(full["fct_enterprise_returns"])


def refresh_incrementally(root: Path, raw: Path) -> dict[str, list[tuple]]:
    """An incremental refresh, checked against a full rebuild of a copy of the same city;
    returns the rows published."""
    code, output = run_refresh(root, raw)
    assert code == 0, output
    assert INCREMENTAL in output
    assert "已发布新快照" in output
    incremental = snapshot_rows(root / "published")

    copy = root.parent / f"{root.name}-full"
    shutil.rmtree(copy, ignore_errors=True)
    shutil.copytree(root, copy)  # with the files' modification times
    code, output = run_refresh(copy, copy / raw.relative_to(root), full=True)
    assert code == 0, output
    assert FULL in output
    full = snapshot_rows(copy / "published")

    assert incremental.keys() == full.keys()
    for table in full:
        assert incremental[table] == full[table], table
    return full


def test_dbt_assets_built_by_hand_leave_the_next_refresh_full(tmp_path, monkeypatch):
    raw = copy_fixture(tmp_path)
    code, output = run_refresh(tmp_path, raw)
    assert code == 0, output
    warehouse = tmp_path / "warehouse.duckdb"
    assert changes.pending(warehouse) == changes.NOTHING
    # as a warehouse loaded before the landing was written as Parquet has none
    shutil.rmtree(tmp_path / "landing")

    # what "Materialize" on one dbt asset in the Dagster UI runs: a subset, by dagster-dbt
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "dagster_home"))
    monkeypatch.setenv("GONGHUI_WAREHOUSE", str(warehouse))
    monkeypatch.delenv("GONGHUI_LANDING_DIR", raising=False)
    with dg.DagsterInstance.get() as instance:
        result = defs.resolve_job_def("refresh").execute_in_process(
            instance=instance, asset_selection=[dg.AssetKey("dim_region")]
        )
    assert result.success
    built = {event.asset_key for event in result.get_asset_materialization_events()}
    assert built == {dg.AssetKey("dim_region")}
    assert changes.pending(warehouse).full
    # the dbt step wrote the landing Parquet its sources read, and left this process's
    # environment as it was: a later refresh here of another warehouse finds its own
    assert (tmp_path / "landing" / "enterprise_returns" / "_fingerprints.json").exists()
    assert "GONGHUI_LANDING_DIR" not in os.environ

    # the next refresh with something to do builds everything
    later = time.time() + 60
    os.utime(raw / EAST_2025, (later, later))
    code, output = run_refresh(tmp_path, raw)
    assert code == 0, output
    assert FULL in output
    assert changes.pending(warehouse) == changes.NOTHING


def _published_from(warehouse: Path) -> list[tuple[str]]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute("select tables_location from landing.published_build").fetchall()


def test_a_snapshot_published_from_other_tables_makes_the_next_refresh_full(tmp_path):
    """After a snapshot published from Spark's tables (GONGHUI_ENGINE=spark, stood in for by
    the note it leaves), DuckDB's tables lack the loads that snapshot took in: the next
    refresh on DuckDB builds everything, notes DuckDB, and the one after is incremental."""
    raw = copy_fixture(tmp_path)
    code, output = run_refresh(tmp_path, raw)
    assert code == 0, output
    warehouse = tmp_path / "warehouse.duckdb"
    assert _published_from(warehouse) == [("duckdb",)]
    with duckdb.connect(str(warehouse)) as con:
        con.execute("update landing.published_build set tables_location = 'spark:/shared/main.db'")
    later = time.time() + 60
    os.utime(raw / EAST_2025, (later, later))

    code, output = run_refresh(tmp_path, raw)

    assert code == 0, output
    assert "上次发布所用的表在 spark:/shared/main.db" in output
    assert FULL in output
    assert _published_from(warehouse) == [("duckdb",)]
    os.utime(raw / EAST_2025, (later + 60, later + 60))
    code, output = run_refresh(tmp_path, raw)
    assert code == 0, output
    assert INCREMENTAL in output
