"""What a refresh did is told by role: analysts (and, in the banner, leaders) get the run log
and the failure reason; a town user gets whether the last refresh succeeded and when, nothing
of the city's counts or of a reason that may name other towns' files."""

from __future__ import annotations

from datetime import datetime

import polars as pl
import pytest
from streamlit.testing.v1 import AppTest

from dashboards import queries
from dashboards.formatting import plain
from dashboards.scope import Scope, ScopeError
from pipelines.warehouse import run_log
from tests.dashboard.apptest import login, open_page
from tests.dashboard.conftest import XIKOU

# A reason as a failed ingestion would give it: another town's (鼓楼街道's) file by name.
REASON = "landing_tables: returns/2025/330203001000.csv 检查未通过 check failed: rates"
ENDED = "2026-01-02 02:01"
BANNER = f"最近一次数据刷新（{ENDED}）失败，以下仍为上次成功发布的数据。"


@pytest.fixture
def failed_run(snapshot, publish_dir):
    run_log.write(
        publish_dir,
        run_log.RunRecord(
            run_id="r1", status="failure", trigger="schedule",
            started_at=datetime(2026, 1, 2, 2, 0), ended_at=datetime(2026, 1, 2, 2, 1),
            files_seen=30, files_parsed=4, files_unchanged=26, files_unreadable=1,
            rows_accepted=1000, rows_quarantined=7, checks_passed=5, checks_warned=0,
            checks_failed=1, published=False, failure_reason=REASON,
        ),
    )  # fmt: skip


def shown_text(at: AppTest) -> str:
    """Every text the page shows: element values and the cells of every table."""
    texts = []
    for node in [*at.main, *at.sidebar]:
        value = getattr(node, "value", None)
        if isinstance(value, str):
            texts.append(value)
    for table in at.dataframe:
        texts.append(pl.from_pandas(table.value).write_csv())
    return "\n".join(texts)


def test_a_town_user_gets_success_or_failure_and_time_only(failed_run):
    at = open_page(login("xikou"), "quality")

    assert at.error[0].value == BANNER  # no reason in the banner
    assert f"刷新失败：{ENDED}　原因请咨询市总工会数据分析员" in [e.value for e in at.error]
    [log] = [pl.from_pandas(d.value) for d in at.dataframe if "结束时间" in d.value.columns]
    assert log.columns == ["结果", "结束时间"]
    assert log.rows() == [("失败", "2026-01-02 02:01:00")]
    text = shown_text(at)
    for detail in ("check failed", "330203001000.csv", "landing_tables", "schedule"):
        assert detail not in text


def test_an_analyst_keeps_the_whole_run_log_and_the_reason(failed_run):
    at = open_page(login("fenxi"), "quality")

    assert at.error[0].value == f"{BANNER}原因：{plain(REASON)}"
    assert f"刷新失败：{ENDED}　{plain(REASON)}" in [e.value for e in at.error]
    [log] = [pl.from_pandas(d.value) for d in at.dataframe if "结束时间" in d.value.columns]
    assert log.columns[:4] == ["结果", "启动方式", "开始时间", "结束时间"]  # Chinese, not codes
    assert log.select("结果", "启动方式", "已发布").rows() == [("失败", "定时", "否")]
    assert log["失败原因"].to_list() == [REASON]
    assert log["文件数"].to_list() == [30]
    assert "330203001000.csv" in shown_text(at)  # what the town user's page must not show


def test_a_leader_banner_keeps_the_reason(failed_run):
    assert login("lingdao").error[0].value == f"{BANNER}原因：{plain(REASON)}"


def test_the_query_layer_gives_a_town_no_more_than_status_and_time(failed_run):
    town = Scope("town", XIKOU)

    assert queries.failed_refresh(town) == {"status": "failure", "ended_at": "2026-01-02 02:01:00"}
    assert queries.run_log(town).columns == ["status", "ended_at"]
    assert queries.failed_refresh(Scope("leader"))["failure_reason"] == REASON
    with pytest.raises(ScopeError):
        queries.run_log(Scope("leader"))  # the run log is on 数据质量, not a leader's page
