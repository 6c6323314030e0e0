"""总览: KPI cards against targets, head counts, the year's report as Word, the ranking of
the region's children and their map."""

from functools import partial

import polars as pl
import streamlit as st

from dashboards import queries
from dashboards.cards import render_cards, render_head_counts
from dashboards.context import context, go_to_region
from dashboards.formatting import fmt_period, fmt_timestamp, plain
from dashboards.ranking import pick_kpi, render_ranking
from dashboards.region_map import render_region_map
from dashboards.regions import LEVEL_ZH, by_code, children
from pipelines import settings
from pipelines.exports import report

ctx = context()
region, period = ctx.region, ctx.period
st.subheader(f"{plain(region.name)}　{fmt_period(period)}")
defs = queries.kpi_definitions()
kpi_rows = queries.region_kpis(region.code, period)
if kpi_rows.is_empty():
    st.info(f"{plain(region.name)}在{fmt_period(period)}没有已受理的报表")
render_head_counts(queries.head_counts(region.code, period))
render_cards(defs, kpi_rows)
# Written when clicked (Streamlit runs the callable then), from the snapshot current then.
st.download_button(
    "下载统计报告（Word）",
    data=partial(report.docx_bytes, settings.publish_dir(), period, region.code),
    file_name=report.file_name(region.name, period),
    mime=report.DOCX_MIME,
    key="overview_report",
    on_click="ignore",
    disabled=kpi_rows.is_empty(),
)

st.divider()
kids = children(ctx.regions, region.code)
parent = region if kids else by_code(ctx.regions).get(region.parent_code or "")
if parent is not None:
    label = LEVEL_ZH.get(kids[0].level if kids else region.level, "区域")
    st.subheader(f"{plain(parent.name)}各{label}排名")
    definition = pick_kpi(defs, queries.kpis_in_period(period))
    rows = queries.children_kpi(parent.code, period, definition["kpi"])
    render_ranking(rows, definition, label)
    own = rows.filter(pl.col("region_code") == region.code) if not kids else rows.clear()
    if own.height and own["rank_in_parent"][0] is not None:
        rank = own["rank_in_parent"][0]
        st.caption(
            f"{plain(region.name)}在{plain(parent.name)}{rows.height}个{label}中排名第{rank}"
        )
    # The same KPI by place; a click opens that region's overview (a town user's is fixed).
    st.subheader(f"{plain(parent.name)}{definition['name_zh']}地图")
    level = kids[0].level if kids else region.level
    picked = render_region_map(
        parent,
        [level, "town"] if level == "district" else [level],
        definition,
        period,
        key=f"overview_map_{region.code}",
        pick_hint=None if ctx.scope.town else "查看其总览",
        highlight=None if kids else region.code,
    )
    if picked and picked != region.code:
        go_to_region(picked)
        st.rerun()
st.caption(f"数据更新于 {fmt_timestamp(queries.published_at())}")
