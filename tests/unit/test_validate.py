import string
from datetime import date

import duckdb
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipelines.ingest import landing, reasons
from pipelines.ingest.validate import (
    QUARANTINE_SCHEMA,
    TABLE,
    SheetOf,
    ValidationContext,
    ValidationResult,
    validate,
    validate_tables,
)
from pipelines.ingest.vocabulary import FIELDS_BY_FEED, Feed

TOWN = "310117101000"
OTHER_TOWN = "310117102000"
GOOD = "9144030071526726XG"
GOOD_2 = "91350100M000100Y43"
CONTEXT = ValidationContext(
    known_region_codes=frozenset({TOWN, OTHER_TOWN}), today=date(2025, 6, 15)
)


def table(rows: list[dict[str, str | None]], first_row: int = 4) -> pl.DataFrame:
    """A table as the reader hands it over: source_row plus one text column per field."""
    columns = list(dict.fromkeys(name for row in rows for name in row))
    data = {name: [row.get(name) for row in rows] for name in columns}
    return pl.DataFrame(
        {"source_row": list(range(first_row, first_row + len(rows))), **data},
        schema={"source_row": pl.Int64, **dict.fromkeys(columns, pl.Utf8)},
    )


def ret(**cells: str | None) -> dict[str, str | None]:
    """An enterprise return that passes every check unless a cell is overridden."""
    row = {
        "uscc": GOOD,
        "enterprise_name": "上海某某精密机械有限公司",
        "region_code": TOWN,
        "period": "2024年度",
        "employees": "100",
        "union_form": "单独建会",
    }
    return {**row, **cells}


def every_column(**cells: str | None) -> dict[str, str | None]:
    """A return whose file has every column of the feed (empty cells unless given)."""
    return ret(**{f.name: None for f in FIELDS_BY_FEED[Feed.RETURNS] if not f.required} | cells)


def problems(result: ValidationResult) -> list[tuple[int, str, str]]:
    return list(result.quarantine.select("source_row", "field", "reason_code").iter_rows())


def issues(result: ValidationResult) -> list[tuple[int, str, str, str]]:
    columns = ("source_row", "field", "reason_code", "outcome")
    return list(result.field_issues.select(columns).iter_rows())


def assert_rows_accounted(source: pl.DataFrame, result: ValidationResult) -> None:
    quarantined = set(result.quarantine["source_row"])
    accepted = set(result.accepted["source_row"])
    assert not quarantined & accepted
    assert len(accepted) + len(quarantined) == source.height == len(accepted | quarantined)


# ---------------------------------------------------------------- enterprise returns


def test_clean_messy_row_is_accepted_with_typed_values():
    source = table(
        [
            ret(
                uscc=" 9144 0300 7152 6726 xg ",
                region_code="310117101000.0",
                period="2024年12月",
                ownership="民营企业",
                industry_code="1311",
                employees="１,２００人",
                female_employees="500",
                migrant_employees="0",
                union_form="联建",
                members="1,150",
                female_members="480",
                members_registered="1100.0",
                cba_signed_on="2024/1/1",
                cba_expires_on="46387",  # Excel serial of 2026-12-31
                female_cba="√",
                wage_rise_pct="0.05",
                workers_congress="否",
                open_affairs=None,
            )
        ]
    )
    result = validate(Feed.RETURNS, source, CONTEXT)
    assert result.quarantine.is_empty()
    row = result.accepted.row(0, named=True)
    assert row == {
        "source_row": 4,
        "uscc": GOOD,
        "enterprise_name": "上海某某精密机械有限公司",
        "region_code": TOWN,
        "period": "2024-12",
        "ownership": "私营",
        "industry_code": "C",
        "employees": 1200,
        "female_employees": 500,
        "migrant_employees": 0,
        "union_form": "joint",
        "members": 1150,
        "female_members": 480,
        "migrant_members": None,
        "members_registered": 1100,
        "cba_signed_on": date(2024, 1, 1),
        "cba_expires_on": date(2026, 12, 31),
        "cba_covered": None,
        "female_cba": True,
        "wage_signed_on": None,
        "wage_expires_on": None,
        "wage_rounds": None,
        "wage_rise_pct": 5.0,
        "workers_congress": False,
        "open_affairs": False,  # an empty cell is False ...
        "union_legal_person": None,  # ... a column the file lacks is NULL: not reported
        "unknown_fields": "migrant_members,cba_covered,wage_signed_on,wage_expires_on,"
        "wage_rounds,union_legal_person",
    }


def test_bad_rows_are_quarantined_with_one_entry_per_problem():
    source = table(
        [
            ret(),  # 4: fine
            ret(uscc="9144030071526726XH"),  # 5: one character wrong
            ret(uscc=None, region_code="999", employees="-3", period="2030"),  # 6
            ret(uscc=GOOD_2, employees="100", members="120"),  # 7
            ret(uscc=GOOD_2, period="2024-06", region_code="110101001000"),  # 8
            ret(uscc=GOOD_2, period="2024-03", union_form="是", members="#DIV/0!"),  # 9
            ret(uscc=GOOD_2, period="2024-01", enterprise_name=" ", wage_rise_pct="150%"),  # 10
        ]
    )
    result = validate(Feed.RETURNS, source, CONTEXT)
    # a row with a problem in a required field is quarantined with every problem it has
    assert problems(result) == [
        (5, "uscc", "uscc_bad_check_char"),
        (6, "uscc", "uscc_missing"),
        (6, "region_code", "region_invalid_format"),
        (6, "employees", "count_negative"),
        (6, "period", "period_in_future"),
        (8, "region_code", "region_unknown"),
        (9, "union_form", "union_form_unknown"),
        (9, "members", "excel_error_value"),
        (10, "enterprise_name", "required_missing"),
        (10, "wage_rise_pct", "pct_out_of_range"),
    ]
    # a problem only in an optional field keeps the row, that field unknown
    assert issues(result) == [(7, "members", "members_exceed_employees", "unknown")]
    assert result.accepted["source_row"].to_list() == [4, 7]
    assert_rows_accounted(source, result)


def test_quarantine_carries_value_as_written_messages_and_scope():
    source = table([ret(employees="１００人", region_code="110101001000")])
    entry = validate(Feed.RETURNS, source, CONTEXT).quarantine.row(0, named=True)
    assert entry == {
        "source_row": 4,
        "field": "region_code",
        "value": "110101001000",
        "reason_code": "region_unknown",
        "message_zh": "所属镇街代码“110101001000”不在区划名单中，请核对代码（镇街用12位统计区划代码）",
        "message_en": "region_code '110101001000' is not a known region code",
        "uscc": GOOD,
        "region_code": "110101001000",
        "period": "2024-12",
    }


def test_a_field_issue_carries_the_same_lineage_and_says_what_became_of_the_field():
    source = table([every_column(employees="１００人", members="120")])
    result = validate(Feed.RETURNS, source, CONTEXT)
    assert result.quarantine.is_empty()
    assert result.field_issues.row(0, named=True) == {
        "source_row": 4,
        "field": "members",
        "value": "120",
        "reason_code": "members_exceed_employees",
        "message_zh": "会员人数(120)大于职工人数(100)；此项按未报计，该企业其他各项照常统计",
        "message_en": "members (120) exceed employees (100); this field counts as not reported, "
        "the rest of the return is used",
        "uscc": GOOD,
        "region_code": TOWN,
        "period": "2024-12",
        "outcome": "unknown",
    }
    row = result.accepted.row(0, named=True)
    assert (row["members"], row["employees"], row["unknown_fields"]) == (None, 100, "members")


@pytest.mark.parametrize(
    ("cells", "field", "reason"),
    [
        ({"female_employees": "101"}, "female_employees", "female_exceeds_total"),
        ({"migrant_members": "-1"}, "migrant_members", "count_negative"),
        ({"migrant_employees": "9.5"}, "migrant_employees", "count_not_integer"),
        ({"wage_rise_pct": "#DIV/0!"}, "wage_rise_pct", "excel_error_value"),
        ({"ownership": "股份制"}, "ownership", "ownership_unknown"),
        ({"open_affairs": "可能"}, "open_affairs", "bool_unparseable"),
        ({"cba_signed_on": "2022-02-30"}, "cba_signed_on", "date_unparseable"),
        ({"members": "50", "members_registered": "51"}, "members_registered", "registered_exceeds_members"),
        ({"cba_signed_on": "2024-06-01", "cba_expires_on": "2024-01-01"}, "cba_expires_on", "cba_expiry_before_signing"),
    ],
)  # fmt: skip
def test_a_problem_in_an_optional_field_keeps_the_enterprise_with_that_field_unknown(
    cells, field, reason
):
    source = table([every_column(**cells)])
    result = validate(Feed.RETURNS, source, CONTEXT)
    assert result.quarantine.is_empty()
    assert issues(result) == [(4, field, reason, "unknown")]
    row = result.accepted.row(0, named=True)
    assert row[field] is None
    assert row["unknown_fields"] == field
    assert (row["employees"], row["union_form"]) == (100, "single")  # the rest is read


def test_covered_employees_above_the_head_count_are_kept_for_the_cap():
    result = validate(Feed.RETURNS, table([every_column(cba_covered="120")]), CONTEXT)
    assert issues(result) == [(4, "cba_covered", "cba_covered_exceeds_employees", "capped")]
    row = result.accepted.row(0, named=True)
    assert (row["cba_covered"], row["unknown_fields"]) == (120, None)
    assert result.field_issues["message_zh"][0].endswith("；统计时按职工人数计")


@pytest.mark.parametrize(
    ("signed", "expires", "signed_on", "expires_on"),
    [
        ("2024年2月", "2027年1月", date(2024, 2, 1), date(2027, 1, 31)),
        ("2024-02", "2026-02", date(2024, 2, 1), date(2026, 2, 28)),
        ("2024/2", "2024年12月份", date(2024, 2, 1), date(2024, 12, 31)),
    ],
)
def test_a_month_only_date_is_read_as_that_month(signed, expires, signed_on, expires_on):
    row = every_column(cba_signed_on=signed, cba_expires_on=expires)
    result = validate(Feed.RETURNS, table([row]), CONTEXT)
    assert issues(result) == [
        (4, "cba_signed_on", "date_month_only", "month_precision"),
        (4, "cba_expires_on", "date_month_only", "month_precision"),
    ]
    accepted = result.accepted.row(0, named=True)
    assert (accepted["cba_signed_on"], accepted["cba_expires_on"]) == (signed_on, expires_on)
    assert accepted["unknown_fields"] is None


def test_a_column_the_file_lacks_is_unknown_an_empty_cell_is_not():
    with_column = table([ret(open_affairs=None, members="5"), ret(uscc=GOOD_2, members="7")])
    without = table([ret(uscc=GOOD_2, members="3")])
    result = validate_tables(Feed.RETURNS, [with_column, without], CONTEXT)
    rows = result.accepted.select(TABLE, "open_affairs", "unknown_fields").rows()
    optional = [f.name for f in FIELDS_BY_FEED[Feed.RETURNS] if not f.required]
    lacking_in_first = [n for n in optional if n not in ("open_affairs", "members")]
    lacking_in_second = [n for n in optional if n != "members"]
    assert rows == [
        (0, False, ",".join(lacking_in_first)),
        (0, False, ",".join(lacking_in_first)),
        (1, None, ",".join(lacking_in_second)),
    ]
    assert result.field_issues.is_empty()


def test_bad_cell_message_names_the_column_and_the_value():
    source = table([ret(employees="十二")])
    entry = validate(Feed.RETURNS, source, CONTEXT).quarantine.row(0, named=True)
    assert entry["message_zh"] == "职工人数“十二”不是数字，请只填写人数或个数"
    assert entry["message_en"] == "employees '十二' is not a number"


@pytest.mark.parametrize(
    ("cells", "reason"),
    [
        ({"female_employees": "101"}, "female_exceeds_total"),
        ({"migrant_employees": "101"}, "migrant_exceeds_total"),
        ({"members": "101"}, "members_exceed_employees"),
        ({"female_employees": "10", "female_members": "11"}, "female_members_exceed_female"),
        ({"migrant_employees": "10", "migrant_members": "11"}, "migrant_members_exceed_migrant"),
        ({"members": "50", "members_registered": "51"}, "registered_exceeds_members"),
        ({"cba_covered": "101"}, "cba_covered_exceeds_employees"),
        ({"cba_covered": "1.5"}, "count_not_integer"),
        ({"wage_rounds": "两次"}, "count_unparseable"),
        ({"wage_rise_pct": "-1%"}, "pct_out_of_range"),
        ({"wage_rise_pct": "百分之五"}, "pct_unparseable"),
        ({"cba_signed_on": "2024-02-30"}, "date_unparseable"),
        ({"female_cba": "可能"}, "bool_unparseable"),
        ({"ownership": "股份制"}, "ownership_unknown"),
        ({"industry_code": "Z"}, "industry_unknown"),
        ({"period": "去年"}, "period_unparseable"),
        ({"period": None}, "period_missing"),
        ({"region_code": None}, "region_missing"),
        ({"uscc": "12345"}, "uscc_invalid_format"),
        ({"employees": None}, "required_missing"),
        ({"union_form": ""}, "required_missing"),
    ],
)
def test_each_check_gives_its_reason(cells, reason):
    result = validate(Feed.RETURNS, table([ret(**cells)]), CONTEXT)
    field = list(cells)[-1]
    required = {f.name: f.required for f in FIELDS_BY_FEED[Feed.RETURNS]}[field]
    if required:
        assert result.quarantine["reason_code"].to_list() == [reason]
        assert result.accepted.is_empty()
    else:
        assert result.field_issues["reason_code"].to_list() == [reason]
        assert result.accepted.height == 1


def test_counts_equal_to_their_limit_are_fine():
    row = ret(female_employees="100", members="100", members_registered="100")
    result = validate(Feed.RETURNS, table([row]), CONTEXT)
    assert result.quarantine.is_empty()
    assert result.field_issues.is_empty()


@pytest.mark.parametrize(
    ("signed", "expires", "reason"),
    [
        ("2024-01-01", "2026-12-31", None),
        ("2024-01-01", "2027-01-01", None),  # exactly three calendar years
        ("2024-01-01", "2027-01-02", "term_over_3_years"),
        ("2024-01-01", "2024-01-01", "expiry_before_signing"),
        ("2024-06-01", "2024-01-01", "expiry_before_signing"),
        ("2024-02-29", "2027-02-28", None),
        ("2024-01-01", None, None),  # an open end is not checked
    ],
)
@pytest.mark.parametrize("contract", ["cba", "wage"])
def test_contract_dates(contract, signed, expires, reason):
    row = ret(**{f"{contract}_signed_on": signed, f"{contract}_expires_on": expires})
    result = validate(Feed.RETURNS, table([row]), CONTEXT)
    expected = [] if reason is None else [f"{contract}_{reason}"]
    assert result.field_issues["reason_code"].to_list() == expected
    assert result.quarantine.is_empty()


def test_contract_message_shows_both_dates():
    row = ret(cba_signed_on="2024年1月1日", cba_expires_on="2027/1/2")
    entry = validate(Feed.RETURNS, table([row]), CONTEXT).field_issues.row(0, named=True)
    assert entry["field"] == "cba_expires_on"
    assert entry["value"] == "2027/1/2"
    assert entry["message_zh"] == (
        "集体合同期限超过3年：2024-01-01签订，2027-01-02到期；此项按未报计，该企业其他各项照常统计"
    )


@pytest.mark.parametrize(
    ("period", "in_future"),
    [("2025-06", False), ("2025年6月", False), ("2025-07", True), ("2025", True), ("2024", False)],
)
def test_period_in_future_is_judged_by_the_first_day_of_its_month(period, in_future):
    result = validate(Feed.RETURNS, table([ret(period=period)]), CONTEXT)
    assert result.quarantine["reason_code"].to_list() == (["period_in_future"] if in_future else [])


def test_an_empty_region_list_knows_no_town():
    context = ValidationContext(known_region_codes=frozenset(), today=date(2025, 6, 15))
    result = validate(Feed.RETURNS, table([ret()]), context)
    assert result.quarantine["reason_code"].to_list() == ["region_unknown"]


def test_duplicate_enterprise_and_period_keeps_the_first_row():
    source = table(
        [
            ret(employees="10"),  # row 4
            ret(uscc=GOOD_2),  # row 5
            ret(uscc=GOOD.lower(), period="2024-12", employees="12"),  # row 6, same as row 4
            ret(period="2023"),  # row 7, another period
            ret(employees="13"),  # row 8, same as row 4
        ]
    )
    result = validate(Feed.RETURNS, source, CONTEXT)
    assert problems(result) == [(6, "uscc", "duplicate_in_file"), (8, "uscc", "duplicate_in_file")]
    assert result.quarantine["message_zh"][0] == (
        "与本表第4行重复（统一社会信用代码和报告期相同），以第4行为准"
    )
    assert result.accepted["source_row"].to_list() == [4, 5, 7]


def test_empty_table_gives_empty_typed_frames():
    source = pl.DataFrame(schema={"source_row": pl.Int64, "uscc": pl.Utf8})
    result = validate(Feed.RETURNS, source, CONTEXT)
    assert result.accepted.is_empty() and result.quarantine.is_empty()
    assert result.quarantine.schema == pl.Schema(QUARANTINE_SCHEMA)
    assert result.accepted.columns == [
        "source_row",
        *(f.name for f in FIELDS_BY_FEED[Feed.RETURNS]),
        "unknown_fields",
    ]


def test_columns_outside_the_feed_are_ignored():
    source = table([ret()]).with_columns(pl.lit('{"企业名称": "x"}').alias("row_data"))
    result = validate(Feed.RETURNS, source, CONTEXT)
    assert result.accepted.height == 1
    assert "row_data" not in result.accepted.columns


LANDING = {
    Feed.RETURNS: ("enterprise_returns", ret()),
    Feed.SUMMARIES: ("summary_returns", {"region_code": TOWN, "period": "2024", "org_rate": "9%"}),
    Feed.REF_REGIONS: (
        "ref_regions",
        {"region_code": TOWN, "region_name": "某镇", "region_level": "镇"},
    ),
    Feed.REF_TARGETS: (
        "ref_targets",
        {"year": "2025", "region_code": TOWN, "kpi": "x", "target": "1"},
    ),
    Feed.REF_HEADER_ALIASES: (
        "ref_header_aliases",
        {"header": "厂务公开实行情况", "field_code": "open_affairs", "applies_to": "企业报表"},
    ),
}


def test_a_header_alias_cannot_take_a_standard_header_from_its_field():
    source = table(
        [
            {"header": "统一社会信用代码", "field_code": "members", "applies_to": None},
            {"header": "职工 人数（人）", "field_code": "members", "applies_to": None},
            {"header": "职工人数", "field_code": "employees", "applies_to": None},
            {"header": "企业数", "field_code": "members", "applies_to": "镇街汇总表"},
            {"header": "职工", "field_code": "members", "applies_to": None},
        ]
    )
    result = validate(Feed.REF_HEADER_ALIASES, source, CONTEXT)

    # rows 4–5 would empty a shipped column of the returns, 7 one of the summaries; 6 repeats
    # its field's own spelling; 8 is only a decoration-tolerant guess
    assert problems(result) == [
        (4, "header", "alias_takes_known_header"),
        (5, "header", "alias_takes_known_header"),
        (7, "header", "alias_takes_known_header"),
    ]
    assert [row[0] for row in result.accepted.rows()] == [6, 8]
    assert result.quarantine["message_zh"][0] == (
        "表头“统一社会信用代码”已是字段 uscc 的标准写法，不能教为 members；此表头别名未采用"
    )


def test_header_aliases_name_a_known_field_of_a_known_feed():
    source = table(
        [
            {"header": "厂务公开实行情况", "field_code": "open_affairs", "applies_to": None},
            {"header": "汇总企业数", "field_code": "Enterprises", "applies_to": "镇街汇总表"},
            {"header": "厂务公开实行情况", "field_code": "members", "applies_to": None},
            {"header": "会员采集", "field_code": "members_collected", "applies_to": "企业报表"},
            {"header": "会员采集数", "field_code": "open_affairs", "applies_to": "月报"},
            {"header": "女职工数", "field_code": "female_employees", "applies_to": "镇街汇总表"},
        ]
    )
    result = validate(Feed.REF_HEADER_ALIASES, source, CONTEXT)

    assert problems(result) == [
        (6, "header", "duplicate_in_file"),
        (7, "field_code", "alias_field_unknown"),
        (8, "applies_to", "alias_feed_unknown"),
        (9, "field_code", "alias_field_unknown"),
    ]
    assert result.accepted.rows() == [
        (4, "厂务公开实行情况", "open_affairs", None),
        (5, "汇总企业数", "Enterprises", "summaries"),
    ]
    messages = result.quarantine.filter(pl.col("source_row") == 9)["message_zh"].to_list()
    assert messages == [
        "字段代码“female_employees”不是镇街汇总表的字段，此表头别名未采用；"
        "字段代码见 docs/architecture.md“Feeds and headers”（如 open_affairs、members_registered）"
    ]


@pytest.mark.parametrize("feed", list(Feed))
def test_accepted_columns_have_the_landing_types_and_both_frames_load(feed):
    name, row = LANDING[feed]
    result = validate(feed, table([row, row]), CONTEXT)  # the second is a duplicate
    assert result.accepted.height == 1
    con = duckdb.connect()
    landing.create_landing_tables(con)
    lineage = pl.lit("a.csv").alias("source_file")
    con.register("accepted", result.accepted.with_columns(lineage))
    con.register("quarantine", result.quarantine.with_columns(lineage, pl.lit("x").alias("feed")))
    con.execute(f"insert into landing.{name} by name select * from accepted")
    con.execute("insert into landing.quarantine by name select * from quarantine")
    declared = dict(
        con.execute(f"select column_name, column_type from (describe landing.{name})").fetchall()
    )
    produced = dict(
        con.execute("select column_name, column_type from (describe accepted)").fetchall()
    )
    assert {c: produced[c] for c in produced if c != "source_row"} == {
        c: declared[c] for c in produced if c != "source_row"
    }


# ---------------------------------------------------------------- summaries


def test_summary_rates_are_kept_as_reported_but_must_be_numbers():
    source = table(
        [
            {"region_code": TOWN, "period": "2024", "org_rate": "98%", "cba_rate": "20230%"},
            {"region_code": OTHER_TOWN, "period": "2024", "org_rate": "0.98", "cba_rate": "高"},
            {"region_code": "110101001000", "period": "2024", "enterprises": "1,024家"},
            {"region_code": TOWN, "period": "2024年度", "org_rate": "97"},
        ]
    )
    result = validate(Feed.SUMMARIES, source, CONTEXT)
    assert problems(result) == [
        (5, "cba_rate", "pct_unparseable"),
        (6, "region_code", "region_unknown"),
        (7, "region_code", "duplicate_in_file"),
    ]
    row = result.accepted.row(0, named=True)
    assert (row["region_code"], row["period"], row["org_rate"], row["cba_rate"]) == (
        TOWN,
        "2024-12",
        98.0,
        20230.0,
    )


# ---------------------------------------------------------------- reference data


def test_region_levels_map_and_only_the_code_format_is_checked():
    source = table(
        [
            {"region_code": "310100000000", "region_name": "上海市", "region_level": "市"},
            {
                "region_code": "310117",
                "region_name": "松江区",
                "region_level": "区",
                "parent_code": "310100000000",
            },
            {
                "region_code": "310117101000",
                "region_name": "岳阳街道",
                "region_level": "街道",
                "parent_code": "310117000000.0",
            },
            {"region_code": "3101", "region_name": "坏代码", "region_level": "镇"},
            {"region_code": "310117102000", "region_name": "某镇", "region_level": "省"},
        ]
    )
    result = validate(Feed.REF_REGIONS, source, ValidationContext(frozenset(), date(2025, 1, 1)))
    assert problems(result) == [
        (7, "region_code", "region_invalid_format"),
        (8, "region_level", "level_unknown"),
    ]
    assert result.accepted.rows() == [
        (4, "310100000000", "上海市", "city", None),
        (5, "310117000000", "松江区", "district", "310100000000"),
        (6, "310117101000", "岳阳街道", "town", "310117000000"),
    ]


def test_targets_accept_codes_or_names_and_percent_in_any_form():
    context = ValidationContext(
        frozenset({TOWN}),
        date(2025, 1, 1),
        known_kpis=frozenset({"org_rate", "wage_rate"}),
        kpi_names={"工会组建率": "org_rate"},
    )
    source = table(
        [
            {"year": "2025", "region_code": TOWN, "kpi": "org_rate", "target": "95%"},
            {"year": "2025年", "region_code": TOWN, "kpi": "工会组建率", "target": "0.95"},
            {"year": "2025", "region_code": TOWN, "kpi": "wage_rate", "target": "90"},
            {"year": "2025", "region_code": TOWN, "kpi": "happiness", "target": "100"},
            {"year": "明年", "region_code": "999999999999", "kpi": "wage_rate", "target": "高"},
        ]
    )
    result = validate(Feed.REF_TARGETS, source, context)
    assert problems(result) == [
        (5, "year", "duplicate_in_file"),
        (7, "kpi", "kpi_unknown"),
        (8, "year", "year_unparseable"),
        (8, "target", "number_unparseable"),
        (8, "region_code", "region_unknown"),
    ]
    assert result.accepted.rows() == [
        (4, 2025, TOWN, "org_rate", 95.0),
        (6, 2025, TOWN, "wage_rate", 90.0),
    ]


def test_targets_kpis_are_not_checked_without_a_list():
    source = table([{"year": "2025", "region_code": TOWN, "kpi": "anything", "target": "1"}])
    assert validate(Feed.REF_TARGETS, source, CONTEXT).accepted.height == 1


# ---------------------------------------------------------------- properties

CELLS = st.one_of(
    st.none(),
    st.text(max_size=12),
    st.sampled_from(
        [
            GOOD,
            GOOD_2,
            "9144030071526726XH",
            TOWN,
            "999",
            "2024",
            "2030",
            "2024-13",
            "100",
            "120",
            "-3",
            "12.5",
            "0.98",
            "150%",
            "#N/A",
            "是",
            "单建",
            "2024-01-01",
            "2027-06-01",
            "",
        ]
    ),
)


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(list(Feed)), st.data())
def test_every_row_is_accepted_or_quarantined_never_both(feed, data):
    names = [f.name for f in FIELDS_BY_FEED[feed]]
    present = data.draw(st.lists(st.sampled_from(names), unique=True, min_size=1))
    rows = data.draw(st.lists(st.fixed_dictionaries({n: CELLS for n in present}), max_size=8))
    source = pl.DataFrame(
        {"source_row": list(range(2, len(rows) + 2)), **{n: [r[n] for r in rows] for n in present}},
        schema={"source_row": pl.Int64, **dict.fromkeys(present, pl.Utf8)},
    )
    result = validate(feed, source, CONTEXT)
    assert_rows_accounted(source, result)
    assert result.quarantine.schema == pl.Schema(QUARANTINE_SCHEMA)
    assert result.quarantine["reason_code"].is_in(list(reasons.ROW_REASONS)).all()
    assert (result.quarantine["message_zh"].str.len_chars() > 0).all()


def assert_validated_as_each_alone(feed: Feed, tables: list[pl.DataFrame]) -> None:
    together = validate_tables(feed, tables, CONTEXT)
    assert together.accepted.columns[0] == together.quarantine.columns[0] == TABLE
    assert together.accepted[TABLE].is_sorted() and together.quarantine[TABLE].is_sorted()
    for i, source in enumerate(tables):
        alone = validate(feed, source, CONTEXT)
        assert together.accepted.filter(pl.col(TABLE) == i).drop(TABLE).equals(alone.accepted)
        assert together.quarantine.filter(pl.col(TABLE) == i).drop(TABLE).equals(alone.quarantine)


def test_tables_validated_together_come_out_as_each_alone():
    first = table([ret(open_affairs=None), ret(), ret(uscc=GOOD_2, employees="十二")])
    # The same key as in the first table is no duplicate here; the table lacks
    # open_affairs (null, where the first table's empty cell is False).
    second = table([{**ret(), "uscc": GOOD}, ret(uscc="9144030071526726XH")])
    assert_validated_as_each_alone(Feed.RETURNS, [first, second])
    together = validate_tables(Feed.RETURNS, [first, second], CONTEXT)
    assert together.accepted.select(TABLE, "source_row", "open_affairs").rows() == [
        (0, 4, False),
        (1, 4, None),
    ]
    assert together.quarantine.select(TABLE, "source_row", "reason_code").rows() == [
        (0, 5, "duplicate_in_file"),
        (0, 6, "count_unparseable"),
        (1, 5, "uscc_bad_check_char"),
    ]


def test_the_sheets_of_one_workbook_are_checked_for_duplicates_together():
    """A hidden 备份 sheet holding a copy of the data sheet is no second return: its rows
    are duplicates of the first sheet's, named so. Another file's same key is not."""
    data_sheet = table([ret(), ret(uscc=GOOD_2)])
    backup = table([ret(uscc=GOOD_2), ret()])
    other_file = table([ret()])
    sheets = [SheetOf(0, "报表"), SheetOf(0, "备份"), SheetOf(1, None)]

    result = validate_tables(Feed.RETURNS, [data_sheet, backup, other_file], CONTEXT, sheets)

    assert result.accepted.select(TABLE, "source_row").rows() == [(0, 4), (0, 5), (2, 4)]
    assert result.quarantine.select(TABLE, "source_row", "reason_code", "message_zh").rows() == [
        (1, 4, "duplicate_in_workbook",
         "与本文件工作表“报表”第5行重复（统一社会信用代码和报告期相同），以该行为准"),
        (1, 5, "duplicate_in_workbook",
         "与本文件工作表“报表”第4行重复（统一社会信用代码和报告期相同），以该行为准"),
    ]  # fmt: skip


@settings(max_examples=40, deadline=None)
@given(st.sampled_from(list(Feed)), st.data())
def test_any_tables_validated_together_come_out_as_each_alone(feed, data):
    names = [f.name for f in FIELDS_BY_FEED[feed]]
    tables = []
    for _ in range(data.draw(st.integers(1, 3))):
        present = data.draw(st.lists(st.sampled_from(names), unique=True, min_size=1))
        rows = data.draw(st.lists(st.fixed_dictionaries({n: CELLS for n in present}), max_size=6))
        tables.append(table(rows) if rows else table([dict.fromkeys(present)]))
    assert_validated_as_each_alone(feed, tables)


# ---------------------------------------------------------------- the reason table


def _placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


@pytest.mark.parametrize("code", sorted(reasons.REASONS))
def test_every_reason_has_both_messages_with_matching_placeholders(code):
    reason = reasons.REASONS[code]
    # The Chinese text names a column by its header, the English one by its field name.
    english_name = {"header": "field", "key": "key_en", "feed": "feed_en", "limit_zh": "limit_en"}
    assert reason.zh and reason.en
    assert {english_name.get(p, p) for p in _placeholders(reason.zh)} == _placeholders(reason.en)


def test_message_fills_placeholders():
    zh, en = reasons.message("missing_required_columns", columns="统一社会信用代码、职工人数")
    assert zh == "缺少必填列：统一社会信用代码、职工人数"
    assert en == "required columns are missing: 统一社会信用代码、职工人数"
    assert reasons.message("members_exceed_employees", value=120, limit=100)[0] == (
        "会员人数(120)大于职工人数(100)"
    )


def test_message_refuses_unknown_codes_and_missing_params():
    with pytest.raises(KeyError):
        reasons.message("no_such_code")
    with pytest.raises(KeyError):
        reasons.message("missing_required_columns")


def test_the_codes_other_modules_rely_on_exist():
    required = [
        "uscc_missing",
        "uscc_invalid_format",
        "uscc_bad_check_char",
        "region_missing",
        "region_unknown",
        "period_missing",
        "period_unparseable",
        "period_in_future",
        "required_missing",
        "count_unparseable",
        "count_negative",
        "count_not_integer",
        "pct_unparseable",
        "pct_out_of_range",
        "date_unparseable",
        "bool_unparseable",
        "union_form_unknown",
        "ownership_unknown",
        "industry_unknown",
        "excel_error_value",
        "female_exceeds_total",
        "migrant_exceeds_total",
        "members_exceed_employees",
        "female_members_exceed_female",
        "migrant_members_exceed_migrant",
        "registered_exceeds_members",
        "cba_covered_exceeds_employees",
        "cba_expiry_before_signing",
        "cba_term_over_3_years",
        "wage_expiry_before_signing",
        "wage_term_over_3_years",
        "duplicate_in_file",
        "level_unknown",
        "year_unparseable",
        "number_unparseable",
        "kpi_unknown",
        "alias_field_unknown",
        "alias_feed_unknown",
        "alias_takes_known_header",
        "signed_in_future",
        "text_garbled",
    ]
    files = [
        "file_unreadable",
        "file_empty",
        "file_encrypted",
        "header_not_found",
        "missing_required_columns",
    ]
    assert set(required) <= set(reasons.ROW_REASONS)
    assert {*files, "unsupported_format", "no_data_rows"} <= set(reasons.FILE_REASONS)
    assert all(code == code.lower() and " " not in code for code in reasons.REASONS)


def test_invisible_characters_are_removed_from_names_and_named_in_messages():
    source = table(
        [
            ret(enterprise_name="\u202e司公限有械机\u200b"),  # 4: kept, without the controls
            ret(uscc=GOOD_2, enterprise_name="\u200b\u202e"),  # 5: nothing visible
            ret(uscc="9144030071526726\u200bXG", period="2024-06"),  # 6
        ]
    )
    result = validate(Feed.RETURNS, source, CONTEXT)
    assert result.accepted["enterprise_name"].to_list() == ["司公限有械机"]
    assert result.quarantine.select("source_row", "reason_code", "message_zh").rows() == [
        (5, "text_invisible_only",
         "企业名称“<U+200B><U+202E>”只有不可见字符（零宽空格、方向控制符等），请填写实际内容"),
        (6, "uscc_invalid_format",
         "统一社会信用代码“9144030071526726<U+200B>XG”格式不对：应为18位数字或大写字母（不含I、O、S、V、Z）"),
    ]  # fmt: skip


def test_a_head_count_beyond_a_million_is_a_typo_not_an_enterprise():
    source = table(
        [
            every_column(employees="9000000000000000000"),  # 4: required: quarantined
            every_column(uscc=GOOD_2, employees="1000000", members="1000000"),  # 5: at the bound
            every_column(uscc=GOOD_2, period="2024-06", wage_rounds="2000000"),  # 6: optional
        ]
    )
    result = validate(Feed.RETURNS, source, CONTEXT)
    assert problems(result) == [(4, "employees", "count_implausible")]
    assert result.quarantine["message_zh"][0] == (
        "职工人数“9000000000000000000”超过合理上限（1,000,000），请核对是否多填了位数"
    )
    assert issues(result) == [(6, "wage_rounds", "count_implausible", "unknown")]
    assert result.accepted["source_row"].to_list() == [5, 6]
