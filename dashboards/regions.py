"""The region picker: city → district → town/street, by name, default the city."""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl
import streamlit as st

# What a level's regions are called in headings and table columns.
LEVEL_ZH = {"city": "市", "district": "区（县）", "town": "镇街"}


@dataclass(frozen=True)
class Region:
    code: str
    name: str
    level: str
    parent_code: str | None


def _region(row: dict) -> Region:
    return Region(row["region_code"], row["region_name"], row["region_level"], row["parent_code"])


def children(regions: pl.DataFrame, parent_code: str) -> list[Region]:
    """Regions directly under parent_code, in code order."""
    rows = regions.filter(pl.col("parent_code") == parent_code).sort("region_code")
    return [_region(row) for row in rows.iter_rows(named=True)]


def by_code(regions: pl.DataFrame) -> dict[str, Region]:
    return {row["region_code"]: _region(row) for row in regions.iter_rows(named=True)}


def _pick(label: str, whole: Region, whole_zh: str, options: list[Region], key: str) -> Region:
    """A selectbox whose first entry is the enclosing region itself ("全市", "全区")."""
    names = {whole.code: f"{whole.name}（{whole_zh}）"} | {r.code: r.name for r in options}
    lookup = {whole.code: whole} | {r.code: r for r in options}
    code = st.sidebar.selectbox(label, list(names), format_func=names.__getitem__, key=key)
    return lookup[code]


def select_region(regions: pl.DataFrame) -> Region | None:
    """Sidebar selectors; returns the deepest region chosen (the city by default)."""
    cities = [
        _region(r) for r in regions.filter(pl.col("region_level") == "city").iter_rows(named=True)
    ]
    if not cities:
        return None
    if len(cities) == 1:
        city = cities[0]
    else:
        names = {c.code: c.name for c in cities}
        code = st.sidebar.selectbox("市", list(names), format_func=names.__getitem__, key="city")
        city = next(c for c in cities if c.code == code)
    district = _pick(
        "区域", city, "全市", children(regions, city.code), key=f"district_{city.code}"
    )
    if district.code == city.code:
        return city
    towns = children(regions, district.code)
    if not towns:
        return district
    return _pick("镇街", district, "全区", towns, key=f"town_{district.code}")
