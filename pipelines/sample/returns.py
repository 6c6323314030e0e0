"""Enterprise returns: one file per town and period, laid out the way that town's clerk does it.

A town has a usual file format (`ReturnFormats`) and, each period, a style of its own
(`return_style`: header words, date and boolean spellings, a 序号 column, a two-row
header...). `write_town_return()` renders the town's records in that style, with any
mistakes planted in them, and lists the file and the planted rows in the manifest.
"""

from __future__ import annotations

import random
from datetime import date, timedelta

import numpy as np

from pipelines.ingest.vocabulary import RETURN_FIELDS, Kind

from . import bad_rows
from .city import City, Region
from .layouts import (
    FORMATS,
    SEQ_HEADER,
    Raw,
    Style,
    Table,
    Total,
    chinese_date,
    footer,
    write_table,
)
from .manifest import FileEntry, Manifest, Planted
from .records import PeriodRecords

# Realistic alternative headers some towns use (all listed in vocabulary.py).
ALIASES: dict[str, tuple[str, ...]] = {
    "uscc": ("社会信用代码", "统一社会信用代码（18位）"),
    "enterprise_name": ("单位名称", "企业（单位）名称"),
    "region_code": ("镇街代码",),
    "period": ("统计期", "年度"),
    "ownership": ("企业类型", "登记注册类型"),
    "industry_code": ("所属行业", "行业门类"),
    "employees": ("职工总数", "职工人数（人）", "从业人员数"),
    "female_employees": ("其中：女职工",),
    "migrant_employees": ("其中：农民工",),
    "union_form": ("工会组建形式",),
    "members": ("工会会员人数", "会员数"),
    "female_members": ("其中：女会员",),
    "migrant_members": ("其中：农民工会员",),
    "members_registered": ("会员信息采集人数", "实名制采集人数"),
    "cba_signed_on": ("集体合同签订时间",),
    "cba_expires_on": ("集体合同期满日期",),
    "cba_covered": ("集体合同覆盖人数",),
    "female_cba": ("女职工专项集体合同",),
    "wage_signed_on": ("工资协议签订日期",),
    "wage_expires_on": ("工资协议到期日期",),
    "wage_rounds": ("工资协商次数",),
    "wage_rise_pct": ("工资增幅", "工资增长幅度"),
    "workers_congress": ("建立职代会", "是否建立职代会"),
    "open_affairs": ("实行厂务公开",),
    "union_legal_person": ("法人资格登记",),
}
# The merged upper headers of a two-row header: (group header, its first field, its last field).
RETURN_GROUPS: tuple[tuple[str, str, str], ...] = (
    ("其中", "female_employees", "migrant_employees"),
    ("会员情况", "members", "members_registered"),
    ("集体合同", "cba_signed_on", "female_cba"),
    ("工资集体协商", "wage_signed_on", "wage_rise_pct"),
    ("民主管理", "workers_congress", "open_affairs"),
)
_FIELD_NAMES = [f.name for f in RETURN_FIELDS]
_HEADER = {f.name: f.header for f in RETURN_FIELDS}
# How the style writes a field of each kind (other kinds are written as they are).
_CELL = {
    Kind.COUNT: Style.count,
    Kind.DATE: Style.date,
    Kind.BOOL: Style.boolean,
    Kind.PCT: Style.percent,
    Kind.PERIOD: Style.period_cell,
    Kind.REGION: Style.region,
}
_NOTE = "1.建会形式填写“单独建会”“联合建会”或“未建会”；2.统计时点为报告期末。"


def plan_formats(seed: int, city: City) -> dict[str, str]:
    """Each town's usual format: ~40% XLSX, ~35% CSV GB18030, ~15% CSV UTF-8, ~10% UTF-8 BOM."""
    codes = sorted(
        (t.code for t in city.towns), key=lambda c: random.Random(f"{seed}/format/{c}").random()
    )
    quota = np.cumsum([0.40, 0.35, 0.15, 0.10]) * len(codes)
    return {code: FORMATS[int(np.searchsorted(quota, i + 0.5))] for i, code in enumerate(codes)}


class ReturnFormats:
    """The format each town saves its return in, period by period."""

    def __init__(self, seed: int, city: City):
        self.seed = seed
        self.usual = plan_formats(seed, city)

    def pick(self, code: str, year: int) -> str:
        """The town's usual format; now and then a clerk saves the file another way."""
        per_year = random.Random(f"{self.seed}/format/{code}/{year}")
        if per_year.random() < 0.08:
            return per_year.choices(FORMATS, weights=(40, 35, 15, 10))[0]
        return self.usual[code]


def return_style(seed: int, code: str, year: int, fmt: str) -> Style:
    rng = random.Random(f"{seed}/style/{code}/{year}")
    xlsx = fmt == "xlsx"
    style = Style(fmt=fmt, rng=random.Random(f"{seed}/cells/{code}/{year}"))
    style.seq = rng.random() < 0.5
    style.two_row = xlsx and rng.random() < 0.4
    style.blank_line = rng.random() < 0.3
    style.period = rng.choice(("{y}", "{y}年", "{y}-12", "{y}年度"))
    style.period_numeric = rng.random() < 0.5
    style.bools = rng.choices(
        (("是", "否"), ("√", ""), ("有", "无"), ("是", ""), ("1", "0")),
        weights=(45, 20, 15, 10, 10),
    )[0]
    if xlsx:
        style.dates = rng.choices(
            ("excel", "iso", "slash", "cn", "serial"), weights=(45, 20, 15, 15, 5)
        )[0]
    else:
        style.dates = rng.choices(("iso", "slash", "cn"), weights=(40, 40, 20))[0]
    style.thousands = rng.random() < 0.3
    style.numbers_as_text = xlsx and rng.random() < 0.15
    style.fullwidth = 0.03 if rng.random() < 0.08 else 0.0
    style.industry = "division" if rng.random() < 0.2 else "letter"
    style.pct = "fraction" if rng.random() < 0.35 else "pct"
    style.zero_blank = rng.random() < 0.5
    style.numeric_region = xlsx and rng.random() < 0.06
    style.formula_totals = xlsx and rng.random() < 0.5
    style.header_breaks = xlsx and rng.random() < 0.2
    if rng.random() < 0.25:
        for name, options in ALIASES.items():
            if rng.random() < 0.4:
                style.aliases[name] = rng.choice(options)
    style.order = rng.choice(("index", "name", "size"))
    style.sheet = rng.choice(("Sheet1", "企业工会情况", f"{year}年", "基层工会统计"))
    return style


def write_town_return(
    manifest: Manifest,
    records: PeriodRecords,
    t: int,
    year: int,
    fmt: str,
    spoiled: list[tuple[bad_rows.Kind, int]],
) -> None:
    """Town `t`'s return for `year`, with the mistakes in `spoiled` ((kind, record index))."""
    seed, town = manifest.seed, manifest.city.towns[t]
    district = manifest.city.district_of(town)
    style = return_style(seed, town.code, year, fmt)
    recs = records.town_records(t, year)
    position = dict(zip(records.town_indices(t), range(len(recs)), strict=True))
    for kind, i in spoiled:
        bad_rows.plant(kind, recs[position[i]], seed, manifest.city.town_codes)
    rows, marks = bad_rows.as_written(_in_file_order(recs, style))
    filed = date(year + 1, 1, 5) + timedelta(days=t % 12)
    path = (
        manifest.out
        / "returns"
        / str(year)
        / f"{district.name}{town.name}_{year}年企业工会报表.{style.extension}"
    )
    title = random.Random(f"{seed}/title/{town.code}/{year}").choice(
        (
            f"{year}年度企业工会基本情况统计表",
            f"{town.name}{year}年度企业工会基本情况统计表",
            f"{year}年企业工会基本情况统计表",
        )
    )
    table = return_table(title, town, rows, style, year, _NOTE, filed)
    written = write_table(path, style, table)
    manifest.files.append(FileEntry(path, "returns", style.fmt, written.data_rows))
    rel = path.relative_to(manifest.out).as_posix()
    first_field_column = 1 if style.seq else 0
    for pos, (kind, value) in marks.items():
        header = table.headers[_FIELD_NAMES.index(kind.field) + first_field_column]
        manifest.planted.append(
            Planted(
                kind,
                rel,
                written.first_data_row + pos,
                header.replace("\n", ""),  # a wrapped header as it reads
                value,
                rows[pos]["uscc"],
            )
        )


def _in_file_order(records: list[dict], style: Style) -> list[dict]:
    """Records in the order the clerk keeps them: as registered, by name, or largest first."""
    if style.order == "name":
        return sorted(records, key=lambda r: r["enterprise_name"])
    if style.order == "size":
        return sorted(records, key=lambda r: -r["employees"])
    return records


def render_return(rec: dict, style: Style) -> list[object]:
    row: list[object] = []
    for f in RETURN_FIELDS:
        value = rec[f.name]
        if isinstance(value, Raw):
            row.append(value)
        elif f.kind == Kind.INDUSTRY:
            row.append(style.industry_cell(value, rec["division"]))
        elif f.kind in _CELL:
            row.append(_CELL[f.kind](style, value))
        else:
            row.append(value)
    return row


def return_table(
    title: str, town: Region, records: list[dict], style: Style, year: int, note: str, filed: date
) -> Table:
    rng = random.Random(f"{title}/{town.code}/{year}")
    headers = [style.header(f.name, f.header) for f in RETURN_FIELDS]
    offset = 1 if style.seq else 0
    groups: list[tuple[str, int, int]] = []
    if style.two_row:
        for i, (parent, first, last) in enumerate(RETURN_GROUPS):
            if i < 2 or rng.random() < 0.5:
                a, b = _FIELD_NAMES.index(first), _FIELD_NAMES.index(last)
                groups.append((parent, a + offset, b + offset))
                # under a group header the sub-headers spell the field out in full
                for c in range(a, b + 1):
                    headers[c] = _HEADER[_FIELD_NAMES[c]]
    rows = [render_return(rec, style) for rec in records]
    total: list[object] = [None] * len(RETURN_FIELDS)
    for c, f in enumerate(RETURN_FIELDS):
        if f.kind == Kind.COUNT:
            s = sum(v for rec in records if isinstance(v := rec[f.name], int))
            total[c] = Total(s, style.formula_totals)
    if style.seq:
        headers = [SEQ_HEADER, *headers]
        rows = [[i + 1, *row] for i, row in enumerate(rows)]
        total = ["合计", *total]
    else:
        total[0] = "合计"
    meta = [f"填报单位：{town.name}总工会（盖章）    填报日期：{chinese_date(filed)}"]
    if rng.random() < 0.3:
        meta.append("计量单位：人、家")
    return Table(title, meta, headers, rows, total, footer(rng, note), groups)
