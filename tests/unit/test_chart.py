"""The charts' specs: rate axes zoomed to the data in %, every region's bar 18 px."""

from __future__ import annotations

import polars as pl
import pytest

from dashboards.chart import ranking_chart, trend_chart, zoomed_domain

ORG_RATE = {"kpi": "org_rate", "name_zh": "工会组建率", "unit": "pct"}


@pytest.mark.parametrize(
    ("values", "unit", "domain"),
    [
        # 3.1 points apart: widened to 5, 94.7% and 97.8% are far apart on the axis
        ([94.7, 97.8, 95.0], "pct", [93, 99]),
        # 95.0 → 96.0 does not fill the plot: at least a 5-point span
        ([95.0, 96.0, None], "pct", [93, 98]),
        # never past 100%: the span moves down instead
        ([99.0, 100.0], "pct", [95, 100]),
        ([40.0, 90.0], "pct", [32, 98]),
        ([12.0, 30.0], "rounds", None),  # counts start at zero
        ([None], "pct", None),
    ],
)
def test_rate_axes_are_zoomed_to_the_data(values, unit, domain):
    assert zoomed_domain(values, unit) == domain


def _rows(n: int) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "region_name": [f"第{i}街道" for i in range(n)],
            "value": [90.0 + i * 0.2 for i in range(n)],
            "target": [95.0] * n,
            "gap": [90.0 + i * 0.2 - 95.0 for i in range(n)],
        }
    )


def test_ranking_bars_are_sized_per_bar_and_every_name_is_shown():
    spec = ranking_chart(_rows(30), ORG_RATE).to_dict()

    assert spec["height"] == {"step": 26}
    bars, labels, targets = spec["layer"]
    assert bars["mark"]["size"] == 18
    assert bars["encoding"]["y"]["axis"] == {"labelLimit": 0, "labelOverlap": False}
    assert bars["encoding"]["x"]["scale"] == {"domain": [89, 97], "zero": False}
    assert bars["encoding"]["x"]["axis"]["labelExpr"] == "datum.label + '%'"
    assert targets["encoding"]["x"]["field"] == "目标"


def test_trend_labels_are_level_and_the_axis_is_in_percent():
    long = pl.DataFrame(
        {
            "报告期": ["2024年度", "2025年度", "2024年度", "2025年度"],
            "系列": ["实际", "实际", "目标", "目标"],
            "数值": [95.0, 96.0, 95.0, 95.0],
            "显示": ["95.0%", "96.0%", "95.0%", "95.0%"],
        }
    )
    spec = trend_chart(long, ["2024年度", "2025年度"], ORG_RATE).to_dict()

    assert spec["encoding"]["x"]["axis"] == {"labelAngle": 0}
    assert spec["encoding"]["y"]["scale"] == {"domain": [93, 98], "zero": False}
    assert spec["encoding"]["y"]["axis"]["labelExpr"] == "datum.label + '%'"
