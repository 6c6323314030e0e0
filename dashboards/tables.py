"""Row tables as shown and downloaded: Chinese column names, values as printed."""

from __future__ import annotations

import re
import string

import polars as pl
import streamlit as st

from dashboards.formatting import MISSING, fmt_count, fmt_count_change, fmt_pct, fmt_points
from pipelines.ingest.reasons import FIELD_OUTCOME_ZH, REASONS
from pipelines.ingest.vocabulary import FEED_ZH

UNION_FORM_ZH = {"single": "单独建会", "joint": "联合建会", "none": "未建会"}

COLUMNS_ZH = {
    "uscc": "统一社会信用代码",
    "enterprise_name": "企业名称",
    "region_code": "镇街代码",
    "region_name": "镇街",
    "district_name": "区（县）",
    "ownership": "经济类型",
    "employees": "职工人数",
    "members": "会员人数",
    "union_form": "建会形式",
    "cba_in_force": "集体合同有效",
    "wage_in_force": "工资专项集体合同有效",
    "counted": "计入分子",
    "is_current": "计入指标",
    "action_zh": "事项",
    "signed_on": "签订日期",
    "expires_on": "到期日期",
    "status_zh": "状态",
    "period": "报告期",
    "field": "字段",
    "value": "填写值",
    "reason_code": "原因代码",
    "message_zh": "说明",
    "message_en": "Message",
    "row_data": "原始行",
    "outcome": "处理",
    "source_file": "来源文件",
    "sheet": "工作表",
    "source_row": "行号",
}


NOT_REPORTED_ZH = "未报此项"

# The run log (pipelines.warehouse.run_log.RunRecord) and the load audit, as shown.
RUN_COLUMNS_ZH = {
    "status": "结果",
    "trigger": "启动方式",
    "started_at": "开始时间",
    "ended_at": "结束时间",
    "files_seen": "文件数",
    "files_parsed": "解析文件数",
    "files_unchanged": "未改动文件数",
    "files_unreadable": "无法读取文件数",
    "rows_accepted": "接受行数",
    "rows_quarantined": "隔离行数",
    "checks_passed": "检查通过",
    "checks_warned": "检查提醒",
    "checks_failed": "检查未通过",
    "published": "已发布",
    "failure_reason": "失败原因",
    "run_id": "运行编号",
}
RUN_VALUES_ZH = {
    "status": {"success": "成功", "failure": "失败"},
    "trigger": {"cli": "命令行", "schedule": "定时", "sensor": "文件监测", "ui": "Dagster 界面"},
}
AUDIT_COLUMNS_ZH = {
    "source_file": "文件",
    "feed": "报表",
    "sheet": "工作表",
    "status": "状态",
    "error_code": "原因",
    "message_zh": "说明",
    "rows_read": "读取行数",
    "rows_accepted": "接受行数",
    "rows_quarantined": "隔离行数",
    "rows_skipped": "跳过行数",
    "unknown_columns": "未识别的列",
    "file_mtime": "文件修改时间",
    "loaded_at": "读取时间",
}
AUDIT_STATUS_ZH = {"loaded": "已受理", "unreadable": "无法读取"}


def reason_name_zh(code: str | None) -> str | None:
    """A reason's short Chinese name, from the same table as the clerk's message: its own
    name where it has one, else the message's first clause without its asides, blanks said in
    general ("该栏“…”不能为负数", "女职工人数大于职工人数")."""
    reason = REASONS.get(code or "")
    if reason is None:
        return code
    if reason.name_zh:
        return reason.name_zh
    generic = {"header": "该栏", "field": "该栏", "today": "今天"}
    text = "".join(
        literal + (generic.get(name, "…") if name else "")
        for literal, name, _, _ in string.Formatter().parse(reason.zh)
    )
    without_asides = re.sub(r"（[^（）]*）|\([^()]*\)", "", text)
    return re.split(r"[，：；。]", without_asides, maxsplit=1)[0]


def run_log_zh(runs: pl.DataFrame) -> pl.DataFrame:
    """The run log with Chinese columns and values, the columns it has in this order."""
    values = [
        pl.col(name).replace_strict(mapping, default=pl.col(name))
        for name, mapping in RUN_VALUES_ZH.items()
        if name in runs.columns
    ]
    if "published" in runs.columns:  # 0/1 in the run log's SQLite
        runs = runs.with_columns(pl.col("published").cast(pl.Boolean))
        values.append(_yes_no("published"))
    values += [  # to the second, as a clerk reads a clock
        pl.col(name).cast(pl.String).str.slice(0, 19)
        for name in ("started_at", "ended_at")
        if name in runs.columns
    ]
    columns = [name for name in RUN_COLUMNS_ZH if name in runs.columns]
    return runs.with_columns(values).select(columns).rename(RUN_COLUMNS_ZH, strict=False)


def audit_zh(audit: pl.DataFrame) -> pl.DataFrame:
    """The load audit with Chinese columns, report types, statuses and reason names."""
    values = {
        "feed": pl.col("feed").replace_strict(FEED_ZH, default=pl.col("feed")),
        "status": pl.col("status").replace_strict(AUDIT_STATUS_ZH, default=pl.col("status")),
        "error_code": pl.col("error_code").map_elements(reason_name_zh, return_dtype=pl.String),
    }
    present = [expr for name, expr in values.items() if name in audit.columns]
    return audit.with_columns(present).rename(AUDIT_COLUMNS_ZH, strict=False)


def _yes_no(column: str, missing: str = "—") -> pl.Expr:
    return (
        pl.when(pl.col(column)).then(pl.lit("是")).when(pl.col(column).is_null())
        .then(pl.lit(missing)).otherwise(pl.lit("否")).alias(column)
    )  # fmt: skip


def zh(frame: pl.DataFrame, drop: tuple[str, ...] = ()) -> pl.DataFrame:
    """Translate codes and booleans, drop internal columns, rename to Chinese."""
    frame = frame.drop([c for c in drop if c in frame.columns])
    exprs = []
    if "union_form" in frame.columns:
        exprs.append(
            pl.col("union_form").replace_strict(UNION_FORM_ZH, default=pl.col("union_form"))
        )
    exprs += [
        _yes_no(c) for c in ("cba_in_force", "wage_in_force", "is_current") if c in frame.columns
    ]
    if "outcome" in frame.columns:
        exprs.append(pl.col("outcome").replace_strict(FIELD_OUTCOME_ZH, default=pl.col("outcome")))
    if "counted" in frame.columns:  # null: the enterprise did not report what the KPI needs
        exprs.append(_yes_no("counted", missing=NOT_REPORTED_ZH))
    if exprs:
        frame = frame.with_columns(exprs)
    return frame.rename({c: COLUMNS_ZH[c] for c in frame.columns if c in COLUMNS_ZH})


EMPTY_ZH = "（无记录）"
# Row numbers and codes are identifiers: no thousands separator in 行号 12345.
PLAIN_NUMBERS = {"source_row", "行号", "row_number"}


def show_table(frame: pl.DataFrame, height: int | None = None) -> None:
    """A table as printed: "—" where text is missing, counts with thousands separators, and
    a line saying there is nothing instead of an empty grid."""
    if frame.is_empty():
        st.caption(EMPTY_ZH)
        return
    texts = [name for name, dtype in frame.schema.items() if dtype == pl.String]
    numbers = {
        name: st.column_config.NumberColumn(
            format="plain" if name in PLAIN_NUMBERS else "localized"
        )
        for name, dtype in frame.schema.items()
        if dtype.is_numeric()
    }
    st.dataframe(
        frame.with_columns(pl.col(texts).fill_null(MISSING)),
        hide_index=True,
        column_config=numbers,
        height=height or "auto",
    )


def _is_rate(metric_zh: str) -> bool:
    return metric_zh.endswith("率")


def _fmt_figure(value: float | None, metric_zh: str) -> str:
    return fmt_pct(value) if _is_rate(metric_zh) else fmt_count(value, metric_zh)


def _fmt_difference(value: float | None, metric_zh: str) -> str:
    return fmt_points(value) if _is_rate(metric_zh) else fmt_count_change(value, metric_zh)


def reconciliation_zh(flags: pl.DataFrame) -> pl.DataFrame:
    """Flagged summary figures as printed: a rate as "88.2%" with its difference in points,
    a count with its unit ("1,234家", "+12人"), so that rates and counts read apart."""
    return pl.DataFrame(
        [
            {
                "镇街代码": row["region_code"],
                "镇街": row["region_name"],
                "指标": row["metric_zh"],
                "上报值": _fmt_figure(row["reported"], row["metric_zh"]),
                "企业报表汇总值": _fmt_figure(row["recomputed"], row["metric_zh"]),
                "差额": _fmt_difference(row["difference"], row["metric_zh"]),
                "说明": row["flag_reason_zh"],
                "来源文件": row["source_file"],
                "行号": row["source_row"],
            }
            for row in flags.iter_rows(named=True)
        ]
    )
