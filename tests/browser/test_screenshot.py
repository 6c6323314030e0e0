"""Real browser: `streamlit run` + headless Chromium, sign in, screenshot the overview.

Also a script for the README screenshot of the sample city:
    .venv/bin/python -m tests.browser.test_screenshot --out docs/screenshots/overview.png
(reads data/published and the demo leader of dashboards/users.toml).
"""

from __future__ import annotations

import argparse
import io
import subprocess

from PIL import Image

from tests.browser.cdp import overview_screenshot, streamlit_server
from tests.browser.conftest import LEADER, LEADER_PASSWORD


def check_png(png: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(png)).convert("RGB")
    assert image.size == (1400, 1000)
    colours = image.getcolors(maxcolors=1 << 20)
    assert colours is not None and len(colours) > 200, "screenshot looks blank"
    white = max(count for count, colour in colours if colour == (255, 255, 255))
    assert white < 0.95 * image.width * image.height, "screenshot is nearly all white"
    return image


def test_overview_in_a_real_browser(leader_dashboard, tmp_path):
    fonts = subprocess.run(["fc-list", ":lang=zh"], capture_output=True, text=True).stdout
    assert fonts.strip(), "no Chinese font: sudo .ci/system-packages (make test does this)"
    png = overview_screenshot(leader_dashboard, LEADER, LEADER_PASSWORD)

    (tmp_path / "overview.png").write_bytes(png)
    image = check_png(png)
    # Red (KPI below target) and green (target met) deltas are painted.
    colours = image.getcolors(1 << 20)
    reds = sum(n for n, (r, g, b) in colours if r - g > 60 and r - b > 40)
    greens = sum(n for n, (r, g, b) in colours if g - r > 40 and g - b > 20)
    assert reds > 50 and greens > 50


def main() -> None:
    parser = argparse.ArgumentParser(description="screenshot the overview of the published data")
    parser.add_argument("--out", default="docs/screenshots/overview.png")
    parser.add_argument("--user", default="demo")
    parser.add_argument("--password", default="demo2025")
    args = parser.parse_args()
    with streamlit_server({}) as url:
        png = overview_screenshot(url, args.user, args.password)
    check_png(png)
    with open(args.out, "wb") as handle:
        handle.write(png)


if __name__ == "__main__":
    main()
