"""Header detection, column mapping and data-row selection on grids of strings."""

from __future__ import annotations

import json
import re
import sys
import unicodedata

import pytest

from pipelines.ingest.header import (
    _MAY_START_MARKER,
    SkippedLines,
    parse_reference,
    parse_table,
)
from pipelines.ingest.readers import UnreadableFile, read_csv_bytes
from pipelines.ingest.vocabulary import (
    FIELDS_BY_FEED,
    NOTE_LINE_MARKERS,
    TOTAL_LINE_MARKERS,
    Feed,
    alias_index,
    closest_field,
    fold_header,
    undecorated,
    unknown_columns,
)

RETURN_HEADER = "统一社会信用代码,企业名称,所属镇街代码,报告期,职工人数,建会形式"


def grid(text: str):
    return read_csv_bytes(text.encode("utf-8"))[0].grid


def test_header_under_title_lines_maps_columns_and_passes_over_total_and_notes():
    table = parse_table(
        grid(
            "2024年度企业工会基本情况统计表,,,,,,\n"  # 1
            "填报单位：东镇总工会,,,,,,\n"  # 2
            f"{RETURN_HEADER},联系电话\n"  # 3
            "91310117MA1J00001A,甲厂,310117101000,2024,120,单独建会,5550001\n"  # 4
            ",,,,,,\n"  # 5
            "91310117MA1J00002B,乙厂,310117101000,2024,30,未建会,\n"  # 6
            "合  计,,,,150,,\n"  # 7
            "备注：本表由镇总工会填报,,,,,,\n"  # 8
            "91310117MA1J00003C,丙厂,310117101000,2024,1,未建会,\n"  # 9: after a note: data
        ),
        Feed.RETURNS,
    )

    assert table.header_rows == (3,)
    assert table.data.columns == [
        "source_row",
        "uscc",
        "enterprise_name",
        "region_code",
        "period",
        "employees",
        "union_form",
        "row_data",
    ]
    assert table.data["source_row"].to_list() == [4, 6, 9]
    assert table.data["employees"].to_list() == ["120", "30", "1"]
    assert table.skipped == SkippedLines(totals=1, notes=1)
    assert table.unknown_columns == ["联系电话"]
    assert table.missing_required == ()


def test_row_data_keeps_original_headers_and_cells_as_written():
    table = parse_table(
        grid(
            f"{RETURN_HEADER},序号\n 91310117MA1J00001A ,甲厂,310117101000,2024年,１２０,单独,7\n"
        ),
        Feed.RETURNS,
    )

    row_data = table.data["row_data"][0]
    assert "甲厂" in row_data  # not \\u-escaped
    assert json.loads(row_data) == {
        "统一社会信用代码": " 91310117MA1J00001A ",
        "企业名称": "甲厂",
        "所属镇街代码": "310117101000",
        "报告期": "2024年",
        "职工人数": "１２０",
        "建会形式": "单独",
        "序号": "7",
    }
    assert table.unknown_columns == []  # 序号 is expected, not unknown


def test_two_row_merged_header_combines_parent_and_child():
    table = parse_table(
        grid(
            "统一社会信用代码,企业名称,所属镇街代码,报告期,职工人数,其中,,建会形式,集体合同,\n"
            ",,,,,女职工,农民工,,签订日期,到期日期\n"
            "91310117MA1J00001A,甲厂,310117101000,2024,120,50,60,单独建会,2024-03-01,2027-02-28\n"
        ),
        Feed.RETURNS,
    )

    assert table.header_rows == (1, 2)
    assert table.data.row(0, named=True) | {"row_data": None} == {
        "source_row": 3,
        "uscc": "91310117MA1J00001A",
        "enterprise_name": "甲厂",
        "region_code": "310117101000",
        "period": "2024",
        "employees": "120",
        "female_employees": "50",
        "migrant_employees": "60",
        "union_form": "单独建会",
        "cba_signed_on": "2024-03-01",
        "cba_expires_on": "2027-02-28",
        "row_data": None,
    }
    assert list(json.loads(table.data["row_data"][0]))[5:7] == ["其中/女职工", "其中/农民工"]


def test_parent_over_a_total_child_means_the_parent():
    table = parse_table(
        grid(
            "统一社会信用代码,企业名称,报告期,职工人数,\n"
            ",,,合计,其中：女职工\n"
            "91310117MA1J00001A,甲厂,2024,120,50\n"
        ),
        Feed.RETURNS,
    )

    assert table.data.select("employees", "female_employees").row(0) == ("120", "50")


def test_single_header_is_not_merged_with_the_first_data_row():
    table = parse_table(
        grid(f"{RETURN_HEADER}\n91310117MA1J00001A,甲厂,310117101000,2024,120,\n"),
        Feed.RETURNS,
    )

    assert table.header_rows == (1,)
    assert table.data["source_row"].to_list() == [2]


def test_column_number_row_under_the_header_is_skipped():
    table = parse_table(
        grid(f"{RETURN_HEADER}\n甲,乙,1,2,3,4\n91310117MA1J00001A,甲厂,310117101000,2024,120,无\n"),
        Feed.RETURNS,
    )

    assert table.data["source_row"].to_list() == [3]


def test_total_in_the_second_cell_is_dropped():
    table = parse_table(
        grid(
            f"序号,{RETURN_HEADER}\n1,91310117MA1J00001A,甲厂,310117101000,2024,120,无\n3,小计,,,,120,\n"
        ),
        Feed.RETURNS,
    )

    assert table.data["source_row"].to_list() == [2]


def test_enterprise_name_starting_like_a_note_does_not_cut_the_table():
    table = parse_table(
        grid(
            "企业名称,统一社会信用代码,所属镇街代码,报告期,职工人数,建会形式\n"
            "说明书印刷厂,91310117MA1J00001A,310117101000,2024,12,无\n"
            "甲厂,91310117MA1J00002B,310117101000,2024,5,无\n"
        ),
        Feed.RETURNS,
    )

    assert table.data["source_row"].to_list() == [2, 3]


def test_total_and_note_lines_are_found_right_of_empty_first_cells():
    table = parse_table(
        grid(
            f"{RETURN_HEADER}\n"
            "91310117MA1J00001A,甲厂,310117101000,2024,120,无\n"  # 2
            ",,,,１２０,\n"  # 3: no marker, but no text in the first cells either
            ",,,全镇合计,120,\n"  # 4: a total line starting in the fourth cell
            "91310117MA1J00002B,全兴厂,310117101000,2024,5,无\n"  # 5: 全 is not 全镇合计
            ",,,,注：本表,\n"  # 6: a note further right is passed over ...
            "91310117MA1J00003C,丙厂,310117101000,2024,1,无\n"  # 7: ... not what follows it
        ),
        Feed.RETURNS,
    )

    assert table.data["source_row"].to_list() == [2, 3, 5, 7]
    assert table.skipped == SkippedLines(totals=1, notes=1)


def test_a_marker_spelt_in_compatibility_characters_is_still_found():
    # ⼩ (a Kangxi radical) folds to 小 and ㊟ to 注 under NFKC.
    table = parse_table(
        grid(
            f"{RETURN_HEADER}\n"
            "91310117MA1J00001A,甲厂,310117101000,2024,120,无\n"
            "⼩计,,,,120,\n"
            "㊟：本表,,,,,\n"
            "91310117MA1J00003C,丙厂,310117101000,2024,1,无\n"
        ),
        Feed.RETURNS,
    )

    assert table.data["source_row"].to_list() == [2, 5]
    assert table.skipped == SkippedLines(totals=1, notes=1)


def test_a_name_that_begins_like_a_total_is_an_enterprise_when_it_has_a_code():
    table = parse_table(
        grid(
            f"{RETURN_HEADER}\n"
            "91310117MA1J00001A,合计(宁波)信息科技有限公司,310117101000,2024,12,无\n"  # 2
            "91310117MA1J00002B,小计量器具厂,310117101000,2024,5,无\n"  # 3
            "注：以下为补报企业,,,,,\n"  # 4: a note in the middle of the table
            "91310117MA1J00003C,丙厂,310117101000,2024,1,无\n"  # 5
            "合计,,,,18,\n"  # 6
        ),
        Feed.RETURNS,
    )

    assert table.data["source_row"].to_list() == [2, 3, 5]
    assert table.skipped == SkippedLines(totals=1, notes=1)


def test_a_total_label_before_an_enterprise_name_is_data_even_without_a_code():
    # Without its code the row is an enterprise with a missing code (quarantined, seen),
    # not a total line the audit would only count.
    table = parse_table(
        grid(
            f"{RETURN_HEADER}\n"
            ",合计(宁波)信息科技有限公司,310117101000,2024,12,无\n"  # 2
            ",小计量器具厂,310117101000,2024,5,无\n"  # 3
            "合计,,,,17,\n"  # 4
        ),
        Feed.RETURNS,
    )

    assert table.data["source_row"].to_list() == [2, 3]
    assert table.skipped == SkippedLines(totals=1)


def test_column_numbers_and_rows_outside_every_known_column_are_counted_as_skipped():
    table = parse_table(
        grid(
            f"{RETURN_HEADER},,\n"
            "1,2,3,4,5,6,,\n"  # 2: 栏次
            "91310117MA1J00001A,甲厂,310117101000,2024,120,无,,\n"  # 3
            ",,,,,,,5550001\n"  # 4: only an unlabelled column holds something
            ",,,,,,,\n"  # 5: blank, not counted
            "91310117MA1J00002B,乙厂,310117101000,2024,5,无,,\n"  # 6
        ),
        Feed.RETURNS,
    )

    assert table.data["source_row"].to_list() == [3, 6]
    assert table.skipped == SkippedLines(others=2)
    assert table.skipped.count == 2


def test_a_repeated_header_is_skipped_and_counted():
    # a second export pasted below the first: its header is no enterprise
    table = parse_table(
        grid(
            f"{RETURN_HEADER}\n"
            "91310117MA1J00001A,甲厂,310117101000,2024,120,无\n"  # 2
            f"{RETURN_HEADER}\n"  # 3
            "91310117MA1J00002B,乙厂,310117101000,2024,5,无\n"  # 4
        ),
        Feed.RETURNS,
    )

    assert table.data["source_row"].to_list() == [2, 4]
    assert table.skipped == SkippedLines(others=1)


def test_every_alias_holds_a_chinese_character():
    # The header scan skips rows whose cells hold none (see header._max_score).
    for feed in Feed:
        assert all(re.search("[\u4e00-\u9fff]", alias) for alias in alias_index(feed))


def test_every_character_that_folds_to_a_marker_start_is_a_candidate():
    firsts = {fold_header(m)[0] for m in (*TOTAL_LINE_MARKERS, *NOTE_LINE_MARKERS)}
    candidate = re.compile(_MAY_START_MARKER)
    for char in map(chr, range(sys.maxunicode + 1)):
        if 0xD800 <= ord(char) <= 0xDFFF:
            continue
        if set(unicodedata.normalize("NFKC", char)) & firsts:
            assert candidate.search(char), hex(ord(char))


def test_rows_with_only_a_row_number_are_blank():
    table = parse_table(
        grid(
            f"序号,{RETURN_HEADER}\n1,91310117MA1J00001A,甲厂,310117101000,2024,120,无\n2,,,,,,\n"
        ),
        Feed.RETURNS,
    )

    assert table.data["source_row"].to_list() == [2]


def test_missing_required_columns_are_listed():
    table = parse_table(
        grid("统一社会信用代码,企业名称,职工人数\n91310117MA1J00001A,甲厂,5\n"), Feed.RETURNS
    )

    assert [field.header for field in table.missing_required] == [
        "所属镇街代码",
        "报告期",
        "建会形式",
    ]


def test_header_aliases_and_units_are_recognised():
    table = parse_table(
        grid("社会信用代码,单位名称,职工人数（人）,会员 人数\n91310117MA1J00001A,甲厂,5,4\n"),
        Feed.RETURNS,
    )

    assert table.data.columns[1:5] == ["uscc", "enterprise_name", "employees", "members"]


def test_no_header_raises_header_not_found():
    with pytest.raises(UnreadableFile) as raised:
        parse_table(grid("随便写的一些字\n1,2,3\n"), Feed.RETURNS)

    assert raised.value.reason_code == "header_not_found"
    assert raised.value.params["expected"].startswith("统一社会信用代码、企业名称")


def test_reference_regions_and_targets_are_told_apart_by_headers():
    regions = parse_reference(
        grid("区划代码,区划名称,层级,上级区划代码\n310117,松江区,区,310100\n")
    )
    targets = parse_reference(grid("年度,区划代码,指标代码,目标值\n2025,310117,org_rate,95\n"))

    assert regions.feed is Feed.REF_REGIONS and regions.missing_required == ()
    assert targets.feed is Feed.REF_TARGETS and targets.missing_required == ()
    assert targets.data.row(0) == (
        2,
        "2025",
        "310117",
        "org_rate",
        "95",
        targets.data["row_data"][0],
    )


def test_summary_header_is_found():
    table = parse_table(
        grid("镇街代码,镇街名称,报告期,企业数,签订率\n310117101000,东镇,2025,100,20230%\n"),
        Feed.SUMMARIES,
    )

    assert table.data.select("region_code", "cba_rate").row(0) == ("310117101000", "20230%")


def test_a_returned_quarantine_export_maps_its_flattened_headers_and_ignores_ours():
    text = (
        "原因,统一社会信用代码,企业名称,所属镇街代码,报告期,职工人数,建会形式,"
        "集体合同/签订日期,集体合同/到期日期,reason,原因代码 reason_code,"
        "原文件 source_file,原工作表 sheet,原行号 row\n"
        "会员人数大于职工人数,X,甲厂,310117101000,2025,100,单独建会,2024-01-01,2026-12-31,"
        "members exceed,members_exceed_employees,returns/a.csv,,9\n"
    )
    table = parse_table(grid(text), Feed.RETURNS)
    assert table.data.row(0, named=True)["cba_signed_on"] == "2024-01-01"
    assert table.data.row(0, named=True)["cba_expires_on"] == "2026-12-31"
    assert table.unknown_columns == []


@pytest.mark.parametrize(
    ("header", "field"),
    [
        # decorations of real forms around a known spelling
        ("是否实行厂务公开", "open_affairs"),
        ("厂务公开情况", "open_affairs"),
        ("厂务公开制度", "open_affairs"),
        ("是否建会", "union_form"),
        ("建会情况", "union_form"),
        ("会员数（人）", "members"),
        ("会员 人数（人）", "members"),
        ('"职工\n人数"', "employees"),
        ("职工数(人)", "employees"),
        ("其中：女职工人数", "female_employees"),
        ("农民工会员数", "migrant_members"),
        ("集体合同覆盖职工人数", "cba_covered"),
        ("职代会建制情况", "workers_congress"),
        ("是否建立职代会制度", "workers_congress"),
        ("是否进行工会法人资格登记", "union_legal_person"),
        ("是否开展工资集体协商次数", "wage_rounds"),
        ("女职工专项集体合同签订情况", "female_cba"),
        # spellings of the national 基层工会调查表 and of provincial forms
        ("单位性质", "ownership"),
        ("单位类别", "ownership"),
        ("登记注册类型", "ownership"),
        ("企业类型", "ownership"),
        ("经济性质", "ownership"),
        ("所有制性质", "ownership"),
        ("基层工会组织类型", "union_form"),
        ("是否建立工会", "union_form"),
        ("工会建立情况", "union_form"),
        ("实名制会员数", "members_registered"),
        ("实名制录入人数", "members_registered"),
        ("实名制入库会员数", "members_registered"),
        ("会员实名制人数", "members_registered"),
        ("是否取得工会法人资格", "union_legal_person"),
        ("职工代表大会制度", "workers_congress"),
        ("是否建立职工代表大会制度", "workers_congress"),
        ("厂务公开民主管理", "open_affairs"),
        ("是否签订女职工专项集体合同", "female_cba"),
        ("集体合同有效期至", "cba_expires_on"),
        ("工资专项集体合同有效期至", "wage_expires_on"),
        ("在职职工人数", "employees"),
        ("所属乡镇（街道）代码", "region_code"),
    ],
)
def test_header_spellings_of_real_forms(header, field):
    table = parse_table(
        grid(f"统一社会信用代码,企业名称,{header}\n91310117MA1J00001A,甲厂,1\n"), Feed.RETURNS
    )

    assert {column.label.replace("\n", ""): column.field for column in table.columns}[
        header.strip('"').replace("\n", "")
    ] == field


def test_undecorated_spellings_never_name_two_fields():
    """A spelling without its decorations ("会员人数" → "会员") is only looked up where it
    names one field of the feed."""
    for feed in Feed:
        index = alias_index(feed)
        for field in FIELDS_BY_FEED[feed]:
            for alias in field.aliases:
                assert index[undecorated(fold_header(alias))] == field.name, (feed, alias)


@pytest.mark.parametrize(
    ("header", "closest"),
    [
        ("厂务公开落实情况", "open_affairs"),
        ("会员实名登记人数", "members_registered"),
        ("经营性质", "ownership"),
        ("集体合同签定日期", "cba_signed_on"),
        ("职工代表大会建立情况", "workers_congress"),
        ("联系电话", None),
        ("工会主席", None),  # 工会 alone is two characters in common: no hint
    ],
)
def test_closest_field_of_an_unknown_header(header, closest):
    field = closest_field(header, Feed.RETURNS)
    assert (field.name if field else None) == closest


def test_unknown_columns_of_an_audit_row_carry_their_hint():
    assert unknown_columns("厂务公开落实情况,联系电话", "returns") == [
        ("厂务公开落实情况", "厂务公开 open_affairs"),
        ("联系电话", None),
    ]
    assert unknown_columns(None, "returns") == []
    assert unknown_columns("备注2", "reference") == [("备注2", None)]


def test_a_header_below_many_lines_of_instructions_is_found():
    instructions = "".join(f"填表说明第{i}条：请如实填写,,,,,\n" for i in range(1, 45))
    table = parse_table(
        grid(f"{instructions}{RETURN_HEADER}\n91310117MA1J00001A,甲厂,310117101000,2024,5,无\n"),
        Feed.RETURNS,
    )

    assert table.header_rows == (45,)
    assert table.data["source_row"].to_list() == [46]
