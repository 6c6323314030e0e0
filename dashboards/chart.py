"""Bar chart of the ranking: one bar per region, red below target, green when met."""

from __future__ import annotations

import altair as alt
import polars as pl

from dashboards.formatting import fmt_value

MET, MISSED, NO_TARGET = "达标", "未达标", "未设目标"
COLOURS = alt.Scale(domain=[MET, MISSED, NO_TARGET], range=["#15803D", "#C8102E", "#6B7280"])


def ranking_chart(rows: pl.DataFrame, definition: dict) -> alt.LayerChart:
    """rows: mart_kpi rows in rank order (region_name, value, target, gap)."""
    unit = definition["unit"]
    data = rows.select(
        pl.col("region_name").alias("区域"),
        pl.col("value").alias("值"),
        pl.col("target").alias("目标"),
        pl.when(pl.col("gap").is_null())
        .then(pl.lit(NO_TARGET))
        .when(pl.col("gap") >= 0)
        .then(pl.lit(MET))
        .otherwise(pl.lit(MISSED))
        .alias("达标"),
        pl.col("value")
        .map_elements(lambda v: fmt_value(v, unit), return_dtype=pl.String)
        .alias("显示"),
    ).to_pandas()  # Altair wants pandas (or a dict); the frame is a handful of rows
    order = data["区域"].tolist()
    base = alt.Chart(data).encode(y=alt.Y("区域:N", sort=order, title=None))
    bars = base.mark_bar().encode(
        x=alt.X("值:Q", title=definition["name_zh"]),
        color=alt.Color("达标:N", scale=COLOURS, legend=alt.Legend(title=None, orient="bottom")),
        tooltip=["区域", "显示", "目标", "达标"],
    )
    labels = base.mark_text(align="left", dx=4).encode(x="值:Q", text="显示:N")
    targets = base.mark_tick(color="#111827", thickness=2, size=24).encode(x="目标:Q")
    return alt.layer(bars, labels, targets).properties(height=max(120, 24 * len(order)))
