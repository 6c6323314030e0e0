"""The one place that owns the dbt project: its location and its manifest."""

from __future__ import annotations

import os

from dagster_dbt import DbtProject

from pipelines import settings

settings.prepare_offline_environment()
# dbt's profile reads the warehouse path from this variable; give it the default here
# so that parsing the project works without any environment set up.
os.environ.setdefault("GONGHUI_WAREHOUSE", str(settings.warehouse_path()))

dbt_project = DbtProject(
    project_dir=settings.DBT_PROJECT_DIR,
    profiles_dir=settings.DBT_PROJECT_DIR,
)


def _manifest_is_stale() -> bool:
    """No manifest yet, or a model, seed, test, macro or yml edited since it was parsed."""
    if not dbt_project.manifest_path.exists():
        return True
    parsed_at = dbt_project.manifest_path.stat().st_mtime
    sources = settings.DBT_PROJECT_DIR
    return (
        any(
            path.stat().st_mtime > parsed_at
            for folder in ("models", "seeds", "tests", "macros")
            for path in (sources / folder).rglob("*")
            if path.is_file()
        )
        or (sources / "dbt_project.yml").stat().st_mtime > parsed_at
    )


# `dagster dev` re-parses on every load; elsewhere (CLI, tests) only when out of date.
dbt_project.prepare_if_dev()
if _manifest_is_stale():
    dbt_project.preparer.prepare(dbt_project)
