"""Where things live. Every path comes from an environment variable with a default
inside the repository, so a fresh clone runs without configuration."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
DBT_PROJECT_DIR = REPO_ROOT / "dbt_project"


def _path(var: str, default: str) -> Path:
    return Path(os.environ.get(var) or REPO_ROOT / default).resolve()


def raw_dir() -> Path:
    return _path("GONGHUI_RAW_DIR", "raw")


def warehouse_path() -> Path:
    return _path("GONGHUI_WAREHOUSE", "data/warehouse.duckdb")


def publish_dir() -> Path:
    return _path("GONGHUI_PUBLISH_DIR", "data/published")


def today() -> date:
    """Today, or GONGHUI_TODAY (YYYY-MM-DD) so tests and replays are deterministic."""
    override = os.environ.get("GONGHUI_TODAY")
    return date.fromisoformat(override) if override else date.today()
