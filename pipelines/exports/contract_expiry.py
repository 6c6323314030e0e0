"""已到期未续签 and 即将到期: the two questions a leader asks of the contracts in a period.

mart_contract_expiry holds every contract with an expiry date, one row per enterprise and
contract type. Which are expired or expiring depends on the date the reader counts from (the
period end, or today) and how far ahead they look, so both lists are drawn here, at read
time, by the dashboard's 行动清单 and by `gonghui export actions` alike.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

# The federation's calendar: "today" is today in China, whatever the server's clock zone.
FEDERATION_TZ = ZoneInfo("Asia/Shanghai")
REFERENCE_ZH = {"period_end": "报告期末", "today": "今天"}
DEFAULT_DAYS = 90
DAY_CHOICES = (30, 60, 90, 180, 365)
CONTRACT_ZH = {"cba": "集体合同", "wage": "工资专项集体合同"}
COLUMNS = (
    "contract_zh, uscc, enterprise_name, region_code, region_name, district_name, employees,"
    " signed_on, expires_on"
)


@dataclass(frozen=True)
class Horizon:
    """The reference date the lists count from, and how many days 即将到期 looks ahead."""

    reference: str
    as_of: date
    days: int = DEFAULT_DAYS

    @classmethod
    def of(cls, period: str, reference: str = "period_end", days: int = DEFAULT_DAYS) -> Horizon:
        if reference not in REFERENCE_ZH:
            raise ValueError(f"unknown reference {reference!r}: one of {', '.join(REFERENCE_ZH)}")
        if days < 1:
            raise ValueError(f"days ahead must be at least 1, not {days}")
        if reference == "today":
            return cls(reference, datetime.now(FEDERATION_TZ).date(), days)
        return cls(reference, period_end(period), days)

    def label(self) -> str:
        """截至 2025-12-31（报告期末）: the sentence every list and export carries."""
        return f"截至 {self.as_of:%Y-%m-%d}（{REFERENCE_ZH[self.reference]}）"


def period_end(period: str) -> date:
    """The last day of a 'YYYY-MM' period."""
    year, month = (int(part) for part in period.split("-"))
    return date(year, month, calendar.monthrange(year, month)[1])


@dataclass(frozen=True)
class ExpiryList:
    """One list: one contract type, one question (expired | expiring)."""

    contract_type: str
    status: str

    @property
    def key(self) -> str:
        return f"{self.contract_type}_{self.status}"

    def title(self, horizon: Horizon) -> str:
        """集体合同已到期未续签 / 工资专项集体合同90天内到期"""
        contract = CONTRACT_ZH[self.contract_type]
        if self.status == "expired":
            return f"{contract}已到期未续签"
        return f"{contract}{horizon.days}天内到期"

    def query(self, horizon: Horizon, period: str, where: str, lineage: str) -> tuple[str, list]:
        """The list's rows as SQL on the snapshot, and its parameters. `where` is the
        caller's filter (region, the user's scope), its parameters follow these.

        Closest to the reference date first: the soonest to expire, the latest expired."""
        if self.status == "expired":
            condition, bounds, order = "expires_on < ?", [horizon.as_of], "expires_on desc"
        else:
            condition = "expires_on between ? and ?"
            bounds = [horizon.as_of, horizon.as_of + timedelta(days=horizon.days)]
            order = "expires_on"
        sql = (
            f"select {COLUMNS}, date_diff('day', ?::date, expires_on) as days_left,"
            " case"
            "   when expires_on < ?::date"
            "     then '已到期' || date_diff('day', expires_on, ?::date) || '天'"
            "   when expires_on = ?::date then '当天到期'"
            "   else date_diff('day', ?::date, expires_on) || '天后到期'"
            f" end as status_zh{lineage}"
            " from mart_contract_expiry"
            f" where period = ? and contract_type = ? and {condition} and {where}"
            f" order by {order}, employees desc nulls last, uscc"
        )
        return sql, [*[horizon.as_of] * 5, period, self.contract_type, *bounds]


EXPIRY_LISTS = tuple(
    ExpiryList(contract, status) for status in ("expired", "expiring") for contract in CONTRACT_ZH
)
