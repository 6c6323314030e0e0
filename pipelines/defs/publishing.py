"""The publish step: the last asset of a refresh."""

import dagster as dg

from pipelines.defs.dbt_models import gonghui_dbt_models
from pipelines.defs.dbt_project import ENGINE, model_nodes
from pipelines.defs.resources import WarehousePaths
from pipelines.defs.retries import retried_on_error
from pipelines.warehouse.locking import refresh_lock
from pipelines.warehouse.publish import publish_snapshot

# The marts, which every dbt build writes. Seeds and views, which an incremental build leaves
# as they are, would otherwise hold the publish back.
MARTS = [spec.key for spec in gonghui_dbt_models.specs if spec.group_name == "marts"]


def partitioned_models() -> frozenset[str]:
    """The models dbt builds partition by partition: the incremental ones."""
    return frozenset(
        node["name"]
        for node in model_nodes()
        if node["config"].get("materialized") == "incremental"
    )


@dg.asset(
    group_name="publish",
    kinds={"duckdb"},
    deps=MARTS,
)
def published_snapshot(context: dg.AssetExecutionContext, paths: WarehousePaths):
    """A read-only copy of the marts for the dashboard, swapped in atomically.

    Runs only after every dbt model and test upstream succeeded, so a failed refresh
    leaves the last good snapshot in place. dbt failures are not retried: a failing model
    or test is a data problem that a second try would only repeat.
    """
    with retried_on_error(max_retries=2, seconds=5), refresh_lock(paths.warehouse_path, wait=True):
        path = publish_snapshot(
            paths.warehouse_path,
            paths.publish_dir,
            context.run.run_id,
            partitioned_models(),
            tables=paths.marts_path,
            engine=ENGINE,
        )
    return dg.MaterializeResult(metadata={"snapshot": str(path), "bytes": path.stat().st_size})
