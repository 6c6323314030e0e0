"""The reads the dashboard makes on the snapshot (tables of docs/architecture.md)."""

from __future__ import annotations

from datetime import datetime

import polars as pl

from dashboards.snapshot import query


def kpi_definitions() -> pl.DataFrame:
    """kpi, name_zh, name_en, unit, numerator_zh, denominator_zh, by sort_order."""
    return query(
        "select kpi, name_zh, name_en, unit, numerator_zh, denominator_zh"
        " from kpi_definitions order by sort_order, kpi"
    )


def periods() -> list[str]:
    """Report periods with KPIs, latest first."""
    return query("select distinct period from mart_kpi order by period desc")["period"].to_list()


def kpis_in_period(period: str) -> set[str]:
    """KPI codes the snapshot has for a period."""
    frame = query("select distinct kpi from mart_kpi where period = ?", [period])
    return set(frame["kpi"].to_list())


def regions() -> pl.DataFrame:
    """region_code, region_name, region_level, parent_code, ordered by code."""
    return query(
        "select region_code, region_name, region_level, parent_code"
        " from dim_region order by region_code"
    )


def region_kpis(region_code: str, period: str) -> pl.DataFrame:
    """Every KPI row of one region in one period."""
    return query(
        "select * from mart_kpi where region_code = ? and period = ?", [region_code, period]
    )


def children_kpi(parent_code: str, period: str, kpi: str) -> pl.DataFrame:
    """One KPI for the regions directly under parent_code, best first."""
    return query(
        "select * from mart_kpi where parent_code = ? and period = ? and kpi = ?"
        " order by rank_in_parent nulls last, value desc nulls last, region_code",
        [parent_code, period, kpi],
    )


def published_at() -> datetime | None:
    """When the current snapshot was published."""
    frame = query("select max(published_at) as published_at from snapshot_info")
    return frame["published_at"][0] if frame.height else None
