"""What the dbt project tells the validator: the region codes of the shipped regions seed
(reference files under raw/reference extend them) and the KPI codes of the KPI table."""

from __future__ import annotations

from pathlib import Path

import polars as pl

from pipelines import kpi_table

TOWN_LEVELS = frozenset({"town", "镇", "街道", "乡", "镇街", "street"})


def seed_region_codes(path: Path) -> tuple[frozenset[str], frozenset[str]]:
    """(all region codes, town-level codes) of the shipped regions seed; empty if absent."""
    table = _read_seed(path, ("region_code", "region_level"))
    if table is None:
        return frozenset(), frozenset()
    table = table.select(pl.col("region_code", "region_level").str.strip_chars()).drop_nulls()
    towns = table.filter(pl.col("region_level").is_in(TOWN_LEVELS))
    return frozenset(table["region_code"]), frozenset(towns["region_code"])


def kpi_codes() -> tuple[frozenset[str], dict[str, str]]:
    """(KPI codes, Chinese name → code) of the KPI table (pipelines.kpi_table)."""
    kpis = kpi_table.kpis()
    return frozenset(kpi.code for kpi in kpis), {kpi.name_zh: kpi.code for kpi in kpis}


def _read_seed(path: Path, columns: tuple[str, ...]) -> pl.DataFrame | None:
    if not path.is_file():
        return None
    table = pl.read_csv(path, infer_schema=False)
    return table if set(columns) <= set(table.columns) else None
