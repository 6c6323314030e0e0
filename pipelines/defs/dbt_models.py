"""The dbt models, seeds and tests as Dagster assets and asset checks."""

from collections.abc import Mapping
from typing import Any

import dagster as dg
from dagster_dbt import (
    DagsterDbtTranslator,
    DagsterDbtTranslatorSettings,
    DbtCliResource,
    dbt_assets,
)

from pipelines.defs.dbt_project import dbt_project
from pipelines.defs.resources import WarehousePaths
from pipelines.locking import refresh_lock

BUILD_ARGS = ["build", "--exclude", "resource_type:unit_test"]


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

    dbt unit tests check the SQL logic on fixed inputs, not the data: they run with the
    test suite (tests/integration/test_dbt_build.py), not in every refresh."""
    with refresh_lock(paths.warehouse_path, wait=True):
        yield from dbt.cli(BUILD_ARGS, context=context).stream()
