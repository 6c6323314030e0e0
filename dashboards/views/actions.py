"""行动清单: enterprises that need action, each list downloadable as Excel.

Contracts answer two questions, each for 集体合同 and 工资专项集体合同 apart: which expired
and were not renewed, and which expire within N days, both counted from a reference date the
page states (the period end, or today)."""

import polars as pl
import streamlit as st

from dashboards import queries
from dashboards.context import context
from dashboards.excel import download
from dashboards.formatting import fmt_period, plain
from dashboards.tables import show_table, zh
from pipelines.exports.contract_expiry import (
    CONTRACT_ZH,
    DAY_CHOICES,
    DEFAULT_DAYS,
    EXPIRY_LISTS,
    REFERENCE_ZH,
    Horizon,
)

ENTERPRISE_LISTS = [  # key, tab title, action type, what the list is
    ("no_union", "未建会企业", "no_union", "职工25人以上、尚未建立工会的企业"),
    ("stopped", "停报企业", "stopped_reporting", "上期报送、本期在全市各镇街都未再报送的企业"),
    (
        "moved",
        "迁出企业",
        "moved_out",
        "上期在本镇街报送、本期在其他镇街报送的企业（说明中注明迁入地）",
    ),
]
EXPIRY_ABOUT = {
    "expired": "到期日早于参照日、本期报表中未见续签的合同，最近到期的在前",
    "expiring": "参照日当天起{days}天内到期的合同，最先到期的在前",
}


def _horizon(period: str) -> Horizon:
    reference_col, days_col = st.columns([3, 2])
    with reference_col:
        reference = st.radio(
            "合同到期的参照日",
            list(REFERENCE_ZH),
            format_func=lambda ref: f"{REFERENCE_ZH[ref]}（{Horizon.of(period, ref).as_of}）",
            horizontal=True,
            key="expiry_reference",
        )
    with days_col:
        days = st.selectbox(
            "即将到期：参照日起",
            DAY_CHOICES,
            index=DAY_CHOICES.index(DEFAULT_DAYS),
            format_func=lambda n: f"{n}天内",
            key="expiry_days",
        )
    return Horizon.of(period, reference, days)


def _expiry_tab(ctx, status: str, horizon: Horizon, lists: dict) -> None:
    """Both contract types' lists of one question, with contracts and enterprises counted."""
    frames = [lists[expiry] for expiry in EXPIRY_LISTS if expiry.status == status]
    enterprises = pl.concat([f.select("uscc") for f in frames])["uscc"].n_unique()
    per_type = "、".join(
        f"{CONTRACT_ZH[expiry.contract_type]} {lists[expiry].height:,} 份"
        for expiry in EXPIRY_LISTS
        if expiry.status == status
    )
    st.markdown(f"**{horizon.label()}**：{per_type}，涉及 {enterprises:,} 家企业")
    st.caption(EXPIRY_ABOUT[status].format(days=horizon.days))
    for expiry in EXPIRY_LISTS:
        if expiry.status != status:
            continue
        frame = lists[expiry]
        title = expiry.title(horizon)
        st.markdown(
            f"##### {title}（{frame.height:,} 份合同，{frame['uscc'].n_unique():,} 家企业）"
        )
        table = zh(frame, drop=("contract_zh", "region_code", "days_left"))
        show_table(table)
        download(
            table,
            f"下载{title}（Excel）",
            f"{title}_{ctx.region.name}_{fmt_period(ctx.period)}.xlsx",
            f"dl_{expiry.key}",
            title=f"{ctx.region.name}　{fmt_period(ctx.period)}　{title}　{horizon.label()}",
        )


ctx = context()
region, period = ctx.region, ctx.period
st.subheader(f"{plain(region.name)}　{fmt_period(period)}　行动清单")
horizon = _horizon(period)
enterprise_lists = {
    key: queries.actions(ctx.scope, region.code, period, action_type)
    for key, _, action_type, _ in ENTERPRISE_LISTS
}
expiry_lists = {
    expiry: queries.contract_expiry(ctx.scope, region.code, period, expiry, horizon)
    for expiry in EXPIRY_LISTS
}


def _contracts(status: str) -> int:
    return sum(frame.height for expiry, frame in expiry_lists.items() if expiry.status == status)


titles = [
    f"未建会企业（{enterprise_lists['no_union'].height:,}）",
    f"已到期未续签（{_contracts('expired'):,}）",
    f"{horizon.days}天内到期（{_contracts('expiring'):,}）",
    f"停报企业（{enterprise_lists['stopped'].height:,}）",
    f"迁出企业（{enterprise_lists['moved'].height:,}）",
]
no_union_tab, expired_tab, expiring_tab, stopped_tab, moved_tab = st.tabs(titles)
with expired_tab:
    _expiry_tab(ctx, "expired", horizon, expiry_lists)
with expiring_tab:
    _expiry_tab(ctx, "expiring", horizon, expiry_lists)
for tab, (key, title, _, about) in zip(
    (no_union_tab, stopped_tab, moved_tab), ENTERPRISE_LISTS, strict=True
):
    with tab:
        st.caption(about)
        # the 迁出 list's action_zh names the town it moved to
        drop = ("action_type", "region_code") + (() if key == "moved" else ("action_zh",))
        table = zh(enterprise_lists[key], drop=drop)
        show_table(table)
        download(
            table,
            f"下载{title}（Excel）",
            f"{title}_{region.name}_{fmt_period(period)}.xlsx",
            f"dl_{key}",
            title=f"{region.name}　{fmt_period(period)}　{title}",
        )
