"""Exports read the published snapshot (like the dashboard), never the warehouse."""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
import polars as pl
import xlsxwriter

from pipelines.exports import contract_expiry, quarantine_file
from pipelines.ingest import reasons, vocabulary
from pipelines.warehouse.publish import current_snapshot

KPI_COLUMNS = (
    "region_code, region_name, region_level, period, kpi, numerator, denominator, "
    "round(value, 2) as value, reported_enterprises, in_scope_enterprises, "
    "in_scope_enterprises - reported_enterprises as unreported_enterprises, "
    "target, round(gap, 2) as gap, still_needed, "
    "round(value_last_year, 2) as value_last_year, round(yoy_change, 2) as yoy_change"
)

# Clerk-facing exports carry bilingual headers: the Chinese a clerk reads first.
ACTION_COLUMNS = {
    "action_zh": "事项",
    "action_type": "事项代码 action_type",
    "district_name": "区县",
    "region_name": "镇街",
    "region_code": "镇街代码 region_code",
    "uscc": "统一社会信用代码 uscc",
    "enterprise_name": "企业名称",
    "employees": "职工人数",
    "source_file": "来源文件 source_file",
    "source_row": "行号 row",
    "period": "报告期 period",
}
ACTION_SHEETS = {  # sheet: action type
    "未建会企业": "no_union",
    "停报企业": "stopped_reporting",
    "迁出企业": "moved_out",
}
CONTRACT_COLUMNS = {
    "contract_zh": "合同类型",
    "district_name": "区县",
    "region_name": "镇街",
    "region_code": "镇街代码 region_code",
    "uscc": "统一社会信用代码 uscc",
    "enterprise_name": "企业名称",
    "employees": "职工人数",
    "signed_on": "签订日期",
    "expires_on": "到期日期",
    "status_zh": "状态",
    "days_left": "距参照日天数",
    "source_file": "来源文件 source_file",
    "source_row": "行号 row",
}
LIST_COLUMN = "清单"
RECONCILIATION_COLUMNS = {
    "region_code": "镇街代码 region_code",
    "region_name": "镇街",
    "period": "报告期 period",
    "metric_zh": "指标",
    "metric": "指标代码 metric",
    "reported": "上报值 reported",
    "recomputed": "企业报表汇总值 recomputed",
    "difference": "差异 difference",
    "flagged_zh": "是否异常",
    "flag_reason_zh": "异常原因",
    "flag_reason": "原因代码 flag_reason",
    "source_file": "来源文件 source_file",
    "source_row": "行号 row",
}
FIELD_ISSUE_COLUMNS = {
    "town": "镇街",
    "source_file": "原文件 source_file",
    "sheet": "原工作表 sheet",
    "source_row": "原行号 row",
    "uscc": "统一社会信用代码 uscc",
    "field_zh": "字段",
    "value": "填写值 value",
    "outcome_zh": "处理",
    "message_zh": "原因",
    "reason_code": "原因代码 reason_code",
}
FIELD_ISSUES_SHEET = "字段问题"
TOWN_CONFLICT_COLUMNS = {
    "uscc": "统一社会信用代码 uscc",
    "enterprise_name": "企业名称",
    "period": "报告期 period",
    "town": "镇街",
    "counted": "计入指标",
    "source_file": "原文件 source_file",
    "sheet": "原工作表 sheet",
    "source_row": "原行号 row",
}
TOWN_CONFLICTS_SHEET = "镇街冲突"
# Export tables: one table, or (XLSX only) several sheets by name.
Tables = pl.DataFrame | dict[str, pl.DataFrame]
UNKNOWN_COLUMNS_SHEET = "未识别的列"
UNKNOWN_COLUMNS_HEADERS = (
    "原文件 source_file",
    "原工作表 sheet",
    "表头写法 header",
    "最接近的字段 closest field",
)


class ExportError(Exception):
    """A user-facing problem (no snapshot, unknown period), printed without a traceback."""


def connect(publish_dir: Path) -> duckdb.DuckDBPyConnection:
    snapshot = current_snapshot(publish_dir)
    if snapshot is None:
        raise ExportError(
            f"尚无已发布的数据，请先运行 gonghui refresh。No published snapshot in {publish_dir}."
        )
    return duckdb.connect(str(snapshot), read_only=True)


def region_filter(region: str | None) -> tuple[str, list[str]]:
    """SQL predicate keeping a region and everything below it."""
    if region is None:
        return "true", []
    return (
        "region_code in (select region_code from dim_region "
        "where ? in (region_code, district_code, city_code))",
        [region],
    )


def require_period(con: duckdb.DuckDBPyConnection, period: str, table: str = "mart_kpi") -> None:
    periods = [p for (p,) in con.execute(f"select distinct period from {table}").fetchall()]
    if period not in periods:
        raise ExportError(
            f"报告期 {period} 没有数据；可选：{', '.join(sorted(periods)) or '无'}。"
            f" No data for period {period}."
        )


def kpis(publish_dir: Path, period: str, region: str | None) -> pl.DataFrame:
    with connect(publish_dir) as con:
        require_period(con, period)
        predicate, params = region_filter(region)
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


def quarantine(
    publish_dir: Path, region: str | None, *, include_resolved: bool = False, per_town: bool
) -> Tables:
    """Quarantined rows as their clerks wrote them, the reason beside each.

    Only rows no later file has fixed, unless include_resolved. `per_town`: one sheet per
    town (and feed); otherwise one table with a 镇街 column.
    """
    with connect(publish_dir) as con:
        predicate, params = region_filter(region)
        problems = con.sql(
            f"""
            select
                q.source_file, q.sheet, q.source_row, q.feed, q.field, q.reason_code,
                q.message_zh, q.message_en, q.row_data, q.is_resolved,
                coalesce(r.region_name || ' ' || q.region_code, q.region_code) as town
            from mart_quarantine q
            left join dim_region r using (region_code)
            where ({predicate}) and (? or not q.is_resolved)
            """,
            params=[*params, include_resolved],
        ).pl()
        unknown = _unknown_columns(con, predicate, params)
        field_issues = _field_issues(con, predicate, params)
        conflicts = _town_conflicts(con, predicate, params)
    rows = quarantine_file.clerk_rows(problems, with_resolved=include_resolved)
    if not per_town:
        return quarantine_file.as_table(rows, town_column=region is None)
    sheets = quarantine_file.by_sheet(rows) if rows else {}
    # the companion sheets: fields of accepted rows taken as not reported (or capped, or
    # read to the month), and columns no row of these files was read from
    if field_issues.height:
        sheets[FIELD_ISSUES_SHEET] = field_issues
    if conflicts.height:
        sheets[TOWN_CONFLICTS_SHEET] = conflicts
    if unknown.height:
        sheets[UNKNOWN_COLUMNS_SHEET] = unknown
    return sheets or quarantine_file.as_table(rows, town_column=region is None)


def _town_conflicts(con: duckdb.DuckDBPyConnection, predicate: str, params: list) -> pl.DataFrame:
    """Enterprises returned for one period by two towns (one of them in the region), both
    rows, the one the KPIs count marked 是."""
    return (
        con.sql(
            f"""
        select uscc, enterprise_name, period,
            coalesce(region_name || ' ' || region_code, region_code) as town,
            case when is_current then '是' else '否' end as counted,
            source_file, sheet, source_row
        from mart_town_conflicts
        where (uscc, period) in (select uscc, period from mart_town_conflicts where {predicate})
        order by period, uscc, is_current desc, source_file
        """,
            params=params,
        )
        .pl()
        .select(pl.col(name).alias(header) for name, header in TOWN_CONFLICT_COLUMNS.items())
    )


def _field_issues(con: duckdb.DuckDBPyConnection, predicate: str, params: list) -> pl.DataFrame:
    """Field issues of the region's current returns, with the field and outcome in Chinese."""
    issues = con.sql(
        f"""
        select coalesce(r.region_name || ' ' || f.region_code, f.region_code) as town,
            f.source_file, f.sheet, f.source_row, f.uscc, f.field, f.value, f.outcome,
            f.message_zh, f.reason_code
        from mart_field_issues f
        left join dim_region r using (region_code)
        where f.is_current and ({predicate})
        order by f.region_code, f.source_file, f.source_row, f.field
        """,
        params=params,
    ).pl()
    headers = {f.name: f.header for f in vocabulary.FIELDS_BY_FEED[vocabulary.Feed.RETURNS]}
    return issues.with_columns(
        pl.col("field").replace_strict(headers, default=pl.col("field")).alias("field_zh"),
        pl.col("outcome")
        .replace_strict(reasons.FIELD_OUTCOME_ZH, default=pl.col("outcome"))
        .alias("outcome_zh"),
    ).select(pl.col(name).alias(header) for name, header in FIELD_ISSUE_COLUMNS.items())


def _unknown_columns(con: duckdb.DuckDBPyConnection, predicate: str, params: list) -> pl.DataFrame:
    """Columns not read, with the closest known field, of the files holding rows of the
    region (returns read or quarantined there; every file when no region is asked for)."""
    of_region = (
        f"""and source_file in (
            select source_file from fct_enterprise_return_history where {predicate}
            union select source_file from mart_quarantine where {predicate})"""
        if params
        else ""
    )
    audit = con.sql(
        "select source_file, sheet, feed, unknown_columns from mart_load_audit"
        f" where unknown_columns is not null {of_region} order by source_file, sheet",
        params=[*params, *params],
    ).fetchall()
    rows = vocabulary.unknown_column_rows(audit)
    return pl.DataFrame(rows, schema=list(UNKNOWN_COLUMNS_HEADERS), orient="row")


def reconciliation(publish_dir: Path, period: str, region: str | None) -> pl.DataFrame:
    """Per town and metric: what the town reported, what its enterprise returns add up to."""
    with connect(publish_dir) as con:
        require_period(con, period, "mart_summary_reconciliation")
        predicate, params = region_filter(region)
        frame = con.sql(
            f"""
            select
                region_code, region_name, period, metric_zh, metric,
                round(reported, 2) as reported, round(recomputed, 2) as recomputed,
                round(difference, 2) as difference,
                case when is_flagged then '是' else '否' end as flagged_zh,
                flag_reason_zh, flag_reason, source_file, source_row
            from mart_summary_reconciliation
            where period = ? and {predicate}
            order by region_code, is_flagged desc, metric
            """,
            params=[period, *params],
        ).pl()
    return frame.rename(RECONCILIATION_COLUMNS)


def actions(
    publish_dir: Path, period: str, region: str | None, horizon: contract_expiry.Horizon
) -> dict[str, pl.DataFrame]:
    """The action lists, a table each: 未建会企业, then 已到期未续签 and 即将到期 per contract
    type counted from the horizon's reference date, then 停报企业 and 迁出企业."""
    with connect(publish_dir) as con:
        require_period(con, period)
        predicate, params = region_filter(region)
        lists = {
            sheet: con.sql(
                f"""
                select {", ".join(ACTION_COLUMNS)} from mart_actions
                where period = ? and action_type = ? and {predicate}
                order by district_name, region_name, employees desc, uscc
                """,
                params=[period, action_type, *params],
            )
            .pl()
            .rename(ACTION_COLUMNS)
            for sheet, action_type in ACTION_SHEETS.items()
        }
        contracts = {}
        for expiry in contract_expiry.EXPIRY_LISTS:
            sql, expiry_params = expiry.query(
                horizon, period, predicate, lineage=", source_file, source_row"
            )
            rows = con.sql(sql, params=[*expiry_params, *params]).pl()
            contracts[expiry.title(horizon)] = rows.select(list(CONTRACT_COLUMNS)).rename(
                CONTRACT_COLUMNS
            )
    first, *others = lists.items()
    return dict([first, *contracts.items(), *others])


def stacked(sheets: dict[str, pl.DataFrame]) -> pl.DataFrame:
    """Several lists as one table (for a CSV): the list's name in the first column."""
    return pl.concat(
        [frame.select(pl.lit(name).alias(LIST_COLUMN), pl.all()) for name, frame in sheets.items()],
        how="diagonal_relaxed",
    )


def region_name(publish_dir: Path, region: str | None) -> str:
    """The region's name, or the city's when no region is asked for."""
    with connect(publish_dir) as con:
        row = con.execute(
            "select region_name from dim_region where region_code = ?"
            " or (? is null and region_level = 'city') order by region_level limit 1",
            [region, region],
        ).fetchone()
    return row[0] if row else (region or "")


def write_table(frame: Tables, out: Path, sheet: str, titles: dict[str, str] | None = None) -> None:
    """CSV (UTF-8 with BOM, so Excel on Chinese Windows shows the characters) or XLSX.

    Several tables go to one XLSX, a sheet each; a CSV holds one table. `titles`: the line
    above a sheet's header (what, where, when), XLSX only.
    """
    out.parent.mkdir(parents=True, exist_ok=True)
    suffix = out.suffix.lower()
    if suffix not in (".csv", ".xlsx"):
        raise ExportError(f"只支持 .csv 或 .xlsx 文件：{out}. Only .csv or .xlsx are supported.")
    sheets = frame if isinstance(frame, dict) else {sheet: frame}
    if suffix == ".csv":
        if len(sheets) != 1:
            raise ExportError("CSV 只能保存一张表，请用 .xlsx。A CSV holds one table; use .xlsx.")
        # Text quoted, numbers bare: a cell holding a separator of another locale (;) stays
        # one cell in Excel, and numbers stay numbers.
        inert(next(iter(sheets.values()))).write_csv(
            out, include_bom=True, quote_style="non_numeric"
        )
        return
    # Cells are data as written: "=1/0" or "http://…" typed by a clerk stays text.
    options = {"strings_to_formulas": False, "strings_to_urls": False}
    with xlsxwriter.Workbook(out, options) as workbook:
        for name, table in sheets.items():
            write_sheet(workbook, name, table, (titles or {}).get(name))


def write_sheet(
    workbook: xlsxwriter.Workbook, name: str, table: pl.DataFrame, title: str | None
) -> None:
    """One table on its own sheet as a clerk expects it: the title line (if any) on top, the
    header frozen below it and a filter on every column."""
    worksheet = workbook.add_worksheet(name[:31])
    header_row = 1 if title else 0
    if title:
        worksheet.write_string(0, 0, title, workbook.add_format({"bold": True}))
    table.write_excel(
        workbook,
        worksheet=worksheet,
        position=(header_row, 0),
        autofit=True,
        autofilter=True,
        freeze_panes=(header_row + 1, 0),
    )


# A text cell Excel would take for a formula: = + - @ (and a tab or CR before one of them,
# which Excel skips). OWASP's CSV-injection advice: prefix it with ' so it is shown as text.
FORMULA_START = r"^([=+\-@\t\r])"


def inert(frame: pl.DataFrame) -> pl.DataFrame:
    """The table with every text cell (and header) that starts like a formula prefixed with
    ' ("=HYPERLINK(…)" → "'=HYPERLINK(…)"). Number columns are left alone, so -2.5 points of
    a gap stay a number; a count written as text ("-5" as the clerk typed it) is text."""

    def neutral(text: str) -> str:
        return "'" + text if re.match(FORMULA_START, text) else text

    texts = [name for name, dtype in frame.schema.items() if dtype == pl.String]
    prefixed = pl.col(texts).str.replace(FORMULA_START, "'$1")
    return frame.with_columns(prefixed).rename(neutral)


def height(frame: Tables) -> int:
    """Rows exported, over every sheet."""
    return sum(t.height for t in frame.values()) if isinstance(frame, dict) else frame.height
