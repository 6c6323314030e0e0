"""Each process of the suite gets its own places to write, away from the repository; the
slow test files are handed out first.

The suite runs in parallel (pytest-xdist, pyproject.toml). Tests that refresh pass their own
paths, but whatever falls back to the defaults would write into the repository, shared by
the workers: dbt's target/ (manifest, partial-parse state, compiled SQL, dbt.log), which two
workers' `dbt parse` or builds would overwrite under each other, the Dagster instance in
.dagster_home (which `make test` exports), data/, and docs/dbt/ (whose data dictionary, when a
`make docs` left one, 数据质量 would otherwise show). They point into a temporary folder of
this process's own, set as this file is loaded: before the conftests below it, which import
pipelines (dbt's paths are fixed on import), and before the test modules are collected.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest

# variable → place in the process's folder
OWN_PLACES = {
    "DBT_TARGET_PATH": "dbt_target",  # read by dbt, dagster-dbt and pipelines.settings
    "DAGSTER_HOME": "dagster_home",
    "GONGHUI_WAREHOUSE": "data/warehouse.duckdb",
    "GONGHUI_PUBLISH_DIR": "data/published",
    "GONGHUI_DBT_DOCS": "docs/dbt/index.html",  # the data dictionary 数据质量 offers
}
# Folders whose tests run whole refreshes, dbt or servers. pytest-xdist hands out test files
# in collection order (pyproject.toml): these first, so that the many quick files fill in
# the end instead of one worker finishing alone with a minute-long file.
SLOW_FOLDERS = ("benchmarks", "integration")
TESTS = Path(__file__).resolve().parent
OWN_ROOT = Path(
    tempfile.mkdtemp(prefix=f"gonghui-tests-{os.environ.get('PYTEST_XDIST_WORKER', 'main')}-")
)
for _variable, _place in OWN_PLACES.items():
    os.environ[_variable] = str(OWN_ROOT / _place)


def pytest_unconfigure(config: pytest.Config) -> None:
    shutil.rmtree(OWN_ROOT, ignore_errors=True)


def _slow_first(item: pytest.Item) -> bool:
    """False (sorted first) for a test in one of the slow folders."""
    path = Path(item.path).resolve()
    return not (TESTS in path.parents and path.relative_to(TESTS).parts[0] in SLOW_FOLDERS)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    items.sort(key=_slow_first)  # stable: each folder's own order is kept
