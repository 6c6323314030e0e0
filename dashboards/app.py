"""工会组建与覆盖统计: the dashboard. Run with `streamlit run dashboards/app.py`.

Reads only the published snapshot (dashboards.snapshot), never the warehouse. Every
visitor signs in (dashboards.session); the pages offered depend on the role
(dashboards.scope), and each page reads through dashboards.queries within that scope.
"""

from __future__ import annotations

import sys
from functools import partial
from pathlib import Path

# `streamlit run` puts this file's folder on sys.path, not the repository root; add it so
# the app imports `dashboards` and `pipelines` from any working directory.
REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

import duckdb  # noqa: E402
import streamlit as st  # noqa: E402

from dashboards import queries  # noqa: E402
from dashboards.context import sidebar  # noqa: E402
from dashboards.formatting import plain  # noqa: E402
from dashboards.queries import failed_refresh  # noqa: E402
from dashboards.scope import PAGES, Scope  # noqa: E402
from dashboards.session import current_user, keep_token, login_form, logout_button  # noqa: E402
from dashboards.snapshot import NO_SNAPSHOT_ZH, NoSnapshotError  # noqa: E402

TITLE = "工会组建与覆盖统计"
VIEWS = Path(__file__).resolve().parent / "views"
PAGE_ZH = {  # page id → (title, icon)
    "overview": ("总览", ":material/dashboard:"),
    "ranking": ("排名", ":material/leaderboard:"),
    "trends": ("趋势", ":material/show_chart:"),
    "drilldown": ("下钻", ":material/account_tree:"),
    "actions": ("行动清单", ":material/checklist:"),
    "quality": ("数据质量", ":material/fact_check:"),
}


def pages_for(scope: Scope) -> list:
    """The pages of the user's role in the navigation; the others answer their address with a
    Chinese sentence (hidden from the navigation), not with "Page not found"."""
    return [
        st.Page(
            VIEWS / f"{page}.py", title=title, icon=icon, url_path=page, default=page == "overview"
        )
        if scope.may_open(page)
        else st.Page(
            partial(not_for_this_role, title), title=title, url_path=page, visibility="hidden"
        )
        for page, (title, icon) in PAGE_ZH.items()
        if page in PAGES
    ]


def not_for_this_role(title: str) -> None:
    st.warning(f"您的账号不能查看“{title}”页，请从左侧选择其他页面。")


def login_pages() -> list:
    """Every page's address leads to the login form, so that a bookmark or a link to a page
    asks for the password and then opens that page (not a "Page not found")."""
    return [
        st.Page(
            login_form,
            title="登录",
            icon=":material/login:",
            url_path=page,
            default=page == "overview",
        )
        for page in PAGE_ZH
    ]


def main() -> None:
    st.set_page_config(page_title=TITLE, page_icon="📊", layout="wide")
    st.title(TITLE)
    user = current_user()
    if user is None:
        st.navigation(login_pages(), position="hidden").run()
        return
    keep_token()
    scope = Scope.of(user)
    navigation = st.navigation(pages_for(scope))
    logout_button(user, queries.region_names())
    failed = failed_refresh(scope)  # a town user: no reason (it may name other towns' files)
    if failed:
        reason = (
            f"原因：{plain(failed['failure_reason'] or '见数据质量页')}"
            if "failure_reason" in failed
            else ""
        )
        st.error(
            f"最近一次数据刷新（{(failed['ended_at'] or '')[:16]}）失败，以下仍为上次成功发布的数据。"
            + reason
        )
    try:
        if sidebar(scope) is not None:
            navigation.run()
    except NoSnapshotError:
        st.info(NO_SNAPSHOT_ZH)
    except duckdb.Error as exc:
        st.error(f"读取已发布数据失败，请重新运行 gonghui refresh。（{plain(exc)}）")


main()
