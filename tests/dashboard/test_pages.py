"""Every page, headless (AppTest): what it shows equals the snapshot's marts."""

from __future__ import annotations

import io
from datetime import datetime

import duckdb
import polars as pl
import pytest
from openpyxl import load_workbook

from pipelines.exports.contract_expiry import Horizon
from pipelines.warehouse import run_log
from tests.dashboard.apptest import frame, login, ok, open_page, pages, read_xlsx, xlsx_title
from tests.dashboard.conftest import CITY, FENGHUA, GULOU, JINPING, XIKOU


def mart(snapshot, sql: str, params: list | None = None) -> pl.DataFrame:
    con = duckdb.connect(str(snapshot), read_only=True)
    try:
        return con.cursor().sql(sql, params=params).pl()
    finally:
        con.close()


def test_roles_get_their_pages(snapshot):
    every = {"", "ranking", "trends", "drilldown", "actions", "quality"}
    assert pages(login("fenxi")) == every
    assert pages(login("lingdao")) == every - {"quality"}
    assert pages(login("xikou")) == every


def test_wrong_password_is_refused_in_chinese(snapshot):
    at = login("lingdao", "wrong-password")

    assert [e.value for e in at.error] == ["用户名或密码错误"]
    assert not at.metric


def test_ranking_lists_every_town_city_wide_weakest_first(snapshot):
    at = open_page(login("lingdao"), "ranking")

    expected = mart(
        snapshot,
        "select region_name, value from mart_kpi where region_level = 'town'"
        " and period = '2025-12' and kpi = 'org_rate' order by value",
    )
    table = frame(at)
    assert table["镇街"].to_list() == expected["region_name"].to_list()  # 溪口镇, 鼓楼, 锦屏
    assert table["工会组建率"].to_list() == ["92.5%", "97.0%", "98.0%"]
    assert table["排名"].to_list() == ["3", "2", "1"]  # 1 = best across the city
    assert table["所属区（县）"].to_list() == ["奉化区", "海曙区", "奉化区"]
    assert "**最薄弱的3个镇街：** 溪口镇（92.5%）、鼓楼街道（97.0%）、锦屏街道（98.0%）" in [
        m.value for m in at.markdown
    ]
    # 溪口镇 111 of 120: 95% is 114, 3 more; the others are above their 95%
    assert table["还需新建会"].to_list() == ["3家", "0家", "0家"]
    assert "**1/3 个镇街未达标**，合计还需新建会 3 家" in [m.value for m in at.markdown]


def test_ranking_can_show_only_the_regions_below_target(snapshot):
    at = open_page(login("lingdao"), "ranking")
    ok(at.checkbox(key="ranking_unmet").check().run())

    assert frame(at)["镇街"].to_list() == ["溪口镇"]


def test_ranking_by_district_best_first_on_another_kpi(snapshot):
    at = open_page(login("lingdao"), "ranking")
    at.radio(key="ranking_scope").set_value("district")
    at.radio(key="ranking_order").set_value("high")
    ok(at.selectbox(key="ranking_kpi").set_value("membership_rate").run())

    table = frame(at)
    expected = mart(
        snapshot,
        "select region_name, value from mart_kpi where region_level = 'district'"
        " and period = '2025-12' and kpi = 'membership_rate' order by value desc",
    )
    assert table["区（县）"].to_list() == expected["region_name"].to_list()
    assert table["职工入会率"].to_list() == ["94.4%", "94.0%"]  # 8500/9000, 4700/5000
    assert table["目标"].to_list() == ["95.0%", "95.0%"]
    assert table["还需发展会员"].to_list() == ["50人", "50人"]  # 8550 − 8500, 4750 − 4700
    assert "**2/2 个区（县）未达标**，合计还需发展会员 100 人" in [m.value for m in at.markdown]


def test_ranking_jumps_to_the_enterprises_of_the_weakest_town(snapshot):
    at = open_page(login("lingdao"), "ranking")
    assert at.selectbox(key="ranking_drill").value == XIKOU  # weakest preselected
    ok(at.button(key="ranking_go").click().run())

    assert at.subheader[0].value == "宁波市 › 奉化区 › 溪口镇　2025年度"
    table = frame(at)
    assert table.height == 120
    assert (table["建会形式"] == "未建会").sum() == 9  # 120 − 111, listed first
    assert table["建会形式"].head(9).to_list() == ["未建会"] * 9


def test_trends_show_every_period_against_target(snapshot):
    at = open_page(login("lingdao"), "trends")

    table = frame(at)
    assert table["报告期"].to_list() == ["2024年度", "2025年度"]
    assert table["工会组建率"].to_list() == ["94.0%", "96.2%"]
    assert table["目标"].to_list() == ["95.0%", "95.0%"]
    assert table["同比"].to_list() == ["—", "+2.2个百分点"]
    assert len(at.get("vega_lite_chart")) == 1


def test_drilldown_city_to_district_to_town_with_lineage(snapshot):
    at = open_page(login("fenxi"), "drilldown")
    children = frame(at, 0)
    assert children["区（县）"].to_list() == ["奉化区", "海曙区"]  # weakest first
    assert frame(at).height == 420  # all enterprises in scope of the city

    ok(at.selectbox(key="drill_child").set_value(FENGHUA).run())
    ok(at.button(key="drill_go").click().run())
    assert frame(at, 0)["镇街"].to_list() == ["溪口镇", "锦屏街道"]
    ok(at.selectbox(key="drill_child").set_value(JINPING).run())
    ok(at.button(key="drill_go").click().run())

    table = frame(at)
    expected = mart(
        snapshot,
        "select count(*) filter (where has_union) as u, count(*) as n from fct_enterprise_returns"
        " where region_code = ? and period = '2025-12'",
        [JINPING],
    )
    assert table.height == expected["n"][0] == 200
    assert (table["计入分子"] == "是").sum() == expected["u"][0] == 196
    assert set(table["来源文件"]) == {f"returns/2025/{JINPING}.csv"}
    assert table["行号"].min() == 4


def test_drilldown_follows_the_kpi(snapshot):
    at = open_page(login("fenxi"), "drilldown")
    at.selectbox(key="drill_kpi").set_value("cba_rate")
    ok(at.radio(key="drill_filter").set_value("counted").run())

    # cba_rate counts enterprises with a union and a contract in force: 150 + 100 + 90, less
    # the 11 of 西口街道 whose file has no contract dates: they have not reported it
    assert frame(at).height == 329
    ok(at.radio(key="drill_filter").set_value("all").run())
    assert (frame(at)["计入分子"] == "未报此项").sum() == 11


def test_actions_lists_and_excel(snapshot, downloads):
    at = open_page(login("fenxi"), "actions")

    expected = mart(
        snapshot,
        "select action_type, count(*) as n from mart_actions where period = '2025-12' group by all",
    )
    counts = dict(expected.iter_rows())
    # the contracts of conftest.CONTRACTS in 3 towns, counted from 2025-12-31
    assert [t.label for t in at.tabs] == [
        f"未建会企业（{counts['no_union']}）",
        "已到期未续签（6）",
        "90天内到期（9）",
        f"停报企业（{counts['stopped_reporting']}）",
        f"迁出企业（{counts['moved_out']}）",
    ]
    markdown = [m.value for m in at.markdown]
    assert (
        "**截至 2025-12-31（报告期末）**：集体合同 3 份、工资专项集体合同 3 份，涉及 6 家企业"
        in markdown
    )
    assert (
        "**截至 2025-12-31（报告期末）**：集体合同 3 份、工资专项集体合同 6 份，涉及 6 家企业"
        in markdown
    )
    assert "##### 工资专项集体合同90天内到期（6 份合同，6 家企业）" in markdown
    assert frame(at, 1)["状态"].to_list() == ["已到期31天"] * 3
    assert frame(at, 2)["状态"].to_list() == ["已到期1天"] * 3
    assert frame(at, 3)["状态"].to_list() == ["15天后到期"] * 3
    assert frame(at, 4)["状态"].to_list() == ["10天后到期"] * 3 + ["90天后到期"] * 3
    assert [b.label for b in at.download_button] == [
        "下载未建会企业（Excel）",
        "下载集体合同已到期未续签（Excel）",
        "下载工资专项集体合同已到期未续签（Excel）",
        "下载集体合同90天内到期（Excel）",
        "下载工资专项集体合同90天内到期（Excel）",
        "下载停报企业（Excel）",
        "下载迁出企业（Excel）",
    ]
    expiring = downloads["工资专项集体合同90天内到期_宁波市_2025年度.xlsx"]
    assert (
        xlsx_title(expiring)
        == "宁波市　2025年度　工资专项集体合同90天内到期　截至 2025-12-31（报告期末）"
    )
    assert (
        read_xlsx(expiring)["到期日期"].cast(pl.String).to_list()
        == ["2026-01-10"] * 3 + ["2026-03-31"] * 3
    )
    moved = frame(at, 6)
    assert moved.height == counts["moved_out"] > 0
    assert set(moved["事项"]) == {"已迁出，本期在西口街道报送"}


def test_expiring_contracts_look_as_far_ahead_as_asked(snapshot):
    at = open_page(login("fenxi"), "actions")

    ok(at.selectbox(key="expiry_days").set_value(180).run())
    assert at.tabs[2].label == "180天内到期（9）"  # 181 days ahead: not yet
    ok(at.selectbox(key="expiry_days").set_value(365).run())
    assert at.tabs[2].label == "365天内到期（12）"
    assert (
        "**截至 2025-12-31（报告期末）**：集体合同 3 份、工资专项集体合同 9 份，涉及 9 家企业"
        in [m.value for m in at.markdown]
    )


def test_expiry_counted_from_today(snapshot):
    at = open_page(login("fenxi"), "actions")

    ok(at.radio(key="expiry_reference").set_value("today").run())
    today = Horizon.of("2025-12", "today").as_of  # after 2026-06-30: every contract expired
    assert [t.label for t in at.tabs][1:3] == ["已到期未续签（18）", "90天内到期（0）"]
    assert f"**截至 {today}（今天）**：集体合同 6 份、工资专项集体合同 12 份，涉及 12 家企业" in [
        m.value for m in at.markdown
    ]


def test_quality_page_shows_audit_quarantine_and_reconciliation(snapshot):
    at = open_page(login("fenxi"), "quality")

    labels = {m.label: m.value for m in at.metric}
    assert labels["已受理文件"] == "6个"
    assert labels["拒收文件"] == "1个"
    assert labels["隔离行数"] == "12行"
    assert labels["跳过行数"] == "6行"  # one per loaded file
    assert "尚无刷新记录（运行日志为空），以下为发布信息。" in [c.value for c in at.caption]
    assert at.warning[-1].value == "3项上报数与企业报表汇总不一致"
    tables = [pl.from_pandas(frame.value) for frame in at.dataframe]
    by_town = next(table for table in tables if "镇街代码" in table.columns)
    assert by_town["行数"].sum() == 7  # 2 per town + 1 with an unknown region code
    unknown = next(table for table in tables if "最接近的字段" in table.columns)
    assert unknown.select("表头写法", "最接近的字段").rows() == [
        ("厂务公开落实情况", "厂务公开 open_affairs"),
        ("联系电话", "—"),
    ]
    assert "2列表头未识别，未读入" in at.warning[0].value
    aliases = next(table for table in tables if "对应字段" in table.columns)
    assert aliases.select("表头写法", "对应字段", "报表").rows() == [
        ("厂务公开落实情况", "厂务公开", "企业报表"),
        ("辖区企业总数", "企业数", "镇街汇总表"),
    ]


def failed_run(publish_dir) -> None:
    run_log.write(
        publish_dir,
        run_log.RunRecord(
            run_id="r1", status="failure", trigger="schedule",
            started_at=datetime(2026, 1, 2, 2, 0), ended_at=datetime(2026, 1, 2, 2, 1),
            files_seen=3, files_parsed=1, files_unchanged=2, files_unreadable=0,
            rows_accepted=10, rows_quarantined=1, checks_passed=5, checks_warned=0,
            checks_failed=1, published=False, failure_reason="检查未通过 check failed: rates",
        ),
    )  # fmt: skip


def test_quality_page_reads_the_run_log(snapshot, publish_dir):
    failed_run(publish_dir)
    at = open_page(login("fenxi"), "quality")

    errors = [e.value for e in at.error]  # the reason as plain text (":" escaped)
    assert "刷新失败：2026-01-02 02:01　检查未通过 check failed\\: rates" in errors


def test_a_failed_refresh_shows_a_banner_over_the_last_good_data(snapshot, publish_dir):
    failed_run(publish_dir)
    at = login("lingdao")

    assert at.error[0].value == (
        "最近一次数据刷新（2026-01-02 02:01）失败，以下仍为上次成功发布的数据。"
        "原因：检查未通过 check failed\\: rates"
    )
    assert next(m for m in at.metric if m.label == "工会组建率").value  # data still shown


def test_town_user_overview_is_their_town(snapshot):
    at = login("xikou")

    assert at.subheader[0].value == "溪口镇　2025年度"
    assert next(m for m in at.metric if m.label == "工会组建率").value == "92.5%"
    assert CITY and GULOU  # other regions exist but are not offered
    assert not [s for s in at.sidebar.selectbox if s.key.startswith("district_")]


def test_a_card_says_how_many_enterprises_did_not_report_its_kpi(snapshot):
    at = login("xikou")  # 11 of 西口街道's 111 unionised enterprises lack contract dates

    captions = [c.value for c in at.caption]
    assert "（111家中100家；11家未报此项）" in captions
    assert sum("未报此项" in c for c in captions) == 1  # the other KPIs were reported by all


@pytest.mark.parametrize("page", ["ranking", "trends", "drilldown", "actions", "quality"])
def test_every_page_renders_for_every_role(snapshot, page):
    for name in ("fenxi", "lingdao", "xikou"):
        at = login(name)
        if page in pages(at):
            open_page(at, page)


def test_enterprise_list_download_is_titled_frozen_filtered_and_named_in_chinese(
    snapshot, downloads
):
    open_page(login("fenxi"), "drilldown")

    data = downloads["企业名单_宁波市_2025年度_工会组建率.xlsx"]
    assert xlsx_title(data) == "宁波市　2025年度　工会组建率　企业名单（企业数）"
    sheet = load_workbook(io.BytesIO(data)).active
    assert sheet.freeze_panes == "A3"  # the title line and the header stay in view
    # an Excel table from the header down, with a filter on every column
    assert [table.autoFilter.ref for table in sheet.tables.values()] == [
        "A2:N422"
    ]  # 14 columns, 420 rows
    assert read_xlsx(data).height == 420


def test_quality_page_follows_the_sidebar_region_in_chinese(snapshot):
    at = open_page(login("fenxi", query={"region": GULOU}), "quality")

    assert "范围：鼓楼街道" in [c.value for c in at.caption]
    tables = [pl.from_pandas(frame.value) for frame in at.dataframe]
    audit = next(table for table in tables if "读取行数" in table.columns)
    assert set(audit["文件"]) == {f"returns/2024/{GULOU}.csv", f"returns/2025/{GULOU}.csv"}
    assert set(audit["报表"]) == {"企业报表"}
    by_reason = next(table for table in tables if "示例说明" in table.columns)
    assert by_reason.select("原因", "行数").rows() == [("该栏“…”不能为负数", 2)]
    by_town = next(
        table for table in tables if "镇街代码" in table.columns and "行数" in table.columns
    )
    assert by_town.select("镇街", "行数").rows() == [("鼓楼街道", 2)]
    flags = next(table for table in tables if "企业报表汇总值" in table.columns)
    assert flags.select("镇街", "上报值", "企业报表汇总值", "差额").rows() == [
        ("鼓楼街道", "202.3%", "97.0%", "+105.3个百分点")
    ]
