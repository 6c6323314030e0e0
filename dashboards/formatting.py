"""Numbers as Chinese union reports print them, and data as plain text. Pure functions;
None/NaN print as "—"."""

from __future__ import annotations

import math
import re
from datetime import datetime

MISSING = "—"

# Every ASCII punctuation character: CommonMark lets a backslash escape any of them, and
# escaping them all also breaks what GitHub-flavoured Markdown would turn into a link by
# itself (http://…, www.…, a@b.c) and Streamlit's LaTeX ($…$) and colours (:red[…]).
_MARKDOWN_PUNCTUATION = re.compile(r"([!-/:-@\[-`{-~])")
_LINE_BREAKS = re.compile(r"[\r\n]+")


def plain(text: object) -> str:
    """Data (a region's or an enterprise's name, a file name, a failure reason) as literal
    text inside an element that renders Markdown: st.subheader, st.markdown, st.caption,
    st.info/warning/error, metric, radio and tab labels. "[点我](http://x)" would be a link;
    plain() makes it "\\[点我\\]\\(http\\:\\/\\/x\\)", which shows as written. Line breaks become
    spaces (a heading is one line). HTML needs nothing: Streamlit escapes it."""
    return _MARKDOWN_PUNCTUATION.sub(r"\\\1", _LINE_BREAKS.sub(" ", str(text)))


# unit of a KPI value (kpi_definitions.unit) → suffix of a count
_COUNT_SUFFIX = {"persons": "人", "rounds": "次", "enterprises": "家"}


def _missing(value: float | None) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def fmt_pct(value: float | None) -> str:
    """98.2 → "98.2%" (value is already a percent, 0–100)."""
    return MISSING if _missing(value) else f"{value:,.1f}%"


def _fmt_count(value: float | None, suffix: str) -> str:
    return MISSING if _missing(value) else f"{round(value):,}{suffix}"


WAN = 10_000


def fmt_wan(value: float | None, suffix: str) -> str:
    """A head count as a leader reads it: 万 from 10,000 on (13200 → "1.32万人", 140000 →
    "14万人"), below that with separators ("9,870人")."""
    if _missing(value) or abs(value) < WAN:
        return _fmt_count(value, suffix)
    return f"{value / WAN:,.2f}".rstrip("0").rstrip(".") + f"万{suffix}"


def fmt_yoy(value: float | None, unit: str) -> str:
    """The change on last year as its own figure with its arrow, coloured (Markdown):
    ":green[▲ +2.2个百分点]", ":red[▼ -1.0个百分点]", "持平", "—" without last year."""
    if _missing(value):
        return MISSING
    if round(value, 1) == 0:
        return "持平"
    arrow, colour = ("▲", "green") if value > 0 else ("▼", "red")
    return f":{colour}[{arrow} {fmt_change(value, unit)}]"


def fmt_enterprises(value: float | None) -> str:
    """467 → "467家"."""
    return _fmt_count(value, "家")


def fmt_points(value: float | None) -> str:
    """Gap or change in percentage points, always signed: 1.5 → "+1.5个百分点"."""
    return MISSING if _missing(value) else f"{value:+.1f}个百分点"


def fmt_value(value: float | None, unit: str) -> str:
    """A KPI value in its unit (kpi_definitions.unit: pct | persons | rounds)."""
    if unit == "pct":
        return fmt_pct(value)
    return _fmt_count(value, _COUNT_SUFFIX.get(unit, ""))


NOT_REPORTED = "未报"


def fmt_kpi_value(row: dict, unit: str) -> str:
    """A mart_kpi row's value; "未报" where enterprises are in its scope and none of them
    reported what the KPI needs (not 0%, not "—")."""
    nobody_reported = row.get("reported_enterprises") == 0
    if _missing(row["value"]) and nobody_reported and (row.get("in_scope_enterprises") or 0) > 0:
        return NOT_REPORTED
    return fmt_value(row["value"], unit)


def fmt_coverage(row: dict) -> str:
    """How many of the enterprises in a KPI's scope reported it, when not all did:
    "9家中6家；3家未报此项" (the value is computed over the 6); "" when all did."""
    reported, in_scope = row.get("reported_enterprises"), row.get("in_scope_enterprises")
    if _missing(reported) or _missing(in_scope) or reported >= in_scope:
        return ""
    return f"{round(in_scope):,}家中{round(reported):,}家；{round(in_scope - reported):,}家未报此项"


def fmt_change(value: float | None, unit: str) -> str:
    """A signed difference in a KPI's unit: points for rates, "+1,200人" for counts."""
    if unit == "pct":
        return fmt_points(value)
    return _fmt_signed_count(value, _COUNT_SUFFIX.get(unit, ""))


def _fmt_signed_count(value: float | None, suffix: str) -> str:
    return MISSING if _missing(value) else f"{round(value):+,}{suffix}"


def count_suffix(label_zh: str | None) -> str:
    """Suffix for a numerator/denominator named in kpi_definitions: 企业数 → 家, 会员人数 → 人."""
    label = label_zh or ""
    if "企业" in label:
        return "家"
    if "次" in label:
        return "次"
    if any(word in label for word in ("人", "职工", "会员")):
        return "人"
    return ""


def fmt_count(value: float | None, label_zh: str | None = None) -> str:
    """A numerator/denominator, suffixed by what its label counts: (467, "企业数") → "467家"."""
    return _fmt_count(value, count_suffix(label_zh))


def fmt_count_change(value: float | None, label_zh: str | None = None) -> str:
    """A difference of such counts, signed: (12, "企业数") → "+12家"."""
    return _fmt_signed_count(value, count_suffix(label_zh))


def fmt_still_needed(still_needed: int | None, definition: dict) -> str | None:
    """What a rate below its target still needs, as a leader says it: "还需新建会 17 家",
    "还需发展会员 1,234 人"; None when it is met (0) or has no target."""
    if _missing(still_needed) or still_needed <= 0:
        return None
    action = definition.get("still_needed_zh") or ""
    unit = definition.get("numerator_unit_zh") or ""
    return f"还需{action} {int(still_needed):,} {unit}"


def fmt_attained(gap: float | None) -> str:
    """✓ when the target is met (gap ≥ 0), ✗ when not, — without a target."""
    if _missing(gap):
        return MISSING
    return "✓" if gap >= 0 else "✗"


def fmt_period(period: str) -> str:
    """'2025-12' → "2025年度" (a year-end period is the annual report); '2025-06' → "2025年6月"."""
    year, month = period.split("-")
    return f"{year}年度" if int(month) == 12 else f"{year}年{int(month)}月"


def fmt_timestamp(value: datetime | None) -> str:
    """published_at → "2025-07-01 02:05"."""
    return MISSING if value is None else value.strftime("%Y-%m-%d %H:%M")
