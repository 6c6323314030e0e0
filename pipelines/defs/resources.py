"""Resources: where files and databases live, and the dbt CLI."""

from __future__ import annotations

import importlib.metadata
from collections.abc import Sequence
from functools import cached_property
from pathlib import Path

import dagster as dg
from dagster_dbt import DbtCliResource
from packaging import version

from pipelines import settings
from pipelines.defs.dbt_project import dbt_project


class WarehousePaths(dg.ConfigurableResource):
    """Raw folder, warehouse file and publish folder.

    Empty fields fall back to the GONGHUI_* environment variables (read at run time, not
    import time), so `gonghui refresh --raw X` and the Dagster UI run the same job.
    """

    raw: str = ""
    warehouse: str = ""
    published: str = ""

    @property
    def raw_dir(self) -> Path:
        return Path(self.raw) if self.raw else settings.raw_dir()

    @property
    def warehouse_path(self) -> Path:
        return Path(self.warehouse) if self.warehouse else settings.warehouse_path()

    @property
    def publish_dir(self) -> Path:
        return Path(self.published) if self.published else settings.publish_dir()


class GonghuiDbtCli(DbtCliResource):
    """The dbt CLI, minus one process start per refresh.

    dagster-dbt learns the dbt version by running `dbt --version` (about 2.5 s here, on
    every run); the installed dbt-core package says the same without starting dbt."""

    @cached_property
    def _cli_version(self) -> version.Version:
        return version.parse(importlib.metadata.version("dbt-core"))

    def _initialize_dbt_core_adapter(self, args: Sequence[str]) -> None:
        """dagster-dbt also opens a dbt adapter in this process before each build, for row
        counts and column metadata that this project does not fetch: skipped."""
        return None


defs = dg.Definitions(
    resources={
        "paths": WarehousePaths(),
        "dbt": GonghuiDbtCli(project_dir=dbt_project),
    }
)
