"""The signed-in user: kept in st.session_state for the browser session, and in a signed,
expiring token in the page's address (dashboards.tokens) so that F5 and a bookmark sign the
user in again without the password."""

from __future__ import annotations

import math

import streamlit as st

from dashboards import tokens
from dashboards.auth import ROLE_ZH, User, UsersFileError, sign_in
from dashboards.formatting import plain

USER_KEY = "user"
TOKEN_KEY = "_session_token"
EXPIRED_KEY = "_session_expired"


def current_user() -> User | None:
    """The user of this browser session, or of the token in the address (a reload, a
    bookmark); None when neither signs anyone in."""
    user = st.session_state.get(USER_KEY)
    if isinstance(user, User):
        return user
    token = st.query_params.get(tokens.TOKEN_PARAM)
    user = tokens.verify(token)
    if user is None:
        if token:  # expired, or the password changed: say so on the login form
            del st.query_params[tokens.TOKEN_PARAM]
            st.session_state[EXPIRED_KEY] = True
        return None
    _remember(user, token)
    return user


def _remember(user: User, token: str) -> None:
    st.session_state[USER_KEY] = user
    st.session_state[TOKEN_KEY] = token
    st.query_params[tokens.TOKEN_PARAM] = token


def keep_token() -> None:
    """Put the session's token back into the address when a page change dropped it."""
    token = st.session_state.get(TOKEN_KEY)
    if token and st.query_params.get(tokens.TOKEN_PARAM) != token:
        st.query_params[tokens.TOKEN_PARAM] = token


def fmt_wait(seconds: float) -> str:
    """How long a locked sign-in waits, as a clerk reads it: "30秒", "2分钟"."""
    whole = max(1, math.ceil(seconds))
    return f"{whole}秒" if whole < 60 else f"{math.ceil(whole / 60)}分钟"


def login_form() -> None:
    """The login page: name and password checked against users.toml (scrypt hashes), behind
    the per-name and per-address throttles of dashboards.auth."""
    st.subheader("登录")
    if st.session_state.get(EXPIRED_KEY):
        st.info("登录已过期或已失效，请重新登录。")
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
    _remember(attempt.user, tokens.issue(attempt.user.name))
    st.rerun()  # the same address: a deep link opens the page it pointed to


def logout_button(user: User, region_names: dict[str, str]) -> None:
    """Who is signed in, a town user's town by name (西门街道, not 330203002000)."""
    code = user.region_code
    where = f"　{region_names.get(code, code)}" if code else ""
    st.sidebar.caption(f"当前用户：{plain(user.name)}（{ROLE_ZH[user.role]}{where}）")
    if st.sidebar.button("退出登录", key="logout"):
        st.session_state.clear()
        st.query_params.pop(tokens.TOKEN_PARAM, None)
        st.rerun()
