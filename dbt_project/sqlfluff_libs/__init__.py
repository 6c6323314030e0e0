"""What dbt brings to the models' Jinja, for sqlfluff's jinja templater.

sqlfluff lints the SQL the models render on DuckDB without running dbt (no warehouse, no
profile), so it needs stand-ins for the parts of dbt's context the models use: `var` (the
project's vars, among them the KPI table), `adapter.dispatch` (a project macro's duckdb__
implementation) and dbt's cross-database macros, rendered as dbt-duckdb renders them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jinja2
import yaml

_PROJECT = yaml.safe_load((Path(__file__).parents[1] / "dbt_project.yml").read_text("utf-8"))


def var(name: str, default: Any = None) -> Any:
    return _PROJECT.get("vars", {}).get(name, default)


class _Adapter:
    @staticmethod
    def dispatch(name: str, macro_namespace: str | None = None) -> Any:
        @jinja2.pass_context
        def implementation(context: jinja2.runtime.Context, *args: Any, **kwargs: Any) -> Any:
            macro = context.resolve_or_missing(f"duckdb__{name}")
            if macro is jinja2.runtime.missing:
                macro = context.resolve(f"default__{name}")
            return macro(*args, **kwargs)

        return implementation


class _Dbt:
    """dbt's cross-database macros, as dbt-duckdb renders them."""

    @staticmethod
    def type_string() -> str:
        return "varchar"

    @staticmethod
    def escape_single_quotes(expression: str) -> str:
        return expression.replace("'", "''")

    @staticmethod
    def dateadd(datepart: str, interval: Any, from_date_or_timestamp: str) -> str:
        return f"({from_date_or_timestamp} + cast({interval} as bigint) * interval 1 {datepart})"

    @staticmethod
    def datediff(first_date: str, second_date: str, datepart: str) -> str:
        return f"(date_diff('{datepart}', {first_date}::timestamp, {second_date}::timestamp))"

    @staticmethod
    def last_day(date: str, datepart: str) -> str:
        return f"last_day({date})"


adapter = _Adapter()
dbt = _Dbt()
