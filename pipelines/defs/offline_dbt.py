"""The dbt executable of the refresh: dbt's own CLI, answering `--version` offline.

dagster-dbt runs `<dbt executable> --version` before every dbt command to learn which dbt it
drives, and dbt answers that only after asking PyPI for its latest release (one HTTPS request
per package, dbt-labs/dbt-core#6992). The warehouse runs on machines without internet and must
never call out, so `DbtCliResource(dbt_executable=...)` names this console script instead:
`--version` is answered from the installed packages' metadata; every other command goes to
`dbt.cli.main.cli`, the function behind the `dbt` command itself.
"""

from __future__ import annotations

import sys
from importlib.metadata import version
from pathlib import Path

# installed beside the interpreter by pyproject.toml's [project.scripts]
EXECUTABLE = str(Path(sys.executable).with_name("gonghui-dbt"))


def main() -> None:
    if sys.argv[1:] == ["--version"]:
        # the layout of `dbt --version`, whose first x.y.z dagster-dbt reads as dbt's version
        print(f"Core:\n  - installed: {version('dbt-core')}\n")
        print(f"Plugins:\n  - duckdb: {version('dbt-duckdb')}")
        return
    from dbt.cli.main import cli

    cli()
