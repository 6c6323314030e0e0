"""Who sees which rows. Scope is enforced in the query layer (dashboards.queries), so a
town user never gets another town's rows: not on screen, not in downloads, not by URL."""

from __future__ import annotations

import polars as pl
import pytest

from dashboards import queries
from dashboards.scope import Scope, ScopeError
from tests.dashboard.apptest import frame, login, open_page, read_xlsx
from tests.dashboard.conftest import CITY, FENGHUA, GULOU, XIKOU

OTHER_TOWNS = {GULOU, "330283001000"}


def only_xikou(uscc_column) -> bool:
    return all(code.startswith(f"91{XIKOU}") for code in uscc_column)


@pytest.mark.parametrize("query", [{}, {"region": CITY}, {"region": GULOU}, {"region": FENGHUA}])
def test_town_user_drilldown_is_their_town_whatever_the_url(snapshot, query):
    at = login("xikou", query=query)
    if query.get("region") not in (None, XIKOU):
        assert "镇街账号只能查看本镇街" in [w.value for w in at.sidebar.warning]
    open_page(at, "drilldown")

    table = frame(at)
    assert table.height == 120
    assert set(table["镇街"]) == {"溪口镇"}
    assert only_xikou(table["统一社会信用代码"])


def test_url_region_selects_the_region_for_city_wide_roles(snapshot):
    at = open_page(login("fenxi", query={"region": GULOU}), "drilldown")

    assert at.subheader[0].value == "宁波市 › 海曙区 › 鼓楼街道　2025年度"
    assert set(frame(at)["镇街"]) == {"鼓楼街道"}


def test_town_user_action_downloads_hold_only_their_town(snapshot, downloads):
    at = open_page(login("xikou", query={"region": CITY}), "actions")

    workbooks = {name: downloads[name] for name in downloads if name.endswith(".xlsx")}
    assert len(workbooks) == 7  # the overview's report is for the town too (test_report_download)
    for name, data in workbooks.items():
        sheet = read_xlsx(data)
        assert set(sheet["镇街"]) <= {"溪口镇"}, name
        assert only_xikou(sheet["统一社会信用代码"]), name
    assert read_xlsx(downloads["未建会企业_溪口镇_2025年度.xlsx"]).height == 9
    assert read_xlsx(downloads["工资专项集体合同90天内到期_溪口镇_2025年度.xlsx"]).height == 2
    for index in range(7):
        assert set(frame(at, index)["镇街"]) <= {"溪口镇"}


def test_town_user_quality_page_is_their_town(snapshot, downloads):
    at = open_page(login("xikou"), "quality")

    audit = next(
        frame(at, i) for i in range(len(at.dataframe)) if "读取行数" in frame(at, i).columns
    )
    assert set(audit["文件"]) == {f"returns/2024/{XIKOU}.csv", f"returns/2025/{XIKOU}.csv"}
    assert at.selectbox(key="quality_town").options == ["溪口镇"]
    assert {name for name in downloads if name.endswith(".xlsx")} == {
        "隔离记录_溪口镇.xlsx",
        "字段问题_溪口镇.xlsx",
    }
    assert set(read_xlsx(downloads["隔离记录_溪口镇.xlsx"])["镇街代码"]) == {XIKOU}
    assert set(read_xlsx(downloads["字段问题_溪口镇.xlsx"])["镇街代码"]) == {XIKOU}
    assert [w.value for w in at.warning][-1] == "1项上报数与企业报表汇总不一致"
    assert set(frame(at)["镇街代码"]) == {XIKOU}


def test_analyst_downloads_any_towns_quarantine(snapshot, downloads):
    at = open_page(login("fenxi"), "quality")
    at.selectbox(key="quality_town").set_value(GULOU).run()

    assert set(read_xlsx(downloads["隔离记录_鼓楼街道.xlsx"])["镇街代码"]) == {GULOU}


def test_leader_sees_no_raw_rows(snapshot, downloads):
    at = login("lingdao")
    with pytest.raises(ValueError):
        at.switch_page("views/quality.py")  # not in the leader's navigation
    open_page(at, "drilldown")
    assert "来源文件" not in frame(at).columns
    open_page(at, "actions")
    for data in (downloads[name] for name in downloads if name.endswith(".xlsx")):
        assert "来源文件" not in read_xlsx(data).columns
    with pytest.raises(ScopeError):
        queries.quarantine(Scope("leader"))


def test_query_layer_intersects_the_request_with_the_scope(snapshot):
    town = Scope("town", XIKOU)

    rows = queries.enterprises(town, CITY, "2025-12", "org_rate")
    assert set(rows["region_code"]) == {XIKOU} and rows.height == 120
    assert queries.enterprises(town, GULOU, "2025-12", "org_rate").is_empty()
    assert queries.actions(town, GULOU, "2025-12", "no_union").is_empty()
    assert set(queries.quarantine(town)["region_code"]) == {XIKOU}
    assert set(queries.quarantine(town, GULOU)["region_code"]) == set()
    assert set(queries.reconciliation(town, None, "2025-12")["region_code"]) == {XIKOU}
    everything = queries.enterprises(Scope("analyst"), CITY, "2025-12", "org_rate")
    assert everything.height == 420 and set(everything["region_code"]) >= OTHER_TOWNS


def test_a_town_user_sees_the_conflicts_of_their_town_with_the_other_towns_row(snapshot):
    at = open_page(login("xikou"), "quality")

    [conflicts] = [pl.from_pandas(d.value) for d in at.dataframe if "计入指标" in d.value.columns]
    assert conflicts.select("镇街", "计入指标", "行号").rows() == [
        ("溪口镇", "是", 9),
        ("锦屏街道", "否", 7),
    ]
    assert any("1家企业在同一报告期出现在两个镇街的报表中" in w.value for w in at.warning)


def test_town_user_sidebar_names_their_town(snapshot):
    at = login("xikou")

    assert "当前用户：xikou（镇街　溪口镇）" in [c.value for c in at.sidebar.caption]


def test_ranking_offers_a_town_user_only_their_own_town_to_drill_into(snapshot):
    town = open_page(login("xikou"), "ranking")
    analyst = open_page(login("fenxi"), "ranking")

    assert town.selectbox(key="ranking_drill").options == ["溪口镇"]
    assert len(analyst.selectbox(key="ranking_drill").options) == 3
