"""Signed, expiring session tokens: a signed-in user survives F5 and opens bookmarks.

The token travels in the page's address (query parameter `s`), which the browser keeps on
reload; the dashboard puts it back after every page change. It holds the user's name, when
it expires and a fingerprint of the user's stored password hash, signed with HMAC-SHA256
under a secret kept beside the users file (`session.key`, made on first use, readable by its
owner only). Never the password. A new password, a removed user or a new key ends every
session of that user; after LIFETIME_S the password is asked again.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import secrets
import time
from pathlib import Path

from dashboards.auth import User, load_users, user_of, users_file

TOKEN_PARAM = "s"
LIFETIME_S = 8 * 3600  # a working day
KEY_BYTES = 32


def key_path() -> Path:
    return users_file().with_name("session.key")


def _key() -> bytes:
    """The signing key, made once (owner-only) by whichever process needs it first."""
    path = key_path()
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_bytes()
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(secrets.token_bytes(KEY_BYTES))
    return path.read_bytes()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _fingerprint(password_hash: str) -> str:
    return hashlib.sha256(password_hash.encode("utf-8")).hexdigest()[:16]


def _signature(payload: str) -> str:
    return _b64(hmac.new(_key(), payload.encode("ascii"), hashlib.sha256).digest())


def issue(name: str, now: float | None = None) -> str:
    """A token for a user who has just signed in with their password."""
    entry = load_users().get(name, {})
    claims = {
        "u": name,
        "exp": int((now or time.time()) + LIFETIME_S),
        "f": _fingerprint(str(entry.get("password_hash", ""))),
    }
    payload = _b64(json.dumps(claims, separators=(",", ":")).encode("utf-8"))
    return f"{payload}.{_signature(payload)}"


def verify(token: str | None, now: float | None = None) -> User | None:
    """The user a token signs in, or None: bad signature, expired, or the user's password
    or role no longer what it was."""
    if not token or token.count(".") != 1:
        return None
    payload, signature = token.split(".")
    try:
        if not hmac.compare_digest(signature.encode("ascii"), _signature(payload).encode("ascii")):
            return None
        claims = json.loads(_unb64(payload))
        name, expires, fingerprint = claims["u"], claims["exp"], claims["f"]
    except (ValueError, KeyError, TypeError):  # not ASCII, not base64, not JSON, not ours
        return None
    if not isinstance(expires, int) or expires <= (now or time.time()):
        return None
    entry = load_users().get(name)
    if entry is None or _fingerprint(str(entry.get("password_hash", ""))) != fingerprint:
        return None
    return user_of(name, entry)
