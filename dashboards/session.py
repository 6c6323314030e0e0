"""The signed-in user, kept in st.session_state (one browser session = one login)."""

from __future__ import annotations

import time

import streamlit as st

from dashboards.auth import ROLE_ZH, User, authenticate

USER_KEY = "user"


def current_user() -> User | None:
    user = st.session_state.get(USER_KEY)
    return user if isinstance(user, User) else None


def login_form() -> None:
    """The login page: name and password checked against users.toml (scrypt hashes)."""
    st.subheader("登录")
    with st.form("login"):
        name = st.text_input("用户名", key="login_name")
        password = st.text_input("密码", type="password", key="login_password")
        submitted = st.form_submit_button("登录", type="primary")
    if not submitted:
        st.caption("请使用市总工会分配的账号登录。")
        return
    user = authenticate(name, password)
    if user is None:
        time.sleep(0.5)  # slows guessing a little; no account lock-out to abuse
        st.error("用户名或密码错误")
        return
    st.session_state.clear()  # nothing of an earlier login survives into this one
    st.session_state[USER_KEY] = user
    st.rerun()


def logout_button(user: User) -> None:
    where = f"　{user.region_code}" if user.region_code else ""
    st.sidebar.caption(f"当前用户：{user.name}（{ROLE_ZH[user.role]}{where}）")
    if st.sidebar.button("退出登录", key="logout"):
        st.session_state.clear()
        st.rerun()
