"""Tables on screen read as printed: "—" for missing text, separators, no empty grid."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest
from streamlit.testing.v1 import AppTest

from dashboards.tables import reason_name_zh, reconciliation_zh

TABLE_PAGE = Path(__file__).with_name("table_page.py")


def test_missing_text_is_a_dash_and_an_empty_table_says_so():
    at = AppTest.from_file(str(TABLE_PAGE)).run()

    assert not at.exception
    (table,) = at.dataframe
    assert pl.from_pandas(table.value)["企业名称"].to_list() == ["甲公司", "—"]
    formats = {
        name: column["type_config"]["format"]
        for name, column in json.loads(table.proto.columns).items()
        if "type_config" in column
    }
    assert formats == {"职工人数": "localized", "行号": "plain"}  # 13,200; row 4, not 4.0
    assert [c.value for c in at.caption] == ["（无记录）", "end"]


def test_reconciliation_prints_rates_and_counts_each_in_its_unit():
    flags = pl.DataFrame(
        {
            "region_code": ["330283100000", "330283100000"],
            "region_name": ["溪口镇", "溪口镇"],
            "metric": ["org_rate", "enterprises"],
            "metric_zh": ["组建率", "企业数"],
            "reported": [88.2353, 1250.0],
            "recomputed": [92.5, 1238.0],
            "difference": [-4.2647, 12.0],
            "flag_reason_zh": ["超出容差", "超出容差"],
            "source_file": ["summaries/a.csv", "summaries/a.csv"],
            "source_row": [3, 4],
        }
    )

    table = reconciliation_zh(flags)

    assert table.select("指标", "上报值", "企业报表汇总值", "差额").rows() == [
        ("组建率", "88.2%", "92.5%", "-4.3个百分点"),
        ("企业数", "1,250家", "1,238家", "+12家"),
    ]


@pytest.mark.parametrize(
    ("code", "name"),
    [
        ("count_negative", "该栏“…”不能为负数"),
        ("female_exceeds_total", "女职工人数大于职工人数"),
        ("uscc_invalid_format", "统一社会信用代码“…”格式不对"),
        ("file_unreadable", "文件无法打开或读取"),
        (
            "wrong_feed_folder",
            "报表文件夹名称写错",
        ),  # its own name: the message starts with the place
        ("not_a_reason", "not_a_reason"),
    ],
)
def test_reason_names_come_from_the_reason_table(code, name):
    assert reason_name_zh(code) == name
