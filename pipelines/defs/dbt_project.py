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
    target_path=settings.dbt_target_dir(),
)


# The warehouse path the manifest was parsed with. dbt's partial parsing (what keeps each
# build from parsing the whole project again) only holds while the profile, which names the
# warehouse file, is the same at parse and at build time.
PARSED_FOR = dbt_project.manifest_path.with_name("gonghui_parsed_for_warehouse.txt")


def _manifest_is_stale() -> bool:
    """No manifest yet, a model, seed, test, macro or yml edited since it was parsed, or
    another warehouse file to build."""
    if not dbt_project.manifest_path.exists() or not PARSED_FOR.exists():
        return True
    if PARSED_FOR.read_text(encoding="utf-8") != os.environ["GONGHUI_WAREHOUSE"]:
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
if dbt_project.preparer.using_dagster_dev() or _manifest_is_stale():
    dbt_project.preparer.prepare(dbt_project)
    PARSED_FOR.write_text(os.environ["GONGHUI_WAREHOUSE"], encoding="utf-8")
