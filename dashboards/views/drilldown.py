"""下钻: city → district → town → the enterprises behind a KPI, with source file and row."""

import polars as pl
import streamlit as st

from dashboards import queries
from dashboards.context import context, go_to_region
from dashboards.excel import download
from dashboards.formatting import fmt_count, fmt_coverage, fmt_kpi_value, fmt_period, plain
from dashboards.ranking import pick_kpi, ranking_table
from dashboards.regions import LEVEL_ZH, by_code, children
from dashboards.tables import show_table, zh

ctx = context()
region, period = ctx.region, ctx.period
defs = queries.kpi_definitions()
definition = pick_kpi(
    defs, queries.listed_kpis() & queries.kpis_in_period(period), key="drill_kpi", label="指标"
)
kpi, unit = definition["kpi"], definition["unit"]

lookup = by_code(ctx.regions)
chain = [region]
while chain[-1].parent_code in lookup:
    chain.append(lookup[chain[-1].parent_code])
st.subheader(" › ".join(plain(r.name) for r in reversed(chain)) + f"　{fmt_period(period)}")

mart = queries.region_kpis(region.code, period).filter(pl.col("kpi") == kpi)
if mart.height:
    row = mart.row(0, named=True)
    st.metric(definition["name_zh"], fmt_kpi_value(row, unit), border=True)
    if coverage := fmt_coverage(row):
        st.caption(f"（{coverage}：按报了此项的企业计算）")

kids = children(ctx.regions, region.code) if ctx.scope.town is None else []
if kids:
    label = LEVEL_ZH.get(kids[0].level, "区域")
    rows = queries.children_kpi(region.code, period, kpi).reverse()  # weakest first
    st.markdown(f"**各{label}{definition['name_zh']}（薄弱在前）**")
    show_table(ranking_table(rows, definition, label))
    names = {r.code: r.name for r in kids}
    pick, go = st.columns([3, 1], vertical_alignment="bottom")
    with pick:
        order = [c for c in rows["region_code"] if c in names] + [
            c for c in names if c not in set(rows["region_code"])
        ]
        child = st.selectbox(
            f"下钻到{label}", order, format_func=names.__getitem__, key="drill_child"
        )
    with go:
        if st.button("下钻 →", key="drill_go"):
            go_to_region(child)
            st.rerun()

listed_zh = definition["denominator_zh"] or "在报企业"
st.markdown(f"**{plain(region.name)}的企业名单**（{listed_zh}）")
frame = queries.enterprises(ctx.scope, region.code, period, kpi)
counted = frame.filter(pl.col("counted").fill_null(False)).height
unreported = frame.filter(~pl.col("reports_kpi")).height
st.caption(
    f"{listed_zh} {fmt_count(frame.height, '企业')}，"
    f"其中{definition['numerator_zh']} {fmt_count(counted, '企业')}"
    + (f"，未报此项 {fmt_count(unreported, '企业')}" if unreported else "")
)
show = st.radio(
    "显示", ["all", "not_counted", "counted"], horizontal=True, key="drill_filter",
    format_func={"all": "全部", "not_counted": "未计入分子（需跟进）", "counted": "计入分子"}.get,
)  # fmt: skip
if show != "all":
    frame = frame.filter(pl.col("counted").fill_null(False) == (show == "counted"))
table = zh(frame, drop=("region_code", "has_union", "reports_kpi"))
show_table(table)
download(
    table,
    "下载企业名单（Excel）",
    f"企业名单_{region.name}_{fmt_period(period)}_{definition['name_zh']}.xlsx",
    "drill_download",
    title=f"{region.name}　{fmt_period(period)}　{definition['name_zh']}　企业名单（{listed_zh}）",
)
