"""The KPI table, as Python reads it.

Every KPI is defined once, under `vars: kpis:` in dbt_project/dbt_project.yml (the comment
there explains each field). dbt loops over that list when it parses the project; this module
reads the same YAML for the Python side (quality suites, target-file validation).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import yaml

from pipelines import settings

PROJECT_FILE = settings.DBT_PROJECT_DIR / "dbt_project.yml"


@dataclass(frozen=True)
class Count:
    """A numerator or denominator: the measure summed over the rows the filter keeps."""

    measure: str
    filter: str | None = None


@dataclass(frozen=True)
class SummaryColumn:
    """A column of the town summary returns (镇街汇总表) that reports a KPI figure."""

    column: str
    name_zh: str


@dataclass(frozen=True)
class Summary:
    value: SummaryColumn | None = None
    numerator: SummaryColumn | None = None
    denominator: SummaryColumn | None = None


@dataclass(frozen=True)
class Kpi:
    code: str
    name_zh: str
    name_en: str
    unit: str
    sort_order: int
    population: str
    numerator: Count
    bounded: bool
    numerator_zh: str
    description: str
    denominator: Count | None = None
    denominator_zh: str | None = None
    summary: Summary | None = None
    needs_previous_period: bool = False
    still_needed_zh: str | None = None  # rates: "新建会" in "还需新建会 17 家"
    inputs: tuple[str, ...] = ()  # return fields; an enterprise missing one has not reported it


def _kpi(entry: dict) -> Kpi:
    summary = entry.pop("summary", None)
    entry["inputs"] = tuple(entry.pop("inputs", ()))
    denominator = entry.pop("denominator", None)
    return Kpi(
        numerator=Count(**entry.pop("numerator")),
        denominator=Count(**denominator) if denominator else None,
        summary=Summary(**{part: SummaryColumn(**c) for part, c in summary.items()})
        if summary
        else None,
        **entry,
    )


@functools.cache
def kpis() -> tuple[Kpi, ...]:
    """Every KPI, in the table's order."""
    project = yaml.safe_load(PROJECT_FILE.read_text(encoding="utf-8"))
    return tuple(_kpi(dict(entry)) for entry in project["vars"]["kpis"])
