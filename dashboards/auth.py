"""Users, roles and password checks. Users live in a TOML file with scrypt hashes only.

The file is `dashboards/users.toml` unless `GONGHUI_USERS_FILE` names another one.
Manage it with `python -m dashboards.users add NAME --role leader|analyst|town [--region CODE]`.
No network identity provider: everything is checked locally.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
import tomllib
from dataclasses import dataclass
from pathlib import Path

DEFAULT_USERS_FILE = Path(__file__).resolve().parent / "users.toml"

LEADER, ANALYST, TOWN = "leader", "analyst", "town"
ROLE_ZH = {LEADER: "领导", ANALYST: "分析员", TOWN: "镇街"}

# scrypt cost: ~16 MiB and a few tens of milliseconds per check.
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**14, 8, 1


@dataclass(frozen=True)
class User:
    name: str
    role: str
    region_code: str | None = None  # the town of a town user; None for city-wide roles


def users_file() -> Path:
    return Path(os.environ.get("GONGHUI_USERS_FILE") or DEFAULT_USERS_FILE)


def hash_password(password: str, salt: bytes | None = None) -> str:
    """'scrypt$n$r$p$salt$hash' (base64), a fresh random salt per user."""
    salt = salt or secrets.token_bytes(16)
    digest = hashlib.scrypt(
        password.encode("utf-8"), salt=salt, n=SCRYPT_N, r=SCRYPT_R, p=SCRYPT_P, dklen=32
    )
    b64 = base64.b64encode
    return f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${b64(salt).decode()}${b64(digest).decode()}"


def check_password(password: str, stored: str) -> bool:
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        expected = base64.b64decode(digest)
        actual = hashlib.scrypt(
            password.encode("utf-8"),
            salt=base64.b64decode(salt),
            n=int(n),
            r=int(r),
            p=int(p),
            dklen=len(expected),
        )
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(actual, expected)


def load_users(path: Path | None = None) -> dict[str, dict]:
    """name → {role, region, password_hash}; an absent file means no users."""
    path = path or users_file()
    try:
        with path.open("rb") as handle:
            return dict(tomllib.load(handle).get("users", {}))
    except FileNotFoundError:
        return {}


def authenticate(name: str, password: str, path: Path | None = None) -> User | None:
    """The user when name and password match, else None (same answer for both mistakes)."""
    entry = load_users(path).get(name.strip())
    if entry is None:
        check_password(password, hash_password("timing"))  # same work for unknown names
        return None
    if not check_password(password, entry.get("password_hash", "")):
        return None
    role = entry.get("role")
    region = entry.get("region") or None
    if role not in ROLE_ZH or (role == TOWN and not region):
        return None  # a town user without a town sees nothing rather than everything
    return User(name.strip(), role, region if role == TOWN else None)
