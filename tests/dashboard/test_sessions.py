"""Sessions survive F5 and bookmarks: a signed, expiring token in the address, never the
password; a new password, a removed user or an expired token asks for the password again."""

from __future__ import annotations

import os
import shutil
import stat
import time

import pytest
from streamlit.testing.v1 import AppTest

from dashboards import tokens
from dashboards.auth import TOWN, User, hash_password, load_users, write_users
from tests.dashboard.apptest import APP, login, ok
from tests.dashboard.conftest import XIKOU


def reload(token: str) -> AppTest:
    """F5: a new browser session on the same address."""
    at = AppTest.from_file(str(APP), default_timeout=30)
    at.query_params[tokens.TOKEN_PARAM] = token
    return ok(at.run())


def signed_in(at: AppTest) -> bool:
    return not any(t.key == "login_name" for t in at.text_input) and bool(at.metric)


def test_sign_in_puts_a_token_in_the_address_and_f5_keeps_the_session(snapshot):
    at = login("xikou")
    token = at.query_params[tokens.TOKEN_PARAM]

    assert "xikou-pass-1" not in token
    again = reload(token)
    assert signed_in(again)
    assert "当前用户：xikou（镇街　溪口镇）" in [c.value for c in again.sidebar.caption]


def test_token_names_the_user_with_their_role_and_town(users_file):
    assert tokens.verify(tokens.issue("xikou")) == User("xikou", TOWN, XIKOU)
    key = tokens.key_path()
    assert key.parent == users_file.parent
    assert stat.S_IMODE(os.stat(key).st_mode) == 0o600


@pytest.mark.parametrize(
    "token",
    ["", "x", "a.b", "a.b.c", "令牌.签名", "eyJ1IjoiZmVueGkifQ.AAAA", "%%%.%%%"],
)
def test_anything_else_signs_nobody_in(users_file, token):
    assert tokens.verify(token) is None


def test_a_token_ends_with_its_lifetime(users_file):
    token = tokens.issue("fenxi", now=time.time() - tokens.LIFETIME_S - 1)

    assert tokens.verify(token) is None
    assert tokens.verify(tokens.issue("fenxi")) is not None


def test_a_forged_or_edited_token_is_refused(users_file):
    payload, signature = tokens.issue("xikou").split(".")
    forged = tokens._b64(b'{"u":"fenxi","exp":9999999999,"f":"0"}')

    assert tokens.verify(f"{forged}.{signature}") is None
    assert tokens.verify(f"{payload}.{signature[:-2]}AA") is None


def test_a_new_password_or_a_removed_user_ends_the_session(users_file, tmp_path, monkeypatch):
    own_file = tmp_path / "users.toml"  # the shared users file stays as it is
    shutil.copy(users_file, own_file)
    monkeypatch.setenv("GONGHUI_USERS_FILE", str(own_file))
    token = tokens.issue("fenxi")
    users = load_users(own_file)
    users["fenxi"]["password_hash"] = hash_password("another-pass-1")
    write_users(users, own_file)

    assert tokens.verify(token) is None
    token = tokens.issue("xikou")
    del users["xikou"]
    write_users(users, own_file)
    assert tokens.verify(token) is None


def test_an_expired_token_asks_for_the_password_in_chinese(snapshot, users_file):
    at = reload(tokens.issue("fenxi", now=time.time() - tokens.LIFETIME_S - 1))

    assert not signed_in(at)
    assert [i.value for i in at.info] == ["登录已过期或已失效，请重新登录。"]
    assert tokens.TOKEN_PARAM not in at.query_params


def test_signing_out_removes_the_token(snapshot):
    at = login("fenxi")
    at.button(key="logout").click().run()

    assert tokens.TOKEN_PARAM not in at.query_params
    assert not signed_in(at)
