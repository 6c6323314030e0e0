"""总览 offers the year's report as Word for the region and period on screen, written when
the button is clicked (a deferred download: the callable runs then, off the page's run)."""

from __future__ import annotations

import io
from collections.abc import Callable

import pytest
from docx import Document

from tests.dashboard.apptest import login
from tests.dashboard.conftest import FENGHUA

LABEL = "下载统计报告（Word）"


@pytest.fixture
def deferred(downloads) -> dict[str, Callable[[], bytes]]:
    return downloads.deferred


def paragraphs(data: bytes) -> list[str]:
    return [p.text for p in Document(io.BytesIO(data)).paragraphs if p.text.strip()]


def test_the_leader_downloads_the_city_report(snapshot, deferred):
    at = login("lingdao")

    assert LABEL in [button.label for button in at.download_button]
    assert list(deferred) == ["宁波市_2025年统计报告.docx"]
    text = paragraphs(deferred["宁波市_2025年统计报告.docx"]())  # the click
    assert text[0] == "宁波市2025年度工会组建与覆盖统计情况"
    assert (
        "全市在报企业420家，已建会企业404家，工会组建率达96.2%，同比提高2.2个百分点，"
        "完成年度目标95%。" in text
    )


def test_the_report_follows_the_region_and_period_on_screen(snapshot, deferred):
    at = login("fenxi", query={"region": FENGHUA})
    at.sidebar.selectbox(key="period").set_value("2024-12").run()

    text = paragraphs(deferred["奉化区_2024年统计报告.docx"]())
    assert text[0] == "奉化区2024年度工会组建与覆盖统计情况"
    # 307/320 → 284/305 in 2024: nothing said about a year before that
    assert "全区在报企业305家，已建会企业284家，工会组建率为93.1%" in "".join(text)


def test_a_town_user_gets_their_towns_report(snapshot, deferred):
    login("xikou")

    (name,) = deferred
    assert name == "溪口镇_2025年统计报告.docx"
    text = paragraphs(deferred[name]())
    assert text[0] == "溪口镇2025年度工会组建与覆盖统计情况"
    assert "涉及本报告期本地区的报表文件1个" in "".join(text)  # their town's file only
