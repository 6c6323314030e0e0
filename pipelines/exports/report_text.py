"""The report's words: mart_kpi rows written as a federation writes them ("已建会企业5,216家，
工会组建率达96.0%，同比提高0.3个百分点，完成年度目标95%"). Pure functions of the rows.

A figure that cannot be true (a bounded rate over 100%, a negative count) raises
ImpossibleFigure: the marts' checks should have stopped it, so it is a bug, and it must not
become a sentence in a report a leader signs.
"""

from __future__ import annotations

import calendar
import math
from dataclasses import dataclass

MISSING = "—"
NOT_REPORTED = "未报"


class ImpossibleFigure(ValueError):
    """A mart figure no report may print (rate over 100%, negative count): a bug upstream."""


@dataclass(frozen=True)
class Area:
    """One paragraph of the report: a field of union work and the KPIs that measure it, in
    the order they are said."""

    heading: str
    kpis: tuple[str, ...]


AREAS = (
    Area(
        "工会组建",
        (
            "org_rate",
            "single_union_share",
            "joint_union_share",
            "org_rate_25plus",
            "new_union_count",
        ),
    ),
    Area("会员入会", ("membership_rate", "migrant_membership_rate", "female_membership_rate")),
    Area("集体合同", ("cba_rate", "female_cba_rate", "cba_coverage")),
    Area("工资集体协商", ("wage_rate", "wage_covered_employees", "wage_rounds")),
    Area(
        "职代会与厂务公开", ("congress_rate_public", "congress_rate_nonpublic", "open_affairs_rate")
    ),
    Area("工会法人资格登记", ("legal_person_rate",)),
    Area("会员实名制信息采集", ("registration_rate",)),
)
# A rate as reports say it: what its denominator and its numerator count ("在报企业5,435家，
# 已建会企业5,216家"). A KPI not listed is said with kpi_definitions' own labels.
RATE_WORDS = {
    "org_rate": ("在报企业", "已建会企业"),
    "org_rate_25plus": ("职工25人以上企业", "已建会"),
    "membership_rate": ("在报企业职工", "会员"),
    "migrant_membership_rate": ("农民工", "农民工会员"),
    "female_membership_rate": ("女职工", "女会员"),
    "cba_rate": ("已建会企业", "报告期末集体合同有效的"),
    "female_cba_rate": ("已建会企业", "签订女职工权益保护专项集体合同的"),
    "cba_coverage": ("在报企业职工", "有效集体合同覆盖职工"),
    "wage_rate": ("已建会企业", "报告期末工资专项集体合同有效的"),
    "congress_rate_public": ("国有、集体已建会企业", "建立职代会的"),
    "congress_rate_nonpublic": ("非公已建会企业", "建立职代会的"),
    "open_affairs_rate": ("已建会企业", "实行厂务公开的"),
    "legal_person_rate": ("已建会企业", "工会法人资格已登记的"),
    "registration_rate": ("会员", "已采集实名制信息的"),
    "submission_rate": ("上期报送企业", "本期再次报送"),
}
# The unions by form, said after the establishment rate they split
SHARE_WORDS = {"single_union_share": "单独建会", "joint_union_share": "联合建会"}
# KPIs that are counts, not rates: the words before the number ({span}: 全年 or 本期)
COUNT_WORDS = {
    "new_union_count": "{span}新建工会",
    "wage_covered_employees": "工资专项集体合同覆盖职工",
    "wage_rounds": "{span}开展工资集体协商",
}
# unit of a count KPI (kpi_definitions.unit) → what follows the number
COUNT_UNITS = {"persons": "人", "rounds": "次", "enterprises": "家"}


# ── what no report may print ─────────────────────────────────────────────────────────

NEVER_NEGATIVE = ("numerator", "denominator", "value", "target", "still_needed", "value_last_year")
AT_MOST_100 = ("value", "target", "value_last_year")


def missing(value: float | None) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def check_row(row: dict, definition: dict) -> None:
    """Raise ImpossibleFigure for a mart_kpi row no report may print: a negative figure, or,
    for a bounded KPI (its numerator is part of its denominator), a rate or target over 100%
    or a numerator above its denominator. Unbounded rates (入会率) may pass 100%."""
    where = f"{row.get('region_code')} {row.get('period')} {row.get('kpi')}"
    for name in NEVER_NEGATIVE:
        if not missing(row.get(name)) and row[name] < 0:
            raise ImpossibleFigure(f"{where}: {name} = {row[name]} 为负数 (negative)")
    if not definition.get("bounded"):
        return
    for name in AT_MOST_100:
        if not missing(row.get(name)) and row[name] > 100 + 1e-9:
            raise ImpossibleFigure(f"{where}: {name} = {row[name]} 超过100% (over 100%)")
    numerator, denominator = row.get("numerator"), row.get("denominator")
    if not missing(numerator) and not missing(denominator) and numerator > denominator:
        raise ImpossibleFigure(f"{where}: 分子 {numerator} 大于分母 {denominator}")


def check_audit(audit: dict[str, int]) -> None:
    """Rows read = accepted + quarantined + skipped, nothing negative (mart_load_audit's rule)."""
    if any(value < 0 for value in audit.values()):
        raise ImpossibleFigure(f"负的文件数或行数 (negative count): {audit}")
    parts = audit["rows_accepted"] + audit["rows_quarantined"] + audit["rows_skipped"]
    if audit["rows_read"] != parts:
        raise ImpossibleFigure(f"读取行数不等于受理+隔离+跳过 (rows do not balance): {audit}")


# ── numbers ──────────────────────────────────────────────────────────────────────────


def fmt_pct(value: float | None) -> str:
    """98.2 → "98.2%" (the mart's value is already a percent); missing → "—"."""
    return MISSING if missing(value) else f"{value:,.1f}%"


def fmt_count(value: float | None, unit: str = "") -> str:
    """13200 → "13,200" (+ unit); missing → "—"."""
    return MISSING if missing(value) else f"{round(value):,}{unit}"


def fmt_target(value: float) -> str:
    """A target as federations set it: 95 → "95%", 92.5 → "92.5%"."""
    return f"{value:g}%"


def fmt_period(period: str) -> str:
    """'2025-12' → "2025年度" (the year's return); '2025-06' → "2025年6月"."""
    year, month = period.split("-")
    return f"{year}年度" if int(month) == 12 else f"{year}年{int(month)}月"


def period_end(period: str) -> str:
    """'2025-12' → "2025年12月31日"."""
    year, month = (int(part) for part in period.split("-"))
    return f"{year}年{month}月{calendar.monthrange(year, month)[1]}日"


def whole_region(name: str) -> str:
    """How a report names all of its own region: 宁波市 → 全市, 溪口镇 → 全镇, 鼓楼街道 → 全街道."""
    if name.endswith("街道"):
        return "全街道"
    if name and name[-1] in "省市区县镇乡":
        return f"全{name[-1]}"
    return "全辖区"


# ── phrases ──────────────────────────────────────────────────────────────────────────


def _annual(period: str) -> bool:
    return period.endswith("-12")


def yoy_phrase(row: dict, unit: str) -> str | None:
    """The change on last year: 同比提高0.3个百分点 for a rate (unit "%"), 比上年增加316次 for a
    count; None without last year's figure: then nothing is said."""
    change = row.get("yoy_change")
    if missing(change) or missing(row.get("value_last_year")):
        return None
    last_year = "上年" if _annual(row["period"]) else "上年同期"
    if unit == "%":
        if round(abs(change), 1) == 0:
            return f"与{last_year}持平"
        return f"同比{'提高' if change > 0 else '下降'}{abs(change):.1f}个百分点"
    if round(change) == 0:
        return f"与{last_year}持平"
    return f"比{last_year}{'增加' if change > 0 else '减少'}{fmt_count(abs(change), unit)}"


def target_phrase(row: dict, definition: dict) -> str | None:
    """The target: 完成年度目标95%, or 距年度目标95%还差2.4个百分点，还需新建会17家 (mart_kpi.gap
    and still_needed; kpi_definitions.still_needed_zh and numerator_unit_zh); None without one."""
    target, gap = row.get("target"), row.get("gap")
    if missing(target) or missing(gap) or missing(row.get("value")):
        return None
    if gap >= 0:
        return f"完成年度目标{fmt_target(target)}"
    # 94.96% prints as 95.0%: say how close rather than "还差0.0个百分点"
    points = f"{-gap:.1f}个百分点" if round(-gap, 1) > 0 else "不到0.1个百分点"
    phrase = f"距年度目标{fmt_target(target)}还差{points}"
    needed = row.get("still_needed")
    if not missing(needed) and needed > 0:
        action, unit = definition.get("still_needed_zh") or "", _unit(definition)
        phrase += f"，还需{action}{fmt_count(needed, unit)}"
    return phrase


def coverage_phrase(row: dict) -> str | None:
    """Some enterprises in the KPI's scope did not report what it needs: the value is over
    those that did, and the report says so."""
    reported, in_scope = row.get("reported_enterprises"), row.get("in_scope_enterprises")
    if missing(reported) or missing(in_scope) or reported >= in_scope:
        return None
    return (
        f"（按报送此项的{fmt_count(reported, '家')}企业计，"
        f"另有{fmt_count(in_scope - reported, '家')}未报此项）"
    )


def not_reported(row: dict) -> bool:
    """Enterprises are in the KPI's scope and none of them reported what it needs."""
    return row.get("reported_enterprises") == 0 and (row.get("in_scope_enterprises") or 0) > 0


# ── sentences ────────────────────────────────────────────────────────────────────────


def words(kpi: str, definition: dict) -> tuple[str, str]:
    """(what the denominator counts, what the numerator counts) as the report says them."""
    fallback = (definition.get("denominator_zh") or "", definition.get("numerator_zh") or "")
    return RATE_WORDS.get(kpi, fallback)


def _unit(definition: dict) -> str:
    """What a rate's numerator and denominator count: 家 or 人."""
    return definition.get("numerator_unit_zh") or ""


def rate_sentence(row: dict, definition: dict, *, whole_said: bool = False, lead: str = "") -> str:
    """One rate: 在报企业5,435家，已建会企业5,216家，工会组建率达96.0%，同比…，完成…。 (为 instead
    of 达 below the target). `whole_said`: the sentence before gave the same denominator, it is
    not repeated; `lead` goes before the denominator ("全市")."""
    name, unit = definition["name_zh"], _unit(definition)
    whole, part = words(row["kpi"], definition)
    if not_reported(row):
        return f"{name}：在报的{fmt_count(row['in_scope_enterprises'], '家')}企业均未报此项。"
    if missing(row.get("value")):
        return f"本期无{whole}，{name}不适用。"
    clauses = [] if whole_said else [f"{lead}{whole}{fmt_count(row['denominator'], unit)}"]
    clauses.append(f"{part}{fmt_count(row['numerator'], unit)}")
    verb = "为" if not missing(row.get("gap")) and row["gap"] < 0 else "达"
    clauses.append(f"{name}{verb}{fmt_pct(row['value'])}{coverage_phrase(row) or ''}")
    clauses += filter(None, [yoy_phrase(row, "%"), target_phrase(row, definition)])
    return "，".join(clauses) + "。"


def count_sentence(row: dict, definition: dict) -> str:
    """A KPI without a denominator: 全年新建工会85家，比上年减少20家。"""
    name, unit = definition["name_zh"], COUNT_UNITS.get(definition["unit"], "")
    span = "全年" if _annual(row["period"]) else "本期"
    said = COUNT_WORDS.get(row["kpi"], name).format(span=span)
    if not_reported(row):
        return f"{name}：在报企业均未报此项。"
    if missing(row.get("value")):
        return f"{name}：无上期报表可比，暂缺。"
    clauses = [f"{said}{fmt_count(row['value'], unit)}{coverage_phrase(row) or ''}"]
    clauses += filter(None, [yoy_phrase(row, unit), target_phrase(row, definition)])
    return "，".join(clauses) + "。"


def shares_sentence(rows: list[dict], definitions: dict[str, dict]) -> str | None:
    """The unions by form: 已建会企业中，单独建会1,807家、占34.6%，联合建会3,409家、占65.4%。"""
    parts = [
        f"{SHARE_WORDS[row['kpi']]}{fmt_count(row['numerator'], _unit(definitions[row['kpi']]))}"
        f"、占{fmt_pct(row['value'])}"
        for row in rows
        if not missing(row.get("value"))
    ]
    return f"已建会企业中，{'，'.join(parts)}。" if parts else None


def area_paragraph(
    area: Area, rows: dict[str, dict], definitions: dict[str, dict], region_name: str
) -> str | None:
    """The sentences of one area for a region (rows: kpi → its mart_kpi row), its KPIs in
    order; None when the snapshot has none of them. Every row is checked first."""
    present = [kpi for kpi in area.kpis if kpi in rows and kpi in definitions]
    if not present:
        return None
    for kpi in present:
        check_row(rows[kpi], definitions[kpi])
    sentences: list[str | None] = []
    shares = [rows[kpi] for kpi in present if kpi in SHARE_WORDS]
    last_whole, lead = None, whole_region(region_name)
    for kpi in (kpi for kpi in present if kpi not in SHARE_WORDS):
        row, definition = rows[kpi], definitions[kpi]
        if definition["unit"] != "pct":
            sentences.append(count_sentence(row, definition))
            continue
        whole = (words(kpi, definition)[0], row.get("denominator"))
        sentences.append(rate_sentence(row, definition, whole_said=whole == last_whole, lead=lead))
        last_whole, lead = whole, ""
        if kpi == "org_rate" and shares:  # the split follows the rate it splits
            sentences.append(shares_sentence(shares, definitions))
            shares, last_whole = [], None
    if shares:
        sentences.append(shares_sentence(shares, definitions))
    return "".join(filter(None, sentences))


QUARANTINE_NOTE = "（内容有误，已列入隔离清单，待填报单位更正后重报）"


def quality_paragraph(
    audit: dict[str, int],
    unreadable: int | None,
    published: str | None,
    submission: tuple[dict, dict] | None,
) -> str:
    """Where the figures come from: the files of the period and region with their rows read,
    accepted, quarantined and skipped (mart_load_audit), the files no one could read (given
    for the root region only: a refused file has no region), and 报送率 (submission: its row
    and definition) when the snapshot has it."""
    check_audit(audit)
    source = f"{published}发布的" if published else "已发布的"
    text = (
        f"本报告数据取自{source}统计数据，涉及本报告期本地区的报表文件{audit['files']:,}个"
        f"（企业报表{audit['return_files']:,}个、镇街汇总表{audit['summary_files']:,}个），"
        f"共读取数据行{audit['rows_read']:,}行，其中受理{audit['rows_accepted']:,}行，"
        f"隔离{audit['rows_quarantined']:,}行{QUARANTINE_NOTE if audit['rows_quarantined'] else ''}，"
        f"跳过合计、备注等非数据行{audit['rows_skipped']:,}行。"
    )
    if unreadable:
        text += f"另有{unreadable:,}个文件无法读取，未计入本报告。"
    elif unreadable == 0:
        text += "所有文件均已读取。"
    if submission is not None:
        check_row(*submission)
        text += rate_sentence(*submission)
    return text


def table_cell(row: dict | None, definition: dict) -> str:
    """A rate in the table of the regions below: "96.0%", "未报", or "—" without a row."""
    if row is None:
        return MISSING
    check_row(row, definition)
    return NOT_REPORTED if not_reported(row) else fmt_pct(row.get("value"))
