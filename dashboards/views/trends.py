"""趋势: one KPI of the selected region over the report periods, against its target."""

import polars as pl
import streamlit as st

from dashboards import queries
from dashboards.chart import trend_chart
from dashboards.context import context
from dashboards.formatting import fmt_change, fmt_period, fmt_value, plain
from dashboards.ranking import pick_kpi
from dashboards.tables import show_table

ctx = context()
defs = queries.kpi_definitions()
available = set(defs["kpi"].to_list())
definition = pick_kpi(defs, available, key="trend_kpi", label="指标")
unit = definition["unit"]
rows = queries.kpi_trend(ctx.region.code, definition["kpi"])
st.subheader(f"{plain(ctx.region.name)}　{definition['name_zh']}　历年变化")
if rows.is_empty():
    st.info(f"{plain(ctx.region.name)}没有{definition['name_zh']}的数据")
    st.stop()

long = pl.concat(
    [
        rows.select(pl.col("period"), pl.col("value").alias("数值"), pl.lit("实际").alias("系列")),
        rows.select(pl.col("period"), pl.col("target").alias("数值"), pl.lit("目标").alias("系列")),
    ]
).filter(pl.col("数值").is_not_null())
long = long.with_columns(
    pl.col("period").map_elements(fmt_period, return_dtype=pl.String).alias("报告期"),
    pl.col("数值").map_elements(lambda v: fmt_value(v, unit), return_dtype=pl.String).alias("显示"),
)
chart = trend_chart(long, [fmt_period(p) for p in rows["period"]], definition)
st.altair_chart(chart)
table = pl.DataFrame(
    [
        {
            "报告期": fmt_period(r["period"]),
            definition["name_zh"]: fmt_value(r["value"], unit),
            "目标": fmt_value(r["target"], unit),
            "差距": fmt_change(r["gap"], unit),
            "同比": fmt_change(r["yoy_change"], unit),
        }
        for r in rows.iter_rows(named=True)
    ]
)
show_table(table)
