"""工会组建与覆盖统计: the leaders' dashboard. Run with `streamlit run dashboards/app.py`.

Reads only the published snapshot (dashboards.snapshot), never the warehouse.
"""

from __future__ import annotations

import sys
from pathlib import Path

# `streamlit run` puts this file's folder on sys.path, not the repository root; add it so
# the app imports `dashboards` and `pipelines` from any working directory.
REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

import duckdb  # noqa: E402
import polars as pl  # noqa: E402
import streamlit as st  # noqa: E402

from dashboards import queries  # noqa: E402
from dashboards.cards import render_cards  # noqa: E402
from dashboards.formatting import fmt_period, fmt_timestamp  # noqa: E402
from dashboards.ranking import pick_kpi, render_ranking  # noqa: E402
from dashboards.regions import LEVEL_ZH, Region, by_code, children, select_region  # noqa: E402
from dashboards.snapshot import NO_SNAPSHOT_ZH, NoSnapshotError  # noqa: E402

TITLE = "工会组建与覆盖统计"


def ranking_section(regions: pl.DataFrame, region: Region, period: str, defs: pl.DataFrame) -> None:
    """Rank the children of the selected region; for a town, rank it among its siblings."""
    kids = children(regions, region.code)
    parent = region if kids else by_code(regions).get(region.parent_code or "")
    if parent is None:
        return
    label = LEVEL_ZH.get(kids[0].level if kids else region.level, "区域")
    st.subheader(f"{parent.name}各{label}排名")
    definition = pick_kpi(defs, queries.kpis_in_period(period))
    rows = queries.children_kpi(parent.code, period, definition["kpi"])
    render_ranking(rows, definition, label)
    if not kids:
        own = rows.filter(pl.col("region_code") == region.code)
        if own.height and own["rank_in_parent"][0] is not None:
            rank = own["rank_in_parent"][0]
            st.caption(f"{region.name}在{parent.name}{rows.height}个{label}中排名第{rank}")


def page() -> None:
    periods = queries.periods()
    if not periods:
        st.info("已发布的数据中还没有统计结果")
        return
    period = st.sidebar.selectbox("报告期", periods, format_func=fmt_period, key="period")
    regions = queries.regions()
    region = select_region(regions)
    if region is None:
        st.warning("已发布的数据中没有区划（dim_region 为空）")
        return

    st.subheader(f"{region.name}　{fmt_period(period)}")
    defs = queries.kpi_definitions()
    kpi_rows = queries.region_kpis(region.code, period)
    if kpi_rows.is_empty():
        st.info(f"{region.name}在{fmt_period(period)}没有已受理的报表")
    render_cards(defs, kpi_rows)

    st.divider()
    ranking_section(regions, region, period, defs)
    st.caption(f"数据更新于 {fmt_timestamp(queries.published_at())}")


def main() -> None:
    st.set_page_config(page_title=TITLE, page_icon="📊", layout="wide")
    st.title(TITLE)
    try:
        page()
    except NoSnapshotError:
        st.info(NO_SNAPSHOT_ZH)
    except duckdb.Error as exc:
        st.error(f"读取已发布数据失败，请重新运行 gonghui refresh。（{exc}）")


main()
