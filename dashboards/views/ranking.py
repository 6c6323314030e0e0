"""排名: regions on a KPI the leader picks, farthest below target first (or by value), how
many miss the target and what they still need, their map, with a jump to drill-down."""

import polars as pl
import streamlit as st

from dashboards import queries
from dashboards.context import context, go_to_region
from dashboards.formatting import fmt_period, fmt_value, plain
from dashboards.ranking import pick_kpi, render_ranking, unmet_headline
from dashboards.region_map import render_region_map
from dashboards.regions import LEVEL_ZH, by_code, children


def _drill_picker(rows: pl.DataFrame) -> None:
    """Jump to the enterprises behind the number, the first region listed preselected. A
    town user lists the enterprises of their own town only, so only it is offered."""
    names = {
        code: name
        for code, name in zip(rows["region_code"], rows["region_name"], strict=True)
        if ctx.scope.town in (None, code)
    }
    if not names:
        return
    pick, go = st.columns([3, 1], vertical_alignment="bottom")
    with pick:
        target = st.selectbox(
            "下钻到", list(names), format_func=names.__getitem__, key="ranking_drill"
        )
    with go:
        if st.button("查看企业名单 →", key="ranking_go", type="primary"):
            go_to_region(target)
            st.session_state["drill_kpi"] = kpi
            st.switch_page("views/drilldown.py")


ctx = context()
period = ctx.period
defs = queries.kpi_definitions()
definition = pick_kpi(defs, queries.kpis_in_period(period), key="ranking_kpi", label="指标")
kpi = definition["kpi"]

kids = children(ctx.regions, ctx.region.code)
parent = ctx.region if kids else by_code(ctx.regions).get(ctx.region.parent_code or "")
scopes = {"town": "全市所有镇街", "district": "全市各区（县）"}
if parent is not None and parent.level != "city":
    scopes["parent"] = f"{plain(parent.name)}各镇街"  # a radio option: Markdown
left, right = st.columns(2)
with left:
    scope = st.radio(
        "范围", list(scopes), format_func=scopes.__getitem__, key="ranking_scope", horizontal=True
    )
ORDERS = {"gap": "距目标最远在前", "low": "由低到高", "high": "由高到低"}
with right:
    order = st.radio(
        "排序", list(ORDERS), key="ranking_order", horizontal=True, format_func=ORDERS.__getitem__
    )

if scope == "parent":
    rows = queries.children_kpi(parent.code, period, kpi)
    label, rank_column = LEVEL_ZH["town"], "rank_in_parent"
else:
    rows = queries.level_ranking(scope, period, kpi, weakest_first=True)
    rows = rows.drop("district_name") if scope == "district" else rows
    label, rank_column = LEVEL_ZH[scope], "rank_overall"
# targets differ by district: the farthest below its own target first, then by value
by = ["gap", "value", "region_code"] if order == "gap" else ["value", "region_code"]
rows = rows.sort(by, descending=order == "high", nulls_last=True)

st.subheader(f"{scopes[scope]}　{definition['name_zh']}　{fmt_period(period)}")
if headline := unmet_headline(rows, definition, label):
    st.markdown(headline)
# The same regions by place, all of them whatever the filter below; a click lists the
# enterprises behind the number (a town user has the picker below, for their own town).
lookup = by_code(ctx.regions)
city = ctx.region
while city.parent_code in lookup:
    city = lookup[city.parent_code]
picked = render_region_map(
    parent if scope == "parent" else city,
    ["town" if scope == "parent" else scope],
    definition,
    period,
    key=f"ranking_map_{scope}",
    pick_hint=None if ctx.scope.town else "查看其企业名单",
)
if picked:
    go_to_region(picked)
    st.session_state["drill_kpi"] = kpi
    st.switch_page("views/drilldown.py")
if st.checkbox("只看未达标", key="ranking_unmet"):
    rows = rows.filter(pl.col("gap") < 0)
ranked = rows.filter(pl.col("value").is_not_null())
if ranked.height:
    bottom = ranked.sort("value", "region_code").head(3)
    names = "、".join(
        f"{plain(r['region_name'])}（{fmt_value(r['value'], definition['unit'])}）"
        for r in bottom.iter_rows(named=True)
    )
    st.markdown(f"**最薄弱的{bottom.height}个{label}：** {names}")

    _drill_picker(rows)
render_ranking(rows, definition, label, rank_column)
st.caption("排名：1 为最好；目标线为黑色刻度。")
