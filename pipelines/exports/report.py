"""The statistical part of a 工会工作总结: a region's KPIs of one period written as the
paragraphs a federation files, a table of the regions directly below it, and where the
figures come from. `gonghui export report` writes it as .docx; the 总览 page offers it.

Every figure is read from the published snapshot (mart_kpi, kpi_definitions, dim_region,
mart_load_audit, snapshot_info), never computed again: a rate, its numerator and
denominator, the target, 还需 and the change on last year are the mart's. report_text.py
says them (and refuses impossible ones), report_docx.py lays them out in Word.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import duckdb

from pipelines.exports import report_docx, report_text
from pipelines.exports.tables import ExportError, connect, region_filter, require_period

DOCX_MIME = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
# The table of the regions below: the lead KPI of each area, in this order
TABLE_KPIS = (
    "org_rate",
    "membership_rate",
    "cba_rate",
    "wage_rate",
    "congress_rate_nonpublic",
    "legal_person_rate",
    "registration_rate",
)
SUBMISSION_KPI = "submission_rate"  # said with the data's quality, not as an area
LEVEL_BELOW_ZH = {"city": "区县（市）", "district": "镇街"}
NUMERALS = "一二三四五六七八九十"


@dataclass(frozen=True)
class Table:
    caption: str
    header: list[str]
    rows: list[list[str]]
    note: str


@dataclass(frozen=True)
class Section:
    heading: str  # numbered: "一、工会组建"
    paragraphs: list[str]
    table: Table | None = None


@dataclass(frozen=True)
class Report:
    """What the report says, before any layout."""

    title: str
    reference: list[str]  # lines under the title: period, publish time
    intro: str
    sections: list[Section]
    file_name: str


@dataclass(frozen=True)
class Facts:
    """The snapshot's figures the report states."""

    region: dict  # region_code, region_name, region_level, parent_code
    period: str
    published_at: datetime | None
    definitions: dict[str, dict]  # kpi → kpi_definitions row
    kpis: dict[str, dict]  # kpi → the region's mart_kpi row
    children: list[tuple[dict, dict[str, dict]]]  # (region below, kpi → row), by code
    audit: dict[str, int]
    unreadable_files: int | None  # the root region's only: a refused file has no region


# ── reading the snapshot ─────────────────────────────────────────────────────────────


def _rows(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> list[dict]:
    cursor = con.execute(sql, params or [])
    names = [column[0] for column in cursor.description]
    return [dict(zip(names, values, strict=True)) for values in cursor.fetchall()]


REGION_COLUMNS = "select region_code, region_name, region_level, parent_code from dim_region"


def _region(con: duckdb.DuckDBPyConnection, code: str | None, period: str) -> dict:
    """The region asked for, or else the root of dim_region (the city) with figures in the
    period: the shipped regions stay in dim_region beside a federation's own."""
    if code is not None:
        found = _rows(con, f"{REGION_COLUMNS} where region_code = ?", [code])
        if not found:
            raise ExportError(f"区划代码 {code} 不在区划名单中。Unknown region code {code}.")
        return found[0]
    roots = _rows(con, f"{REGION_COLUMNS} where parent_code is null order by region_code")
    with_figures = _rows(
        con,
        f"{REGION_COLUMNS} where parent_code is null and region_code in"
        " (select region_code from mart_kpi where period = ?) order by region_code",
        [period],
    )
    candidates = with_figures or roots
    if len(candidates) != 1:
        names = "、".join(root["region_name"] for root in candidates) or "无"
        raise ExportError(
            f"无法确定报告的地区（顶级区划：{names}），请用 --region 指定。"
            " Name the region with --region."
        )
    return candidates[0]


def _kpis_by_region(con: duckdb.DuckDBPyConnection, codes: list[str], period: str) -> dict:
    """region_code → kpi → mart_kpi row, for the given regions in the period."""
    marks = ", ".join("?" for _ in codes)
    rows = _rows(
        con,
        f"select * from mart_kpi where period = ? and region_code in ({marks})",
        [period, *codes],
    )
    by_region: dict[str, dict[str, dict]] = {code: {} for code in codes}
    for row in rows:
        by_region[row["region_code"]][row["kpi"]] = row
    return by_region


def _audit(con: duckdb.DuckDBPyConnection, period: str, region: str) -> dict[str, int]:
    """The files holding rows of the region in the period (accepted, quarantined or town
    summaries), with their row accounting from mart_load_audit."""
    predicate, params = region_filter(region)
    used = " union ".join(
        f"select source_file from {table} where period = ? and {predicate}"
        for table in (
            "fct_enterprise_return_history",
            "mart_quarantine",
            "mart_summary_reconciliation",
        )
    )
    (row,) = _rows(
        con,
        f"""
        select
            count(distinct source_file) as files,
            count(distinct case when feed = 'returns' then source_file end) as return_files,
            count(distinct case when feed = 'summaries' then source_file end) as summary_files,
            coalesce(sum(rows_read), 0) as rows_read,
            coalesce(sum(rows_accepted), 0) as rows_accepted,
            coalesce(sum(rows_quarantined), 0) as rows_quarantined,
            coalesce(sum(rows_skipped), 0) as rows_skipped
        from mart_load_audit
        where status = 'loaded' and source_file in ({used})
        """,
        [period, *params] * 3,
    )
    return {name: int(value) for name, value in row.items()}


def _unreadable_files(con: duckdb.DuckDBPyConnection) -> int:
    (row,) = _rows(
        con,
        "select count(distinct source_file) as n from mart_load_audit where status <> 'loaded'",
    )
    return int(row["n"])


def read_facts(publish_dir: Path, period: str, region: str | None) -> Facts:
    with connect(publish_dir) as con:
        require_period(con, period)
        place = _region(con, region, period)
        code = place["region_code"]
        children = _rows(
            con, f"{REGION_COLUMNS} where parent_code = ? order by region_code", [code]
        )
        kpis = _kpis_by_region(con, [code, *(c["region_code"] for c in children)], period)
        (published,) = _rows(con, "select max(published_at) as published_at from snapshot_info")
        return Facts(
            region=place,
            period=period,
            published_at=published["published_at"],
            definitions={d["kpi"]: d for d in _rows(con, "select * from kpi_definitions")},
            kpis=kpis[code],
            children=[(child, kpis[child["region_code"]]) for child in children],
            audit=_audit(con, period, code),
            unreadable_files=_unreadable_files(con) if place["parent_code"] is None else None,
        )


# ── the report's parts ───────────────────────────────────────────────────────────────


def _table_row(label: str, rows: dict[str, dict], facts: Facts, kpis: list[str]) -> list[str]:
    org = rows.get("org_rate") or {}
    counts = (
        [report_text.fmt_count(org.get("denominator")), report_text.fmt_count(org.get("numerator"))]
        if "org_rate" in kpis
        else []
    )
    cells = [report_text.table_cell(rows.get(kpi), facts.definitions[kpi]) for kpi in kpis]
    return [label, *counts, *cells]


def children_table(facts: Facts) -> Table | None:
    """A row per region directly below (districts of the city, towns of a district), the
    region's own figures last as 合计; None for a region with none below."""
    if not facts.children:
        return None
    kpis = [kpi for kpi in TABLE_KPIS if kpi in facts.definitions]
    header = ["地区"]
    if "org_rate" in kpis:
        header += ["在报企业数", "已建会企业数"]
    header += [facts.definitions[kpi]["name_zh"] for kpi in kpis]
    rows = [_table_row(child["region_name"], of, facts, kpis) for child, of in facts.children]
    rows.append(_table_row("合计", facts.kpis, facts, kpis))
    below = LEVEL_BELOW_ZH.get(facts.region["region_level"], "下级区划")
    period = report_text.fmt_period(facts.period)
    return Table(
        caption=f"表1　{facts.region['region_name']}各{below}主要指标（{period}）",
        header=header,
        rows=rows,
        note="注：比率为各地区分子之和除以分母之和；“—”表示无数据，“未报”表示在报企业均未报此项。",
    )


def _published(facts: Facts) -> str:
    return f"{facts.published_at:%Y-%m-%d %H:%M}" if facts.published_at else report_text.MISSING


def _quality(facts: Facts) -> str:
    submission = None
    if SUBMISSION_KPI in facts.kpis and SUBMISSION_KPI in facts.definitions:
        submission = (facts.kpis[SUBMISSION_KPI], facts.definitions[SUBMISSION_KPI])
    published = _published(facts) if facts.published_at else None
    return report_text.quality_paragraph(facts.audit, facts.unreadable_files, published, submission)


def file_name(region_name: str, period: str) -> str:
    """The download's name, e.g. 宁波市_2025年统计报告.docx; characters a file name may not
    hold become "_"."""
    year, month = period.split("-")
    when = f"{year}年" if month == "12" else f"{year}年{int(month)}月"
    safe = re.sub(r'[\\/:*?"<>|\x00-\x1f]', "_", region_name).strip() or "地区"
    return f"{safe}_{when}统计报告.docx"


def compose(facts: Facts) -> Report:
    """The report's text: an area a section, then the regions below, then where the figures
    come from; sections numbered 一、二、…"""
    name, period = facts.region["region_name"], report_text.fmt_period(facts.period)
    parts: list[tuple[str, list[str], Table | None]] = []
    for area in report_text.AREAS:
        paragraph = report_text.area_paragraph(area, facts.kpis, facts.definitions, name)
        if paragraph:
            parts.append((area.heading, [paragraph], None))
    table = children_table(facts)
    if table is not None:
        below = LEVEL_BELOW_ZH.get(facts.region["region_level"], "下级区划")
        parts.append((f"各{below}情况", [], table))
    parts.append(("数据来源与质量", [_quality(facts)], None))
    intro = (
        f"现将{name}{period}工会组建与覆盖主要统计情况报告如下。"
        if facts.kpis
        else f"{name}{period}没有已受理的企业报表，无统计数据。"
    )
    return Report(
        title=f"{name}{period}工会组建与覆盖统计情况",
        reference=[
            f"报告期：{period}（截至{report_text.period_end(facts.period)}）",
            f"数据发布时间：{_published(facts)}",
        ],
        intro=intro,
        sections=[
            Section(f"{NUMERALS[index]}、{heading}", paragraphs, table)
            for index, (heading, paragraphs, table) in enumerate(parts)
        ],
        file_name=file_name(name, facts.period),
    )


# ── entry points ─────────────────────────────────────────────────────────────────────


def build(publish_dir: Path, period: str, region: str | None) -> Report:
    """The report of a region (default: the root of dim_region, the city) for a period."""
    return compose(read_facts(publish_dir, period, region))


def docx_bytes(publish_dir: Path, period: str, region: str | None) -> bytes:
    """The report as the bytes of a .docx file (the dashboard's download)."""
    return report_docx.to_bytes(build(publish_dir, period, region))


def write(publish_dir: Path, period: str, region: str | None, out: Path) -> Report:
    """Write the report to out, which must end in .docx (checked before anything is read)."""
    if out.suffix.lower() != ".docx":
        raise ExportError(
            f"报告只能保存为 .docx 文件：{out}. The report can only be written as .docx."
        )
    report = build(publish_dir, period, region)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(report_docx.to_bytes(report))
    return report
