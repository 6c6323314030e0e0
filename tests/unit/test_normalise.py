import sys
from datetime import date

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipelines.ingest.normalise import (
    EXCEL_ERRORS,
    FAST_PATHS,
    NORMALISERS,
    PYTHON_WHITESPACE,
    Parsed,
    normalise_bool,
    normalise_count,
    normalise_date,
    normalise_industry,
    normalise_level,
    normalise_number,
    normalise_ownership,
    normalise_pct,
    normalise_period,
    normalise_region,
    normalise_text,
    normalise_union_form,
    normalise_uscc,
    normalise_year,
)
from pipelines.ingest.reasons import ROW_REASONS
from pipelines.ingest.vocabulary import Kind


def ok(value):
    return Parsed(value, None)


def bad(reason):
    return Parsed(None, reason)


def cases(*pairs):
    return pytest.mark.parametrize(("text", "expected"), pairs)


@cases(
    ("98", ok(98)),
    ("９８", ok(98)),
    ("1,234", ok(1234)),
    ("1，234", ok(1234)),
    ("12,345,678", ok(12345678)),
    ("12人", ok(12)),
    ("３ 家", ok(3)),
    (" 5次 ", ok(5)),
    ("7个", ok(7)),
    ("12.0", ok(12)),
    ("0", ok(0)),
    ("1e3", ok(1000)),
    ("12.5", bad("count_not_integer")),
    ("-3", bad("count_negative")),
    ("−3", bad("count_negative")),
    ("abc", bad("count_unparseable")),
    ("1,23", bad("count_unparseable")),
    ("12%", bad("count_unparseable")),
    ("1" * 30, bad("count_unparseable")),
    ("#DIV/0!", bad("excel_error_value")),
    ("", ok(None)),
    ("  ", ok(None)),
    ("-", ok(None)),
    ("—", ok(None)),
    (None, ok(None)),
)
def test_count(text, expected):
    assert normalise_count(text) == expected


@cases(
    ("98%", ok(98.0)),
    ("９８％", ok(98.0)),
    ("98.5 %", ok(98.5)),
    ("0.98", ok(98.0)),
    ("0.57", ok(57.0)),
    ("0.9800000000000001", ok(98.0)),
    ("98", ok(98.0)),
    ("1", ok(1.0)),  # ≥ 1 is already percent
    ("0", ok(0.0)),
    ("0.5%", ok(0.5)),  # with a sign it is never scaled
    ("20230%", ok(20230.0)),
    ("-5", ok(-5.0)),  # range is the validator's call
    ("九十八", bad("pct_unparseable")),
    ("#VALUE!", bad("excel_error_value")),
    (None, ok(None)),
)
def test_pct(text, expected):
    assert normalise_pct(text) == expected


@cases(
    ("95", ok(95.0)),
    ("95%", ok(95.0)),
    ("0.95", ok(95.0)),
    ("1,000", ok(1000.0)),
    ("高", bad("number_unparseable")),
)
def test_number_follows_the_percent_rule(text, expected):
    assert normalise_number(text) == expected


@pytest.mark.parametrize(
    "text", ["是", "√", "✓", "有", "Y", "y", "yes", "1", "1.0", "TRUE", "true", "已建", " 是 "]
)
def test_bool_true(text):
    assert normalise_bool(text) == ok(True)


@pytest.mark.parametrize(
    "text", ["否", "×", "无", "N", "no", "0", "FALSE", "false", "未建", "", None, "-"]
)
def test_bool_false_and_empty_is_false(text):
    assert normalise_bool(text) == ok(False)


@cases(
    ("是（已建立）", ok(True)),
    ("已实行", ok(True)),
    ("已公开", ok(True)),
    ("有【2023年建立】", ok(True)),
    ("√ 是", ok(True)),
    ("未实行", ok(False)),
    ("没有建立", ok(False)),
    ("否(未登记)", ok(False)),
    ("× 无", ok(False)),
)
def test_bool_by_meaning(text, expected):
    assert normalise_bool(text) == expected


def test_bool_unparseable():
    assert normalise_bool("也许") == bad("bool_unparseable")
    assert normalise_bool("#N/A") == bad("excel_error_value")


MARCH_1 = ok(date(2024, 3, 1))


@cases(
    ("2024-03-01", MARCH_1),
    ("2024/3/1", MARCH_1),
    ("2024.3.1", MARCH_1),
    ("2024-3-1", MARCH_1),
    ("2024年3月1日", MARCH_1),
    ("２０２４年３月１日", MARCH_1),
    ("20240301", MARCH_1),
    ("2024-03-01 00:00:00", MARCH_1),
    ("2024-03-01T08:30:00", MARCH_1),
    ("45352", MARCH_1),  # Excel serial, 1900 system
    ("45352.0", MARCH_1),
    ("45352.75", MARCH_1),  # a time of day is dropped
    ("2024-02-29", ok(date(2024, 2, 29))),
    ("2023-02-29", bad("date_unparseable")),
    ("2024-13-01", bad("date_unparseable")),
    ("2024", bad("date_unparseable")),  # a year is not a date (nor serial 2024 = 1905)
    ("3/1/2024", bad("date_unparseable")),
    ("明年", bad("date_unparseable")),
    ("#REF!", bad("excel_error_value")),
    (None, ok(None)),
)
def test_date(text, expected):
    assert normalise_date(text) == expected


@cases(
    ("2024-12", ok("2024-12")),
    ("2024/12", ok("2024-12")),
    ("2024年12月", ok("2024-12")),
    ("2024 年 12 月", ok("2024-12")),
    ("2024年12月末", ok("2024-12")),
    ("2024.12", ok("2024-12")),
    ("202412", ok("2024-12")),
    ("2024-6", ok("2024-06")),
    ("2024", ok("2024-12")),
    ("2024年", ok("2024-12")),
    ("2024年度", ok("2024-12")),
    ("２０２４年度", ok("2024-12")),
    ("2024.0", ok("2024-12")),  # a year typed into a number cell
    ("2024年1-12月", ok("2024-12")),  # cumulative to December
    ("2024-12-31", ok("2024-12")),
    ("2024-12-31 00:00:00", ok("2024-12")),
    ("2024.1", ok("2024-01")),
    ("2024-13", bad("period_unparseable")),
    ("2024-00", bad("period_unparseable")),
    ("20241", bad("period_unparseable")),
    ("24年", bad("period_unparseable")),
    ("12/2024", bad("period_unparseable")),
    ("上半年", bad("period_unparseable")),
    ("#N/A", bad("excel_error_value")),
    (None, ok(None)),
)
def test_period(text, expected):
    assert normalise_period(text) == expected


@cases(
    ("2024", ok(2024)),
    ("2024年", ok(2024)),
    ("2024年度", ok(2024)),
    ("2024.0", ok(2024)),
    ("24", bad("year_unparseable")),
    ("1024", bad("year_unparseable")),
)
def test_year(text, expected):
    assert normalise_year(text) == expected


@cases(
    ("单独建会", ok("single")),
    ("单建", ok("single")),
    ("独立建会", ok("single")),
    ("联合建会", ok("joint")),
    ("联建", ok("joint")),
    ("联合基层工会", ok("joint")),
    ("区域联合", ok("joint")),
    ("未建会", ok("none")),
    ("未建", ok("none")),
    ("无", ok("none")),
    ("否", ok("none")),
    ("Single", ok("single")),
    ("joint", ok("joint")),
    ("none", ok("none")),
    (" 单独 建会 ", ok("single")),
    ("是", bad("union_form_unknown")),  # established, but alone or jointly?
    ("已建", bad("union_form_unknown")),
    ("筹建中", bad("union_form_unknown")),
    # by meaning: brackets, spaces and 已建 prefixes read past
    ("已建（联合建会）", ok("joint")),
    ("已建(联合)", ok("joint")),
    ("已建 联合建会", ok("joint")),
    ("区域性联合工会", ok("joint")),
    ("行业联建", ok("joint")),
    ("已建（单独建会）", ok("single")),
    ("已建会-单独", ok("single")),
    ("已组建【独立建会】", ok("single")),
    ("单独建立工会", ok("single")),
    ("未建立工会", ok("none")),
    ("无工会", ok("none")),
    ("否（未建会）", ok("none")),
    ("没有", ok("none")),
)
def test_union_form(text, expected):
    assert normalise_union_form(text) == expected


@cases(
    ("国有", ok("国有")),
    ("国有企业", ok("国有")),
    ("国有控股", ok("国有")),
    ("集体企业", ok("集体")),
    ("私营企业", ok("私营")),
    ("民营", ok("私营")),
    ("个体", ok("私营")),
    ("港澳台投资", ok("港澳台")),
    ("港澳台商投资", ok("港澳台")),
    ("外商", ok("外商投资")),
    ("外资", ok("外商投资")),
    ("中外合资", ok("外商投资")),
    ("外商投资", ok("外商投资")),
    ("其他", ok("其他")),
    ("股份有限公司", bad("ownership_unknown")),  # state-owned or private: cannot tell
    ("有限责任公司", bad("ownership_unknown")),
    # by meaning, as 登记注册类型 and 单位性质 columns write them
    ("国有独资公司", ok("国有")),
    ("国有控股有限责任公司", ok("国有")),
    ("集体所有制企业", ok("集体")),
    ("私营有限责任公司", ok("私营")),
    ("私营独资企业", ok("私营")),
    ("个人独资企业", ok("私营")),
    ("港澳台商独资经营企业", ok("港澳台")),
    ("台资企业", ok("港澳台")),
    ("外商独资企业", ok("外商投资")),
    ("中外合资经营企业", ok("外商投资")),
    ("外国企业常驻代表机构", ok("外商投资")),
    ("(私营)", ok("私营")),
    ("港口物流公司", bad("ownership_unknown")),  # 港 alone is not Hong Kong
)
def test_ownership(text, expected):
    assert normalise_ownership(text) == expected


@cases(
    ("C", ok("C")),
    ("c", ok("C")),
    ("T", ok("T")),
    ("13", ok("C")),
    ("1311", ok("C")),
    ("13.0", ok("C")),
    ("01", ok("A")),
    ("70", ok("K")),
    ("97", ok("T")),
    ("C13", ok("C")),
    ("制造业", ok("C")),
    ("C 制造业", ok("C")),
    ("农、林、牧、渔业", ok("A")),
    ("信息传输、软件和信息技术服务业", ok("I")),
    ("A13", bad("industry_unknown")),  # letter and code disagree
    ("U", bad("industry_unknown")),
    ("99", bad("industry_unknown")),
    ("3", bad("industry_unknown")),
    ("高科技", bad("industry_unknown")),
)
def test_industry(text, expected):
    assert normalise_industry(text) == expected


@cases(
    ("310117101000", ok("310117101000")),
    ("３１０１１７１０１０００", ok("310117101000")),
    ("310117101000.0", ok("310117101000")),
    (" 3101 1710 1000 ", ok("310117101000")),
    ("310117101", ok("310117101000")),  # 9-digit town code
    ("310117", ok("310117000000")),  # 6-digit county code
    ("31011710100", bad("region_invalid_format")),
    ("3101171010001", bad("region_invalid_format")),
    ("松江区", bad("region_invalid_format")),
)
def test_region(text, expected):
    assert normalise_region(text) == expected


@cases(
    ("市", ok("city")),
    ("地级市", ok("city")),
    ("city", ok("city")),
    ("区", ok("district")),
    ("县", ok("district")),
    ("县级市", ok("district")),
    ("District", ok("district")),
    ("镇", ok("town")),
    ("乡", ok("town")),
    ("街道", ok("town")),
    ("town", ok("town")),
    ("省", bad("level_unknown")),
)
def test_level(text, expected):
    assert normalise_level(text) == expected


def test_uscc_cell():
    assert normalise_uscc(" 9144 0300 7152 6726 xg ") == ok("9144030071526726XG")
    assert normalise_uscc("9144030071526726XH") == bad("uscc_bad_check_char")
    assert normalise_uscc("914403007152") == bad("uscc_invalid_format")


def test_text_is_trimmed_but_not_folded():
    assert normalise_text("  上海某某有限公司（松江） ") == ok("上海某某有限公司（松江）")
    assert normalise_text("#N/A") == bad("excel_error_value")
    assert normalise_text("   ") == ok(None)


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("甲机械\n有限公司", "甲机械有限公司"),  # Alt+Enter inside a cell
        ("甲机械 \r\n 有限公司", "甲机械有限公司"),
        ("ABC\nTrading有限公司", "ABC Trading有限公司"),
        ("甲厂\n(一分厂)", "甲厂 (一分厂)"),
        ("甲厂\n", "甲厂"),
    ],
)
def test_a_line_break_inside_a_name_is_taken_out(text, name):
    assert normalise_text(text) == ok(name)


@pytest.mark.parametrize("error", sorted(EXCEL_ERRORS))
@pytest.mark.parametrize("kind", list(Kind))
def test_excel_errors_are_refused_by_every_kind(kind, error):
    assert NORMALISERS[kind](f" {error} ") == bad("excel_error_value")


def test_every_kind_has_a_normaliser():
    assert set(NORMALISERS) == set(Kind)


@pytest.mark.parametrize("kind", list(Kind))
def test_a_huge_cell_is_refused_or_kept_quickly(kind):
    outcome = NORMALISERS[kind]("1" * 1_000_000 + "年")
    assert outcome.reason in ROW_REASONS or outcome.value is not None


MESSY = st.one_of(
    st.text(),
    st.text(alphabet="0123456789,.，%％-+eE年月日/人 ０１２３４５６７８９", max_size=25),
    st.sampled_from(["#DIV/0!", "是", "否", "2024年度", "45352", "1,234", "0.98", "√"]),
    st.none(),
)


@settings(max_examples=300)
@given(st.sampled_from(list(Kind)), MESSY)
def test_any_cell_gives_a_value_or_a_reason_never_an_exception(kind, text):
    outcome = NORMALISERS[kind](text)
    assert isinstance(outcome, Parsed)
    assert outcome.value is None or outcome.reason is None
    assert outcome.reason is None or outcome.reason in ROW_REASONS


# ---------------------------------------------------------------- vectorised fast paths


def test_python_whitespace_is_what_str_strip_removes():
    assert set(PYTHON_WHITESPACE) == {c for c in map(chr, range(sys.maxunicode + 1)) if c.isspace()}


def fast(kind: Kind, cells: list[str | None]) -> list[tuple[bool, Parsed]]:
    path = FAST_PATHS[kind](pl.col("cell"))
    frame = pl.DataFrame({"cell": cells}, schema={"cell": pl.String})
    handled = frame.select(
        path.handles.fill_null(False).alias("handles"),
        path.value.alias("value"),
        path.reason.alias("reason"),
    ).rows()
    return [(bool(h), Parsed(value, reason)) for h, value, reason in handled]


@pytest.mark.parametrize(
    ("kind", "cell", "expected"),
    [
        (Kind.USCC, "9144030071526726xg", ok("9144030071526726XG")),
        (Kind.USCC, "9144030071526726XH", bad("uscc_bad_check_char")),
        (Kind.USCC, "914403007152", bad("uscc_invalid_format")),
        (Kind.TEXT, "  上海某某有限公司（松江）\u3000", ok("上海某某有限公司（松江）")),
        (Kind.TEXT, "上海\ufffd厂", bad("text_garbled")),
    ],
)
def test_fast_paths_handle_the_common_cells(kind, cell, expected):
    assert fast(kind, [cell]) == [(True, expected)]


FAST_CELLS = st.one_of(
    st.text(max_size=20),
    st.text(alphabet="0123456789ABCDEFGHJKLMNPQRTUWXYabxyz IOSVZ-", max_size=20),
    st.text(alphabet="上海某有限公司（）() \t\u3000\x1c\ufffd#N/A-—", max_size=12),
    st.none(),
)


@settings(max_examples=300)
@given(st.sampled_from(sorted(FAST_PATHS)), st.lists(FAST_CELLS, max_size=10))
def test_fast_paths_agree_with_the_normalisers(kind, cells):
    for cell, (handled, outcome) in zip(cells, fast(kind, cells), strict=True):
        if handled:
            assert outcome == NORMALISERS[kind](cell)


@pytest.mark.parametrize(
    ("normaliser", "cell"),
    [(normalise_count, "=E3*0.9"), (normalise_text, "=HYPERLINK(\"x\",\"甲厂\")"),
     (normalise_uscc, "=A1"), (normalise_date, "=TODAY()")],
)  # fmt: skip
def test_a_formula_is_never_read_as_its_value(normaliser, cell):
    assert normaliser(cell) == Parsed(None, "formula_not_calculated")


@pytest.mark.parametrize("cell", ["9.13302E+17", "9.1330205887875974E+17", "9E+17"])
def test_a_credit_code_shown_in_scientific_notation_was_typed_into_a_number_cell(cell):
    assert normalise_uscc(cell) == Parsed(None, "uscc_stored_as_number")


def test_a_name_is_refused_above_200_characters_never_cut():
    assert normalise_text("甲" * 200) == Parsed("甲" * 200)
    assert normalise_text("甲" * 201) == Parsed(None, "text_too_long")
