"""One period's enterprises as canonical return records (field name → value), a town at a time.

The snapshot's columns are turned into Python lists once per period, so building the
records of one town file costs only that town's rows.
"""

from __future__ import annotations

from datetime import date

import numpy as np

from .city import City, Region
from .enterprises import OWNERSHIPS, SECTION_LETTERS, UNION_FORMS, Snapshot


class PeriodRecords:
    """Turns one snapshot into canonical per-enterprise records, a town at a time."""

    def __init__(self, snap: Snapshot, city: City):
        self.city = city
        self.order = np.argsort(snap.town, kind="stable")
        self.bounds = np.searchsorted(snap.town[self.order], np.arange(len(city.towns) + 1))
        union = snap.form != 0
        self.lists = {
            "uscc": snap.uscc.tolist(),
            "enterprise_name": snap.name.tolist(),
            "ownership": [OWNERSHIPS[i] for i in snap.ownership.tolist()],
            "industry_code": [SECTION_LETTERS[i] for i in snap.section.tolist()],
            "division": snap.division.tolist(),
            "employees": snap.employees.tolist(),
            "female_employees": snap.female.tolist(),
            "migrant_employees": snap.migrant.tolist(),
            "union_form": [UNION_FORMS[i] for i in snap.form.tolist()],
            "members": snap.members.tolist(),
            "female_members": snap.female_members.tolist(),
            "migrant_members": snap.migrant_members.tolist(),
            "members_registered": snap.registered.tolist(),
            "cba_signed_on": _days_to_dates(snap.cba_signed),
            "cba_expires_on": _days_to_dates(snap.cba_expires),
            "cba_covered": snap.cba_covered.tolist(),
            "female_cba": _bools(snap.female_cba, union),
            "wage_signed_on": _days_to_dates(snap.wage_signed),
            "wage_expires_on": _days_to_dates(snap.wage_expires),
            "wage_rounds": snap.wage_rounds.tolist(),
            "wage_rise_pct": [
                r if s >= 0 else None
                for r, s in zip(snap.wage_rise.tolist(), snap.wage_signed.tolist(), strict=True)
            ],
            "workers_congress": _bools(snap.congress, union),
            "open_affairs": _bools(snap.open_affairs, union),
            "union_legal_person": _bools(snap.legal_person, union),
        }

    def town_indices(self, t: int) -> list[int]:
        return self.order[self.bounds[t] : self.bounds[t + 1]].tolist()

    def record(self, i: int, town: Region, year: int) -> dict:
        rec = {name: values[i] for name, values in self.lists.items()}
        rec["region_code"] = town.code
        rec["period"] = year
        return rec

    def town_records(self, t: int, year: int) -> list[dict]:
        """Town `t`'s records, in the order of `town_indices(t)`."""
        town = self.city.towns[t]
        return [self.record(i, town, year) for i in self.town_indices(t)]


def _days_to_dates(days: np.ndarray) -> list[date | None]:
    """Day numbers since 1970 as dates; a negative number means no date."""
    as_dates = np.where(days >= 0, days, 0).astype("datetime64[D]").astype(object)
    return [
        d if ok else None for d, ok in zip(as_dates.tolist(), (days >= 0).tolist(), strict=True)
    ]


def _bools(values: np.ndarray, union: np.ndarray) -> list[bool | None]:
    """Yes/no answers only an enterprise with a union gives; blank for the others."""
    return [v if u else None for v, u in zip(values.tolist(), union.tolist(), strict=True)]
