"""A whole refresh of the messy-city fixture, run once per session in a temp dir."""

from __future__ import annotations

import contextlib
import io
import os
import shutil
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from pipelines.cli import main as gonghui
from pipelines.quality import suites

FIXTURE_RAW = Path(__file__).parents[1] / "fixtures" / "messy_city" / "raw"
CORRECTION = "returns/南镇2025 更正.csv"


@dataclass
class RefreshedCity:
    root: Path
    raw: Path
    warehouse: Path
    published: Path
    exit_code: int
    output: str

    def query(self, sql: str, params: list | None = None) -> list[tuple]:
        with duckdb.connect(str(self.warehouse), read_only=True) as con:
            return con.execute(sql, params or []).fetchall()


def copy_fixture(target: Path) -> Path:
    """Copy the fixture and give the correction file a later modification time.

    git does not keep mtimes, so the test sets them: every file an hour ago, the
    correction a minute later (it must supersede 南镇2025.csv).
    """
    raw = target / "raw"
    shutil.copytree(FIXTURE_RAW, raw)
    base = time.time() - 3600
    for path in raw.rglob("*"):
        if path.is_file():
            os.utime(path, (base, base))
    os.utime(raw / CORRECTION, (base + 60, base + 60))
    return raw


def run_refresh(
    root: Path, raw: Path, today: str = "2026-11-23", *, full: bool = False
) -> tuple[int, str]:
    """`gonghui refresh [--full]` of raw into root/warehouse.duckdb and root/published, in
    process.

    The environment is restored afterwards. Returns (exit code, what it printed)."""
    env = {
        "DAGSTER_HOME": str(root / "dagster_home"),
        "GONGHUI_TODAY": today,
        "GONGHUI_PUBLISH_DIR": str(root / "published"),
    }
    saved = {key: os.environ.get(key) for key in [*env, "GONGHUI_RAW_DIR", "GONGHUI_WAREHOUSE"]}
    os.environ.update(env)
    buffer = io.StringIO()
    warehouse = root / "warehouse.duckdb"
    try:
        with contextlib.redirect_stdout(buffer):
            args = ["refresh", "--raw", str(raw), "--warehouse", str(warehouse)]
            code = gonghui([*args, "--full"] if full else args)
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    return code, buffer.getvalue()


@contextlib.contextmanager
def instance_at(dagster_home: Path) -> Iterator[dg.DagsterInstance]:
    """The Dagster instance of that home (its dagster.yaml names storage by DAGSTER_HOME,
    which is set for the moment and restored afterwards)."""
    saved = os.environ.get("DAGSTER_HOME")
    os.environ["DAGSTER_HOME"] = str(dagster_home)
    try:
        with dg.DagsterInstance.get() as instance:
            yield instance
    finally:
        if saved is None:
            os.environ.pop("DAGSTER_HOME", None)
        else:
            os.environ["DAGSTER_HOME"] = saved


def check_evaluations(
    dagster_home: Path, run_id: str | None = None
) -> dict[str, dg.AssetCheckEvaluation]:
    """The Great Expectations check evaluations of run `run_id` (default: the latest run) in
    that Dagster home, by suite name."""
    with instance_at(dagster_home) as instance:
        run_id = run_id or instance.get_runs(limit=1)[0].run_id
        events = instance.all_logs(run_id, of_type=dg.DagsterEventType.ASSET_CHECK_EVALUATION)
    names = {suite.name for suite in suites.SUITES}
    evaluations = [event.dagster_event.event_specific_data for event in events]
    return {e.check_name: e for e in evaluations if e.check_name in names}


@pytest.fixture(scope="session")
def gonghui_refresh():
    """`run_refresh`, for test modules (conftest is not importable as a module)."""
    return run_refresh


@pytest.fixture(scope="session")
def copy_messy_city():
    """`copy_fixture`, for test modules that change their own copy of the city."""
    return copy_fixture


@pytest.fixture(scope="session")
def refreshed_city(tmp_path_factory) -> RefreshedCity:
    root = tmp_path_factory.mktemp("messy_city")
    raw = copy_fixture(root)
    code, output = run_refresh(root, raw)
    return RefreshedCity(root, raw, root / "warehouse.duckdb", root / "published", code, output)
