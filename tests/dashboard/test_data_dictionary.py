"""数据质量 tells analysts where the data dictionary (`make docs`) is and offers it."""

from __future__ import annotations

from tests.dashboard.apptest import login, open_page

BUTTON = "下载数据字典（HTML）"


def test_quality_page_offers_the_data_dictionary_and_says_where_it_is(
    snapshot, tmp_path, monkeypatch
):
    dictionary = tmp_path / "docs" / "index.html"
    dictionary.parent.mkdir()
    dictionary.write_text("<html>数据字典</html>", encoding="utf-8")
    monkeypatch.setenv("GONGHUI_DBT_DOCS", str(dictionary))

    at = open_page(login("fenxi"), "quality")

    assert [b.label for b in at.download_button if b.label == BUTTON] == [BUTTON]
    assert any(str(dictionary) in c.value and "不需联网" in c.value for c in at.caption)


def test_quality_page_says_how_to_build_a_missing_data_dictionary(snapshot, tmp_path, monkeypatch):
    monkeypatch.setenv("GONGHUI_DBT_DOCS", str(tmp_path / "absent.html"))

    at = open_page(login("xikou"), "quality")

    assert BUTTON not in [b.label for b in at.download_button]
    assert any("尚未生成" in c.value and "make docs" in c.value for c in at.caption)
