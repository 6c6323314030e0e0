"""A refresh with nothing to do is not launched: the CLI and the nightly schedule ask
pipelines.warehouse.freshness first, and it says so only when the run would find nothing."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from datetime import date, datetime
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from pipelines.definitions import defs
from pipelines.ingest.landing import SCHEMA
from pipelines.warehouse.freshness import nothing_to_refresh

TODAY = date(2026, 11, 23)  # the refreshed city's GONGHUI_TODAY


@pytest.fixture
def city(refreshed_city, tmp_path) -> Path:
    """A copy of the refreshed messy city, files with their modification times."""
    root = tmp_path / "city"
    shutil.copytree(refreshed_city.root, root, ignore=shutil.ignore_patterns("dagster_home"))
    return root


def up_to_date(root: Path, today: date = TODAY) -> bool:
    return nothing_to_refresh(root / "raw", root / "warehouse.duckdb", root / "published", today)


def test_the_city_just_refreshed_has_nothing_to_refresh(city):
    assert up_to_date(city)


def test_a_new_month_revalidates_so_there_is_something_to_do(city):
    assert not up_to_date(city, date(2026, 12, 1))
    assert up_to_date(city, date(2026, 11, 30))


@pytest.mark.parametrize("change", ["added", "removed", "touched"])
def test_a_file_added_removed_or_saved_again_is_something_to_do(city, change):
    returns = city / "raw" / "returns"
    first = sorted(returns.glob("*.csv"))[0]
    if change == "added":
        shutil.copy(first, returns / "东镇2026年报.csv")
    elif change == "removed":
        first.unlink()
    else:
        os.utime(first, (time.time(), time.time()))
    assert not up_to_date(city)


def test_a_load_not_yet_published_is_something_to_do(city):
    with duckdb.connect(str(city / "warehouse.duckdb")) as con:
        con.execute(f"insert into {SCHEMA}.pending_loads values ('a-failed-run', false, now())")
    assert not up_to_date(city)


def test_no_snapshot_or_no_warehouse_is_something_to_do(city, tmp_path):
    shutil.move(city / "published", tmp_path / "published_aside")
    assert not up_to_date(city)
    shutil.move(tmp_path / "published_aside", city / "published")
    (city / "warehouse.duckdb").unlink()
    assert not up_to_date(city)


def test_a_warehouse_another_refresh_is_writing_is_not_judged(city):
    """The writer's lock keeps every other process out, even read-only: the answer is
    False (launch, and the run waits its turn), not an error."""
    holder = subprocess.Popen(
        [sys.executable, "-c", "import duckdb, sys, time\n"
         f"con = duckdb.connect({str(city / 'warehouse.duckdb')!r})\n"
         "print('holding', flush=True)\ntime.sleep(60)"],
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert holder.stdout.readline().strip() == "holding"
        assert not up_to_date(city)
    finally:
        holder.kill()
        holder.wait()
    assert up_to_date(city)


def test_the_nightly_schedule_skips_when_nothing_changed_and_fires_after_a_new_file(
    city, monkeypatch
):
    monkeypatch.setenv("GONGHUI_RAW_DIR", str(city / "raw"))
    monkeypatch.setenv("GONGHUI_WAREHOUSE", str(city / "warehouse.duckdb"))
    monkeypatch.setenv("GONGHUI_PUBLISH_DIR", str(city / "published"))
    monkeypatch.setenv("GONGHUI_TODAY", TODAY.isoformat())
    schedule = defs.resolve_schedule_def("nightly_refresh")
    with dg.instance_for_test() as instance:
        context = dg.build_schedule_context(
            instance=instance, scheduled_execution_time=datetime(2026, 11, 24, 2, 0)
        )
        skipped = schedule.evaluate_tick(context)
        assert skipped.run_requests == []
        assert "raw/ 与已发布的快照一致" in skipped.skip_message

        shutil.copy(
            sorted((city / "raw" / "returns").glob("*.csv"))[0],
            city / "raw" / "returns" / "新.csv",
        )
        fired = schedule.evaluate_tick(context)
    assert len(fired.run_requests) == 1
