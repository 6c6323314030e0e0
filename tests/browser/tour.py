"""Every page of the dashboard in a real browser, as a user sees it: sign in once, then open
each page by its address (the session token carries over, as on F5), wait until it has
finished drawing, and read its text or take its picture."""

from __future__ import annotations

import json
import time

from tests.browser.cdp import Browser

# page path → what the page shows once drawn
PAGES = {
    "": "在报企业数",
    "ranking": "只看未达标",
    "trends": "历年变化",
    "drilldown": "的企业名单",
    "actions": "行动清单",
    "quality": "文件受理情况",
}
SIGNED_OUT = "!!document.querySelector('input[aria-label=\"用户名\"]')"
# The page's own text: the main area, without the icon ligatures of Material icons.
MAIN_TEXT = """(() => {
  const main = document.querySelector('[data-testid="stMain"]');
  const copy = main.cloneNode(true);
  copy.querySelectorAll('[data-testid="stIconMaterial"], .material-icons, .material-symbols-rounded')
      .forEach(icon => icon.remove());
  return copy.innerText;
})()"""


def sign_in(browser: Browser, url: str, user: str, password: str) -> str:
    """Sign in through the form; the address's query (the session token)."""
    browser.send("Page.enable")
    browser.send("Page.navigate", url=url)
    browser.submit_login(user, password)
    browser.wait_for("location.search.includes('s=')", what="the session token")
    return browser.eval("location.search")


def open_page(browser: Browser, url: str, path: str, query: str) -> None:
    """Open a page by its address and wait until it is drawn (no script running, its text
    shown, charts painted)."""
    browser.send("Page.navigate", url=f"{url}/{path}{query}")
    ready = json.dumps(PAGES[path])
    browser.wait_for(
        f"!{SIGNED_OUT} && document.body.innerText.includes({ready})"
        " && !document.querySelector('[data-testid=\"stStatusWidget\"]')",
        timeout=90,
        what=f"page /{path}",
    )
    time.sleep(2)  # fonts and charts finish painting


def main_text(browser: Browser) -> str:
    return browser.eval(MAIN_TEXT)


def full_page(browser: Browser, width: int, max_height: int = 8000) -> bytes:
    """A picture of the whole page, not only the window: the window is made as tall as the
    page for the picture."""
    height = browser.eval(
        "Math.max(...[...document.querySelectorAll('[data-testid=\"stMain\"] *')]"
        ".map(e => e.getBoundingClientRect().bottom), 800)"
    )
    height = min(int(height) + 40, max_height)
    browser.send(
        "Emulation.setDeviceMetricsOverride",
        width=width, height=height, deviceScaleFactor=1, mobile=False,
    )  # fmt: skip
    time.sleep(1.5)
    return browser.screenshot()
