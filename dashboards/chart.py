"""Charts as a leader reads them: the ranking's bars (red below target, green when met,
each bar's own target as a black tick) and a KPI's trend against its target.

Rates are drawn on an axis zoomed to the data (94.7% and 97.8% must not look alike), in %;
counts start at zero."""

from __future__ import annotations

import math

import altair as alt
import polars as pl

from dashboards.formatting import fmt_value

MET, MISSED, NO_TARGET = "达标", "未达标", "未设目标"
COLOURS = alt.Scale(domain=[MET, MISSED, NO_TARGET], range=["#15803D", "#C8102E", "#6B7280"])
BAR_STEP_PX = 26  # one region's band: an 18 px bar and its gap
BAR_PX = 18
PERCENT_AXIS = alt.Axis(format=".0f", labelExpr="datum.label + '%'")


def zoomed_domain(values: list[float | None], unit: str) -> list[float] | None:
    """The value axis of a rate: the data and its targets with a margin, within 0–100
    (never narrower than 5 points, so 95.0 → 96.0 does not fill the plot). None for counts:
    their axis starts at zero."""
    known = [v for v in values if v is not None and not math.isnan(v)]
    if unit != "pct" or not known:
        return None
    low, high = min(known), max(known)
    margin = max((high - low) * 0.15, (5 - (high - low)) / 2, 0.5)
    low, high = max(0.0, low - margin), high + margin
    if high > 100 >= max(known):
        low, high = max(0.0, low - (high - 100)), 100.0
    return [math.floor(low), math.ceil(high)]


def _value_scale(domain: list[float] | None) -> alt.Scale:
    return alt.Scale(zero=True) if domain is None else alt.Scale(domain=domain, zero=False)


def ranking_chart(rows: pl.DataFrame, definition: dict) -> alt.LayerChart:
    """rows: mart_kpi rows in rank order (region_name, value, target, gap). Every region's
    name is shown, each bar 18 px whatever the number of regions."""
    unit = definition["unit"]
    data = rows.select(
        pl.col("region_name").alias("区域"),
        pl.col("value").alias("值"),
        pl.col("target").alias("目标"),
        pl.when(pl.col("gap").is_null())
        .then(pl.lit(NO_TARGET))
        .when(pl.col("gap") >= 0)
        .then(pl.lit(MET))
        .otherwise(pl.lit(MISSED))
        .alias("达标"),
        pl.col("value")
        .map_elements(lambda v: fmt_value(v, unit), return_dtype=pl.String)
        .alias("显示"),
        pl.col("target")
        .map_elements(lambda v: fmt_value(v, unit), return_dtype=pl.String)
        .alias("目标值"),
    ).to_pandas()  # Altair wants pandas (or a dict); the frame is a handful of rows
    order = data["区域"].tolist()
    domain = zoomed_domain([*rows["value"].to_list(), *rows["target"].to_list()], unit)
    axis = PERCENT_AXIS if unit == "pct" else alt.Axis(format=",d")
    x = alt.X("值:Q", title=definition["name_zh"], scale=_value_scale(domain), axis=axis)
    base = alt.Chart(data).encode(
        y=alt.Y("区域:N", sort=order, title=None, axis=alt.Axis(labelLimit=0, labelOverlap=False))
    )
    bars = base.mark_bar(size=BAR_PX, clip=True).encode(
        x=x,
        color=alt.Color("达标:N", scale=COLOURS, legend=alt.Legend(title=None, orient="top")),
        tooltip=[
            alt.Tooltip("区域:N"),
            alt.Tooltip("显示:N", title="指标值"),
            alt.Tooltip("目标值:N", title="目标"),
            alt.Tooltip("达标:N"),
        ],
    )
    labels = base.mark_text(align="left", dx=4, clip=True).encode(x="值:Q", text="显示:N")
    targets = base.mark_tick(color="#111827", thickness=2, size=BAR_STEP_PX, clip=True).encode(
        x="目标:Q"
    )
    return alt.layer(bars, labels, targets).properties(height=alt.Step(BAR_STEP_PX))


def trend_chart(long: pl.DataFrame, periods: list[str], definition: dict) -> alt.Chart:
    """long: 报告期, 系列 (实际 | 目标), 数值 — the KPI and its target over the periods, period
    labels level, the value axis in % for rates and zoomed like the ranking's."""
    unit = definition["unit"]
    domain = zoomed_domain(long["数值"].to_list(), unit)
    axis = PERCENT_AXIS if unit == "pct" else alt.Axis(format=",d")
    return (
        alt.Chart(long.to_pandas())
        .mark_line(point=True)
        .encode(
            x=alt.X("报告期:N", sort=periods, title=None, axis=alt.Axis(labelAngle=0)),
            y=alt.Y("数值:Q", title=definition["name_zh"], scale=_value_scale(domain), axis=axis),
            color=alt.Color(
                "系列:N",
                scale=alt.Scale(domain=["实际", "目标"], range=["#C8102E", "#111827"]),
                legend=alt.Legend(title=None, orient="bottom"),
            ),
            strokeDash=alt.StrokeDash(
                "系列:N",
                scale=alt.Scale(domain=["实际", "目标"], range=[[1, 0], [6, 4]]),
                legend=None,
            ),
            tooltip=["报告期", "系列", alt.Tooltip("显示:N", title="数值")],
        )
        .properties(height=360)
    )
