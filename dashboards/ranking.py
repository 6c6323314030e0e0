"""Ranking of the regions under the selected one on a chosen KPI."""

from __future__ import annotations

import polars as pl
import streamlit as st

from dashboards.chart import ranking_chart
from dashboards.formatting import (
    MISSING,
    fmt_attained,
    fmt_change,
    fmt_count,
    fmt_enterprises,
    fmt_kpi_value,
    fmt_value,
)
from dashboards.tables import show_table


def ranking_table(
    rows: pl.DataFrame, definition: dict, region_label: str, rank_column: str = "rank_in_parent"
) -> pl.DataFrame:
    """Display frame (strings as printed in reports) from mart_kpi rows already in rank order.

    Numerator and denominator columns are named by kpi_definitions; a KPI without a
    denominator (a plain count) gets no denominator column. Where some enterprises did not
    report the KPI, a 未报此项 column counts them (the value is over the others). A rate with
    a target gets a 还需 column: how many enterprises or persons each region still needs
    (mart_kpi.still_needed), "0家" once met.
    """
    unit = definition["unit"]
    needed_column = f"还需{definition.get('still_needed_zh') or ''}"
    counts = [
        (label, field)
        for label, field in [
            (definition["numerator_zh"], "numerator"),
            (definition["denominator_zh"], "denominator"),
        ]
        if label
    ]
    records = [
        {
            "排名": MISSING if r[rank_column] is None else str(r[rank_column]),
            region_label: r["region_name"],
            definition["name_zh"]: fmt_kpi_value(r, unit),
            "目标": fmt_value(r["target"], unit),
            "差距": fmt_change(r["gap"], unit),
            "达标": fmt_attained(r["gap"]),
        }
        | {needed_column: _still_needed(r, definition)}
        | ({"所属区（县）": r["district_name"]} if "district_name" in r else {})
        | {label: fmt_count(r[field], label) for label, field in counts}
        | {NOT_REPORTED_COLUMN: fmt_enterprises(_unreported(r))}
        for r in rows.iter_rows(named=True)
    ]
    columns = ["排名", region_label, definition["name_zh"], "目标", "差距", "达标"]
    if "still_needed" in rows.columns and rows["still_needed"].is_not_null().any():
        columns.append(needed_column)
    columns += ["所属区（县）"] if "district_name" in rows.columns else []
    columns += [label for label, _ in counts]
    if any(_unreported(r) for r in rows.iter_rows(named=True)):
        columns.append(NOT_REPORTED_COLUMN)
    return pl.DataFrame(records, schema=dict.fromkeys(columns, pl.String))


NOT_REPORTED_COLUMN = "未报此项"


def _still_needed(row: dict, definition: dict) -> str:
    needed = row.get("still_needed")
    if needed is None:
        return MISSING
    return f"{int(needed):,}{definition.get('numerator_unit_zh') or ''}"


def unmet_headline(rows: pl.DataFrame, definition: dict, region_label: str) -> str | None:
    """ "**1/3 个镇街未达标**，合计还需新建会 3 家": regions below their target among those
    with a target and a value, and what the ones below still need together. None when no
    region has a target."""
    judged = rows.filter(pl.col("gap").is_not_null())
    if judged.is_empty():
        return None
    unmet = judged.filter(pl.col("gap") < 0)
    headline = f"**{unmet.height}/{judged.height} 个{region_label}未达标**"
    needed = unmet["still_needed"].drop_nulls().sum() if "still_needed" in unmet.columns else 0
    if needed:
        action, unit = definition.get("still_needed_zh") or "", definition.get("numerator_unit_zh")
        headline += f"，合计还需{action} {int(needed):,} {unit or ''}"
    return headline


def _unreported(row: dict) -> int:
    """Enterprises in the KPI's scope that did not report what it needs."""
    in_scope, reported = row.get("in_scope_enterprises"), row.get("reported_enterprises")
    return 0 if in_scope is None or reported is None else in_scope - reported


def pick_kpi(
    definitions: pl.DataFrame,
    available: set[str],
    default: str = "org_rate",
    key: str = "rank_kpi",
    label: str = "排名指标",
) -> dict:
    """The KPI to rank on, among those the snapshot has for the period."""
    options = [d for d in definitions.iter_rows(named=True) if d["kpi"] in available]
    codes = [d["kpi"] for d in options]
    names = {d["kpi"]: d["name_zh"] for d in options}
    index = codes.index(default) if default in codes else 0
    code = st.selectbox(label, codes, index=index, format_func=names.__getitem__, key=key)
    return next(d for d in options if d["kpi"] == code)


ROW_PX = 35  # a st.dataframe row
SCROLLBAR_PX = 16  # a table wider than its column scrolls sideways: its last row stays whole


def render_ranking(
    rows: pl.DataFrame, definition: dict, region_label: str, rank_column: str = "rank_in_parent"
) -> None:
    if rows.is_empty():
        st.info("本报告期没有下级区域的数据")
        return
    table, chart = st.columns([3, 2])
    with table:
        frame = ranking_table(rows, definition, region_label, rank_column)
        # every row at once: a leader reads the whole list, not ten rows and a scroll bar
        show_table(frame, height=ROW_PX * (frame.height + 1) + 3 + SCROLLBAR_PX)
    with chart:
        st.altair_chart(ranking_chart(rows, definition))
