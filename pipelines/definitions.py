"""The Dagster code location: everything under pipelines/defs, run in one process.

DuckDB allows a single writer, so steps run one after another in the same process
(in-process executor) instead of in parallel subprocesses that would fight for the file.
"""

import dagster as dg

from pipelines import defs as defs_module

defs = dg.Definitions.merge(
    dg.load_defs(defs_module),
    dg.Definitions(executor=dg.in_process_executor),
)
