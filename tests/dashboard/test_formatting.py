"""Numbers print as in Chinese union reports."""

from __future__ import annotations

from datetime import datetime

import pytest

from dashboards.formatting import (
    count_suffix,
    fmt_attained,
    fmt_change,
    fmt_count,
    fmt_count_change,
    fmt_coverage,
    fmt_enterprises,
    fmt_kpi_value,
    fmt_pct,
    fmt_period,
    fmt_points,
    fmt_timestamp,
    fmt_value,
    fmt_wan,
    fmt_yoy,
)


@pytest.mark.parametrize(
    ("value", "expected"),
    [(98.2, "98.2%"), (98.25, "98.2%"), (96.190476, "96.2%"), (100, "100.0%"), (0, "0.0%"),
     (20230, "20,230.0%"), (None, "—"), (float("nan"), "—")],
)  # fmt: skip
def test_percent_has_one_decimal(value, expected):
    assert fmt_pct(value) == expected


def test_counts_have_thousands_separators_and_units():
    assert fmt_value(13200, "persons") == "13,200人"
    assert fmt_value(13200.0, "persons") == "13,200人"
    assert fmt_enterprises(467) == "467家"
    assert fmt_value(1234, "rounds") == "1,234次"
    assert fmt_value(None, "persons") == fmt_enterprises(None) == "—"


@pytest.mark.parametrize(
    ("value", "expected"),
    [(13200, "1.32万人"), (14000, "1.4万人"), (140000, "14万人"), (1234567, "123.46万人"),
     (9870, "9,870人"), (10000, "1万人"), (None, "—")],
)  # fmt: skip
def test_head_counts_from_ten_thousand_read_in_wan(value, expected):
    assert fmt_wan(value, "人") == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [(2.2, ":green[▲ +2.2个百分点]"), (-1.04, ":red[▼ -1.0个百分点]"), (0.04, "持平"),
     (None, "—")],
)  # fmt: skip
def test_change_on_last_year_has_its_own_arrow(value, expected):
    assert fmt_yoy(value, "pct") == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [(1.5, "+1.5个百分点"), (-2.0, "-2.0个百分点"), (0.0, "+0.0个百分点"), (1.190476, "+1.2个百分点"),
     (None, "—")],
)  # fmt: skip
def test_gap_is_signed_points(value, expected):
    assert fmt_points(value) == expected


def test_value_and_change_follow_the_kpi_unit():
    assert fmt_value(96.19, "pct") == "96.2%"
    assert fmt_value(12500, "persons") == "12,500人"
    assert fmt_value(42, "rounds") == "42次"
    assert fmt_change(-0.71, "pct") == "-0.7个百分点"
    assert fmt_change(1200, "persons") == "+1,200人"
    assert fmt_change(-3, "rounds") == "-3次"
    assert fmt_change(None, "persons") == "—"


def test_numerator_and_denominator_take_the_unit_their_label_counts():
    assert count_suffix("已建会企业数") == "家"
    assert count_suffix("会员人数") == "人"
    assert count_suffix("职工人数") == "人"
    assert count_suffix("协商次数") == "次"
    assert count_suffix(None) == ""
    assert fmt_count(404, "已建会企业数") == "404家"
    assert fmt_count(13200, "会员人数") == "13,200人"


def test_attainment_marks():
    assert fmt_attained(0.0) == "✓"
    assert fmt_attained(1.2) == "✓"
    assert fmt_attained(-0.04) == "✗"
    assert fmt_attained(None) == "—"


def test_period_year_end_is_the_annual_report():
    assert fmt_period("2025-12") == "2025年度"
    assert fmt_period("2025-06") == "2025年6月"
    assert fmt_period("2024-01") == "2024年1月"


def test_timestamp_to_the_minute():
    assert fmt_timestamp(datetime(2026, 1, 1, 2, 5, 33)) == "2026-01-01 02:05"
    assert fmt_timestamp(None) == "—"


def test_a_kpi_nobody_reported_reads_not_reported_and_coverage_says_who_did():
    row = {"value": None, "reported_enterprises": 0, "in_scope_enterprises": 7}
    assert fmt_kpi_value(row, "pct") == "未报"
    assert fmt_coverage(row) == "7家中0家；7家未报此项"
    partial = {"value": 66.66, "reported_enterprises": 6, "in_scope_enterprises": 9}
    assert fmt_kpi_value(partial, "pct") == "66.7%"
    assert fmt_coverage(partial) == "9家中6家；3家未报此项"
    everyone = {"value": 80.0, "reported_enterprises": 1250, "in_scope_enterprises": 1250}
    assert fmt_coverage(everyone) == ""
    # no enterprise in scope (no union at all): no value, but nothing left unreported either
    empty = {"value": None, "reported_enterprises": 0, "in_scope_enterprises": 0}
    assert (fmt_kpi_value(empty, "pct"), fmt_coverage(empty)) == ("—", "")


def test_a_difference_of_counts_is_signed_in_the_unit_its_label_counts():
    assert fmt_count_change(12, "企业数") == "+12家"
    assert fmt_count_change(-1234, "会员人数") == "-1,234人"
    assert fmt_count_change(None, "企业数") == "—"
