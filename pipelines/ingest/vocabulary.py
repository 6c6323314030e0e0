"""The Chinese headers of every feed, spelled once.

Each canonical field maps to its header aliases; the first alias is the header our own
sample files and exports write. Matching is done on a *folded* header (see
`fold_header`): full-width characters made half-width, white space, line breaks and
bracketed units removed, so "职工人数（人）" and "职工 人数" both match "职工人数".
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from enum import StrEnum


class Feed(StrEnum):
    RETURNS = "returns"
    SUMMARIES = "summaries"
    REF_REGIONS = "ref_regions"
    REF_TARGETS = "ref_targets"


class Kind(StrEnum):
    """How a field's cells are normalised."""

    TEXT = "text"
    USCC = "uscc"
    REGION = "region"
    PERIOD = "period"
    COUNT = "count"
    PCT = "pct"
    DATE = "date"
    BOOL = "bool"
    UNION_FORM = "union_form"
    OWNERSHIP = "ownership"
    INDUSTRY = "industry"
    LEVEL = "level"
    YEAR = "year"
    NUMBER = "number"


@dataclass(frozen=True)
class Field:
    name: str
    kind: Kind
    aliases: tuple[str, ...]
    required: bool = False

    @property
    def header(self) -> str:
        return self.aliases[0]


def _f(name: str, kind: Kind, *aliases: str, required: bool = False) -> Field:
    return Field(name, kind, aliases, required)


# One line per field reads as the table it is.
# fmt: off
RETURN_FIELDS: tuple[Field, ...] = (
    _f("uscc", Kind.USCC, "统一社会信用代码", "社会信用代码", "信用代码", "统一代码", "组织机构代码", required=True),
    _f("enterprise_name", Kind.TEXT, "企业名称", "单位名称", "企业(单位)名称", "企业单位名称", "名称", required=True),
    _f("region_code", Kind.REGION, "所属镇街代码", "镇街代码", "所属镇(街道)代码", "区划代码", "所属区划代码", required=True),
    _f("period", Kind.PERIOD, "报告期", "统计期", "报告期别", "年度", "统计年度", required=True),
    _f("ownership", Kind.OWNERSHIP, "经济类型", "企业类型", "所有制类型", "登记注册类型"),
    _f("industry_code", Kind.INDUSTRY, "行业代码", "行业", "所属行业", "行业门类"),
    _f("employees", Kind.COUNT, "职工人数", "职工总数", "从业人员数", "在岗职工人数", "职工数", required=True),
    _f("female_employees", Kind.COUNT, "女职工人数", "其中:女职工", "女职工", "女职工数"),
    _f("migrant_employees", Kind.COUNT, "农民工人数", "其中:农民工", "农民工", "农民工数"),
    _f("union_form", Kind.UNION_FORM, "建会形式", "建会情况", "是否建会", "工会组建形式", required=True),
    _f("members", Kind.COUNT, "会员人数", "工会会员人数", "会员数", "会员总数"),
    _f("female_members", Kind.COUNT, "女会员人数", "其中:女会员", "女会员", "女会员数"),
    _f("migrant_members", Kind.COUNT, "农民工会员人数", "其中:农民工会员", "农民工会员", "农民工会员数"),
    _f("members_registered", Kind.COUNT, "会员实名制信息采集人数", "会员信息采集人数", "实名制采集人数", "已采集会员数"),
    _f("cba_signed_on", Kind.DATE, "集体合同签订日期", "集体合同签订时间", "集体合同签订"),
    _f("cba_expires_on", Kind.DATE, "集体合同到期日期", "集体合同到期时间", "集体合同期满日期"),
    _f("cba_covered", Kind.COUNT, "集体合同覆盖职工数", "集体合同覆盖人数", "覆盖职工数"),
    _f("female_cba", Kind.BOOL, "女职工权益保护专项集体合同", "女职工专项集体合同", "女职工专项合同"),
    _f("wage_signed_on", Kind.DATE, "工资专项集体合同签订日期", "工资协议签订日期", "工资集体协商签订日期"),
    _f("wage_expires_on", Kind.DATE, "工资专项集体合同到期日期", "工资协议到期日期", "工资集体协商到期日期"),
    _f("wage_rounds", Kind.COUNT, "工资集体协商次数", "协商次数", "工资协商次数"),
    _f("wage_rise_pct", Kind.PCT, "协商工资增幅", "工资增幅", "工资增长幅度", "协商确定工资增幅"),
    _f("workers_congress", Kind.BOOL, "职代会建制", "建立职代会", "职代会制度", "是否建立职代会"),
    _f("open_affairs", Kind.BOOL, "厂务公开", "厂务公开建制", "实行厂务公开"),
    _f("union_legal_person", Kind.BOOL, "工会法人资格登记", "法人资格登记", "工会法人登记"),
)

SUMMARY_FIELDS: tuple[Field, ...] = (
    _f("region_code", Kind.REGION, "镇街代码", "所属镇街代码", "区划代码", required=True),
    _f("region_name", Kind.TEXT, "镇街名称", "镇街", "单位", "填报单位"),
    _f("period", Kind.PERIOD, "报告期", "统计期", "年度", required=True),
    _f("enterprises", Kind.COUNT, "企业数", "企业总数", "辖区企业数"),
    _f("unionised_enterprises", Kind.COUNT, "已建会企业数", "建会企业数", "已建工会企业数"),
    _f("org_rate", Kind.PCT, "组建率", "工会组建率", "建会率"),
    _f("employees", Kind.COUNT, "职工人数", "职工总数"),
    _f("members", Kind.COUNT, "会员人数", "会员总数"),
    _f("membership_rate", Kind.PCT, "入会率", "职工入会率"),
    _f("cba_enterprises", Kind.COUNT, "签订集体合同企业数", "集体合同企业数", "已签集体合同企业数"),
    _f("cba_rate", Kind.PCT, "集体合同签订率", "签订率"),
    _f("wage_enterprises", Kind.COUNT, "开展工资集体协商企业数", "工资集体协商企业数", "工资协商企业数"),
    _f("new_unions", Kind.COUNT, "新建工会数", "新建工会", "新建会数"),
    _f("new_congresses", Kind.COUNT, "新建职代会数", "新增职代会", "新建职代会"),
)

REGION_FIELDS: tuple[Field, ...] = (
    _f("region_code", Kind.REGION, "区划代码", "行政区划代码", "代码", required=True),
    _f("region_name", Kind.TEXT, "区划名称", "名称", "行政区划名称", required=True),
    _f("region_level", Kind.LEVEL, "层级", "级别", "区划级别", required=True),
    _f("parent_code", Kind.TEXT, "上级区划代码", "上级代码", "所属上级代码"),
)

TARGET_FIELDS: tuple[Field, ...] = (
    _f("year", Kind.YEAR, "年度", "年份", "目标年度", required=True),
    _f("region_code", Kind.TEXT, "区划代码", "镇街代码", "地区代码", required=True),
    _f("kpi", Kind.TEXT, "指标代码", "指标", "指标名称", required=True),
    _f("target", Kind.NUMBER, "目标值", "目标", "目标任务", required=True),
)

# fmt: on

FIELDS_BY_FEED: dict[Feed, tuple[Field, ...]] = {
    Feed.RETURNS: RETURN_FIELDS,
    Feed.SUMMARIES: SUMMARY_FIELDS,
    Feed.REF_REGIONS: REGION_FIELDS,
    Feed.REF_TARGETS: TARGET_FIELDS,
}

# Lines that are not data rows, recognised by their first non-empty cell.
TOTAL_LINE_MARKERS: tuple[str, ...] = ("合计", "总计", "小计", "全镇合计", "全街合计")
NOTE_LINE_MARKERS: tuple[str, ...] = (
    "备注",
    "注:",
    "说明",
    "填表说明",
    "填报说明",
    "填表人",
    "审核人",
    "负责人",
)

_BRACKETED = re.compile(r"[(\[【<《].*?[)\]】>》]")
_SPACE = re.compile(r"\s+")


def fold_header(text: str) -> str:
    """Fold a header cell to the form aliases are compared in."""
    folded = unicodedata.normalize("NFKC", text or "")
    folded = folded.replace("：", ":")
    folded = _SPACE.sub("", folded)
    without_units = _BRACKETED.sub("", folded)
    return without_units or folded


def alias_index(feed: Feed) -> dict[str, str]:
    """Folded alias → canonical field name for one feed."""
    index: dict[str, str] = {}
    for field in FIELDS_BY_FEED[feed]:
        for alias in field.aliases:
            index.setdefault(fold_header(alias), field.name)
    return index


# Columns `gonghui export quarantine` writes beside the clerk's own. A fixed file sent back
# carries them, and they are neither data nor unknown columns.
QUARANTINE_EXPORT_HEADERS: dict[str, str] = {
    "town": "镇街 town",
    "message_zh": "原因",
    "message_en": "reason",
    "reason_code": "原因代码 reason_code",
    "is_resolved": "已更正 resolved",
    "source_file": "原文件 source_file",
    "sheet": "原工作表 sheet",
    "source_row": "原行号 row",
}

# Headers that carry no data of their own (row numbers, free remarks, our export's
# reason columns): kept in row_data but not reported as unknown columns.
IGNORED_HEADERS: tuple[str, ...] = (
    "序号",
    "编号",
    "行号",
    "备注",
    "说明",
    *QUARANTINE_EXPORT_HEADERS.values(),
)
