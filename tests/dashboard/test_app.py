"""总览 (overview) as a leader sees it, run headless over the hand-checkable snapshot of
conftest.py: every number shown is the mart's."""

from __future__ import annotations

from datetime import datetime

import pytest
from streamlit.proto.Metric_pb2 import Metric as MetricProto
from streamlit.testing.v1 import AppTest

from tests.dashboard.apptest import login

NO_SNAPSHOT_ZH = "尚无已发布的数据，请先运行 make run 或 gonghui refresh"
FENGHUA, XIKOU = "330283000000", "330283100000"


def run(app_path) -> AppTest:
    """Sign in as the test leader; the overview is the default page."""
    return login("lingdao")


def metric(at: AppTest, label: str):
    return next(m for m in at.metric if m.label == label)


def captions(at: AppTest) -> list[str]:
    return [c.value for c in at.caption]


def ranking_rows(at: AppTest) -> list[list[str]]:
    return at.dataframe[0].value.values.tolist()


@pytest.mark.usefixtures("snapshot")
def test_city_card_shows_rate_target_gap_and_change_on_last_year(app_path):
    at = run(app_path)

    org = metric(at, "工会组建率")
    assert org.value == "96.2%"
    assert org.delta == "+1.2个百分点"
    assert org.proto.color == MetricProto.MetricColor.GREEN
    # the distance to the target, not a trend: no arrow; met, so nothing still needed
    assert org.proto.delta_description == "距目标"
    assert org.proto.direction == MetricProto.MetricDirection.NONE
    # the change on last year is its own figure, with its arrow
    assert "目标 95.0%　·　同比 :green[▲ +2.2个百分点]" in captions(at)
    assert org.help == "已建会企业数 404家 ÷ 企业数 420家"


@pytest.mark.usefixtures("snapshot")
def test_card_below_target_is_red(app_path):
    at = run(app_path)
    membership = metric(at, "职工入会率")

    assert membership.value == "94.3%"
    assert membership.delta == "-0.7个百分点"
    assert membership.proto.color == MetricProto.MetricColor.RED
    # 95% of the city's 14,000 employees is 13,300 members: 100 more than its 13,200
    assert membership.proto.delta_description == "距目标"
    # what it takes, on its own line under the card (beside the delta it would be cut off)
    assert ":red[**还需发展会员 100 人**]" in [m.value for m in at.markdown]


@pytest.mark.usefixtures("snapshot")
def test_cards_are_labelled_from_kpi_definitions_and_show_dash_without_data(app_path):
    at = run(app_path)

    assert [m.label for m in at.metric] == [
        "在报企业数",
        "已建会企业数",
        "职工人数",
        "会员人数",
        "工会组建率",
        "职工入会率",
        "集体合同签订率",
        "工资集体协商建制率",
        "非公企业职代会建制率",
        "国有集体企业职代会建制率",
        "会员信息采集率",
    ]
    assert metric(at, "工资集体协商建制率").value == "—"


@pytest.mark.usefixtures("snapshot")
def test_head_counts_are_printed_as_in_reports(app_path):
    at = run(app_path)

    assert metric(at, "在报企业数").value == "420家"
    assert metric(at, "已建会企业数").value == "404家"
    assert metric(at, "职工人数").value == "1.4万人"
    assert metric(at, "会员人数").value == "1.32万人"
    assert metric(at, "会员人数").help == "会员人数 13,200人"


@pytest.mark.usefixtures("snapshot")
def test_periods_latest_first_as_annual_reports(app_path):
    at = run(app_path)
    period = at.sidebar.selectbox(key="period")

    assert period.options == ["2025年度", "2024年度"]
    assert at.subheader[0].value == "宁波市　2025年度"


@pytest.mark.usefixtures("snapshot")
def test_earlier_period_has_no_change_on_last_year(app_path):
    at = run(app_path)
    at.sidebar.selectbox(key="period").set_value("2024-12").run()

    assert metric(at, "工会组建率").value == "94.0%"
    assert "目标 95.0%　·　同比 —" in captions(at)


@pytest.mark.usefixtures("snapshot")
def test_city_ranks_its_districts(app_path):
    at = run(app_path)

    frame = at.dataframe[0].value
    assert list(frame.columns) == [
        "排名", "区（县）", "工会组建率", "目标", "差距", "达标", "还需新建会", "已建会企业数",
        "企业数",
    ]  # fmt: skip
    assert ranking_rows(at) == [
        ["1", "海曙区", "97.0%", "95.0%", "+2.0个百分点", "✓", "0家", "97家", "100家"],
        ["2", "奉化区", "95.9%", "95.0%", "+0.9个百分点", "✓", "0家", "307家", "320家"],
    ]


@pytest.mark.usefixtures("snapshot")
def test_district_shows_its_towns_ranked(app_path):
    at = run(app_path)
    at.sidebar.selectbox(key="district_330200000000").set_value(FENGHUA).run()
    assert not at.exception

    assert metric(at, "工会组建率").value == "95.9%"
    assert "奉化区各镇街排名" in [s.value for s in at.subheader]
    assert ranking_rows(at) == [
        ["1", "锦屏街道", "98.0%", "95.0%", "+3.0个百分点", "✓", "0家", "196家", "200家"],
        ["2", "溪口镇", "92.5%", "95.0%", "-2.5个百分点", "✗", "3家", "111家", "120家"],
    ]


@pytest.mark.usefixtures("snapshot")
def test_town_is_ranked_among_its_siblings(app_path):
    at = run(app_path)
    at.sidebar.selectbox(key="district_330200000000").set_value(FENGHUA).run()
    at.sidebar.selectbox(key=f"town_{FENGHUA}").set_value(XIKOU).run()
    assert not at.exception

    assert metric(at, "工会组建率").value == "92.5%"
    assert metric(at, "工会组建率").delta == "-2.5个百分点"
    assert "溪口镇在奉化区2个镇街中排名第2" in captions(at)


@pytest.mark.usefixtures("snapshot")
def test_ranking_follows_the_chosen_kpi(app_path):
    at = run(app_path)
    at.selectbox(key="rank_kpi").set_value("wage_rounds").run()
    assert not at.exception

    frame = at.dataframe[0].value
    assert list(frame.columns) == [
        "排名", "区（县）", "工资集体协商次数", "目标", "差距", "达标", "协商次数",
    ]  # fmt: skip
    assert ranking_rows(at) == [
        ["1", "奉化区", "42次", "—", "—", "—", "42次"],
        ["2", "海曙区", "25次", "—", "—", "—", "25次"],
    ]


@pytest.mark.usefixtures("snapshot")
def test_footer_shows_when_the_snapshot_was_published(app_path):
    assert "数据更新于 2026-01-01 02:05" in captions(run(app_path))


def test_newly_published_snapshot_is_read_on_next_run(app_path, snapshot, publish):
    at = run(app_path)
    assert metric(at, "工会组建率").value == "96.2%"

    # 鼓楼街道 corrected: 100 of 100 enterprises unionised → 宁波市 407/420 = 96.9%
    publish(
        "snapshot-20260102T020500000000.duckdb",
        datetime(2026, 1, 2, 2, 5),
        {"330203001000": {"2025-12": (100, 100, 5000, 4700, 90, 25)}},
    )
    at.run()

    assert not at.exception
    assert metric(at, "工会组建率").value == "96.9%"
    assert "数据更新于 2026-01-02 02:05" in captions(at)


def test_login_page_comes_first_and_in_chinese(app_path, snapshot):
    at = AppTest.from_file(str(app_path), default_timeout=30).run()

    assert at.title[0].value == "工会组建与覆盖统计"
    assert [t.label for t in at.text_input] == ["用户名", "密码"]
    assert not at.metric


def test_without_snapshot_the_page_says_so_in_chinese(app_path, publish_dir):
    at = run(app_path)

    assert [i.value for i in at.info] == [NO_SNAPSHOT_ZH]
    assert at.title[0].value == "工会组建与覆盖统计"


def test_current_pointing_to_a_missing_file_says_no_snapshot(app_path, publish_dir):
    (publish_dir / "CURRENT").write_text("snapshot-gone.duckdb", encoding="utf-8")

    assert [i.value for i in run(app_path).info] == [NO_SNAPSHOT_ZH]
