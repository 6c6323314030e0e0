"""Manage dashboard users: `python -m dashboards.users add NAME --role ROLE [--region CODE]`.

Passwords are read from the terminal (or stdin with --password-stdin) and stored only
as scrypt hashes with a per-user salt. User names are 1-64 letters, digits, _ . or -; the
file is written by a TOML library (dashboards.auth.write_users).
"""

from __future__ import annotations

import argparse
import getpass
import sys
from pathlib import Path

from dashboards.auth import (
    ROLE_ZH,
    TOWN,
    TOWN_CODE,
    hash_password,
    load_users,
    users_file,
    valid_name,
    write_users,
)

__all__ = ["main", "write_users"]


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
    if args.command == "add" and not valid_name(args.name):
        parser.error(
            f"用户名只能由字母、数字和 _ . - 组成，最多64个字符：{args.name!r}。"
            " A user name is 1-64 letters, digits, _ . or -."
        )
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
            parser.error("镇街账号须指定 --region 镇街代码。--region is required for a town user")
        if args.region and not TOWN_CODE.fullmatch(args.region):
            parser.error(f"镇街代码应为12位数字：{args.region!r}。A town code is 12 digits.")
        password = _password(args)
        if len(password) < 8:
            raise SystemExit("密码至少8位 (at least 8 characters)")
        users[args.name] = {"role": args.role, "password_hash": hash_password(password)}
        if args.role == TOWN:
            users[args.name]["region"] = args.region
    try:
        write_users(users, path)
    except ValueError as error:  # a name written by hand or by an older version
        raise SystemExit(
            f"用户文件中有不合规的用户名，请先删除（remove）：{error}。"
            f" Remove the invalid user name first: {error}"
        ) from error
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
