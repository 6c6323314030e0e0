"""The signed-in user, kept in st.session_state (one browser session = one login)."""

from __future__ import annotations

import math

import streamlit as st

from dashboards.auth import ROLE_ZH, User, UsersFileError, sign_in
from dashboards.formatting import plain

USER_KEY = "user"


def current_user() -> User | None:
    user = st.session_state.get(USER_KEY)
    return user if isinstance(user, User) else None


def fmt_wait(seconds: float) -> str:
    """How long a locked sign-in waits, as a clerk reads it: "30秒", "2分钟"."""
    whole = max(1, math.ceil(seconds))
    return f"{whole}秒" if whole < 60 else f"{math.ceil(whole / 60)}分钟"


def login_form() -> None:
    """The login page: name and password checked against users.toml (scrypt hashes), behind
    the per-name and per-address throttles of dashboards.auth."""
    st.subheader("登录")
    with st.form("login"):
        name = st.text_input("用户名", key="login_name")
        password = st.text_input("密码", type="password", key="login_password")
        submitted = st.form_submit_button("登录", type="primary")
    if not submitted:
        st.caption("请使用市总工会分配的账号登录。")
        return
    try:
        attempt = sign_in(name, password, st.context.ip_address)
    except UsersFileError:
        st.error("用户文件有误，暂时无法登录，请联系管理员。")
        return
    if attempt.user is None:
        if attempt.wait > 0:
            st.error(f"用户名或密码错误次数过多，请{fmt_wait(attempt.wait)}后再试")
        else:
            st.error("用户名或密码错误")
        return
    st.session_state.clear()  # nothing of an earlier login survives into this one
    st.session_state[USER_KEY] = attempt.user
    st.rerun()


def logout_button(user: User) -> None:
    where = f"　{user.region_code}" if user.region_code else ""
    st.sidebar.caption(f"当前用户：{plain(user.name)}（{ROLE_ZH[user.role]}{where}）")
    if st.sidebar.button("退出登录", key="logout"):
        st.session_state.clear()
        st.rerun()
