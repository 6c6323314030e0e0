"""Dashboard query latency on a published snapshot, through the dashboard's own reads.

`python -m benchmarks.dashboard_latency PUBLISH_DIR N` prints JSON. The queries are the
functions of dashboards.queries that a leader's clicks call (KPI cards, ranking, trend,
children of a region, enterprise drill-down, action list), with random regions and KPIs
(seeded). Streamlit's result cache is cleared before each one, so every figure is a real
DuckDB read on the snapshot, the cost of a first click; the connection stays open, as
it does in the running dashboard.
"""

from __future__ import annotations

import json
import logging
import os
import random
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path


def measure(publish_dir: Path, n: int, seed: int = 6) -> dict:
    os.environ["GONGHUI_PUBLISH_DIR"] = str(publish_dir)
    from dashboards import queries, snapshot
    from dashboards.auth import ANALYST, LEADER
    from dashboards.scope import Scope
    from pipelines.exports.contract_expiry import EXPIRY_LISTS, Horizon

    # outside `streamlit run` every cached read warns that there is no runtime
    for api in ("cache_data_api", "cache_resource_api"):
        logging.getLogger(f"streamlit.runtime.caching.{api}").setLevel(logging.ERROR)

    period = queries.periods()[0]
    regions = queries.regions()
    towns = regions.filter(regions["region_level"] == "town")["region_code"].to_list()
    parents = regions.filter(regions["region_level"] != "town")["region_code"].to_list()
    kpis = sorted(queries.kpis_in_period(period))
    rnd = random.Random(seed)
    leader, analyst = Scope(LEADER), Scope(ANALYST)
    clicks: dict[str, Callable[[], object]] = {
        "cards": lambda: (
            queries.region_kpis(code := rnd.choice(parents + towns), period),
            queries.head_counts(code, period),
        ),
        "children": lambda: queries.children_kpi(rnd.choice(parents), period, rnd.choice(kpis)),
        "ranking": lambda: queries.level_ranking("town", period, rnd.choice(kpis), False),
        "trend": lambda: queries.kpi_trend(rnd.choice(towns), rnd.choice(kpis)),
        "drill-down": lambda: queries.enterprises(
            analyst, rnd.choice(towns), period, rnd.choice(kpis)
        ),
        "actions": lambda: queries.actions(leader, rnd.choice(towns), period, "no_union"),
        "expiring": lambda: queries.contract_expiry(
            leader, rnd.choice(towns), period, rnd.choice(EXPIRY_LISTS), Horizon.of(period)
        ),
    }
    times: dict[str, list[float]] = {name: [] for name in clicks}
    names = list(clicks)
    for i in range(n):
        name = names[i % len(names)]
        snapshot._read.clear()
        started = time.perf_counter()
        clicks[name]()
        times[name].append((time.perf_counter() - started) * 1000)
    every = [t for ts in times.values() for t in ts]
    return {
        "n": len(every),
        "period": period,
        "towns": len(towns),
        "overall": _percentiles(every),
        "by_click": {name: _percentiles(ts) for name, ts in times.items()},
    }


def _percentiles(ms: list[float]) -> dict[str, float]:
    ordered = sorted(ms)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return {"p50": statistics.median(ordered), "p95": p95, "n": len(ordered)}


if __name__ == "__main__":
    print(json.dumps(measure(Path(sys.argv[1]), int(sys.argv[2]))))
