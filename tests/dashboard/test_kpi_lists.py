"""The enterprises behind a KPI: listed with the filters of the snapshot's kpi_definitions.

In the conftest snapshot 锦屏街道 has 200 enterprises in 2025-12; enterprise i has a union
when i < 196, a contract in force when i < 150 and is 国有 when i is a multiple of 10, so
20 of its unionised enterprises are 国有 (0, 10, …, 190) and 176 are 非公.
"""

from __future__ import annotations

from dashboards import queries
from dashboards.scope import Scope
from tests.dashboard.conftest import JINPING

ANALYST = Scope("analyst")


def counted(kpi: str) -> tuple[int, int]:
    """(enterprises listed, of which counted in the numerator) for 锦屏街道 in 2025-12."""
    rows = queries.enterprises(ANALYST, JINPING, "2025-12", kpi)
    return rows.height, rows.filter(rows["counted"].fill_null(False)).height


def test_list_behind_a_rate_is_its_denominator_flagged_by_its_numerator(snapshot):
    assert counted("org_rate") == (200, 196)
    assert counted("cba_rate") == (196, 150)


def test_ownership_split_follows_the_ownership_group(snapshot):
    # no enterprise of the snapshot has a workers' congress
    assert counted("congress_rate_public") == (20, 0)
    assert counted("congress_rate_nonpublic") == (176, 0)


def test_kpi_of_the_previous_period_lists_every_enterprise_uncounted(snapshot):
    rows = queries.enterprises(ANALYST, JINPING, "2025-12", "submission_rate")
    assert rows.height == 200
    assert rows["counted"].null_count() == 200


def test_kpis_listed_are_those_counting_enterprises_of_this_period(snapshot):
    assert queries.listed_kpis() == {
        "org_rate",
        "cba_rate",
        "wage_rate",
        "congress_rate_nonpublic",
        "congress_rate_public",
    }
