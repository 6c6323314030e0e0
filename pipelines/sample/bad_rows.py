"""Deliberate mistakes planted in the sample returns, one realistic kind per row.

Each kind names the field it spoils and the reason code (pipelines/ingest/reasons.py)
the ingestion is expected to quarantine the row with; `lower_case_uscc` is the one
that looks wrong but is valid after normalisation. Every planted row has exactly one
problem, so the quarantine can be checked against the manifest row by row.
`plant()` spoils one record and marks it; `as_written()` turns a file's records into its
rows and says which row each planted mistake ended up in. Where they go is placement.py's job.
"""

from __future__ import annotations

import random
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, timedelta

from pipelines.ingest.uscc import ALPHABET

from .layouts import Raw


@dataclass(frozen=True)
class Kind:
    key: str
    reason: str | None  # expected quarantine reason code; None = valid after normalising
    field: str
    zh: str
    en: str
    csv_only: bool = False


KINDS: tuple[Kind, ...] = (
    Kind(
        "bad_check_char",
        "uscc_bad_check_char",
        "uscc",
        "统一社会信用代码校验位错误",
        "USCC with a wrong check character",
    ),
    Kind(
        "members_exceed",
        "members_exceed_employees",
        "members",
        "会员人数大于职工人数",
        "members exceed employees",
    ),
    Kind(
        "future_period",
        "period_in_future",
        "period",
        "报告期为将来（2027）",
        "reporting period in the future (2027)",
    ),
    Kind(
        "cba_expiry_before",
        "cba_expiry_before_signing",
        "cba_expires_on",
        "集体合同到期日期早于签订日期",
        "contract expires before it is signed",
    ),
    Kind(
        "female_exceeds",
        "female_exceeds_total",
        "female_employees",
        "女职工人数大于职工人数",
        "female employees exceed employees",
    ),
    Kind(
        "negative_count", "count_negative", "migrant_members", "人数为负数", "negative head count"
    ),
    Kind("wage_rise_150", "pct_out_of_range", "wage_rise_pct", "工资增幅150%", "wage rise of 150%"),
    Kind(
        "duplicate_row",
        "duplicate_in_file",
        "uscc",
        "同一表内企业重复填报",
        "the same enterprise twice in one file",
    ),
    Kind(
        "fractional_count",
        "count_not_integer",
        "migrant_employees",
        "人数为小数（x.5）",
        "fractional head count (x.5)",
    ),
    Kind("unknown_region", "region_unknown", "region_code", "镇街代码不存在", "unknown town code"),
    Kind(
        "cba_term_5y",
        "cba_term_over_3_years",
        "cba_expires_on",
        "集体合同期限5年",
        "contract term of 5 years",
    ),
    Kind(
        "excel_error",
        "excel_error_value",
        "wage_rise_pct",
        "Excel错误值 #DIV/0!",
        "Excel error value #DIV/0!",
        csv_only=True,
    ),
    Kind(
        "registered_exceeds",
        "registered_exceeds_members",
        "members_registered",
        "实名制采集人数大于会员人数",
        "registered members exceed members",
    ),
    Kind(
        "uscc_17_chars",
        "uscc_invalid_format",
        "uscc",
        "统一社会信用代码少一位（17位）",
        "USCC with a character missing (17)",
    ),
    Kind(
        "migrant_members_exceed",
        "migrant_members_exceed_migrant",
        "migrant_members",
        "农民工会员人数大于农民工人数",
        "migrant members exceed migrant employees",
    ),
    Kind(
        "impossible_date",
        "date_unparseable",
        "cba_signed_on",
        "不存在的日期（2月30日）",
        "a date that does not exist (30 February)",
    ),
    Kind(
        "lower_case_uscc",
        None,
        "uscc",
        "信用代码小写且含空格（规范化后有效，不应隔离）",
        "lower-case USCC with spaces (valid after normalising, NOT an error)",
    ),
)
BY_KEY = {k.key: k for k in KINDS}


def eligible(kind: Kind, rec: dict) -> bool:
    union = rec["union_form"] != "未建会"
    match kind.key:
        case "members_exceed" | "registered_exceeds":
            return union and (rec["members"] or 0) > 0 and rec["employees"] >= 10
        case "negative_count":
            return union and (rec["migrant_members"] or 0) > 0
        case "fractional_count":
            return 5 <= rec["migrant_employees"] < rec["employees"] - 1
        case "migrant_members_exceed":
            return union and rec["migrant_employees"] > 0
        case "cba_expiry_before" | "cba_term_5y" | "impossible_date":
            return rec["cba_signed_on"] is not None
        case "wage_rise_150" | "excel_error":
            return rec["wage_rise_pct"] is not None
        case "lower_case_uscc":
            return "MA" in rec["uscc"]
        case _:
            return True


def apply(kind: Kind, rec: dict, rng: random.Random, known_regions: Collection[str]) -> object:
    """Spoil `rec` in place; returns the value now in the spoiled field."""
    match kind.key:
        case "bad_check_char":
            code = rec["uscc"]
            rec["uscc"] = code[:-1] + rng.choice([c for c in ALPHABET if c != code[-1]])
        case "uscc_17_chars":
            code = rec["uscc"]
            cut = rng.randrange(8, 16)
            rec["uscc"] = code[:cut] + code[cut + 1 :]
        case "lower_case_uscc":
            code = rec["uscc"].lower()
            rec["uscc"] = f"{code[:2]} {code[2:8]} {code[8:17]} {code[17]}"
        case "members_exceed":
            rec["members"] = rec["employees"] + rng.randint(3, 30)
        case "female_exceeds":
            rec["female_employees"] = rec["employees"] + rng.randint(2, 20)
        case "registered_exceeds":
            rec["members_registered"] = rec["members"] + rng.randint(5, 40)
        case "migrant_members_exceed":
            rec["migrant_members"] = rec["migrant_employees"] + rng.randint(2, 15)
        case "negative_count":
            rec["migrant_members"] = -rng.randint(1, 9)
        case "fractional_count":
            rec["migrant_employees"] = Raw(rec["migrant_employees"] + 0.5)
        case "future_period":
            rec["period"] = 2027
        case "unknown_region":
            # a typo in the town's sequence number that hits no real town
            code = rec["region_code"]
            seq = next(s for s in range(999, 0, -1) if f"{code[:6]}{s:03d}000" not in known_regions)
            rec["region_code"] = f"{code[:6]}{seq:03d}000"
        case "cba_expiry_before":
            signed: date = rec["cba_signed_on"]
            rec["cba_expires_on"] = signed - timedelta(days=rng.randint(200, 400))
        case "cba_term_5y":
            signed = rec["cba_signed_on"]
            day = min(signed.day, 28)
            rec["cba_expires_on"] = date(signed.year + 5, signed.month, day) - timedelta(days=1)
        case "wage_rise_150":
            rec["wage_rise_pct"] = Raw("150%")
        case "excel_error":
            rec["wage_rise_pct"] = Raw("#DIV/0!")
        case "impossible_date":
            rec["cba_signed_on"] = Raw(f"{rec['cba_signed_on'].year}-02-30")
        case "duplicate_row":
            pass  # as_written() writes the row twice
    value = rec[kind.field]
    return value.value if isinstance(value, Raw) else value


# A spoiled record carries (kind, the value now in the spoiled field) under this key, so the
# row it ends up in can be listed in the manifest; the return columns never include it.
_PLANTED = "_planted"


def plant(kind: Kind, rec: dict, seed: int, known_regions: Collection[str]) -> None:
    """Spoil `rec` by `kind` and mark it as planted."""
    value = apply(kind, rec, random.Random(f"{seed}/{kind.key}"), known_regions)
    rec[_PLANTED] = (kind, value)


def as_written(recs: list[dict]) -> tuple[list[dict], dict[int, tuple[Kind, object]]]:
    """A file's records as its rows (a `duplicate_row` twice in a row), and the planted
    (kind, value) at each spoiled row's position."""
    rows: list[dict] = []
    for rec in recs:
        rows.append(rec)
        planted = rec.get(_PLANTED)
        if planted and planted[0].key == "duplicate_row":
            rows.append(dict(rec))
            # the ingestion quarantines the later of two copies; the first one is valid
            rec[_PLANTED] = None
    marks = {pos: rec[_PLANTED] for pos, rec in enumerate(rows) if rec.get(_PLANTED)}
    return rows, marks
