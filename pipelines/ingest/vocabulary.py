"""The Chinese headers of every feed and the values of its closed lists, spelled once.

Each canonical field maps to its header aliases; the first alias is the header our own
sample files and exports write. Yes/no, union form, ownership and level values map from
their spellings, and, for the first three, from the words a cell holds (`*_MEANINGS`). Matching is done on a *folded* header (see
`fold_header`): full-width characters made half-width, white space, line breaks and
bracketed units removed, so "职工人数（人）" and "职工 人数" both match "职工人数".
"""

from __future__ import annotations

import difflib
import functools
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum


class Feed(StrEnum):
    RETURNS = "returns"
    SUMMARIES = "summaries"
    REF_REGIONS = "ref_regions"
    REF_TARGETS = "ref_targets"
    REF_HEADER_ALIASES = "ref_header_aliases"


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
    FEED = "feed"


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
    _f("uscc", Kind.USCC, "统一社会信用代码", "社会信用代码", "信用代码", "统一代码", "组织机构代码", "社会统一信用代码", "所在单位组织机构代码", required=True),
    _f("enterprise_name", Kind.TEXT, "企业名称", "单位名称", "企业(单位)名称", "企业单位名称", "名称", "单位全称", "企业全称", required=True),
    _f("region_code", Kind.REGION, "所属镇街代码", "镇街代码", "所属镇(街道)代码", "区划代码", "所属区划代码", "所属乡镇代码", "乡镇街道代码", "所在镇街代码", required=True),
    _f("period", Kind.PERIOD, "报告期", "统计期", "报告期别", "年度", "统计年度", required=True),
    _f("ownership", Kind.OWNERSHIP, "经济类型", "企业类型", "所有制类型", "登记注册类型", "单位性质", "单位类别", "经济性质", "企业性质", "所有制性质", "经济成分", "企业登记注册类型"),
    _f("industry_code", Kind.INDUSTRY, "行业代码", "行业", "所属行业", "行业门类"),
    _f("employees", Kind.COUNT, "职工人数", "职工总数", "从业人员数", "在岗职工人数", "职工数", "在职职工人数", "单位职工人数", required=True),
    _f("female_employees", Kind.COUNT, "女职工人数", "其中:女职工", "女职工", "女职工数"),
    _f("migrant_employees", Kind.COUNT, "农民工人数", "其中:农民工", "农民工", "农民工数"),
    _f("union_form", Kind.UNION_FORM, "建会形式", "建会情况", "是否建会", "工会组建形式", "基层工会组织类型", "工会组织类型", "建立工会", "工会建立情况", "建会方式", "组建形式", required=True),
    _f("members", Kind.COUNT, "会员人数", "工会会员人数", "会员数", "会员总数"),
    _f("female_members", Kind.COUNT, "女会员人数", "其中:女会员", "女会员", "女会员数"),
    _f("migrant_members", Kind.COUNT, "农民工会员人数", "其中:农民工会员", "农民工会员", "农民工会员数"),
    _f("members_registered", Kind.COUNT, "会员实名制信息采集人数", "会员信息采集人数", "实名制采集人数", "已采集会员数", "实名制会员数", "实名制录入人数", "实名制入库会员数", "会员实名制人数", "会员实名制录入人数", "实名制登记会员人数"),
    _f("cba_signed_on", Kind.DATE, "集体合同签订日期", "集体合同签订时间", "集体合同签订", "签订集体合同日期", "签订集体合同时间"),
    _f("cba_expires_on", Kind.DATE, "集体合同到期日期", "集体合同到期时间", "集体合同期满日期", "集体合同有效期至", "集体合同截止日期"),
    _f("cba_covered", Kind.COUNT, "集体合同覆盖职工数", "集体合同覆盖人数", "覆盖职工数"),
    _f("female_cba", Kind.BOOL, "女职工权益保护专项集体合同", "女职工专项集体合同", "女职工专项合同", "签订女职工专项集体合同", "女职工专项集体合同签订"),
    _f("wage_signed_on", Kind.DATE, "工资专项集体合同签订日期", "工资协议签订日期", "工资集体协商签订日期", "工资专项集体合同签订时间", "工资集体协议签订日期"),
    _f("wage_expires_on", Kind.DATE, "工资专项集体合同到期日期", "工资协议到期日期", "工资集体协商到期日期", "工资专项集体合同有效期至", "工资集体协议到期日期"),
    _f("wage_rounds", Kind.COUNT, "工资集体协商次数", "协商次数", "工资协商次数"),
    _f("wage_rise_pct", Kind.PCT, "协商工资增幅", "工资增幅", "工资增长幅度", "协商确定工资增幅"),
    _f("workers_congress", Kind.BOOL, "职代会建制", "建立职代会", "职代会制度", "是否建立职代会", "职工代表大会", "建立职工代表大会制度", "职代会"),
    _f("open_affairs", Kind.BOOL, "厂务公开", "厂务公开建制", "实行厂务公开", "厂务公开民主管理"),
    _f("union_legal_person", Kind.BOOL, "工会法人资格登记", "法人资格登记", "工会法人登记", "取得工会法人资格", "工会法人资格"),
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

# raw/reference/表头别名.csv: headers a federation teaches, as written → field code.
HEADER_ALIAS_FIELDS: tuple[Field, ...] = (
    _f("header", Kind.TEXT, "表头", "表头写法", "原表头", "表头名称", required=True),
    _f("field_code", Kind.TEXT, "字段代码", "字段", "标准字段", required=True),
    _f("applies_to", Kind.FEED, "报表", "适用报表", "报表类型"),
)

# fmt: on

FIELDS_BY_FEED: dict[Feed, tuple[Field, ...]] = {
    Feed.RETURNS: RETURN_FIELDS,
    Feed.SUMMARIES: SUMMARY_FIELDS,
    Feed.REF_REGIONS: REGION_FIELDS,
    Feed.REF_TARGETS: TARGET_FIELDS,
    Feed.REF_HEADER_ALIASES: HEADER_ALIAS_FIELDS,
}
# The feeds whose headers `raw/reference/表头别名.csv` may teach; an alias without 报表 is
# one of enterprise returns.
TAUGHT_FEEDS: tuple[Feed, ...] = (Feed.RETURNS, Feed.SUMMARIES)
FEED_ZH: dict[str, str] = {Feed.RETURNS.value: "企业报表", Feed.SUMMARIES.value: "镇街汇总表"}
# The properties a boundary feature (raw/reference/*.geojson, pipelines.ingest.boundaries) may
# carry its region code under, the first found wins; names are compared case-insensitively.
BOUNDARY_CODE_PROPERTIES: tuple[str, ...] = (
    "region_code", "区划代码", "行政区划代码", "code", "adcode", "XZQDM",
)  # fmt: skip


def _spellings(groups: dict[object, str]) -> dict[str, object]:
    """{value: "spelling spelling ..."} → {case-folded spelling: value}."""
    return {
        spelling.casefold(): value
        for value, spellings in groups.items()
        for spelling in spellings.split()
    }


# (pattern, value): a cell no spelling matches is read by the first pattern found in it.
Meanings = tuple[tuple[str, object], ...]

BOOL_SPELLINGS = _spellings(
    {
        True: "是 √ ✓ ✔ 有 y yes 1 1.0 true 已建 已建立 已实行 已开展 已登记",
        False: "否 × ✗ ✘ 无 没有 n no 0 0.0 false 未建 未建立 未实行 未开展 未登记",
    }
)
BOOL_MEANINGS: Meanings = (
    (r"^(?:否|无|未|没|不|×|✗|✘)", False),
    (r"^(?:是|有|已|√|✓|✔)", True),
)
UNION_FORM_SPELLINGS = _spellings(
    {
        "single": "single 单独建会 单建 独立建会 单独组建 单独建立",
        "joint": "joint 联合建会 联建 联合基层工会 区域联合 行业联合 区域联合建会 行业联合建会 联合组建",
        "none": "none 未建会 未建 未组建 无 否",
    }
)
# 已建 alone says a union exists but not which form: no pattern reads it.
UNION_FORM_MEANINGS: Meanings = (
    (r"^(?:未|无|否|没有)", "none"),
    (r"联合|联建", "joint"),
    (r"单独|独立|单建", "single"),
)
# The numbers are the 单位类别 codes of the national 基层工会调查表 (110 国有企业 … 300 外商投资企业).
OWNERSHIP_SPELLINGS = _spellings(
    {
        "国有": "国有 国有企业 国有控股 国有控股企业 国有独资 国有独资企业 110 151 161",
        "集体": "集体 集体企业 集体控股 集体所有制 120",
        "私营": "私营 私营企业 民营 民营企业 个体 个体户 个体工商户 私营控股 170 600",
        "港澳台": "港澳台 港澳台投资 港澳台商投资 港澳台投资企业 港澳台商投资企业 200",
        "外商投资": "外商投资 外商投资企业 外商 外资 外资企业 外商独资 中外合资 中外合作 300",
        "其他": "其他 其它 130 140 159 169 190",
    }
)
# In this order: "国有独资" is state-owned before 独资 could say anything else. 股份有限公司
# and 有限责任公司 (登记注册类型) may be either state-owned or private: no pattern reads them.
OWNERSHIP_MEANINGS: Meanings = (
    (r"国有", "国有"),
    (r"集体", "集体"),
    (r"港澳|港资|澳资|台资|台商|香港|澳门|台湾", "港澳台"),
    (r"外商|外资|外国|中外", "外商投资"),
    (r"私营|民营|私人|个体|个人独资", "私营"),
    (r"^(?:其他|其它)", "其他"),
)
FEED_SPELLINGS = _spellings(
    {
        Feed.RETURNS.value: "returns 企业报表 企业 企业工会基本情况报表",
        Feed.SUMMARIES.value: "summaries 镇街汇总表 汇总表 镇街工会工作汇总表",
    }
)
LEVEL_SPELLINGS = _spellings(
    {
        "city": "city 市 地级市 地市",
        "district": "district 区 县 县级市 区县 市辖区",
        "town": "town 镇 乡 街道 镇街 街道办事处 乡镇 street",
    }
)
# What clerks wrap a value in ("已建(联合建会)", "是【已建立】", "已建会-单独"), and the
# prefix that says a union exists before the form is named.
VALUE_DECORATIONS = re.compile(r"[()\[\]【】〔〕<>《》\-—_:;,.。、]")
ESTABLISHED_PREFIX = re.compile(r"^已(?:建立|组建|建会|建)?")

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


# Words forms wrap a field's name in: 是否实行厂务公开, 是否进行工会法人资格登记, 厂务公开情况,
# 会员数, 职代会建制.
_HEADER_PREFIXES = ("是否进行", "是否开展", "是否", "有无", "其中:")
_HEADER_SUFFIXES = ("情况", "制度", "建制", "人数", "数", "人")


def undecorated(folded: str) -> str:
    """A folded header without the words around a field's name, kept at two characters at
    least ("会员人数" → "会员", "是否建会" → "建会")."""
    core = folded
    prefix = next((p for p in _HEADER_PREFIXES if core.startswith(p)), "")
    if len(core) - len(prefix) >= 2:
        core = core[len(prefix) :]
    while suffix := next(
        (s for s in _HEADER_SUFFIXES if core.endswith(s) and len(core) - len(s) >= 2), None
    ):
        core = core[: -len(suffix)]
    return core


def header_keys(text: str) -> tuple[str, str]:
    """The keys a header cell is looked up by in `alias_index`, most exact first."""
    folded = fold_header(text)
    return folded, undecorated(folded)


@functools.cache
def _shipped_spellings(feed: Feed) -> tuple[tuple[str, str, Field], ...]:
    """(folded, undecorated, field) of every alias the vocabulary ships for a feed."""
    return tuple(
        (fold_header(alias), undecorated(fold_header(alias)), field)
        for field in FIELDS_BY_FEED[feed]
        for alias in field.aliases
    )


@functools.cache
def _shipped_index(feed: Feed) -> dict[str, str]:
    index = {folded: field.name for folded, field in _shipped_index_exact(feed).items()}
    loose: dict[str, set[str]] = {}
    for _, bare, field in _shipped_spellings(feed):
        loose.setdefault(bare, set()).add(field.name)
    for key, fields in loose.items():
        if len(fields) == 1:
            index.setdefault(key, fields.pop())
    return index


def shipped_headers() -> dict[str, str]:
    """ "feed:folded header" → field of every exact spelling the vocabulary ships for the feeds
    a federation may teach: a taught alias must not take one of these from its field."""
    return {
        f"{feed.value}:{folded}": field.name
        for feed in TAUGHT_FEEDS
        for folded, field in _shipped_index_exact(feed).items()
    }


@functools.cache
def _shipped_index_exact(feed: Feed) -> dict[str, Field]:
    index: dict[str, Field] = {}
    for folded, _, field in _shipped_spellings(feed):
        index.setdefault(folded, field)
    return index


def alias_index(feed: Feed, taught: Mapping[str, str] | None = None) -> dict[str, str]:
    """Folded alias → canonical field name for one feed, and each alias undecorated, unless
    that names two fields. `taught` (folded header → field, from raw/reference/表头别名.csv)
    comes first: a federation's own word on its own forms."""
    return _shipped_index(feed) | dict(taught or {})


# How alike an unknown header and a known spelling must be for the spelling's field to be
# offered as the closest: difflib's ratio (0–1; "厂务公开落实" and "厂务公开" are 0.8) and
# characters in common (two, as in "工会主席" and "建立工会", say nothing).
CLOSEST_MIN_RATIO = 0.5
CLOSEST_MIN_COMMON = 3


def closest_field(header: str, feed: Feed) -> Field | None:
    """The field whose spelling is most like an unknown header, as a hint to the clerk or to
    the federation teaching the header; None when nothing is alike."""
    key = undecorated(fold_header(header))
    best: tuple[float, Field] | None = None
    for _, bare, field in _shipped_spellings(feed):
        matcher = difflib.SequenceMatcher(None, key, bare)
        common = sum(block.size for block in matcher.get_matching_blocks())
        ratio = matcher.ratio()
        alike = ratio >= CLOSEST_MIN_RATIO and common >= CLOSEST_MIN_COMMON
        if alike and (best is None or ratio > best[0]):
            best = (ratio, field)
    return best[1] if best else None


def unknown_columns(joined: str | None, feed: str | None) -> list[tuple[str, str | None]]:
    """`with_closest_fields` of the unknown columns a load audit row lists (comma-joined)."""
    return with_closest_fields([header for header in (joined or "").split(",") if header], feed)


def with_closest_fields(headers: Sequence[str], feed: str | None) -> list[tuple[str, str | None]]:
    """(header as written, "standard header field_code" of the closest field or None) of
    unknown headers of a feed."""
    if feed not in {f.value for f in TAUGHT_FEEDS}:
        return [(header, None) for header in headers]
    hints = [closest_field(header, Feed(feed)) for header in headers]
    return [
        (header, f"{hint.header} {hint.name}" if hint else None)
        for header, hint in zip(headers, hints, strict=True)
    ]


def unknown_column_rows(
    audit_rows: Iterable[tuple[str, str | None, str | None, str | None]],
) -> list[tuple[str, str | None, str, str | None]]:
    """(source file, sheet, header as written, closest field) of every unknown column of the
    load audit rows given as (source file, sheet, feed, unknown_columns)."""
    return [
        (source_file, sheet, header, closest)
        for source_file, sheet, feed, joined in audit_rows
        for header, closest in unknown_columns(joined, feed)
    ]


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
