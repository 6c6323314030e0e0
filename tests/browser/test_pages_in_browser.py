"""Real browser: every page a leader opens reads in Chinese, with no `None`, no "empty" and
no English word on it."""

from __future__ import annotations

import re

from tests.browser.cdp import Browser
from tests.browser.conftest import LEADER, LEADER_PASSWORD
from tests.browser.tour import PAGES, main_text, open_page, sign_in

# Words a leader's page may carry in Latin letters: the file formats on download buttons.
ALLOWED_WORDS = {"Excel", "Word"}


def test_a_leaders_pages_have_no_english_none_or_empty(leader_dashboard):

    found = {}
    browser = Browser(width=1440)
    try:
        query = sign_in(browser, leader_dashboard, LEADER, LEADER_PASSWORD)
        for path in PAGES:
            if path == "quality":
                continue  # not a leader's page
            open_page(browser, leader_dashboard, path, query)
            text = main_text(browser)
            assert len(text) > 100, (path, text)  # the page was read, not an empty frame
            words = set(re.findall(r"[A-Za-z]{2,}", text)) - ALLOWED_WORDS
            if words:
                found[path or "overview"] = sorted(words)
    finally:
        browser.close()
    assert found == {}
