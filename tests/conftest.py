"""Each process of the suite gets its own places to write, away from the repository.

The suite runs in parallel (pytest-xdist, pyproject.toml). Tests that refresh pass their own
paths, but whatever falls back to the defaults would write into the repository, shared by
the workers: dbt's target/ (manifest, partial-parse state, compiled SQL, dbt.log), which two
workers' `dbt parse` or builds would overwrite under each other, the Dagster instance in
.dagster_home (which `make test` exports), and data/. They point into a temporary folder of
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
}
OWN_ROOT = Path(
    tempfile.mkdtemp(prefix=f"gonghui-tests-{os.environ.get('PYTEST_XDIST_WORKER', 'main')}-")
)
for _variable, _place in OWN_PLACES.items():
    os.environ[_variable] = str(OWN_ROOT / _place)


def pytest_unconfigure(config: pytest.Config) -> None:
    shutil.rmtree(OWN_ROOT, ignore_errors=True)
