"""Names from raw/ are shown as written, never rendered as Markdown.

A region in raw/reference/ named like a Markdown link and image reaches st.subheader,
st.markdown and st.caption (which render Markdown) escaped by formatting.plain(): the element
receives the escaped text, and a CommonMark renderer turns it back into the literal name, with
no link and no image.
"""

from __future__ import annotations

import html
import re
import string

import duckdb
import pytest
from markdown_it import MarkdownIt
from streamlit.testing.v1 import AppTest

from dashboards.formatting import plain
from tests.dashboard.apptest import login, open_page
from tests.dashboard.conftest import FENGHUA, XIKOU

EVIL_TOWN = "[点我](http://evil.example)![x](http://evil.example/a.png)"
EVIL_DISTRICT = "*奉化区*_<b>粗</b>_ `code` $x^2$ :red[红] # 1. - +"
COMMONMARK = MarkdownIt("commonmark")


def rendered(markdown: str) -> str:
    """What a Markdown renderer shows: the HTML, checked for links and images, as text."""
    page = COMMONMARK.render(markdown)
    assert "<a" not in page and "<img" not in page and "<em" not in page, page
    return html.unescape(re.sub(r"<[^>]+>", "", page)).strip()


@pytest.fixture
def hostile_regions(snapshot):
    """The snapshot, with 溪口镇 and 奉化区 named as a hostile reference file would."""
    with duckdb.connect(str(snapshot)) as con:
        for code, name in ((XIKOU, EVIL_TOWN), (FENGHUA, EVIL_DISTRICT)):
            for table in ("dim_region", "mart_kpi", "mart_actions", "mart_town_conflicts"):
                con.execute(
                    f"update {table} set region_name = ? where region_code = ?", [name, code]
                )
            con.execute("update dim_region set district_name = ? where district_code = ?", [EVIL_DISTRICT, code])  # fmt: skip
    return snapshot


def values(elements) -> list[str]:
    return [element.value for element in elements]


@pytest.mark.parametrize(
    "text",
    [
        EVIL_TOWN,
        EVIL_DISTRICT,
        string.punctuation,
        "www.evil.example 与 a@evil.example",
        "\\[不是链接\\]",
        "鼓楼街道（老城）",
    ],
)
def test_plain_text_renders_back_to_itself(text):
    assert rendered(plain(text)) == text


def test_plain_escapes_every_markdown_character_and_nothing_else():
    assert plain("[点我](http://evil.example)") == r"\[点我\]\(http\:\/\/evil\.example\)"
    assert plain("\\`*_{}[]()#+-.!|<>~$") == "".join("\\" + c for c in "\\`*_{}[]()#+-.!|<>~$")
    assert plain("溪口镇　第2片区") == "溪口镇　第2片区"  # Chinese, digits, spaces: as they are
    assert plain("第一行\r\n第二行") == "第一行 第二行"


def test_a_town_user_sees_their_hostile_town_name_as_written(hostile_regions):
    at = login("xikou")

    assert at.subheader[0].value == plain(EVIL_TOWN) + "　2025年度"
    assert rendered(at.subheader[0].value) == EVIL_TOWN + "　2025年度"
    assert "区域：" + plain(EVIL_TOWN) in values(at.sidebar.caption)
    # the ranking under 奉化区 names it in a heading
    assert f"{plain(EVIL_DISTRICT)}各镇街排名" in values(at.subheader)
    assert any(
        c.startswith(plain(EVIL_TOWN) + "在" + plain(EVIL_DISTRICT)) for c in values(at.caption)
    )

    for page, heading in [
        ("actions", f"{plain(EVIL_TOWN)}　2025年度　行动清单"),
        ("trends", f"{plain(EVIL_TOWN)}　工会组建率　历年变化"),
    ]:
        assert open_page(at, page).subheader[0].value == heading


def test_drilldown_headings_show_both_hostile_names_as_written(hostile_regions):
    at = open_page(login("fenxi", query={"region": XIKOU}), "drilldown")

    heading = at.subheader[0].value
    assert heading == f"宁波市 › {plain(EVIL_DISTRICT)} › {plain(EVIL_TOWN)}　2025年度"
    assert rendered(heading) == f"宁波市 › {EVIL_DISTRICT} › {EVIL_TOWN}　2025年度"
    assert f"**{plain(EVIL_TOWN)}的企业名单**（企业数）" in values(at.markdown)


def test_the_weakest_towns_line_names_them_as_written(hostile_regions):
    at: AppTest = open_page(login("lingdao"), "ranking")

    line = next(m for m in values(at.markdown) if m.startswith("**最薄弱的"))
    assert (
        line
        == f"**最薄弱的3个镇街：** {plain(EVIL_TOWN)}（92.5%）、鼓楼街道（97.0%）、锦屏街道（98.0%）"
    )
    page = COMMONMARK.render(line)
    assert "<a" not in page and "<img" not in page
    assert EVIL_TOWN in html.unescape(page)


def test_the_ranking_scope_option_names_the_district_as_written(hostile_regions):
    at = open_page(login("fenxi", query={"region": XIKOU}), "ranking")

    options = at.radio(key="ranking_scope").options
    assert f"{plain(EVIL_DISTRICT)}各镇街" in options
