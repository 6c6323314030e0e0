"""The dbt models, seeds and tests as Dagster assets and asset checks."""

import logging
import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import dagster as dg
from dagster_dbt import (
    DagsterDbtTranslator,
    DagsterDbtTranslatorSettings,
    DbtCliResource,
    dbt_assets,
)

from pipelines import build_state
from pipelines.defs.dbt_project import dbt_project
from pipelines.defs.resources import WarehousePaths
from pipelines.locking import refresh_lock

log = logging.getLogger("gonghui")

# --no-write-json: Dagster reads dbt's results from its log; writing manifest and run
# results again on every build only costs time
BUILD_ARGS = ["build", "--exclude", "resource_type:unit_test", "--no-write-json"]
# read by int_partitions_to_rebuild: compare landing with what the last build ranked
INCREMENTAL_VAR = "GONGHUI_INCREMENTAL_BUILD"


class GonghuiDbtTranslator(DagsterDbtTranslator):
    """Groups come from the model folder (staging, intermediate, marts, seeds)."""

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        if dbt_resource_props["resource_type"] == "seed":
            return "seeds"
        fqn = dbt_resource_props.get("fqn", [])
        return fqn[1] if len(fqn) > 2 else "dbt"


@dbt_assets(
    manifest=dbt_project.manifest_path,
    dagster_dbt_translator=GonghuiDbtTranslator(
        settings=DagsterDbtTranslatorSettings(enable_asset_checks=True)
    ),
)
def gonghui_dbt_models(
    context: dg.AssetExecutionContext, dbt: DbtCliResource, paths: WarehousePaths
):
    """Seeds, staging, intermediate and mart models, with their dbt tests as asset checks.

    The large models rebuild only the partitions whose rows changed, when the last build
    finished with the same code (pipelines.build_state); otherwise everything is rebuilt. dbt unit tests check the SQL logic on fixed inputs, not the data: they run with
    the test suite (tests/integration/test_dbt_build.py), not in every refresh."""
    with refresh_lock(paths.warehouse_path, wait=True):
        digest = build_state.code_digest()
        incremental = build_state.last_build_finished(paths.warehouse_path, digest)
        build_state.start(paths.warehouse_path)
        log.info(
            "dbt: 增量建模，只重建有变化的镇街和报告期 (incremental build)"
            if incremental
            else "dbt: 全量建模 (full build)"
        )
        with _environment(INCREMENTAL_VAR, "true" if incremental else "false"):
            args = BUILD_ARGS if incremental else [*BUILD_ARGS, "--full-refresh"]
            build = dbt.cli(args, context=context)
        yield from build.stream()
        build_state.finish(paths.warehouse_path, digest)


@contextmanager
def _environment(name: str, value: str) -> Iterator[None]:
    """`name`=`value` in the environment the dbt process is started with, then as before."""
    saved = os.environ.get(name)
    os.environ[name] = value
    try:
        yield
    finally:
        if saved is None:
            del os.environ[name]
        else:
            os.environ[name] = saved
