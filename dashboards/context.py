"""What every page shares: the sidebar (period, region) within the user's scope."""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl
import streamlit as st

from dashboards import queries
from dashboards.formatting import fmt_period, plain
from dashboards.regions import Region, by_code, select_region
from dashboards.scope import Scope

CTX_KEY = "_ctx"
PENDING_KEY = "_pending_region"


@dataclass(frozen=True)
class Context:
    scope: Scope
    period: str
    region: Region
    regions: pl.DataFrame


def go_to_region(code: str) -> None:
    """Select a region in the sidebar at the next run (widgets can't change mid-run)."""
    st.session_state[PENDING_KEY] = code


def _apply_pending(regions: pl.DataFrame, scope: Scope) -> None:
    requested = st.query_params.get("region")
    if requested and requested != st.session_state.get("_applied_url_region"):
        st.session_state["_applied_url_region"] = requested
        st.session_state[PENDING_KEY] = requested
    code = st.session_state.pop(PENDING_KEY, None)
    lookup = by_code(regions)
    region = lookup.get(code or "")
    if region is None or scope.town is not None:
        if code and scope.town is not None and code != scope.town:
            st.sidebar.warning("镇街账号只能查看本镇街")
        return
    chain = [region]
    while chain[-1].parent_code in lookup:
        chain.append(lookup[chain[-1].parent_code])
    chain.reverse()  # city, district, town
    city = chain[0]
    st.session_state[f"district_{city.code}"] = chain[1].code if len(chain) > 1 else city.code
    if len(chain) > 1:
        st.session_state[f"town_{chain[1].code}"] = (
            chain[2].code if len(chain) > 2 else chain[1].code
        )


def sidebar(scope: Scope) -> Context | None:
    """Render period and region pickers; None (with a message) when there is nothing to show."""
    periods = queries.periods()
    if not periods:
        st.info("已发布的数据中还没有统计结果")
        return None
    if st.query_params.get("period") in periods and "period" not in st.session_state:
        st.session_state["period"] = st.query_params["period"]
    period = st.sidebar.selectbox("报告期", periods, format_func=fmt_period, key="period")
    regions = queries.regions()
    _apply_pending(regions, scope)
    if scope.town is not None:
        region = by_code(regions).get(scope.town)
        if region is not None:
            st.sidebar.caption(f"区域：{plain(region.name)}")
    else:
        region = select_region(regions)
    if region is None:
        st.warning("已发布的数据中没有区划（dim_region 为空）")
        return None
    context = Context(scope, period, region, regions)
    st.session_state[CTX_KEY] = context
    return context


def context() -> Context:
    """The context app.py put in place for this run."""
    return st.session_state[CTX_KEY]
