"""Run an expectation suite against its table with Great Expectations, in place.

GX Core 1.x, ephemeral context (nothing written to disk), analytics off. The table is read
through a SQL data source, so every expectation is a query the database answers; only the
counts and a few sample rows come back to Python. The database is a DuckDB file opened
read-only (the warehouse), or a cluster's Spark Thrift Server
(pipelines.quality.spark_thrift). The engine is disposed before returning, which releases a
DuckDB file for the next step (publish attaches the warehouse).
"""

from __future__ import annotations

import os
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipelines.quality.suites import Suite, sql_text

SAMPLE_ROWS = 10
POSITION = "gonghui_position"


@dataclass(frozen=True)
class SqlTables:
    """A database GX reads through its SQL datasource: a SQLAlchemy URL, and the keyword
    arguments of SQLAlchemy's `create_engine` (e.g. `connect_args`)."""

    url: str
    engine_arguments: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ExpectationOutcome:
    description: str
    success: bool
    unexpected_count: int | None  # None when the expectation could not be evaluated
    sample: list[dict[str, Any]] = field(default_factory=list)
    error: str | None = None


@dataclass(frozen=True)
class SuiteOutcome:
    suite: Suite
    expectations: list[ExpectationOutcome]
    seconds: float
    # the GX execution engine that evaluated the expectations, with its SQL dialect: which
    # engine's tables they read
    execution_engine: str = ""

    @property
    def success(self) -> bool:
        return all(outcome.success for outcome in self.expectations)

    @property
    def unexpected_count(self) -> int:
        return sum(outcome.unexpected_count or 0 for outcome in self.expectations)

    @property
    def failed(self) -> list[ExpectationOutcome]:
        return [outcome for outcome in self.expectations if not outcome.success]

    def summary_markdown(self) -> str:
        lines = ["| 规则 rule | 结果 result | 不符合行数 rows |", "|---|---|---|"]
        for outcome in self.expectations:
            status = "✅" if outcome.success else ("⚠️ 出错 error" if outcome.error else "❌")
            count = "–" if outcome.unexpected_count is None else f"{outcome.unexpected_count:,}"
            lines.append(f"| {outcome.description} | {status} | {count} |")
        return "\n".join(lines)

    def sample_markdown(self) -> str:
        """Up to SAMPLE_ROWS failing rows per failed rule, as markdown tables."""
        parts = []
        for outcome in self.failed:
            parts.append(f"**{outcome.description}**")
            if outcome.error:
                parts.append(f"出错 error: `{outcome.error}`")
            elif outcome.sample:
                parts.append(_table(outcome.sample[:SAMPLE_ROWS]))
        return "\n\n".join(parts) or "全部通过 all passed"


def run_suite(
    suite: Suite, tables: Path | SqlTables, *, loads: list[str] | None = None
) -> SuiteOutcome:
    """Validate every expectation of `suite` against its table in `tables` (a DuckDB file, or
    another database); given `loads`, against the rows of those loads only."""
    started = time.perf_counter()
    if isinstance(tables, Path):
        tables = _read_only(tables)
    # A query asset rather than a table asset: GX reflects a table's columns through
    # Postgres catalog views, which in DuckDB only see the `main` schema, not `landing`.
    query = f"select * from {suite.table}"
    if loads is not None:
        query += f" where load_id in ({', '.join(map(sql_text, loads)) or 'null'})"
    source = batch = None
    try:
        # GX connects when the source is added: a server out of reach fails here
        source = gx_context().data_sources.add_sql(
            name="tables", connection_string=tables.url, kwargs=tables.engine_arguments
        )
        asset = source.add_query_asset(name=suite.table, query=query)
        batch = asset.add_batch_definition_whole_table("whole table").get_batch()
        outcomes = validate_batch(batch, suite)
    except Exception as error:  # out of reach, a missing table, a broken query: fails visibly
        outcomes = could_not_run(suite, error)
    finally:
        engine_name = execution_engine_name(batch)
        if batch is not None:
            batch.data.execution_engine.close()
        if source is not None:
            source.get_engine().dispose()
    return SuiteOutcome(suite, outcomes, time.perf_counter() - started, engine_name)


def gx_context() -> Any:
    """An ephemeral GX context: nothing written to disk, analytics off."""
    # GX imports pyspark when it is installed (the `spark` extra), and PySpark 4.3 warns on
    # every import that pandas 3 is not fully supported: no pandas-on-Spark is used here
    warnings.filterwarnings(
        "ignore", "PySpark does not yet fully support pandas", category=FutureWarning
    )
    import great_expectations as gx

    return gx.get_context(mode="ephemeral", project_config=_context_config())


def could_not_run(suite: Suite, error: BaseException) -> list[ExpectationOutcome]:
    """The outcome of a suite whose table could not be read: one failure, with the error."""
    return [ExpectationOutcome(suite.description, False, None, error=_first_line(error))]


def execution_engine_name(batch: Any) -> str:
    """The GX execution engine's class, and for SQL its dialect: `SqlAlchemyExecutionEngine
    (duckdb)`, `SqlAlchemyExecutionEngine (hive)`, `SparkDFExecutionEngine`."""
    if batch is None:
        return ""
    engine = batch.data.execution_engine
    dialect = getattr(engine, "dialect_name", None)
    return type(engine).__name__ + (f" ({dialect})" if dialect else "")


def validate_batch(batch: Any, suite: Suite) -> list[ExpectationOutcome]:
    """The suite's expectations validated together, which lets GX compute their metrics in
    a few queries instead of several per expectation (at province scale, seconds less per
    suite). COMPLETE gives query-based expectations their sample rows (GX caps them); column
    expectations keep SUMMARY so a bad column never pulls every failing value out."""
    import great_expectations as gx
    from great_expectations.expectations import UnexpectedRowsExpectation

    expectations = suite.expectations()
    for position, expectation in enumerate(expectations):
        # GX returns a suite's results in an order of its own: this says whose each one is
        expectation.meta = {**(expectation.meta or {}), POSITION: position}
    outcomes: list[ExpectationOutcome | None] = [None] * len(expectations)
    for query_based in (False, True):
        group = [e for e in expectations if isinstance(e, UnexpectedRowsExpectation) == query_based]
        if not group:
            continue
        result_format = {
            "result_format": "COMPLETE" if query_based else "SUMMARY",
            "partial_unexpected_count": SAMPLE_ROWS,
            "unexpected_index_column_names": list(suite.sample_columns),
            "return_unexpected_index_query": False,
        }
        validated = batch.validate(
            gx.ExpectationSuite(name=suite.name, expectations=group), result_format=result_format
        )
        for result in validated.results:
            position = result.expectation_config.meta[POSITION]
            outcomes[position] = _outcome(expectations[position], result)
    return outcomes


def _context_config() -> Any:
    from great_expectations.data_context.types.base import (
        DataContextConfig,
        InMemoryStoreBackendDefaults,
        ProgressBarsConfig,
    )

    # also set by pipelines.settings.prepare_offline_environment; here for direct callers
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
    return DataContextConfig(
        analytics_enabled=False,
        store_backend_defaults=InMemoryStoreBackendDefaults(init_temp_docs_sites=False),
        progress_bars=ProgressBarsConfig(globally=False),
    )


def _read_only(warehouse: Path) -> SqlTables:
    from pipelines.quality.duckdb_dialect import connection_url

    return SqlTables(connection_url(warehouse))


def _outcome(expectation: Any, result: Any) -> ExpectationOutcome:
    description = expectation.description or expectation.expectation_type
    message = _exception_message(result.exception_info or {})
    if message is not None:
        return ExpectationOutcome(description, False, None, error=_first_line(message))
    detail = result.result or {}
    if "unexpected_count" in detail:
        count = detail["unexpected_count"] or 0  # None when the batch has no rows
        sample = detail.get("partial_unexpected_index_list") or [
            {"value": value} for value in detail.get("partial_unexpected_list", [])
        ]
    else:  # UnexpectedRowsExpectation: the query's rows are the failures
        count = detail.get("observed_value", 0)
        sample = detail.get("details", {}).get("unexpected_rows", [])
    return ExpectationOutcome(description, bool(result.success), int(count), list(sample))


def _exception_message(info: dict[str, Any]) -> str | None:
    """GX reports an error either at the top level or per metric that failed to compute."""
    candidates = [info, *(value for value in info.values() if isinstance(value, dict))]
    for candidate in candidates:
        if candidate.get("raised_exception"):
            return str(candidate.get("exception_message") or "unknown error")
    return None


def _table(rows: list[dict[str, Any]]) -> str:
    columns = list(rows[0])
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    lines += [
        "| " + " | ".join(_cell(row.get(column)) for column in columns) + " |" for row in rows
    ]
    return "\n".join(lines)


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:,.2f}"
    return str(value).replace("|", "\\|")


def _first_line(error: object) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__
