"""Passwords: scrypt with a per-user salt, never stored in plain text; one scrypt run per
sign-in whatever the name; locked names and addresses cost none; old hashes upgraded.

Timing-independent: the work is counted as calls of hashlib.scrypt, time as a given clock.
"""

from __future__ import annotations

import hashlib
import io
import tomllib

import pytest

from dashboards import auth, throttle, users
from tests.dashboard.apptest import login

DEMO = {"demo": "demo2025", "analyst": "analyst2025", "ximen": "ximen2025"}  # README
CURRENT = f"scrypt${2**17}$8$1$"


@pytest.fixture
def scrypt_runs(monkeypatch) -> list[int]:
    """The N of every scrypt run, in order."""
    runs: list[int] = []
    real = hashlib.scrypt

    def counted(password, *, salt, n, r, p, dklen, maxmem=0):  # noqa: ANN001, ANN202
        runs.append(n)
        return real(password, salt=salt, n=n, r=r, p=p, dklen=dklen, maxmem=maxmem)

    monkeypatch.setattr(hashlib, "scrypt", counted)
    return runs


@pytest.fixture
def users_path(tmp_path):
    """Two users, hashed with today's parameters."""
    path = tmp_path / "users.toml"
    auth.write_users(
        {
            "zhang.san": {"role": "analyst", "password_hash": auth.hash_password("right-pass-1")},
            "broken": {"role": "analyst", "password_hash": "not-a-hash"},
        },
        path,
    )
    return path


def old_hash(password: str, monkeypatch) -> str:
    """A hash as the dashboard made them before: N=2^14."""
    with monkeypatch.context() as old:
        old.setattr(auth, "SCRYPT_N", 2**14)
        return auth.hash_password(password)


def test_hash_roundtrip_and_salt_per_user():
    first, second = auth.hash_password("secret-1"), auth.hash_password("secret-1")

    assert first != second and first.startswith(CURRENT)
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
    assert text.count(CURRENT) == 3  # shipped at today's cost: nothing to upgrade


@pytest.mark.parametrize(
    ("name", "password", "signed_in"),
    [
        ("zhang.san", "right-pass-1", True),
        ("zhang.san", "wrong-pass-1", False),
        ("li.si", "right-pass-1", False),  # unknown
        ("zhang\nsan", "right-pass-1", False),  # not even a possible name
        ("broken", "right-pass-1", False),  # a hash that cannot be read
    ],
)
def test_every_sign_in_costs_one_scrypt_run_at_todays_cost(
    users_path, scrypt_runs, name, password, signed_in
):
    user = auth.authenticate(name, password, users_path)

    assert (user is not None) == signed_in
    assert scrypt_runs == [2**17]


def test_five_failures_lock_the_name_and_a_locked_name_costs_no_scrypt_run(users_path, scrypt_runs):
    waits = [auth.sign_in("zhang.san", "wrong-pass-1", path=users_path).wait for _ in range(5)]

    assert waits[:4] == [0, 0, 0, 0] and 29 < waits[4] <= 30
    assert len(scrypt_runs) == 5
    locked = auth.sign_in("zhang.san", "right-pass-1", path=users_path)
    assert locked.user is None and 29 < locked.wait <= 30
    assert len(scrypt_runs) == 5  # refused before any hash
    # another name from nowhere in particular is not locked
    assert auth.sign_in("li.si", "x", path=users_path).wait == 0


def test_the_lock_doubles_up_to_fifteen_minutes_and_a_success_clears_it():
    names = throttle.Throttle(threshold=5)
    for second in range(4):
        assert names.failed("zhang.san", now=second) == 0
    assert names.failed("zhang.san", now=4) == 30
    assert names.wait("zhang.san", now=20) == 14
    locks, now = [], 34.0
    for _ in range(7):  # each failure once the lock is over
        lock = names.failed("zhang.san", now=now)
        locks.append(lock)
        now += lock
    assert locks == [60, 120, 240, 480, 900, 900, 900]
    names.succeeded("zhang.san")
    assert names.wait("zhang.san", now=now) == 0
    assert names.failed("zhang.san", now=now) == 0  # counting starts again


def test_an_hour_without_failure_forgets_the_count():
    names = throttle.Throttle(threshold=5)
    for second in range(4):
        names.failed("zhang.san", now=second)

    assert names.failed("zhang.san", now=3 + 3601) == 0  # one failure, not five


def test_one_address_guessing_many_names_is_locked_without_hashing(users_path, scrypt_runs):
    for n in range(20):
        auth.sign_in(f"guess{n}", "pass-word-1", address="203.0.113.7", path=users_path)
    assert len(scrypt_runs) == 20

    attempt = auth.sign_in("zhang.san", "right-pass-1", address="203.0.113.7", path=users_path)

    assert attempt.user is None and 29 < attempt.wait <= 30
    assert len(scrypt_runs) == 20
    other = auth.sign_in("zhang.san", "right-pass-1", address="198.51.100.1", path=users_path)
    assert other.user is not None  # the name itself is not locked


def test_the_login_page_says_in_chinese_how_long_to_wait(snapshot, scrypt_runs):
    for _ in range(5):
        auth.BY_NAME.failed("lingdao")

    at = login("lingdao")  # the right password

    assert [e.value for e in at.error] == ["用户名或密码错误次数过多，请30秒后再试"]
    assert scrypt_runs == []
    assert not at.metric


def test_an_old_hash_signs_in_and_is_upgraded_in_the_file(tmp_path, monkeypatch, scrypt_runs):
    path = tmp_path / "users.toml"
    other = old_hash("other-pass-1", monkeypatch)
    auth.write_users(
        {
            "wang": {"role": "town", "region": "330283100000",
                     "password_hash": old_hash("town-pass-1", monkeypatch)},
            "other": {"role": "leader", "password_hash": other},
        },
        path,
    )  # fmt: skip
    scrypt_runs.clear()

    user = auth.authenticate("wang", "town-pass-1", path)

    assert user == auth.User("wang", "town", "330283100000")
    assert scrypt_runs == [2**14, 2**17]  # the check with its own cost, then the new hash
    saved = auth.load_users(path)
    assert saved["wang"]["password_hash"].startswith(CURRENT)
    assert saved["wang"]["region"] == "330283100000"
    assert saved["other"]["password_hash"] == other  # not signed in: left alone
    scrypt_runs.clear()
    assert auth.authenticate("wang", "town-pass-1", path) == user
    assert scrypt_runs == [2**17]  # upgraded once


def test_a_read_only_users_file_still_signs_in_with_the_old_hash(tmp_path, monkeypatch):
    path = tmp_path / "users.toml"
    stored = old_hash("lead-pass-1", monkeypatch)
    auth.write_users({"li": {"role": "leader", "password_hash": stored}}, path)

    def refuse(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        raise PermissionError("read-only")

    monkeypatch.setattr(auth, "write_users", refuse)

    assert auth.authenticate("li", "lead-pass-1", path) == auth.User("li", "leader")
    assert auth.load_users(path)["li"]["password_hash"] == stored


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


@pytest.mark.parametrize("name", ["evil\nname", 'a"]\n[users.root]', "张三", "a b", "x" * 65, ""])
def test_a_name_outside_the_pattern_is_refused_and_never_written(tmp_path, monkeypatch, name):
    path = tmp_path / "users.toml"
    auth.write_users({"zhen": {"role": "leader", "password_hash": "scrypt$1$1$1$AA==$AA=="}}, path)
    before = path.read_bytes()
    monkeypatch.setattr("sys.stdin", io.StringIO("pass-word-1\n"))

    with pytest.raises(SystemExit) as refused:
        users.main(["--file", str(path), "add", name, "--role", "leader", "--password-stdin"])

    assert refused.value.code == 2  # argparse's usage error, before a password is read
    assert path.read_bytes() == before
    with pytest.raises(ValueError, match="invalid user name"):
        auth.write_users({name: {"role": "leader", "password_hash": "x"}}, path)
    assert path.read_bytes() == before


def test_the_users_file_is_toml_that_reads_back(tmp_path):
    path = tmp_path / "users.toml"
    entries = {
        "li.ming-2": {"role": "town", "region": "330283100000", "password_hash": "scrypt$a$b"},
        "Wang_Wu": {"role": "analyst", "password_hash": 'with "quotes" and \\ backslash'},
    }

    auth.write_users(entries, path)

    assert tomllib.loads(path.read_text(encoding="utf-8"))["users"] == entries
    assert path.read_text(encoding="utf-8").startswith("# Dashboard users")
    assert path.stat().st_mode & 0o777 == 0o600  # a new file: the owner's only


def test_a_broken_users_file_is_a_clear_error_not_a_crash(tmp_path):
    path = tmp_path / "users.toml"
    path.write_text('[users."a\n', encoding="utf-8")

    with pytest.raises(auth.UsersFileError, match="用户文件"):
        auth.sign_in("a", "b", path=path)
