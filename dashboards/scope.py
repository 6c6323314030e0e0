"""What a signed-in user may see. Enforced where the rows are read (dashboards.queries).

- 领导 leader: every region, KPI pages, ranking, drill-down and action lists; no raw rows
  (no lineage columns, no quarantined rows as written, no data-quality page).
- 分析员 analyst: everything, every region.
- 镇街 town user: aggregates (KPIs) of any region, but enterprise rows, action lists,
  quarantine, reconciliation and load audit of their own town only.
"""

from __future__ import annotations

from dataclasses import dataclass

from dashboards.auth import ANALYST, LEADER, TOWN, User

# page id → roles that get it in the navigation (and in the query layer where it reads rows)
PAGES = {
    "overview": (LEADER, ANALYST, TOWN),
    "ranking": (LEADER, ANALYST, TOWN),
    "trends": (LEADER, ANALYST, TOWN),
    "drilldown": (LEADER, ANALYST, TOWN),
    "actions": (LEADER, ANALYST, TOWN),
    "quality": (ANALYST, TOWN),
}


class ScopeError(PermissionError):
    """A read the user's role does not allow."""


@dataclass(frozen=True)
class Scope:
    role: str
    town: str | None = None  # set for town users: every row read is limited to it

    @classmethod
    def of(cls, user: User) -> Scope:
        if user.role == TOWN and not user.region_code:
            raise ScopeError("town user without a town")
        return cls(user.role, user.region_code if user.role == TOWN else None)

    @property
    def lineage(self) -> bool:
        """May see source file / sheet / row of enterprise rows."""
        return self.role in (ANALYST, TOWN)

    def may_open(self, page: str) -> bool:
        return self.role in PAGES.get(page, ())

    def require(self, page: str) -> None:
        if not self.may_open(page):
            raise ScopeError(f"role {self.role} may not open {page}")

    def row_filter(self, column: str = "region_code") -> tuple[str, list]:
        """SQL condition (and its parameters) every row-level read is ANDed with."""
        if self.town is None:
            return "true", []
        return f"{column} = ?", [self.town]
