"""Drive the dashboard in AppTest: sign in, open pages, capture downloaded bytes."""

from __future__ import annotations

import io
from pathlib import Path

import polars as pl
from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage
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
    """URL paths of the pages the navigation offers to the signed-in user."""
    return {info.get("url_pathname") for info in at._registered_pages.values()}


def frame(at: AppTest, index: int = -1) -> pl.DataFrame:
    return pl.from_pandas(at.dataframe[index].value)


class CapturingStorage(MemoryMediaFileStorage):
    """Media storage that remembers every file a run hands to the browser."""

    files: dict[str, bytes] = {}

    def load_and_get_id(self, path_or_data, mimetype, kind, filename=None):  # noqa: ANN001
        if isinstance(path_or_data, bytes) and filename:
            CapturingStorage.files[filename] = path_or_data
        return super().load_and_get_id(path_or_data, mimetype, kind, filename)


def read_xlsx(data: bytes) -> pl.DataFrame:
    return pl.read_excel(io.BytesIO(data))
