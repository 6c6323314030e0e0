"""Pictures of every page as each demo user sees it, for docs/screenshots/pages/ (`make
screenshots`): the published data (data/published, the sample city after `make refresh`)
and the demo users of dashboards/users.toml, in headless Chromium at 1440 px."""

from __future__ import annotations

import argparse
from pathlib import Path

from tests.browser.cdp import Browser, streamlit_server
from tests.browser.tour import PAGES, full_page, open_page, sign_in

WIDTH = 1440
# demo user → (password, pages), as the README lists them
DEMO_USERS = {
    "demo": ("demo2025", [path for path in PAGES if path != "quality"]),
    "analyst": ("analyst2025", list(PAGES)),
    "ximen": ("ximen2025", list(PAGES)),
}


def main() -> None:
    parser = argparse.ArgumentParser(description="screenshot every page as each demo user")
    parser.add_argument("--out", default="docs/screenshots/pages")
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    with streamlit_server({}) as url:
        for user, (password, paths) in DEMO_USERS.items():
            browser = Browser(width=WIDTH)
            try:
                query = sign_in(browser, url, user, password)
                for path in paths:
                    open_page(browser, url, path, query)
                    name = out / f"{user}_{path or 'overview'}.png"
                    name.write_bytes(full_page(browser, WIDTH))
                    print(name)
            finally:
                browser.close()


if __name__ == "__main__":
    main()
