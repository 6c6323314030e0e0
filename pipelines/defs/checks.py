"""The Great Expectations suites (pipelines.quality.suites) as Dagster asset checks.

One check per suite, attached to the asset whose table it reads. A suite that judges rows one
by one looks only at the rows of the loads not yet published (pipelines.warehouse.changes):
the others passed it when they were loaded. Blocking checks fail with ERROR severity and stop
everything downstream of their asset in the same run, above all `published_snapshot`: the
dashboard keeps the last good snapshot. The others are warnings.
"""

import dagster as dg

from pipelines.defs.resources import WarehousePaths
from pipelines.quality.runner import run_suite
from pipelines.quality.suites import SUITES, Suite
from pipelines.warehouse import changes


def suite_check(suite: Suite) -> dg.AssetChecksDefinition:
    """The asset check that runs `suite` against the warehouse and reports its outcome."""

    @dg.asset_check(
        asset=dg.AssetKey(list(suite.asset)),
        name=suite.name,
        description=f"{suite.description}（{'阻断发布 blocking' if suite.blocking else '警告 warning'}）",
        blocking=suite.blocking,
    )
    def _check(context: dg.AssetCheckExecutionContext, paths: WarehousePaths):
        warehouse = paths.warehouse_path
        loads = None
        if suite.row_by_row:
            pending = changes.pending(warehouse)
            loads = None if pending.full else list(pending.loads)
        # the landing is the warehouse's on every engine; dbt's tables are the engine's
        tables = warehouse if suite.table.startswith("landing.") else paths.marts_path
        outcome = run_suite(suite, tables, loads=loads)
        for failed in outcome.failed:
            context.log.warning(
                f"{suite.name}: {failed.description}: "
                f"{failed.error or f'{failed.unexpected_count:,} 行 rows'}"
            )
        return dg.AssetCheckResult(
            passed=outcome.success,
            severity=dg.AssetCheckSeverity.ERROR if suite.blocking else dg.AssetCheckSeverity.WARN,
            description=suite.description,
            metadata={
                "unexpected_rows": outcome.unexpected_count,
                "failed_rules": len(outcome.failed),
                "rules": dg.MetadataValue.md(outcome.summary_markdown()),
                "sample": dg.MetadataValue.md(outcome.sample_markdown()),
                "checked": "全部行 all rows"
                if loads is None
                else f"尚未发布的载入中的行（{len(loads)}次载入）rows of {len(loads)} unpublished load(s)",
                "seconds": round(outcome.seconds, 3),
            },
        )

    return _check


defs = dg.Definitions(asset_checks=[suite_check(suite) for suite in SUITES])
