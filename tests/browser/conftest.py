"""The dashboard served on the small hand-checked snapshot (tests/dashboard/conftest.py) to
one leader, `lingdao` / `leader-pass-1`, for the real-browser tests."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

import pytest

from dashboards.auth import hash_password
from dashboards.users import write_users
from tests.browser.cdp import CHROMIUM_MISSING, chromium_path, streamlit_server
from tests.dashboard.conftest import TOWN_COUNTS, write_snapshot

LEADER, LEADER_PASSWORD = "lingdao", "leader-pass-1"


@pytest.fixture
def leader_dashboard(tmp_path) -> Iterator[str]:
    """The dashboard's URL; Chromium must be there (make test installs it)."""
    if chromium_path() is None:
        pytest.fail(CHROMIUM_MISSING)
    publish = tmp_path / "published"
    write_snapshot(
        publish, "snapshot-20260101T020500000000.duckdb", datetime(2026, 1, 1, 2, 5), TOWN_COUNTS
    )
    users = tmp_path / "users.toml"
    write_users(
        {LEADER: {"role": "leader", "password_hash": hash_password(LEADER_PASSWORD)}}, users
    )
    env = {"GONGHUI_PUBLISH_DIR": str(publish), "GONGHUI_USERS_FILE": str(users),
           "GONGHUI_WAREHOUSE": str(tmp_path / "none.duckdb")}  # fmt: skip
    with streamlit_server(env) as url:
        yield url
