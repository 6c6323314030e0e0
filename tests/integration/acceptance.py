"""The held-out acceptance district's hand-computed KPIs (tests/fixtures/acceptance_district),
and how a refresh's `mart_kpi` differs from them."""

from __future__ import annotations

import csv
from pathlib import Path

FIXTURE = Path(__file__).parents[1] / "fixtures" / "acceptance_district"
# the columns of mart_kpi that kpi_mismatches compares, in its order
MART_KPI_COLUMNS = (
    "region_code, period, kpi, numerator, denominator, value,"
    " reported_enterprises, in_scope_enterprises"
)


def expected_kpis() -> list[dict[str, str]]:
    with (FIXTURE / "expected_kpis.csv").open(encoding="utf-8") as file:
        return list(csv.DictReader(file))


def kpi_mismatches(rows: list[tuple]) -> list[tuple]:
    """The expected KPIs that `rows` of mart_kpi (MART_KPI_COLUMNS) do not give: value to
    0.01, numerator, denominator and enterprise counts exactly. A KPI missing from `rows`
    raises KeyError."""
    actual = {
        (region, period, kpi): (numerator, denominator, value, reported, in_scope)
        for region, period, kpi, numerator, denominator, value, reported, in_scope in rows
    }
    mismatches = []
    for row in expected_kpis():
        key = (row["region_code"], row["period"], row["kpi"])
        numerator, denominator, value, reported, in_scope = actual[key]
        want_value = float(row["value"]) if row["value"] else None
        value_ok = (
            value is None
            if want_value is None
            else value is not None and abs(value - want_value) < 0.01
        )
        counts_ok = (reported, in_scope) == (
            int(row["reported_enterprises"]),
            int(row["in_scope_enterprises"]),
        ) and numerator == float(row["numerator"])
        if row["denominator"]:
            counts_ok = counts_ok and denominator == float(row["denominator"])
        if not (value_ok and counts_ok):
            mismatches.append((key, row, (numerator, denominator, value, reported, in_scope)))
    return mismatches
