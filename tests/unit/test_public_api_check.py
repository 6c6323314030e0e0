"""The lint step that keeps private APIs out (.ci/check_public_api.py) catches each kind of
use and passes our own code."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

CHECK = Path(__file__).parents[2] / ".ci" / "check_public_api.py"
REPO = CHECK.parents[1]


def check(*paths: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(CHECK), *map(str, paths)], capture_output=True, text=True
    )


def test_every_kind_of_private_use_is_reported(tmp_path):
    (tmp_path / "bad.py").write_text(
        textwrap.dedent(
            """
            import multiprocessing.util
            import os
            from dagster._core.storage.event_log import SqliteEventLogStorage
            from dagster_dbt.core.dbt_cli_event import DbtCoreCliEventMessage
            from dagster_dbt import DbtCliResource


            class Quicker(DbtCliResource):
                def _initialize_dbt_core_adapter(self, args):
                    return None

                def _a_helper_of_our_own(self):
                    return 1


            multiprocessing.util._exit_function()
            os._exit(0)
            os.nice(5)
            """
        ),
        encoding="utf-8",
    )
    result = check(tmp_path)
    assert result.returncode == 1
    found = [line.split(": ", 1)[1] for line in result.stdout.splitlines() if ".py:" in line]
    assert found == [
        "import of the private module dagster._core.storage.event_log",
        "import from dagster_dbt.core.dbt_cli_event: use the public API of dagster_dbt",
        "Quicker overrides the private dagster_dbt.DbtCliResource._initialize_dbt_core_adapter",
        "use of the private member multiprocessing.util._exit_function",
        "use of the private member os._exit",
        "use of os.nice",
    ]


def test_our_code_uses_public_apis_only():
    result = check(REPO / "pipelines", REPO / "dashboards", REPO / "benchmarks")
    assert result.returncode == 0, result.stdout
