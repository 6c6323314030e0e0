"""The one place that owns the dbt project: its location and its manifest."""

from __future__ import annotations

import fcntl
import os
from pathlib import Path

from dagster_dbt import DbtCliResource, DbtProject

from pipelines import settings
from pipelines.defs import offline_dbt

settings.prepare_offline_environment()
# dbt's profile reads the warehouse path from this variable; give it the default here
# so that parsing the project works without any environment set up.
os.environ.setdefault("GONGHUI_WAREHOUSE", str(settings.warehouse_path()))


# The warehouse path the manifest was parsed with. dbt's partial parsing (what keeps each
# build from parsing the whole project again) only holds while the profile, which names the
# warehouse file, is the same at parse and at build time.
def _parsed_for(project: DbtProject) -> Path:
    return project.manifest_path.with_name("gonghui_parsed_for_warehouse.txt")


def _manifest_is_stale(project: DbtProject) -> bool:
    """No manifest yet, a model, seed, test, macro or yml edited since it was parsed, or
    another warehouse file to build."""
    if not project.manifest_path.exists() or not _parsed_for(project).exists():
        return True
    if _parsed_for(project).read_text(encoding="utf-8") != os.environ["GONGHUI_WAREHOUSE"]:
        return True
    parsed_at = project.manifest_path.stat().st_mtime
    sources = project.project_dir
    return (
        any(
            path.stat().st_mtime > parsed_at
            for folder in ("models", "seeds", "tests", "macros")
            for path in (sources / folder).rglob("*")
            if path.is_file()
        )
        or (sources / "dbt_project.yml").stat().st_mtime > parsed_at
    )


def _parse(project: DbtProject) -> None:
    """`dbt parse`, as dagster-dbt's own preparer runs it but through the offline dbt
    executable (the preparer's is always `dbt`, whose version check calls PyPI)."""
    # one parse at a time: the code server and a run process of `dagster dev` may both load
    # the definitions at once, and both write the same manifest
    project.manifest_path.parent.mkdir(parents=True, exist_ok=True)
    with open(project.manifest_path.with_name("gonghui_parse.lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        dbt = DbtCliResource(project_dir=project, dbt_executable=offline_dbt.EXECUTABLE)
        dbt.cli(["parse", "--quiet"], target_path=project.target_path).wait()
        _parsed_for(project).write_text(os.environ["GONGHUI_WAREHOUSE"], encoding="utf-8")


dbt_project = DbtProject(
    project_dir=settings.DBT_PROJECT_DIR,
    profiles_dir=settings.DBT_PROJECT_DIR,
    target_path=settings.dbt_target_dir(),
)

# `dagster dev` re-parses on every load; elsewhere (CLI, tests) only when out of date.
if dbt_project.preparer.using_dagster_dev() or _manifest_is_stale(dbt_project):
    _parse(dbt_project)
