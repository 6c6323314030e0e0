"""Manage dashboard users: `python -m dashboards.users add NAME --role ROLE [--region CODE]`.

Passwords are read from the terminal (or stdin with --password-stdin) and stored only
as scrypt hashes with a per-user salt.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from pathlib import Path

from dashboards.auth import ROLE_ZH, TOWN, hash_password, load_users, users_file

HEADER = (
    "# Dashboard users (dashboards/auth.py). Passwords are scrypt hashes with a per-user salt;\n"
    "# edit with `python -m dashboards.users add NAME --role leader|analyst|town [--region CODE]`.\n"
)


def _quote(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def write_users(users: dict[str, dict], path: Path) -> None:
    lines = [HEADER]
    for name in sorted(users):
        entry = users[name]
        lines.append(f"\n[users.{_quote(name)}]\n")
        lines.append(f"role = {_quote(entry['role'])}\n")
        if entry.get("region"):
            lines.append(f"region = {_quote(entry['region'])}\n")
        lines.append(f"password_hash = {_quote(entry['password_hash'])}\n")
    path.write_text("".join(lines), encoding="utf-8")


def _password(args: argparse.Namespace) -> str:
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\n")
    first = getpass.getpass("密码 password: ")
    if first != getpass.getpass("再输一次 again: "):
        raise SystemExit("两次输入的密码不一致 (passwords differ)")
    return first


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m dashboards.users", description="仪表盘用户 users"
    )
    parser.add_argument("--file", type=Path, default=None, help="users file (default users.toml)")
    sub = parser.add_subparsers(dest="command", required=True)
    add = sub.add_parser("add", help="添加或修改用户 add or update a user")
    add.add_argument("name")
    add.add_argument("--role", required=True, choices=sorted(ROLE_ZH))
    add.add_argument("--region", help="镇街代码 (town role) town code")
    add.add_argument("--password-stdin", action="store_true", help="read the password from stdin")
    remove = sub.add_parser("remove", help="删除用户 remove a user")
    remove.add_argument("name")
    sub.add_parser("list", help="列出用户 list users")
    args = parser.parse_args(argv)

    path = args.file or users_file()
    users = load_users(path)
    if args.command == "list":
        for name in sorted(users):
            entry = users[name]
            print(name, entry.get("role"), entry.get("region", ""))
        return 0
    if args.command == "remove":
        users.pop(args.name, None)
    else:
        if args.role == TOWN and not args.region:
            parser.error("--region is required for a town user")
        password = _password(args)
        if len(password) < 8:
            raise SystemExit("密码至少8位 (at least 8 characters)")
        users[args.name] = {"role": args.role, "password_hash": hash_password(password)}
        if args.role == TOWN:
            users[args.name]["region"] = args.region
    write_users(users, path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
