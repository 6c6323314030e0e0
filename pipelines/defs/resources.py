"""Resources: where files and databases live, and the dbt CLI."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
from dagster_dbt import DbtCliResource

from pipelines import settings
from pipelines.defs import offline_dbt
from pipelines.defs.abandoned_runs import note_this_process
from pipelines.defs.dbt_project import ENGINE, dbt_project


class WarehousePaths(dg.ConfigurableResource):
    """Raw folder, warehouse file and publish folder.

    Empty fields fall back to the GONGHUI_* environment variables (read at run time, not
    import time), so `gonghui refresh --raw X` and the Dagster UI run the same job.
    """

    raw: str = ""
    warehouse: str = ""
    published: str = ""

    def setup_for_execution(self, context: dg.InitResourceContext) -> None:
        # every step of a refresh reads these paths: when they start, the run notes its
        # process, so that a run killed outright can be told from one still running
        if context.instance is not None and context.run is not None:
            note_this_process(context.instance, context.run)

    @property
    def raw_dir(self) -> Path:
        return Path(self.raw) if self.raw else settings.raw_dir()

    @property
    def warehouse_path(self) -> Path:
        return Path(self.warehouse) if self.warehouse else settings.warehouse_path()

    @property
    def publish_dir(self) -> Path:
        return Path(self.published) if self.published else settings.publish_dir()

    @property
    def marts_path(self) -> Path:
        """Where dbt's tables are read from: the warehouse, or the views over Spark's."""
        return settings.marts_path(self.warehouse_path, ENGINE)


defs = dg.Definitions(
    resources={
        "paths": WarehousePaths(),
        "dbt": DbtCliResource(
            project_dir=dbt_project,
            dbt_executable=offline_dbt.EXECUTABLE,
        ),
    }
)
