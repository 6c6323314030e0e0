"""`gonghui`: refresh the warehouse and export what leaders and clerks need."""

from __future__ import annotations

import sys

from pipelines.cli.commands import main

__all__ = ["main", "run"]


def run() -> None:
    """The `gonghui` command."""
    sys.exit(main())
