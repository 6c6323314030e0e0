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
# `dagster dev` re-parses on every load; elsewhere (CLI, tests) parse once if missing.
dbt_project.prepare_if_dev()
if not dbt_project.manifest_path.exists():
    dbt_project.preparer.prepare(dbt_project)
