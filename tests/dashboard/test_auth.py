"""Passwords: scrypt with a per-user salt, never stored in plain text."""

from __future__ import annotations

import io

import pytest

from dashboards import auth, users

DEMO = {"demo": "demo2025", "analyst": "analyst2025", "ximen": "ximen2025"}  # README


def test_hash_roundtrip_and_salt_per_user():
    first, second = auth.hash_password("secret-1"), auth.hash_password("secret-1")

    assert first != second and first.startswith("scrypt$")
    assert auth.check_password("secret-1", first)
    assert not auth.check_password("secret-2", first)
    assert not auth.check_password("secret-1", "plain-text")


def test_shipped_demo_users_work_and_hold_no_plain_passwords():
    text = auth.DEFAULT_USERS_FILE.read_text(encoding="utf-8")
    for name, password in DEMO.items():
        assert password not in text
        assert auth.authenticate(name, password, auth.DEFAULT_USERS_FILE) is not None
    roles = {n: auth.authenticate(n, p, auth.DEFAULT_USERS_FILE).role for n, p in DEMO.items()}
    assert roles == {"demo": "leader", "analyst": "analyst", "ximen": "town"}


def test_users_helper_adds_a_town_user(tmp_path, monkeypatch):
    path = tmp_path / "users.toml"
    monkeypatch.setattr("sys.stdin", io.StringIO("town-pass-1\n"))
    users.main(["--file", str(path), "add", "zhen", "--role", "town", "--region", "330283100000", "--password-stdin"])  # fmt: skip

    assert "town-pass-1" not in path.read_text(encoding="utf-8")
    assert auth.authenticate("zhen", "town-pass-1", path) == auth.User(
        "zhen", "town", "330283100000"
    )
    assert auth.authenticate("zhen", "wrong-pass", path) is None


def test_town_user_needs_a_region(tmp_path):
    with pytest.raises(SystemExit):
        users.main(["--file", str(tmp_path / "u.toml"), "add", "x", "--role", "town"])
