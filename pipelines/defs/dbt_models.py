"""The dbt models, seeds and tests as Dagster assets and asset checks."""

import json
import logging
from collections.abc import Iterator, Mapping
from typing import Any

import dagster as dg
from dagster_dbt import (
    DagsterDbtTranslator,
    DagsterDbtTranslatorSettings,
    DbtCliResource,
    dbt_assets,
)
from dagster_dbt.core.dbt_cli_event import DbtCoreCliEventMessage

from pipelines import build_state, dbt_worker
from pipelines.defs.dbt_project import dbt_project
from pipelines.defs.resources import WarehousePaths
from pipelines.locking import refresh_lock

log = logging.getLogger("gonghui")

# --no-write-json: Dagster reads dbt's results from its events; writing the manifest again
# only costs time. dbt unit tests check the SQL on fixed inputs: they run with the test suite.
BUILD = ["build", "--no-write-json"]
FULL_BUILD = [*BUILD, "--full-refresh", "--exclude", "resource_type:unit_test"]
# An incremental build runs with the code of the last finished build, so the seeds (and the
# tests of their rows) and the views are as that build left them: they are left out, and
# every data test runs, those on views included (indirect selection "empty").
INCREMENTAL_BUILD = [
    *BUILD,
    "--indirect-selection",
    "empty",
    "--exclude",
    "resource_type:unit_test",
    "path:seeds",
    "config.materialized:view",
]
# read by int_partitions_to_rebuild: compare landing with what the last build ranked
INCREMENTAL_VAR = "GONGHUI_INCREMENTAL_BUILD"


class GonghuiDbtTranslator(DagsterDbtTranslator):
    """Groups come from the model folder (staging, intermediate, marts, seeds)."""

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        if dbt_resource_props["resource_type"] == "seed":
            return "seeds"
        fqn = dbt_resource_props.get("fqn", [])
        return fqn[1] if len(fqn) > 2 else "dbt"


TRANSLATOR = GonghuiDbtTranslator(settings=DagsterDbtTranslatorSettings(enable_asset_checks=True))


@dbt_assets(manifest=dbt_project.manifest_path, dagster_dbt_translator=TRANSLATOR)
def gonghui_dbt_models(
    context: dg.AssetExecutionContext, dbt: DbtCliResource, paths: WarehousePaths
):
    """Seeds, staging, intermediate and mart models, with their dbt tests as asset checks.

    The large models rebuild only the partitions whose rows changed, when the last build
    finished with the same code (pipelines.build_state); otherwise everything is rebuilt.
    dbt runs in the worker the refresh started early (pipelines.dbt_worker). A few assets
    picked by hand in the Dagster UI are built by dagster-dbt's dbt CLI instead, and leave
    the next refresh a full build: the tables no longer agree with one another."""
    with refresh_lock(paths.warehouse_path, wait=True):
        digest = build_state.code_digest()
        incremental = build_state.last_build_finished(paths.warehouse_path, digest)
        build_state.start(paths.warehouse_path)
        if context.is_subset:
            yield from dbt.cli(FULL_BUILD, context=context).stream()
            return
        log.info(
            "dbt: 增量建模，只重建有变化的镇街和报告期 (incremental build)"
            if incremental
            else "dbt: 全量建模 (full build)"
        )
        args = INCREMENTAL_BUILD if incremental else FULL_BUILD
        events = dbt_worker.build(args, {INCREMENTAL_VAR: "true" if incremental else "false"})
        yield from _dagster_events(events, context)
        build_state.finish(paths.warehouse_path, digest)


def _dagster_events(events: Iterator[dict], context: dg.AssetExecutionContext) -> Iterator:
    """Outputs and check results of dbt's result events, as dagster-dbt makes them."""
    manifest = json.loads(dbt_project.manifest_path.read_text(encoding="utf-8"))
    try:
        for raw_event in events:
            event = DbtCoreCliEventMessage(raw_event=raw_event, event_history_metadata={})
            yield from event.to_default_asset_events(
                manifest=manifest,
                dagster_dbt_translator=TRANSLATOR,
                context=context,
                target_path=dbt_worker.BUILD_DIR,
                project=dbt_project,
            )
    except dbt_worker.DbtBuildFailed as failed:
        raise dg.Failure(
            description=f"dbt 建模失败 dbt build failed: {failed}",
            metadata={"dbt_log": str(dbt_worker.LOG)},
        ) from None
