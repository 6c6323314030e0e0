"""A small driver: `streamlit run` on a free port + headless Chromium over the DevTools
protocol (websockets, already a Streamlit dependency). No test-only code in the app."""

from __future__ import annotations

import base64
import contextlib
import itertools
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

from websockets.sync.client import connect

REPO_ROOT = Path(__file__).resolve().parents[2]
CHROMIUM_MISSING = (
    "Chromium not found (looked for chromium, chromium-browser, google-chrome): install it with "
    "`sudo .ci/system-packages` (make test does this)"
)


def chromium_path() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        if path := shutil.which(name):
            return path
    return None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait(check, timeout: float, what: str):  # noqa: ANN001, ANN202
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(Exception):
            if result := check():
                return result
        time.sleep(0.25)
    raise TimeoutError(f"timed out waiting for {what}")


@contextlib.contextmanager
def streamlit_server(env: dict[str, str]) -> Iterator[str]:
    """`streamlit run dashboards/app.py` on a free port; yields its URL."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(REPO_ROOT / "dashboards" / "app.py"),
         "--server.port", str(port), "--server.address", "127.0.0.1",
         "--server.headless", "true", "--browser.gatherUsageStats", "false",
         "--server.fileWatcherType", "none"],
        cwd=REPO_ROOT, env={**os.environ, **env},
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        _wait(lambda: urllib.request.urlopen(f"{url}/_stcore/health", timeout=2).status == 200,
              60, "streamlit to start")  # fmt: skip
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


class Browser:
    """One headless Chromium page driven over CDP."""

    def __init__(self, width: int = 1400, height: int = 1000) -> None:
        binary = chromium_path()
        if binary is None:
            raise RuntimeError(CHROMIUM_MISSING)
        self.profile = tempfile.mkdtemp(prefix="gonghui-chromium-")
        self.process = subprocess.Popen(
            [binary, "--headless", "--no-sandbox", "--disable-gpu",
             "--disable-background-networking", "--disable-component-update", "--no-first-run",
             "--disable-dev-shm-usage", f"--user-data-dir={self.profile}",
             "--remote-debugging-port=0", "--remote-allow-origins=*",
             f"--window-size={width},{height}", "--lang=zh-CN", "about:blank"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        port_file = Path(self.profile) / "DevToolsActivePort"
        port = _wait(lambda: port_file.read_text().split()[0], 30, "chromium to start")
        targets = json.load(urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list"))
        page = next(t for t in targets if t["type"] == "page")
        self.stack = contextlib.ExitStack()
        self.ws = self.stack.enter_context(
            connect(page["webSocketDebuggerUrl"], max_size=None, open_timeout=20)
        )
        self.ids = itertools.count(1)
        self.events: list[dict] = []  # what the page reported meanwhile (Network.enable: requests)
        self.send("Emulation.setDeviceMetricsOverride",
                  width=width, height=height, deviceScaleFactor=1, mobile=False)  # fmt: skip

    def send(self, method: str, **params) -> dict:
        message_id = next(self.ids)
        self.ws.send(json.dumps({"id": message_id, "method": method, "params": params}))
        while True:
            reply = json.loads(self.ws.recv(timeout=60))
            if reply.get("id") == message_id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply.get("result", {})
            if "method" in reply:
                self.events.append(reply)

    def eval(self, expression: str):  # noqa: ANN201
        result = self.send("Runtime.evaluate", expression=expression, returnByValue=True)
        return result.get("result", {}).get("value")

    def wait_for(self, expression: str, timeout: float = 60, what: str = "") -> None:
        _wait(lambda: self.eval(expression), timeout, what or expression)

    def type_into(self, selector: str, text: str) -> None:
        self.wait_for(f"!!document.querySelector({json.dumps(selector)})", what=selector)
        self.eval(f"document.querySelector({json.dumps(selector)}).focus()")
        self.send("Input.insertText", text=text)

    def click_button(self, label: str) -> None:
        find = f"[...document.querySelectorAll('button')].find(b => b.innerText.trim() === {json.dumps(label)})"
        self.wait_for(f"!!{find}", what=f"button {label}")
        self.eval(f"{find}.click()")

    def submit_login(self, user: str, password: str) -> None:
        """Fill in the login form and press 登录."""
        self.type_into('input[aria-label="用户名"]', user)
        self.type_into('input[aria-label="密码"]', password)
        self.click_button("登录")

    def screenshot(self) -> bytes:
        return base64.b64decode(self.send("Page.captureScreenshot", format="png")["data"])

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.stack.close()
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
        shutil.rmtree(self.profile, ignore_errors=True)


def overview_screenshot(url: str, user: str, password: str) -> bytes:
    """Sign in through the login form and capture the overview once its charts are drawn."""
    browser = Browser()
    try:
        browser.send("Page.enable")
        browser.send("Page.navigate", url=url)
        browser.submit_login(user, password)
        browser.wait_for(
            "document.body.innerText.includes('在报企业数')"
            " && document.querySelectorAll('[data-testid=\"stMetric\"]').length >= 8"
            " && !!document.querySelector('.vega-embed canvas, .vega-embed svg')",
            what="the overview with its cards and chart",
        )
        time.sleep(2)  # let fonts and the chart finish painting
        return browser.screenshot()
    finally:
        browser.close()
