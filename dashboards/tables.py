"""Row tables as shown and downloaded: Chinese column names, values as printed."""

from __future__ import annotations

import polars as pl

from pipelines.ingest.reasons import FIELD_OUTCOME_ZH

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
    "due_date": "到期日期",
    "days_left": "剩余天数",
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
