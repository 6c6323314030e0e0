"""The dbt models, seeds and tests as Dagster assets and asset checks."""

import contextlib
import logging
import os
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import dagster as dg
from dagster_dbt import (
    DagsterDbtTranslator,
    DagsterDbtTranslatorSettings,
    DbtCliResource,
    dbt_assets,
)

from pipelines import settings
from pipelines.defs.dbt_project import ENGINE, dbt_project, model_nodes
from pipelines.defs.ingestion import write_landing_as_parquet
from pipelines.defs.resources import WarehousePaths
from pipelines.warehouse import changes
from pipelines.warehouse.locking import refresh_lock
from pipelines.warehouse.spark_tables import write_table_views

log = logging.getLogger("gonghui")

# dbt unit tests check the SQL on fixed inputs: they run with the test suite, not nightly.
BUILD = ["build", "--exclude", "resource_type:unit_test"]
# One place for the refresh's compiled SQL, dbt's log and partial-parse state, so each build
# parses only what changed since the last one.
TARGET = dbt_project.target_path / "refresh"


class GonghuiDbtTranslator(DagsterDbtTranslator):
    """Groups come from the model folder (staging, intermediate, marts, seeds); descriptions
    are the models' own, word for word as dbt docs shows them."""

    def get_description(self, dbt_resource_props: Mapping[str, Any]) -> str:
        # dagster-dbt's default appends the raw SQL (Jinja loops, for the KPI models) to the
        # description; the SQL, compiled, is in the data dictionary (make docs) and the repo
        return dbt_resource_props.get("description") or super().get_description(dbt_resource_props)

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

    The large models rebuild only the partitions the loads not yet published touched (the
    record of pipelines.warehouse.changes); after a full reload, everything is rebuilt. A
    few assets picked by hand in the Dagster UI are built in full, from the landing Parquet
    brought up to date first, and the next refresh is a full build: the other tables no
    longer agree with them.

    The sources are the landing Parquet the ingestion wrote, on both engines. On Spark
    (GONGHUI_ENGINE=spark) a DuckDB file of views over the tables Spark wrote lets the publish
    (and a cluster's checks) read them as they read the warehouse."""
    with refresh_lock(paths.warehouse_path, wait=True):
        if context.is_subset:
            changes.require_full_build(paths.warehouse_path, context.run.run_id)
            full = True
            # without the landing step in the run, its Parquet may lag behind the tables, or
            # not exist yet (a warehouse loaded before the landing was written as Parquet)
            write_landing_as_parquet(paths.warehouse_path)
        else:
            pending = changes.pending(paths.warehouse_path)
            full = pending.full
            if pending.loads and pending.built_elsewhere:
                where = pending.published_from or "（未记录 not noted）"
                log.info(
                    f"上次发布所用的表在 {where}，本次建模的表在"
                    f" {settings.dbt_tables_location()}，缺少其后发布的载入"
                    f" (the last snapshot was published from tables at {where}; this build's"
                    " tables lack the loads published since)"
                )
        log.info(
            "dbt: 全量建模 (full build)"
            if full
            else "dbt: 增量建模，只重建有变化的镇街和报告期 (incremental build)"
        )
        args = [*BUILD, "--full-refresh"] if full else BUILD
        with _folders_for_dbt(paths.warehouse_path):
            invocation = dbt.cli(args, context=context, target_path=TARGET, raise_on_error=False)
        yield from invocation.stream()
        if not invocation.is_successful():
            raise dg.Failure(
                description=f"dbt 建模失败 dbt build failed: {_first_error(invocation.get_error())}",
                metadata={"dbt_log": str(TARGET / "dbt.log")},
            )
        if ENGINE == "spark":
            write_table_views(settings.spark_tables_dir(), paths.marts_path, contract_columns())


@contextlib.contextmanager
def _folders_for_dbt(warehouse: Path) -> Iterator[None]:
    """The folders the dbt process is to find, in the environment it inherits when
    `DbtCliResource.cli` starts it: the landing Parquet of `warehouse` its sources read
    (GONGHUI_LANDING_DIR) and, on Spark, where its tables go (GONGHUI_SPARK_TABLES_DIR).
    Only for that moment: a process that runs refreshes of other warehouses afterwards
    would otherwise take this one's folders for its own."""
    folders = settings.dbt_folders(warehouse, ENGINE)
    before = {name: os.environ.get(name) for name in folders}
    os.environ.update(folders)
    try:
        yield
    finally:
        for name, value in before.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def contract_columns() -> dict[str, list[tuple[str, str]]]:
    """The (column, type) pairs of every model with an enforced contract, in its order."""
    return {
        node["name"]: [(column["name"], column["data_type"]) for column in node["columns"].values()]
        for node in model_nodes()
        if node["config"].get("contract", {}).get("enforced")
    }


def _first_error(error: Exception | None) -> str:
    """dbt's own words for what went wrong, on one line (a refresh's summary shows a failure
    by its first line)."""
    text = str(error or "")
    said = text.split("Errors parsed from dbt logs:", 1)[-1].strip() or text
    return " ".join(said.split())[:500]
