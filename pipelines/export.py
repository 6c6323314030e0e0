"""Exports read the published snapshot (like the dashboard), never the warehouse."""

from __future__ import annotations

from pathlib import Path

import duckdb
import polars as pl

from pipelines.publish import current_snapshot

KPI_COLUMNS = (
    "region_code, region_name, region_level, period, kpi, numerator, denominator, "
    "round(value, 2) as value, target, round(gap, 2) as gap"
)

# Clerk-facing exports carry bilingual headers: the Chinese a clerk reads first.
QUARANTINE_COLUMNS = {
    "source_file": "文件 source_file",
    "sheet": "工作表 sheet",
    "source_row": "行号 row",
    "field": "字段 field",
    "value": "填报值 value",
    "reason_code": "原因代码 reason_code",
    "message_zh": "原因",
    "message_en": "reason",
    "uscc": "统一社会信用代码 uscc",
    "region_code": "镇街代码 region_code",
    "period": "报告期 period",
}
ACTION_COLUMNS = {
    "action_zh": "事项",
    "action_type": "事项代码 action_type",
    "district_name": "区县",
    "region_name": "镇街",
    "region_code": "镇街代码 region_code",
    "uscc": "统一社会信用代码 uscc",
    "enterprise_name": "企业名称",
    "employees": "职工人数",
    "due_date": "到期日期",
    "days_left": "距到期天数",
    "source_file": "来源文件 source_file",
    "source_row": "行号 row",
    "period": "报告期 period",
}


class ExportError(Exception):
    """A user-facing problem (no snapshot, unknown period), printed without a traceback."""


def _connect(publish_dir: Path) -> duckdb.DuckDBPyConnection:
    snapshot = current_snapshot(publish_dir)
    if snapshot is None:
        raise ExportError(
            f"尚无已发布的数据，请先运行 gonghui refresh。No published snapshot in {publish_dir}."
        )
    return duckdb.connect(str(snapshot), read_only=True)


def _region_filter(region: str | None) -> tuple[str, list[str]]:
    """SQL predicate keeping a region and everything below it."""
    if region is None:
        return "true", []
    return (
        "region_code in (select region_code from dim_region "
        "where ? in (region_code, district_code, city_code))",
        [region],
    )


def _require_period(con: duckdb.DuckDBPyConnection, period: str) -> None:
    periods = [p for (p,) in con.execute("select distinct period from mart_kpi").fetchall()]
    if period not in periods:
        raise ExportError(
            f"报告期 {period} 没有数据；可选：{', '.join(sorted(periods)) or '无'}。"
            f" No data for period {period}."
        )


def kpis(publish_dir: Path, period: str, region: str | None) -> pl.DataFrame:
    with _connect(publish_dir) as con:
        _require_period(con, period)
        predicate, params = _region_filter(region)
        return con.sql(
            f"""
            select {KPI_COLUMNS} from mart_kpi k
            join kpi_definitions d using (kpi)
            where period = ? and {predicate}
            order by case region_level when 'city' then 0 when 'district' then 1 else 2 end,
                region_code, d.sort_order
            """,
            params=[period, *params],
        ).pl()


def quarantine(publish_dir: Path, region: str | None) -> pl.DataFrame:
    with _connect(publish_dir) as con:
        predicate, params = _region_filter(region)
        frame = con.sql(
            f"""
            select {", ".join(QUARANTINE_COLUMNS)} from mart_quarantine
            where {predicate}
            order by source_file, source_row, field
            """,
            params=params,
        ).pl()
    return frame.rename(QUARANTINE_COLUMNS)


def actions(publish_dir: Path, period: str, region: str | None) -> pl.DataFrame:
    with _connect(publish_dir) as con:
        _require_period(con, period)
        predicate, params = _region_filter(region)
        frame = con.sql(
            f"""
            select {", ".join(ACTION_COLUMNS)} from mart_actions
            where period = ? and {predicate}
            order by action_type, district_name, region_name, days_left nulls last,
                employees desc
            """,
            params=[period, *params],
        ).pl()
    return frame.rename(ACTION_COLUMNS)


def write_table(frame: pl.DataFrame, out: Path, sheet: str) -> None:
    """CSV (UTF-8 with BOM, so Excel on Chinese Windows shows the characters) or XLSX."""
    out.parent.mkdir(parents=True, exist_ok=True)
    suffix = out.suffix.lower()
    if suffix == ".csv":
        frame.write_csv(out, include_bom=True)
    elif suffix == ".xlsx":
        frame.write_excel(out, worksheet=sheet, autofit=True)
    else:
        raise ExportError(f"只支持 .csv 或 .xlsx 文件：{out}. Only .csv or .xlsx are supported.")
