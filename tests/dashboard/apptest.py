"""Drive the dashboard in AppTest: sign in, open pages, read downloaded workbooks."""

from __future__ import annotations

import io
from pathlib import Path

import polars as pl
from openpyxl import load_workbook
from streamlit.testing.v1 import AppTest

APP = Path(__file__).resolve().parents[2] / "dashboards" / "app.py"
PASSWORDS = {"lingdao": "leader-pass-1", "fenxi": "analyst-pass-1", "xikou": "xikou-pass-1"}


def ok(at: AppTest) -> AppTest:
    assert not at.exception, [e.value for e in at.exception]
    return at


def login(name: str, password: str | None = None, query: dict | None = None) -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=30)
    at.query_params.update(query or {})
    at.run()
    at.text_input(key="login_name").input(name)
    at.text_input(key="login_password").input(password or PASSWORDS[name])
    at.button[0].click().run()
    return ok(at)


def open_page(at: AppTest, page: str) -> AppTest:
    return ok(at.switch_page(f"views/{page}.py").run())


def pages(at: AppTest) -> set[str]:
    """URL paths of the pages the navigation offers to the signed-in user: those with a view
    script (a page the role may not open is registered hidden, a sentence without a script)."""
    return {
        info.get("url_pathname") for info in at._registered_pages.values() if info["script_path"]
    }


def frame(at: AppTest, index: int = -1) -> pl.DataFrame:
    return pl.from_pandas(at.dataframe[index].value)


def xlsx_title(data: bytes) -> str | None:
    """The title line above the header (a lone cell in A1), if the download has one."""
    first_row = next(load_workbook(io.BytesIO(data), read_only=True).active.iter_rows(max_row=1))
    cells = [cell.value for cell in first_row if cell.value is not None]
    return cells[0] if len(cells) == 1 and first_row[0].value is not None else None


def read_xlsx(data: bytes) -> pl.DataFrame:
    """The table of a download, below its title line when it has one."""
    header_row = 1 if xlsx_title(data) else 0
    return pl.read_excel(io.BytesIO(data), read_options={"header_row": header_row})
