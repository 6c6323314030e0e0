"""Users, roles and password checks. Users live in a TOML file with scrypt hashes only.

The file is `dashboards/users.toml` unless `GONGHUI_USERS_FILE` names another one.
Manage it with `python -m dashboards.users add NAME --role leader|analyst|town [--region CODE]`.
No network identity provider: everything is checked locally.

A sign-in costs exactly one scrypt run whatever the name (an unknown name is checked against
a dummy hash), so the time it takes does not tell which names exist; a name or an address
with too many failures is locked (dashboards.throttle) before any hash is computed.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import os
import re
import secrets
import tempfile
import tomllib
from dataclasses import dataclass
from pathlib import Path

import tomlkit

from dashboards.throttle import Throttle

log = logging.getLogger(__name__)

DEFAULT_USERS_FILE = Path(__file__).resolve().parent / "users.toml"

LEADER, ANALYST, TOWN = "leader", "analyst", "town"
ROLE_ZH = {LEADER: "领导", ANALYST: "分析员", TOWN: "镇街"}

# scrypt cost, OWASP's Password Storage Cheat Sheet: N=2^17, r=8, p=1 (128 MiB, about a
# third of a second). A hash keeps the parameters it was made with, so a hash made with
# older ones (N=2^14 until 2026) still verifies and is made again at its next sign-in.
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**17, 8, 1
# The most a stored hash may ask for: a hand-edited file must not make a check take gigabytes.
MAX_SCRYPT_N, MAX_SCRYPT_R, MAX_SCRYPT_P = 2**20, 32, 16
DIGEST_BYTES = 32

# Names that a shell, a TOML file and a log line all keep as they are.
USER_NAME = re.compile(r"[A-Za-z0-9_.-]{1,64}")
TOWN_CODE = re.compile(r"[0-9]{12}")

# Failures before a lock: an address is shared by a town office behind one router, so it
# gets more than a name.
BY_NAME = Throttle(threshold=5)
BY_ADDRESS = Throttle(threshold=20)
_INVALID_NAME_KEY = "\x00invalid"  # one key for every name that cannot exist

USERS_FILE_HEADER = (
    "Dashboard users (dashboards/auth.py). Passwords are scrypt hashes with a per-user salt;",
    "edit with `python -m dashboards.users add NAME --role leader|analyst|town [--region CODE]`.",
)


@dataclass(frozen=True)
class User:
    name: str
    role: str
    region_code: str | None = None  # the town of a town user; None for city-wide roles


@dataclass(frozen=True)
class SignIn:
    """The answer to a sign-in: the user, or none; `wait` > 0 when the name or the address
    is locked (seconds left), whether or not the password was checked."""

    user: User | None
    wait: float = 0.0


class UsersFileError(Exception):
    """The users file cannot be read (bad TOML, written by hand): nobody can sign in."""


def users_file() -> Path:
    return Path(os.environ.get("GONGHUI_USERS_FILE") or DEFAULT_USERS_FILE)


def valid_name(name: str) -> bool:
    return USER_NAME.fullmatch(name) is not None


def _maxmem(n: int, r: int, p: int) -> int:
    """Bytes OpenSSL's scrypt needs (its V and B arrays): hashlib's default limit, 32 MiB,
    is below what N=2^17 takes."""
    return 128 * r * (n + p + 2)


def _scrypt(password: str, salt: bytes, n: int, r: int, p: int, dklen: int) -> bytes:
    return hashlib.scrypt(
        password.encode("utf-8"), salt=salt, n=n, r=r, p=p, dklen=dklen, maxmem=_maxmem(n, r, p)
    )


def _format(n: int, r: int, p: int, salt: bytes, digest: bytes) -> str:
    b64 = base64.b64encode
    return f"scrypt${n}${r}${p}${b64(salt).decode()}${b64(digest).decode()}"


def hash_password(password: str, salt: bytes | None = None) -> str:
    """'scrypt$n$r$p$salt$hash' (base64), a fresh random salt per user."""
    salt = salt or secrets.token_bytes(16)
    digest = _scrypt(password, salt, SCRYPT_N, SCRYPT_R, SCRYPT_P, DIGEST_BYTES)
    return _format(SCRYPT_N, SCRYPT_R, SCRYPT_P, salt, digest)


# What an unknown name is checked against: current parameters, a digest nothing matches.
_DUMMY_HASH = _format(SCRYPT_N, SCRYPT_R, SCRYPT_P, bytes(16), bytes(DIGEST_BYTES))


def _parse(stored: str) -> tuple[int, int, int, bytes, bytes] | None:
    """(n, r, p, salt, digest) of a stored hash, or None when it is not one we can check."""
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        params = int(n), int(r), int(p)
        parsed = (*params, base64.b64decode(salt, validate=True), base64.b64decode(digest))
    except (ValueError, TypeError, AttributeError):
        return None
    n_, r_, p_ = params
    power_of_two = n_ > 1 and n_ & (n_ - 1) == 0
    bounded = n_ <= MAX_SCRYPT_N and 0 < r_ <= MAX_SCRYPT_R and 0 < p_ <= MAX_SCRYPT_P
    digest_length = 0 < len(parsed[4]) <= 64
    return parsed if scheme == "scrypt" and power_of_two and bounded and digest_length else None


def check_password(password: str, stored: str) -> bool:
    """Whether the password matches. Always exactly one scrypt run: a hash that cannot be
    read is replaced by the dummy hash (and the answer is no)."""
    parsed = _parse(stored)
    n, r, p, salt, expected = parsed or _parse(_DUMMY_HASH)
    actual = _scrypt(password, salt, n, r, p, len(expected))
    return hmac.compare_digest(actual, expected) and parsed is not None


def needs_rehash(stored: str) -> bool:
    """A hash made with other parameters than today's (N=2^14 before 2026)."""
    parsed = _parse(stored)
    return parsed is not None and parsed[:3] != (SCRYPT_N, SCRYPT_R, SCRYPT_P)


def load_users(path: Path | None = None) -> dict[str, dict]:
    """name → {role, region, password_hash}; an absent file means no users."""
    path = path or users_file()
    try:
        with path.open("rb") as handle:
            return dict(tomllib.load(handle).get("users", {}))
    except FileNotFoundError:
        return {}
    except tomllib.TOMLDecodeError as error:
        raise UsersFileError(
            f"用户文件 {path} 格式有误，请用 python -m dashboards.users 重新添加用户。"
            f" The users file is not valid TOML: {error}"
        ) from error


def write_users(users: dict[str, dict], path: Path) -> None:
    """Write the users file (TOML, by tomlkit), replacing it in one step. Raises ValueError
    for a name outside USER_NAME (a newline in a name once made the file unreadable)."""
    document = tomlkit.document()
    for line in USERS_FILE_HEADER:
        document.add(tomlkit.comment(line))
    table = tomlkit.table(is_super_table=True)
    for name in sorted(users):
        if not valid_name(name):
            raise ValueError(f"invalid user name {name!r}")
        entry = users[name]
        row = tomlkit.table()
        row["role"] = entry["role"]
        if entry.get("region"):
            row["region"] = entry["region"]
        row["password_hash"] = entry["password_hash"]
        table[name] = row
    document["users"] = table
    path.parent.mkdir(parents=True, exist_ok=True)
    # the file keeps its permissions; a new one is the owner's only (it holds the hashes)
    mode = path.stat().st_mode & 0o777 if path.exists() else 0o600
    # a reader (a sign-in) sees the old file or the new one, never half of one
    with tempfile.NamedTemporaryFile(
        "w", encoding="utf-8", dir=path.parent, prefix=f".{path.name}.", delete=False
    ) as handle:
        handle.write(tomlkit.dumps(document))
    try:
        os.chmod(handle.name, mode)
        os.replace(handle.name, path)
    except OSError:
        Path(handle.name).unlink(missing_ok=True)
        raise


def authenticate(name: str, password: str, path: Path | None = None) -> User | None:
    """The user when name and password match, else None (same answer, and the same one scrypt
    run, for an unknown name and a wrong password). A hash made with older parameters is made
    again with today's and saved."""
    name = name.strip()
    entry = load_users(path).get(name) if valid_name(name) else None
    stored = str((entry or {}).get("password_hash", ""))
    if not check_password(password, stored if entry else _DUMMY_HASH) or entry is None:
        return None
    if needs_rehash(stored):
        _upgrade(name, stored, hash_password(password), path or users_file())
    return user_of(name, entry)


def user_of(name: str, entry: dict) -> User | None:
    """The User a users-file entry describes; None for an entry that must not sign in."""
    role = entry.get("role")
    region = entry.get("region") or None
    if role not in ROLE_ZH or (role == TOWN and not region):
        return None  # a town user without a town sees nothing rather than everything
    return User(name, role, region if role == TOWN else None)


def _upgrade(name: str, old: str, new: str, path: Path) -> None:
    """Save the user's new hash, unless the file changed it meanwhile (an administrator set a
    new password). A file that cannot be written keeps the old hash: the sign-in goes on."""
    try:
        users = load_users(path)
        if users.get(name, {}).get("password_hash") == old:
            users[name] = {**users[name], "password_hash": new}
            write_users(users, path)
    except (OSError, ValueError, UsersFileError) as error:
        log.warning("could not save the upgraded password hash of %s: %s", name, error)


def sign_in(
    name: str, password: str, address: str | None = None, path: Path | None = None
) -> SignIn:
    """`authenticate` behind the throttles: a locked name or address is refused before any
    hash is computed. `address` is the client's (None on localhost: not throttled by
    address, a local proxy would lock everyone out)."""
    name = name.strip()
    name_key = name if valid_name(name) else _INVALID_NAME_KEY
    keys = [(BY_NAME, name_key)] + ([(BY_ADDRESS, address)] if address else [])
    wait = max(throttle.wait(key) for throttle, key in keys)
    if wait > 0:
        return SignIn(None, wait)
    user = authenticate(name, password, path)
    if user is None:
        return SignIn(None, max(throttle.failed(key) for throttle, key in keys))
    BY_NAME.succeeded(name_key)  # the address keeps its count: one account must not reset it
    return SignIn(user)
