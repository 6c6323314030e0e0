"""The Great Expectations suites (pipelines.quality.suites) as Dagster asset checks.

One check per suite, attached to the asset whose table it reads. A suite that judges rows one
by one looks only at the rows of the loads not yet published (pipelines.warehouse.changes):
the others passed it when they were loaded. Blocking checks fail with ERROR severity and stop
everything downstream of their asset in the same run, above all `published_snapshot`: the
dashboard keeps the last good snapshot. The others are warnings.

The suites on the landing read the warehouse, whichever the engine. The suites on dbt's
tables read them on the engine that built them (settings.dbt_checks_engine): on DuckDB the
warehouse, through GX's SQL datasource; after a local Spark session's build
(GONGHUI_ENGINE=spark) Spark's tables through GX's Spark datasource, all of them in one
process (pipelines.quality.spark_checks) when the first of those checks runs, so one Spark
session starts per run, not one per suite (Dagster's `multi_asset_check` would say "one step"
more plainly, but blocking is honoured only by `asset_check`); after a cluster's build, the
cluster's tables through its Spark Thrift Server, with GX's SQL datasource over PyHive
(pipelines.quality.spark_thrift).
"""

import functools

import dagster as dg

from pipelines import settings
from pipelines.defs.dbt_models import contract_columns
from pipelines.defs.resources import WarehousePaths
from pipelines.quality.runner import SuiteOutcome, run_suite
from pipelines.quality.spark_checks import validate_on_spark
from pipelines.quality.suites import SUITES, Suite
from pipelines.warehouse import changes


def suite_check(suite: Suite) -> dg.AssetChecksDefinition:
    """The asset check that runs `suite` against its engine's table and reports its outcome."""

    @dg.asset_check(
        asset=_asset(suite),
        name=suite.name,
        description=_description(suite),
        blocking=suite.blocking,
    )
    def _check(context: dg.AssetCheckExecutionContext, paths: WarehousePaths):
        warehouse = paths.warehouse_path
        # the landing is the warehouse's on every engine; dbt's tables are the engine's
        if suite.on_landing or DBT_CHECKS_ENGINE == "duckdb":
            loads = None
            if suite.row_by_row:
                pending = changes.pending(warehouse)
                loads = None if pending.full else list(pending.loads)
            return _result(context, run_suite(suite, warehouse, loads=loads), loads)
        if DBT_CHECKS_ENGINE == "spark_session":
            return _result(context, _spark_outcomes(context.run.run_id)[suite.name], None)
        from pipelines.quality.spark_thrift import cluster_tables  # PyHive: the thrift extra

        return _result(context, run_suite(suite, cluster_tables()), None)

    return _check


@functools.lru_cache(maxsize=1)
def _spark_outcomes(run_id: str) -> dict[str, SuiteOutcome]:
    """The outcomes of every suite on Spark's tables, validated once per run, when its first
    check runs: every one of them checks a table of the dbt step, which has finished by then,
    and the run's checks run one after another in this process (the in-process executor)."""
    suites = [suite for suite in SUITES if not suite.on_landing]
    outcomes = validate_on_spark(suites, settings.spark_tables_dir(), contract_columns())
    return {outcome.suite.name: outcome for outcome in outcomes}


def _result(
    context: dg.AssetCheckExecutionContext, outcome: SuiteOutcome, loads: list[str] | None
) -> dg.AssetCheckResult:
    suite = outcome.suite
    for failed in outcome.failed:
        context.log.warning(
            f"{suite.name}: {failed.description}: "
            f"{failed.error or f'{failed.unexpected_count:,} 行 rows'}"
        )
    return dg.AssetCheckResult(
        asset_key=_asset(suite),
        check_name=suite.name,
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
            "execution_engine": outcome.execution_engine,
            "seconds": round(outcome.seconds, 3),
        },
    )


def _asset(suite: Suite) -> dg.AssetKey:
    return dg.AssetKey(list(suite.asset))


def _description(suite: Suite) -> str:
    return f"{suite.description}（{'阻断发布 blocking' if suite.blocking else '警告 warning'}）"


# read once, when the definitions load, as the engine is
DBT_CHECKS_ENGINE = settings.dbt_checks_engine()

defs = dg.Definitions(asset_checks=[suite_check(suite) for suite in SUITES])
