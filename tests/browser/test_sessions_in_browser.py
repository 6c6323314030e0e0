"""Real browser: a deep link asks for the password and then opens its page; F5 on any page
keeps the session (the signed token in the address, dashboards.tokens)."""

from __future__ import annotations

from tests.browser.cdp import Browser
from tests.browser.conftest import LEADER, LEADER_PASSWORD
from tests.browser.tour import SIGNED_OUT


def _text_shown(text: str) -> str:
    return f"document.body.innerText.includes({text!r}) && !{SIGNED_OUT}"


def _click(browser: Browser, selector: str) -> None:
    """A real mouse click in the middle of the element (the navigation ignores .click())."""
    browser.wait_for(f"!!document.querySelector({selector!r})", what=selector)
    box = browser.eval(
        f"(() => {{ const r = document.querySelector({selector!r}).getBoundingClientRect();"
        " return [r.x + r.width / 2, r.y + r.height / 2]; })()"
    )
    for kind in ("mousePressed", "mouseReleased"):
        browser.send(
            "Input.dispatchMouseEvent", type=kind, x=box[0], y=box[1], button="left", clickCount=1
        )


def test_deep_link_lands_on_its_page_after_sign_in_and_f5_keeps_the_session(leader_dashboard):

    browser = Browser()
    try:
        browser.send("Page.enable")
        browser.send("Page.navigate", url=f"{leader_dashboard}/trends")  # a bookmark, signed out
        browser.wait_for(SIGNED_OUT, what="the login form")
        assert "Page not found" not in browser.eval("document.body.innerText")
        browser.submit_login(LEADER, LEADER_PASSWORD)
        browser.wait_for(_text_shown("历年变化"), what="the 趋势 page after sign-in")
        assert browser.eval("location.pathname") == "/trends"
        browser.wait_for("location.search.includes('s=')", what="the token in the address")
        assert LEADER_PASSWORD not in browser.eval("location.href")

        browser.send("Page.reload")
        browser.wait_for(_text_shown("历年变化"), what="趋势, still signed in after F5")

        # another page through the navigation, then F5 there
        _click(browser, 'a[href$="/ranking"]')
        browser.wait_for(_text_shown("只看未达标"), what="the 排名 page")
        browser.wait_for("location.search.includes('s=')", what="the token kept")
        browser.send("Page.reload")
        browser.wait_for(_text_shown("只看未达标"), what="排名, still signed in after F5")
        assert browser.eval("location.pathname") == "/ranking"

        # a page the leader may not open answers in Chinese, not "Page not found"
        query = browser.eval("location.search")
        browser.send("Page.navigate", url=f"{leader_dashboard}/quality{query}")
        browser.wait_for(_text_shown("您的账号不能查看“数据质量”页"), what="the refusal")
        assert "Page not found" not in browser.eval("document.body.innerText")
    finally:
        browser.close()
