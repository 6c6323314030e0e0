"""数据质量 (analysts; town users see their own town): refresh, files, quarantine, field
issues, reconciliation, and where the data dictionary is."""

from datetime import datetime

import polars as pl
import streamlit as st

from dashboards import queries
from dashboards.context import context
from dashboards.excel import download
from dashboards.formatting import fmt_period, fmt_timestamp, plain
from dashboards.tables import (
    audit_zh,
    reason_name_zh,
    reconciliation_zh,
    run_log_zh,
    show_table,
    zh,
)
from pipelines import settings
from pipelines.ingest.reasons import FIELD_OUTCOME_ZH

ctx = context()
ctx.scope.require("quality")
town_only = ctx.scope.town is not None
# The sidebar's region: its files, rows and towns (a file refused before any row was read
# belongs to no region, so it is listed city-wide only).
region = None if ctx.region.level == "city" else ctx.region.code
st.caption(f"范围：{plain(ctx.region.name)}")

st.subheader("最近一次刷新")
runs = queries.run_log(ctx.scope)  # a town user: status and time only
if runs is not None and runs.height:
    latest = runs.row(0, named=True)
    ended = (latest["ended_at"] or "")[:16]
    if latest["status"] == "success":
        st.success(f"刷新成功：{ended}")
    elif town_only:
        st.error(f"刷新失败：{ended}　原因请咨询市总工会数据分析员")
    else:
        st.error(f"刷新失败：{ended}　{plain(latest['failure_reason'] or '')}")
    show_table(run_log_zh(runs))
else:
    st.caption("尚无刷新记录（运行日志为空），以下为发布信息。")
st.metric("数据发布时间", fmt_timestamp(queries.published_at()))

st.subheader("文件受理情况")
audit = queries.load_audit(ctx.scope, region)
refused = audit.filter(pl.col("status") != "loaded")
cols = st.columns(5)
cols[0].metric("已受理文件", f"{audit.height - refused.height:,}个")
cols[1].metric("拒收文件", f"{refused.height:,}个")
cols[2].metric("读取行数", f"{int(audit['rows_read'].sum() or 0):,}行")
cols[3].metric("隔离行数", f"{int(audit['rows_quarantined'].sum() or 0):,}行")
cols[4].metric(
    "跳过行数",
    f"{int(audit['rows_skipped'].sum() or 0):,}行",
    help="表头下不是数据的行：合计行、备注行、栏次行等；读取 = 接受 + 隔离 + 跳过",
)
if refused.height:
    st.error("以下文件无法读取，未入库：")
    show_table(audit_zh(refused.select("source_file", "error_code", "message_zh")))
unknown = queries.unknown_columns(audit)
if unknown.height:
    st.warning(
        f"{unknown.height}列表头未识别，未读入：如是某字段的另一种写法，"
        "可在 raw/reference/表头别名.csv 中写一行“表头,字段代码”，下次刷新起即读入。"
    )
    show_table(unknown)
with st.expander("全部文件"):
    show_table(audit_zh(audit))

st.subheader("表头别名")
aliases = queries.header_aliases(ctx.scope)
if aliases.is_empty():
    st.caption(
        "本市未教表头写法。报表中无法识别的列会列在上方“全部文件”的“未识别的列”中；"
        "在 raw/reference/表头别名.csv 中写一行“表头,字段代码,报表”，下次刷新起即按此读列。"
    )
else:
    st.caption("raw/reference/表头别名.csv 中教的表头写法，刷新时与内置写法一同识别（以此为先）。")
    st.dataframe(
        aliases.select(
            pl.col("header").alias("表头写法"),
            pl.col("standard_header").alias("对应字段"),
            pl.col("field_code").alias("字段代码"),
            pl.col("applies_to").alias("报表"),
            pl.col("source_file").alias("来源文件"),
            pl.col("source_row").alias("行号"),
        ),
        hide_index=True,
    )

st.subheader("隔离记录")
quarantined = queries.quarantine(ctx.scope, region)
if quarantined.is_empty():
    st.success("没有被隔离的行")
else:
    by_reason, by_town = st.columns(2)
    with by_reason:
        st.markdown("**按原因**")
        show_table(
            quarantined.group_by("reason_code").agg(
                pl.first("message_zh").alias("示例说明"), pl.len().alias("行数")
            ).sort("行数", "reason_code", descending=[True, False]).select(
                pl.col("reason_code").map_elements(reason_name_zh, return_dtype=pl.String)
                .alias("原因"), "行数", "示例说明",
            )
        )  # fmt: skip
    with by_town:
        st.markdown("**按镇街**")
        show_table(
            quarantined.group_by("region_code", "region_name").agg(pl.len().alias("行数"))
            .sort("行数", descending=True).rename({"region_code": "镇街代码", "region_name": "镇街"})
        )  # fmt: skip
    towns = quarantined.select("region_code", "region_name").unique().sort("region_code")
    names = {
        r["region_code"]: r["region_name"] or f"{r['region_code']}（未知区划）"
        for r in towns.iter_rows(named=True)
    }
    code = st.selectbox("镇街", list(names), format_func=names.__getitem__, key="quality_town")
    mine = quarantined.filter(pl.col("region_code") == code)
    table = zh(mine)
    show_table(table)
    download(
        table,
        "下载本镇街隔离记录（Excel）",
        f"隔离记录_{names[code]}.xlsx",
        "dl_quarantine",
        title=f"{names[code]}　隔离记录（改正后可重新报送）",
    )

st.subheader("字段问题")
issues = queries.field_issues(ctx.scope, region)
if issues.is_empty():
    st.success("已接受的行中没有字段问题")
else:
    st.caption(
        f"{issues['source_row'].n_unique():,}行已接受、企业照常统计，但有一项填写有问题："
        "该项按未报计（需要它的指标把这家企业算作未报此项），或按上限、按月份计。"
    )
    show_table(
        issues.group_by("reason_code", "outcome").agg(
            pl.first("message_zh").alias("示例说明"), pl.len().alias("行数")
        ).sort("行数", "reason_code", descending=[True, False]).select(
            pl.col("reason_code").map_elements(reason_name_zh, return_dtype=pl.String)
            .alias("原因"),
            pl.col("outcome").replace_strict(FIELD_OUTCOME_ZH, default=pl.col("outcome"))
            .alias("处理"),
            "行数", "示例说明",
        )
    )  # fmt: skip
    issue_table = zh(issues)
    with st.expander("全部字段问题"):
        show_table(issue_table)
    download(
        issue_table,
        "下载字段问题（Excel）",
        f"字段问题_{ctx.region.name}.xlsx",
        "dl_field_issues",
        title=f"{ctx.region.name}　字段问题（已接受的行中按未报、按上限或按月份计的项）",
    )

st.subheader("镇街冲突")
conflicts = queries.town_conflicts(ctx.scope, region)
if conflicts.is_empty():
    st.success("没有企业在同一报告期出现在两个镇街的报表中")
else:
    enterprises = conflicts.select("uscc", "period").unique().height
    st.warning(
        f"{enterprises:,}家企业在同一报告期出现在两个镇街的报表中：以修改时间较晚的文件为准"
        "（“计入指标”为是的一行），请两个镇街核对该企业的归属。"
    )
    show_table(zh(conflicts, drop=("region_code",)))

st.subheader(f"镇街汇总表核对　{fmt_period(ctx.period)}")
flags = queries.reconciliation(ctx.scope, region, ctx.period)
if flags.is_empty():
    st.success("汇总表与企业报表一致，无预警")
else:
    st.warning(f"{flags.height}项上报数与企业报表汇总不一致")
    show_table(reconciliation_zh(flags))

st.subheader("数据字典")
dictionary = settings.dbt_docs_file()  # written by `make docs`; no data in it, only definitions
if dictionary.exists():
    built = fmt_timestamp(datetime.fromtimestamp(dictionary.stat().st_mtime))
    st.caption(
        "每张表、每一列的含义和每个指标的算法（分子、分母），一个 HTML 文件，下载后用浏览器打开，不需联网。"
        f"生成于 {built}，服务器上的位置：`{dictionary}`（make docs 重新生成）"
    )
    st.download_button(
        "下载数据字典（HTML）", data=dictionary.read_bytes, file_name="数据字典.html",
        mime="text/html", key="dl_data_dictionary",
    )  # fmt: skip
else:
    st.caption(
        "数据字典（每张表、每一列和每个指标算法的说明）尚未生成：在数仓所在的机器上运行 make docs。"
    )
