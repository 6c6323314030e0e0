"""行动清单: enterprises that need action, each list downloadable as Excel."""

import polars as pl
import streamlit as st

from dashboards import queries
from dashboards.context import context
from dashboards.excel import download
from dashboards.formatting import fmt_period, plain
from dashboards.tables import zh

LISTS = [  # key, tab title, action types, what the list is
    ("no_union", "未建会企业", ["no_union"], "职工25人以上、尚未建立工会的企业"),
    (
        "expiring",
        "合同到期预警",
        ["cba_expiring", "wage_expiring"],
        "集体合同、工资专项集体合同已到期或90天内到期",
    ),
    ("stopped", "停报企业", ["stopped_reporting"], "上期报送、本期在全市各镇街都未再报送的企业"),
    (
        "moved",
        "迁出企业",
        ["moved_out"],
        "上期在本镇街报送、本期在其他镇街报送的企业（说明中注明迁入地）",
    ),
]

ctx = context()
region, period = ctx.region, ctx.period
st.subheader(f"{plain(region.name)}　{fmt_period(period)}　行动清单")
frames = {key: queries.actions(ctx.scope, region.code, period, types) for key, _, types, _ in LISTS}
tabs = st.tabs([f"{title}（{frames[key].height}）" for key, title, _, _ in LISTS])
for tab, (key, title, _, about) in zip(tabs, LISTS, strict=True):
    with tab:
        st.caption(about)
        frame = frames[key]
        if key == "expiring":
            frame = frame.with_columns(
                pl.when(pl.col("days_left") < 0)
                .then(pl.lit("已到期"))
                .otherwise(pl.format("{}天内到期", pl.col("days_left")))
                .alias("status_zh")
            )
            drop = ("action_type", "region_code")
        elif key == "moved":  # action_zh names the town it moved to
            drop = ("action_type", "region_code", "due_date", "days_left")
        else:
            drop = ("action_type", "region_code", "action_zh", "due_date", "days_left")
        table = zh(frame, drop=drop)
        st.dataframe(table, hide_index=True)
        download(
            table, f"下载{title}（Excel）", f"{title}_{region.name}_{period}.xlsx", f"dl_{key}"
        )
