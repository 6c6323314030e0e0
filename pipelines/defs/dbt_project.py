"""The one place that owns the dbt project: its location and its manifest."""

from __future__ import annotations

import fcntl
import json
import os
from pathlib import Path

from dagster_dbt import DbtCliResource, DbtProject

from pipelines import settings
from pipelines.defs import offline_dbt

settings.prepare_offline_environment()
# dbt's profile reads its paths from these variables; give them their defaults here so that
# parsing the project works without any environment set up.
os.environ.setdefault("GONGHUI_WAREHOUSE", str(settings.warehouse_path()))
os.environ.setdefault("GONGHUI_SPARK_DIR", str(settings.spark_dir()))

settings.check_engine_settings()
ENGINE = settings.engine()
# the profile's output dbt builds with (dbt_project/profiles.yml): on Spark, a local session
# or a cluster's Thrift Server (GONGHUI_SPARK_TARGET)
DBT_TARGET = "dev" if ENGINE == "duckdb" else settings.spark_target()
# what each output's manifest depends on: the paths it names, or the server and database
PROFILE_VARIABLES = {
    "dev": ["GONGHUI_WAREHOUSE"],
    "spark": ["GONGHUI_SPARK_DIR"],
    **dict.fromkeys(
        settings.SPARK_TARGETS[1:],
        ["GONGHUI_SPARK_HOST", "GONGHUI_SPARK_PORT", "GONGHUI_SPARK_SCHEMA"],
    ),
}


def _profile_inputs() -> str:
    """What the profile output is made of: its name and the variables it reads."""
    return " ".join(
        [DBT_TARGET, *(os.environ.get(name, "") for name in PROFILE_VARIABLES[DBT_TARGET])]
    )


# The profile the manifest was parsed with. dbt's partial parsing (what keeps each build from
# parsing the whole project again) only holds while the profile is the same at parse and at
# build time; and the engine decides some models' configuration at parse time (their
# incremental strategy), so each engine has a manifest of its own.
def _parsed_for(project: DbtProject) -> Path:
    return project.manifest_path.with_name("gonghui_parsed_for_profile.txt")


def _manifest_is_stale(project: DbtProject) -> bool:
    """No manifest yet, a model, seed, test, macro or yml edited since it was parsed, or
    another profile to build with."""
    if not project.manifest_path.exists() or not _parsed_for(project).exists():
        return True
    if _parsed_for(project).read_text(encoding="utf-8") != _profile_inputs():
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
        _parsed_for(project).write_text(_profile_inputs(), encoding="utf-8")


dbt_project = DbtProject(
    project_dir=settings.DBT_PROJECT_DIR,
    profiles_dir=settings.DBT_PROJECT_DIR,
    target=DBT_TARGET,
    # DuckDB's manifest in the target folder itself, each Spark output's in a folder of its
    # own within
    target_path=settings.dbt_target_dir()
    if ENGINE == "duckdb"
    else settings.dbt_target_dir() / DBT_TARGET,
)

# `dagster dev` re-parses on every load; elsewhere (CLI, tests) only when out of date.
if dbt_project.preparer.using_dagster_dev() or _manifest_is_stale(dbt_project):
    _parse(dbt_project)


def model_nodes() -> list[dict]:
    """The models of the parsed manifest, as dbt describes them (config, columns)."""
    manifest = json.loads(dbt_project.manifest_path.read_text(encoding="utf-8"))
    return [node for node in manifest["nodes"].values() if node["resource_type"] == "model"]
