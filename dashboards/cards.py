"""KPI cards: value, target, gap (red below target, green when met), change on last year,
and how many enterprises reported the KPI when not all did."""

from __future__ import annotations

import polars as pl
import streamlit as st

from dashboards.formatting import (
    fmt_change,
    fmt_count,
    fmt_coverage,
    fmt_kpi_value,
    fmt_still_needed,
    fmt_value,
    fmt_wan,
    fmt_yoy,
)

# Which KPIs get a card, in this order; their labels come from kpi_definitions.
CARD_KPIS = [
    "org_rate",
    "membership_rate",
    "cba_rate",
    "wage_rate",
    "congress_rate_nonpublic",
    "congress_rate_public",
    "registration_rate",
]
CARDS_PER_ROW = 4


def _card(definition: dict, row: dict | None) -> None:
    unit = definition["unit"]
    if row is None:
        st.metric(definition["name_zh"], "—", border=True)
        st.caption("本报告期无数据")
        return
    target = row["target"]
    # The delta is the distance to the target, not a trend: no arrow. delta_color "normal"
    # colours it by its sign: "-…" red, "+…" green. What it takes to close it goes on its own
    # line below: beside the delta, a card a quarter of the page wide cuts it off.
    needed = fmt_still_needed(row.get("still_needed"), definition)
    st.metric(
        definition["name_zh"],
        fmt_kpi_value(row, unit),
        delta=None if target is None else fmt_change(row["gap"], unit),
        delta_color="normal",
        delta_arrow="off",
        delta_description=None if target is None else "距目标",
        border=True,
        help=(
            f"{definition['numerator_zh']} {fmt_count(row['numerator'], definition['numerator_zh'])}"
            f" ÷ {definition['denominator_zh']} {fmt_count(row['denominator'], definition['denominator_zh'])}"
        ),
    )
    if needed:
        st.markdown(f":red[**{needed}**]")
    target_zh = "未设目标" if target is None else f"目标 {fmt_value(target, unit)}"
    st.caption(f"{target_zh}　·　同比 {fmt_yoy(row['yoy_change'], unit)}")
    if coverage := fmt_coverage(row):
        st.caption(f"（{coverage}）")


def render_cards(definitions: pl.DataFrame, kpi_rows: pl.DataFrame) -> None:
    defs = {d["kpi"]: d for d in definitions.iter_rows(named=True)}
    rows = {r["kpi"]: r for r in kpi_rows.iter_rows(named=True)}
    codes = [code for code in CARD_KPIS if code in defs]
    for start in range(0, len(codes), CARDS_PER_ROW):
        chunk = codes[start : start + CARDS_PER_ROW]
        for column, code in zip(st.columns(CARDS_PER_ROW), chunk, strict=False):
            with column:
                _card(defs[code], rows.get(code))


# Head counts shown above the cards, as a leader reads them ("1.32万人", "420家"), the exact
# figure in the tooltip.
HEAD_COUNTS = [
    ("enterprises", "在报企业数", "家"),
    ("unionised", "已建会企业数", "家"),
    ("employees", "职工人数", "人"),
    ("members", "会员人数", "人"),
]


def render_head_counts(counts: dict) -> None:
    for column, (field, label, suffix) in zip(
        st.columns(len(HEAD_COUNTS)), HEAD_COUNTS, strict=True
    ):
        with column:
            value = counts.get(field)
            st.metric(label, fmt_wan(value, suffix), help=f"{label} {fmt_count(value, label)}")
