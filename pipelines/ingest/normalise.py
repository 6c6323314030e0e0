"""Cells as written → typed values, one pure function per `Kind`.

Every normaliser takes the cell text (or None) and returns a `Parsed`: a value, or a
reason code from `reasons.py`, never an exception. An empty cell (None, blanks, or a
placeholder dash/slash) gives `Parsed(None)`; whether that is allowed is the validator's
call. Full-width characters are folded (NFKC) before anything else, and an Excel error
value (#DIV/0!, #N/A, ...) is `excel_error_value` whatever the kind.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from typing import NamedTuple

import polars as pl

from pipelines.ingest import uscc as uscc_codes
from pipelines.ingest.vocabulary import (
    BOOL_MEANINGS,
    BOOL_SPELLINGS,
    ESTABLISHED_PREFIX,
    FEED_SPELLINGS,
    LEVEL_SPELLINGS,
    OWNERSHIP_MEANINGS,
    OWNERSHIP_SPELLINGS,
    UNION_FORM_MEANINGS,
    UNION_FORM_SPELLINGS,
    VALUE_DECORATIONS,
    Kind,
    Meanings,
)


class Parsed(NamedTuple):
    value: object = None
    reason: str | None = None


EMPTY = Parsed()
EXCEL_ERRORS = frozenset(
    {"#DIV/0!", "#N/A", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#NULL!", "#SPILL!", "#CALC!"}
)
# Chinese statistical tables put a dash or slash in a cell that does not apply.
_PLACEHOLDERS = frozenset({"-", "--", "—", "——", "/", "\\"})
# Nothing legitimate in a number, date or code cell is longer; this keeps huge cells cheap.
_MAX_SHORT = 40
_SPACE = re.compile(r"\s+")
_INT64_MAX = 2**63 - 1
MIN_YEAR, MAX_YEAR = 1900, 2099


def _clean(text: str | None) -> str | None:
    """NFKC, trimmed, None when the cell is empty or a placeholder."""
    if text is None:
        return None
    folded = unicodedata.normalize("NFKC", text).strip()
    if not folded or folded in _PLACEHOLDERS:
        return None
    return folded


def _compact(text: str) -> str:
    return _SPACE.sub("", text)


def _precheck(text: str | None) -> Parsed | str:
    """The rules every kind shares: the decided outcome, or the folded text to parse."""
    cleaned = _clean(text)
    if cleaned is None:
        return EMPTY
    if cleaned.upper() in EXCEL_ERRORS:
        return Parsed(None, "excel_error_value")
    if cleaned.startswith("="):  # Excel shows a formula's result, never the formula itself
        return Parsed(None, "formula_not_calculated")
    return cleaned


def _guarded(fn: Callable[[str], Parsed]) -> Callable[[str | None], Parsed]:
    @functools.wraps(fn)
    def normaliser(text: str | None) -> Parsed:
        checked = _precheck(text)
        return checked if isinstance(checked, Parsed) else fn(checked)

    return normaliser


# ---------------------------------------------------------------- numbers

_NUMBER = re.compile(r"[+-]?(?:\d{1,3}(?:,\d{3})+|\d+)?(?:\.\d*)?(?:[eE][+-]?\d{1,3})?")
_COUNT_UNITS = re.compile(r"(?:人|名|家|个|户|次|位|轮)$")


def _decimal(text: str) -> Decimal | None:
    """A plain decimal number, allowing thousands separators (1,234; 1，234 folds to it)."""
    text = _compact(text).replace("−", "-")
    if len(text) > _MAX_SHORT or not any(c.isdigit() for c in text):
        return None
    if not _NUMBER.fullmatch(text):
        return None
    try:
        return Decimal(text.replace(",", ""))
    except InvalidOperation:
        return None


@_guarded
def normalise_count(text: str) -> Parsed:
    """A non-negative whole number; units 人/家/个/次 are dropped, "12.0" is 12."""
    number = _decimal(_COUNT_UNITS.sub("", text.strip()))
    if number is None or abs(number) > _INT64_MAX:
        return Parsed(None, "count_unparseable")
    if number < 0:
        return Parsed(None, "count_negative")
    if number != number.to_integral_value():
        return Parsed(None, "count_not_integer")
    return Parsed(int(number))


def _percent(text: str, reason: str) -> Parsed:
    """Percent points.

    "98%" is 98.0. A plain number strictly between 0 and 1 is a fraction (Excel shows a
    cell formatted as percent as 0.98) and is multiplied by 100; a plain number ≥ 1 (or
    0, or negative) is already in percent. So "1" is 1%, not 100%: a rate of exactly
    100% written as a fraction must carry the % sign.
    """
    has_sign = text.endswith("%")
    number = _decimal(text.rstrip("%"))
    if number is None:
        return Parsed(None, reason)
    if not has_sign and 0 < number < 1:
        number *= 100
    # Round away binary noise such as 0.9800000000000001 coming from a spreadsheet float.
    return Parsed(round(float(number), 9))


@_guarded
def normalise_pct(text: str) -> Parsed:
    return _percent(text, "pct_unparseable")


@_guarded
def normalise_number(text: str) -> Parsed:
    """A target value. Targets are percentages for every rate KPI, so the percent rule
    applies (95, 95% and 0.95 are all 95.0); no count KPI has a target below 1."""
    return _percent(text, "number_unparseable")


# ---------------------------------------------------------------- dates and periods

_DATE = re.compile(
    r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?"
    r"(?:(?:T|\s+)\d{1,2}:\d{1,2}(?::\d{1,2}(?:\.\d+)?)?)?"
)
_DATE_COMPACT = re.compile(r"(\d{4})(\d{2})(\d{2})(?:\.0+)?")
_SERIAL = re.compile(r"(\d{5})(?:\.\d+)?")
_EXCEL_EPOCH = date(1899, 12, 30)  # 1900 date system, after Excel's phantom 1900-02-29
_SERIAL_RANGE = range(18264, 73051)  # 1950-01-01 .. 2099-12-31


def _ymd(year: str, month: str, day: str) -> date | None:
    try:
        parsed = date(int(year), int(month), int(day))
    except ValueError:
        return None
    return parsed if MIN_YEAR <= parsed.year <= MAX_YEAR else None


def _calendar_date(text: str) -> date | None:
    if len(text) > _MAX_SHORT:
        return None
    match = _DATE.fullmatch(text) or _DATE_COMPACT.fullmatch(text)
    return _ymd(*match.groups()) if match else None


def _date(text: str) -> date | None:
    if (match := _SERIAL.fullmatch(text)) and int(match.group(1)) in _SERIAL_RANGE:
        return _EXCEL_EPOCH + timedelta(days=int(match.group(1)))
    return _calendar_date(text)


_MONTH_ONLY = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*月?(?:份)?")


@_guarded
def normalise_date(text: str) -> Parsed:
    """2024-03-01, 2024/3/1, 2024.3.1, 2024年3月1日, 20240301, "2024-03-01 00:00:00",
    or an Excel serial number (45352 is 2024-03-01). A month only (2024年2月, 2024-02) is
    its first day with the reason date_month_only: the validator keeps it (an expiry moves
    to the month's last day) and records that it was read to the month."""
    parsed = _date(text)
    if parsed:
        return Parsed(parsed)
    month = _MONTH_ONLY.fullmatch(text) if len(text) <= _MAX_SHORT else None
    first_day = _ymd(month.group(1), month.group(2), "1") if month else None
    return Parsed(first_day, "date_month_only") if first_day else Parsed(None, "date_unparseable")


_PERIOD_PATTERNS = (
    re.compile(r"(?P<y>\d{4})(?:\.0+|年度?)?"),  # 2024, 2024.0 (a spreadsheet float), 2024年度
    # 2024-12, 2024/12, 2024.12, 2024年12月, 2024年12月末, 2024年1-12月 (cumulative)
    re.compile(r"(?P<y>\d{4})[-/.年](?:\d{1,2}[-~至])?(?P<m>\d{1,2})月?[末底]?"),
    re.compile(r"(?P<y>\d{4})(?P<m>\d{2})"),  # 202412
)


def _period_match(text: str) -> re.Match[str] | None:
    if len(text) > _MAX_SHORT:
        return None
    return next((m for pattern in _PERIOD_PATTERNS if (m := pattern.fullmatch(text))), None)


@_guarded
def normalise_period(text: str) -> Parsed:
    """'YYYY-MM'. A year alone means its December; a full date means its month.

    "2024.1" is January: a spreadsheet that turned a typed 2024.10 into the number 2024.1
    cannot be told apart from it. Excel serials are not read here: "20241" is a typo,
    not May 1955.
    """
    if full_date := _calendar_date(text):
        return Parsed(f"{full_date.year:04d}-{full_date.month:02d}")
    if match := _period_match(_compact(text)):
        year, month = int(match["y"]), int(match.groupdict().get("m") or 12)
        if MIN_YEAR <= year <= MAX_YEAR and 1 <= month <= 12:
            return Parsed(f"{year:04d}-{month:02d}")
    return Parsed(None, "period_unparseable")


_YEAR = re.compile(r"(\d{4})(?:\.0+|年度?)?")


@_guarded
def normalise_year(text: str) -> Parsed:
    """2024, 2024年, 2024年度 or 2024.0 → 2024."""
    match = _YEAR.fullmatch(_compact(text))
    if match and MIN_YEAR <= int(match.group(1)) <= MAX_YEAR:
        return Parsed(int(match.group(1)))
    return Parsed(None, "year_unparseable")


# ---------------------------------------------------------------- codes and categories


def _lookup(table: dict[str, object], reason: str) -> Callable[[str | None], Parsed]:
    """A normaliser for a closed list: the cell, spaces removed and case folded, is looked up."""

    def lookup(text: str) -> Parsed:
        key = _compact(text).casefold()
        return Parsed(table[key]) if key in table else Parsed(None, reason)

    return _guarded(lookup)


def _lookup_or_meaning(
    table: dict[str, object], meanings: Meanings, reason: str
) -> Callable[[str | None], Parsed]:
    """For the values clerks word freely: the spelling table, tried on the cell as written,
    without brackets and punctuation, and without an 已建 prefix; then the words it holds
    (`meanings`, the first pattern found wins)."""
    compiled = [(re.compile(pattern), value) for pattern, value in meanings]

    def lookup(text: str) -> Parsed:
        key = _compact(text).casefold()
        bare = VALUE_DECORATIONS.sub("", key)
        for candidate in (key, bare, ESTABLISHED_PREFIX.sub("", bare)):
            if candidate in table:
                return Parsed(table[candidate])
        value = next((value for pattern, value in compiled if pattern.search(bare)), None)
        return Parsed(None, reason) if value is None else Parsed(value)

    return _guarded(lookup)


_bool_lookup = _lookup_or_meaning(BOOL_SPELLINGS, BOOL_MEANINGS, "bool_unparseable")


def normalise_bool(text: str | None) -> Parsed:
    """是/否, √/×, 有/无, Y/N, 1/0, true/false, 已建/未建, and cells that begin with one of
    them ("是（已建立）", "未实行"); an empty cell is False."""
    parsed = _bool_lookup(text)
    return Parsed(False) if parsed == EMPTY else parsed


normalise_union_form = _lookup_or_meaning(
    UNION_FORM_SPELLINGS, UNION_FORM_MEANINGS, "union_form_unknown"
)
normalise_ownership = _lookup_or_meaning(
    OWNERSHIP_SPELLINGS, OWNERSHIP_MEANINGS, "ownership_unknown"
)
normalise_level = _lookup(LEVEL_SPELLINGS, "level_unknown")
normalise_feed = _lookup(FEED_SPELLINGS, "alias_feed_unknown")

# GB/T 4754-2017: section letter → (first division, last division, section name).
INDUSTRY_SECTIONS: dict[str, tuple[int, int, str]] = {
    "A": (1, 5, "农、林、牧、渔业"),
    "B": (6, 12, "采矿业"),
    "C": (13, 43, "制造业"),
    "D": (44, 46, "电力、热力、燃气及水生产和供应业"),
    "E": (47, 50, "建筑业"),
    "F": (51, 52, "批发和零售业"),
    "G": (53, 60, "交通运输、仓储和邮政业"),
    "H": (61, 62, "住宿和餐饮业"),
    "I": (63, 65, "信息传输、软件和信息技术服务业"),
    "J": (66, 69, "金融业"),
    "K": (70, 70, "房地产业"),
    "L": (71, 72, "租赁和商务服务业"),
    "M": (73, 75, "科学研究和技术服务业"),
    "N": (76, 79, "水利、环境和公共设施管理业"),
    "O": (80, 82, "居民服务、修理和其他服务业"),
    "P": (83, 83, "教育"),
    "Q": (84, 85, "卫生和社会工作"),
    "R": (86, 90, "文化、体育和娱乐业"),
    "S": (91, 96, "公共管理、社会保障和社会组织"),
    "T": (97, 97, "国际组织"),
}
_SECTION_OF_DIVISION = {
    f"{division:02d}": letter
    for letter, (first, last, _) in INDUSTRY_SECTIONS.items()
    for division in range(first, last + 1)
}
_NAME_PUNCTUATION = re.compile(r"[、,，\s]")
_SECTION_OF_NAME = {
    _NAME_PUNCTUATION.sub("", name): letter for letter, (_, _, name) in INDUSTRY_SECTIONS.items()
}
# "C", "C13", "C1311", "13", "1311", "C 制造业", "C-制造业", "制造业"
_INDUSTRY = re.compile(r"(?P<letter>[A-T])?(?P<code>\d{2,4})?[-:.]?(?P<name>\D*)")


def _industry_section(text: str) -> str | None:
    match = _INDUSTRY.fullmatch(text) if len(text) <= _MAX_SHORT else None
    if not match:
        return None
    sections = []
    if match["letter"]:
        sections.append(match["letter"])
    if match["code"]:
        sections.append(_SECTION_OF_DIVISION.get(match["code"][:2]))
    if match["name"]:
        sections.append(_SECTION_OF_NAME.get(match["name"]))
    # Every part given must name the same existing section ("C13" yes, "A13" no).
    return sections[0] if len(set(sections)) == 1 and None not in sections else None


@_guarded
def normalise_industry(text: str) -> Parsed:
    """GB/T 4754-2017 section letter A–T, from a letter, a 2–4 digit code or a section name."""
    section = _industry_section(_NAME_PUNCTUATION.sub("", text.upper().removesuffix(".0")))
    return Parsed(section) if section else Parsed(None, "industry_unknown")


_DIGITS_FROM_FLOAT = re.compile(r"(\d+)(?:\.0+)?")


@_guarded
def normalise_region(text: str) -> Parsed:
    """A 12-digit statistical division code (区划代码).

    A 6-digit county code or 9-digit town code is padded with zeros, which is how the
    12-digit code of the same unit is formed; "310117101000.0" from a spreadsheet float
    loses its ".0".
    """
    match = _DIGITS_FROM_FLOAT.fullmatch(_compact(text))
    digits = match.group(1) if match else ""
    if len(digits) in (6, 9, 12):
        return Parsed(digits.ljust(12, "0"))
    return Parsed(None, "region_invalid_format")


# How Excel shows a long number in a General cell (xlsx_cells.excel_general): 9.13302E+17.
_SCIENTIFIC = re.compile(r"\d(?:\.\d+)?E\+\d+", re.IGNORECASE)


@_guarded
def normalise_uscc(text: str) -> Parsed:
    if _SCIENTIFIC.fullmatch(text):  # typed into a number cell: its last digits are lost
        return Parsed(None, "uscc_stored_as_number")
    code = uscc_codes.normalise_uscc(text)
    problem = uscc_codes.problem(code)
    return Parsed(None, problem) if problem else Parsed(code)


# Characters that show nothing: zero-width spaces and joiners, the soft hyphen, the BOM,
# and the bidirectional controls that make a name display reversed (U+202E).
# No enterprise or region is named at such length: a paragraph pasted into the cell. Kept
# far below a spreadsheet cell's 32,767 so that every export shows the name whole.
MAX_NAME_CHARS = 200
INVISIBLE = "[\u00ad\u061c\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]"
_INVISIBLE = re.compile(INVISIBLE)


def show_invisible(text: str) -> str:
    """The text with each invisible character written out (<U+200B>), for messages."""
    return _INVISIBLE.sub(lambda m: f"<U+{ord(m.group()):04X}>", text)


# A line break typed inside a cell (Alt+Enter), with the spaces around it.
_LINE_BREAK = re.compile("\\s*[\r\n\u2028\u2029]\\s*")


def _unbroken(match: re.Match[str]) -> str:
    """A line break inside a name: nothing between two Chinese characters (甲机械 / 有限公司
    is 甲机械有限公司), a space elsewhere."""
    text, start, end = match.string, match.start(), match.end()
    between_ideographs = (
        start > 0
        and end < len(text)
        and re.match(_IDEOGRAPH, text[start - 1])
        and re.match(_IDEOGRAPH, text[end])
    )
    return "" if between_ideographs else " "


def normalise_text(text: str | None) -> Parsed:
    """Free text (names): trimmed, without invisible characters, on one line (a line break
    typed in the cell is dropped between Chinese characters, a space elsewhere), otherwise
    kept as written (no folding).

    U+FFFD is what the reader puts in place of bytes of another encoding (a cell pasted
    from a GBK file into a UTF-8 one): such a name is garbled, not a name. A name of
    invisible characters only is no name either."""
    checked = _precheck(text)
    if isinstance(checked, Parsed):
        return checked
    if "\ufffd" in text:
        return Parsed(None, "text_garbled")
    visible = _LINE_BREAK.sub(_unbroken, _INVISIBLE.sub("", text).strip())
    if not visible:
        return Parsed(None, "text_invisible_only")
    return Parsed(visible) if len(visible) <= MAX_NAME_CHARS else Parsed(None, "text_too_long")


# ---------------------------------------------------------------- vectorised common cases

# What str.strip() removes (str.isspace): Unicode white space plus the four ASCII
# separators \x1c-\x1f, which Polars' default strip_chars() would keep.
PYTHON_WHITESPACE = (
    "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005"
    "\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
)
# CJK unified ideographs: NFKC leaves them alone and none is white space.
_IDEOGRAPH = "[\u4e00-\u9fff]"


class FastPath(NamedTuple):
    """The cells (`handles`) a Polars expression normalises exactly as the kind's Python
    normaliser would, with their value and reason; only the other cells go through
    Python. Kinds whose cells are nearly all distinct (codes, names) need one: a Python
    call per cell is what makes a million rows slow."""

    handles: pl.Expr
    value: pl.Expr
    reason: pl.Expr


def uscc_fast_path(cell: pl.Expr) -> FastPath:
    """Codes typed as ASCII letters and digits only: NFKC and removing spaces change
    nothing, so the code is the cell in upper case."""
    code = cell.str.to_uppercase()
    problem = uscc_codes.problem_expr(code)
    return FastPath(
        cell.str.contains("^[0-9A-Za-z]+$"), pl.when(problem.is_null()).then(code), problem
    )


def text_fast_path(cell: pl.Expr) -> FastPath:
    """Names holding a Chinese character: such a cell is never empty, a placeholder or an
    Excel error, so it is kept trimmed, unless it is garbled."""
    garbled = cell.str.contains("\ufffd", literal=True)
    plain = (
        ~cell.str.contains(INVISIBLE)
        & ~cell.str.contains("[\r\n\u2028\u2029]")
        & ~cell.str.starts_with("=")
        & (cell.str.len_chars() <= MAX_NAME_CHARS)
    )
    return FastPath(
        cell.str.contains(_IDEOGRAPH) & plain,
        pl.when(~garbled).then(cell.str.strip_chars(PYTHON_WHITESPACE)),
        pl.when(garbled).then(pl.lit("text_garbled")),
    )


FAST_PATHS: dict[Kind, Callable[[pl.Expr], FastPath]] = {
    Kind.USCC: uscc_fast_path,
    Kind.TEXT: text_fast_path,
}

NORMALISERS: dict[Kind, Callable[[str | None], Parsed]] = {
    Kind.TEXT: normalise_text,
    Kind.USCC: normalise_uscc,
    Kind.REGION: normalise_region,
    Kind.PERIOD: normalise_period,
    Kind.COUNT: normalise_count,
    Kind.PCT: normalise_pct,
    Kind.DATE: normalise_date,
    Kind.BOOL: normalise_bool,
    Kind.UNION_FORM: normalise_union_form,
    Kind.OWNERSHIP: normalise_ownership,
    Kind.INDUSTRY: normalise_industry,
    Kind.LEVEL: normalise_level,
    Kind.YEAR: normalise_year,
    Kind.NUMBER: normalise_number,
    Kind.FEED: normalise_feed,
}
