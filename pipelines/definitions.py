"""The Dagster code location: everything under pipelines/defs, run in one process.

DuckDB allows a single writer, so steps run one after another in the same process
(in-process executor) instead of in parallel subprocesses that would fight for the file.
"""

from pathlib import Path

import dagster as dg

defs = dg.Definitions.merge(
    dg.load_from_defs_folder(path_within_project=Path(__file__).parent),
    dg.Definitions(executor=dg.in_process_executor),
)
