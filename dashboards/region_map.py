"""The map: one KPI by town or by district, coloured by its distance to target (or its value).

Where the published snapshot has an outline of every region on the map (dim_region_boundary,
from a GeoJSON file in raw/reference/), the regions are drawn as they lie (Mercator);
otherwise as a tile map: one square per region, grouped by district as the region hierarchy
(dim_region) has them, in the same colours and with their names, so a city without a
boundary file still reads by place. Below target is red: 距目标 on a red–blue scale centred
on 0; 指标值 on a blue scale with the regions below target outlined in red. Clicking a region
hands its code back to the page, which drills down.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass

import altair as alt
import pandas as pd
import polars as pl
import streamlit as st

from dashboards import queries
from dashboards.chart import MET, MISSED, NO_TARGET
from dashboards.formatting import NOT_REPORTED, fmt_change, fmt_kpi_value, fmt_value
from dashboards.regions import LEVEL_ZH, Region
from pipelines.ingest.geometry import centroid, signed_area

PICK = "region_pick"  # the click selection's name, and the key of what Streamlit returns
# A text drawn over a region catches the click meant for it (Vega-Lite cannot let it through,
# and a selection belongs to one layer): the names and values have a selection of their own.
PICK_NAMES, PICK_VALUES = f"{PICK}_names", f"{PICK}_values"
MEASURES = {"gap": "距目标", "value": "指标值"}
NO_DATA = "无数据"
NO_DATA_FILL = "#E5E7EB"
BELOW_TARGET = "#C8102E"
HIGHLIGHT = "#111827"
BORDER = "#4B5563"  # a district's outline over its towns
DARK_TEXT, LIGHT_TEXT = "#111827", "#FFFFFF"
STRONG = 0.6  # of the 指标值 scale, beyond which a name is written in white
# 距目标 in six classes: below -5, -5 to -2, -2 to 0 (reds), 0 to 2, 2 to 5, 5 and more (blues)
PCT_GAP_BREAKS = (-5.0, -2.0, 0.0, 2.0, 5.0)
GAP_COLOURS = ("#B2182B", "#D6604D", "#F4A582", "#92C5DE", "#4393C3", "#2166AC")
STEP = 58  # px: one square of the tile map
MAX_COLUMNS = 14  # squares across, so that the tile map fits beside nothing on a laptop
TILE_INSET = 0.05  # of a square: the gap between squares
GEO_WIDTH, GEO_HEIGHT = 820, 580
TOOLTIP_FIELDS = ("name", "shown", "target_shown", "gap_shown", "status")


# ── the tile map's layout ─────────────────────────────────────────────────────────────


@dataclass(frozen=True)
class Tile:
    region_code: str
    group_code: str
    col: int
    row: int  # from the top


@dataclass(frozen=True)
class GroupLabel:
    text: str
    col: int
    row: int


@dataclass(frozen=True)
class TileLayout:
    tiles: tuple[Tile, ...]
    labels: tuple[GroupLabel, ...]
    columns: int
    rows: int


def tile_layout(places: list[tuple[str, str, str]]) -> TileLayout:
    """Squares for places (region_code, group_code, group_name), in the order given: each
    group (district) a block about 1.3 times as wide as tall, filled row by row, under a row
    holding its name; the blocks side by side, about √(2 × groups) to a shelf but no shelf
    wider than MAX_COLUMNS squares (unless one block is), a free column between blocks and a
    free row between shelves. Every place gets one square."""
    groups: dict[str, tuple[str, list[str]]] = {}
    for code, group_code, group_name in places:
        groups.setdefault(group_code, (group_name, []))[1].append(code)
    widths = [max(1, round(math.sqrt(1.3 * len(codes)))) for _, codes in groups.values()]
    per_shelf = max(1, math.ceil(math.sqrt(2 * len(groups))))
    while per_shelf > 1 and _widest_shelf(widths, per_shelf) > MAX_COLUMNS:
        per_shelf -= 1
    tiles: list[Tile] = []
    labels: list[GroupLabel] = []
    col = top = shelf_rows = columns = 0
    for n, (group_code, (name, codes)) in enumerate(groups.items()):
        if n and n % per_shelf == 0:  # a new shelf
            col, top, shelf_rows = 0, top + shelf_rows + 1, 0
        width = widths[n]
        height = math.ceil(len(codes) / width)
        labels.append(GroupLabel(name, col, top))
        tiles += [
            Tile(code, group_code, col + i % width, top + 1 + i // width)
            for i, code in enumerate(codes)
        ]
        columns = max(columns, col + width)
        col += width + 1
        shelf_rows = max(shelf_rows, height + 1)
    return TileLayout(tuple(tiles), tuple(labels), columns, top + shelf_rows)


def _widest_shelf(widths: list[int], per_shelf: int) -> int:
    shelves = [widths[i : i + per_shelf] for i in range(0, len(widths), per_shelf)]
    return max(sum(shelf) + len(shelf) - 1 for shelf in shelves)


# ── what each region shows ────────────────────────────────────────────────────────────


def map_records(frame: pl.DataFrame, definition: dict) -> list[dict]:
    """frame: queries.map_regions rows. One record per region: code, name, value, gap, and
    the texts its tooltip and square show ("98.2%", "+1.2个百分点", 达标)."""
    unit = definition["unit"]
    records = []
    for row in frame.iter_rows(named=True):
        has_value = row["value"] is not None and not math.isnan(row["value"])
        gap = row["gap"] if has_value else None
        shown = fmt_kpi_value(row, unit)  # "未报" where nobody in its scope reported it
        if not has_value:
            status = NOT_REPORTED if shown == NOT_REPORTED else NO_DATA
        else:
            status = NO_TARGET if gap is None else MET if gap >= 0 else MISSED
        records.append(
            {
                "region_code": row["region_code"],
                "name": row["region_name"],
                "value": row["value"] if has_value else None,
                "gap": gap,
                "shown": shown,
                "target_shown": fmt_value(row["target"], unit),
                "gap_shown": fmt_change(gap, unit),
                "status": status,
            }
        )
    return records


def gap_breaks(records: list[dict], definition: dict) -> list[float]:
    """Where the classes of 距目标 change: 5 and 2 points either side of 0 for a rate, as a
    leader reads a gap; for a count, a fifth and a half of the largest gap."""
    if definition["unit"] == "pct":
        return list(PCT_GAP_BREAKS)
    reach = max([1.0, *(abs(r["gap"]) for r in records if r["gap"] is not None)])
    near, far = _nice(reach / 5), _nice(reach / 2)
    return [-far, -near, 0.0, near, far] if far > near else [-near, 0.0, near]


def _nice(value: float) -> float:
    """1, 2 or 5 times a power of ten, the nearest at or above value."""
    power = 10 ** math.floor(math.log10(value)) if value > 0 else 1
    return next(step * power for step in (1, 2, 5, 10) if step * power >= value)


def _value_domain(records: list[dict]) -> tuple[float, float]:
    known = [r["value"] for r in records if r["value"] is not None]
    if not known:
        return 0.0, 1.0
    low, high = min(known), max(known)
    return (low, high) if high > low else (low - 0.5, high + 0.5)


def _colour(records: list[dict], measure: str, definition: dict, orient: str) -> alt.Color:
    """距目标 in classes, red below 0 and blue from 0 on (below target is red however
    little); 指标值 on a continuous blue scale."""
    pct = definition["unit"] == "pct"
    if measure == "gap":
        breaks = gap_breaks(records, definition)
        colours = GAP_COLOURS if len(breaks) == 5 else GAP_COLOURS[1:-1]
        scale = alt.Scale(type="threshold", domain=breaks, range=list(colours))
        title = "距目标（个百分点）" if pct else "距目标"
    else:
        scale = alt.Scale(scheme="blues", domain=list(_value_domain(records)), zero=False)
        title = f"{definition['name_zh']}（%）" if pct else definition["name_zh"]
    direction = "horizontal" if orient in ("top", "bottom") else "vertical"
    legend = alt.Legend(title=title, orient=orient, direction=direction, labelFontSize=11)
    return alt.Color(f"{measure}:Q", scale=scale, legend=legend)


def _fill(records: list[dict], measure: str, definition: dict, orient: str = "right"):  # noqa: ANN202
    """The measure's colour, grey where the region has no value."""
    return (
        alt.when(f"isValid(datum.{measure})")
        .then(_colour(records, measure, definition, orient))
        .otherwise(alt.value(NO_DATA_FILL))
    )


def _text_colour(records: list[dict], measure: str, definition: dict):  # noqa: ANN202
    """White on the dark classes (both ends of 距目标) and the dark end of 指标值."""
    if measure == "gap":
        breaks = gap_breaks(records, definition)
        low, high = breaks[len(breaks) // 2 - 1], breaks[len(breaks) // 2 + 1]
        strong = f"isValid(datum.gap) && (datum.gap < {low} || datum.gap >= {high})"
    else:
        low, high = _value_domain(records)
        strong = f"isValid(datum.value) && datum.value > {low + STRONG * (high - low)}"
    return alt.when(strong).then(alt.value(LIGHT_TEXT)).otherwise(alt.value(DARK_TEXT))


def _outline(measure: str, highlight: str | None, default: str, width: float):  # noqa: ANN202
    """(stroke, strokeWidth): the region on screen in black; with 指标值, the regions below
    target in red (with 距目标 the fill says it)."""
    stroke = alt.when(alt.datum.region_code == (highlight or "")).then(alt.value(HIGHLIGHT))
    stroke_width = alt.when(alt.datum.region_code == (highlight or "")).then(alt.value(3))
    if measure == "value":
        stroke = stroke.when(alt.datum.status == MISSED).then(alt.value(BELOW_TARGET))
        stroke_width = stroke_width.when(alt.datum.status == MISSED).then(alt.value(2.5))
    return stroke.otherwise(alt.value(default)), stroke_width.otherwise(alt.value(width))


def _tooltip(definition: dict) -> list[alt.Tooltip]:
    titles = ("区域", definition["name_zh"], "目标", "距目标", "达标")
    return [alt.Tooltip(f"{f}:N", title=t) for f, t in zip(TOOLTIP_FIELDS, titles, strict=True)]


def _pick(name: str = PICK) -> alt.Parameter:
    return alt.selection_point(name=name, fields=["region_code"], on="click", clear=False)


def _drawn_last(records: list[dict], highlight: str | None) -> list[dict]:
    """Outlined regions after the others, so that no neighbour paints over their outline."""
    return sorted(records, key=lambda r: (r["region_code"] == highlight, r["status"] == MISSED))


# ── the two charts ────────────────────────────────────────────────────────────────────


def tile_chart(
    records: list[dict],
    groups: dict[str, tuple[str, str]],
    definition: dict,
    measure: str,
    highlight: str | None = None,
) -> alt.LayerChart:
    """records: map_records; groups: region_code → (group_code, group_name). A square per
    region (its name and value in it), grouped under the names of the groups."""
    layout = tile_layout([(r["region_code"], *groups[r["region_code"]]) for r in records])
    at = {tile.region_code: tile for tile in layout.tiles}
    rows = [
        {
            **record,
            "x": at[record["region_code"]].col + TILE_INSET,
            "x2": at[record["region_code"]].col + 1 - TILE_INSET,
            "y": at[record["region_code"]].row + TILE_INSET,
            "y2": at[record["region_code"]].row + 1 - TILE_INSET,
            "cx": at[record["region_code"]].col + 0.5,
            "cy": at[record["region_code"]].row + 0.5,
        }
        for record in _drawn_last(records, highlight)
    ]
    x_scale = alt.Scale(domain=[0, layout.columns], nice=False, zero=False)
    y_scale = alt.Scale(domain=[0, layout.rows], nice=False, zero=False, reverse=True)
    base = alt.Chart(pd.DataFrame(rows))
    stroke, stroke_width = _outline(measure, highlight, "#FFFFFF", 0)
    squares = (
        base.mark_rect(cursor="pointer", cornerRadius=3)
        .encode(
            x=alt.X("x:Q", scale=x_scale, axis=None),
            x2="x2:Q",
            y=alt.Y("y:Q", scale=y_scale, axis=None),
            y2="y2:Q",
            color=_fill(records, measure, definition, orient="top"),
            stroke=stroke,
            strokeWidth=stroke_width,
            tooltip=_tooltip(definition),
        )
        .add_params(_pick())
    )
    text = alt.Text("name:N")
    names = base.mark_text(fontSize=10, dy=-8, limit=STEP - 4, cursor="pointer").encode(
        x="cx:Q", y="cy:Q", text=text, color=_text_colour(records, measure, definition),
        tooltip=_tooltip(definition),
    ).add_params(_pick(PICK_NAMES))  # fmt: skip
    values = base.mark_text(fontSize=11, dy=9, fontWeight="bold", cursor="pointer").encode(
        x="cx:Q", y="cy:Q", text=alt.Text("shown:N"), color=_text_colour(records, measure, definition),
        tooltip=_tooltip(definition),
    ).add_params(_pick(PICK_VALUES))  # fmt: skip
    label_rows = pd.DataFrame(
        [{"text": g.text, "x": g.col + TILE_INSET, "y": g.row + 0.55} for g in layout.labels]
    )
    group_names = (
        alt.Chart(label_rows)
        .mark_text(align="left", baseline="middle", fontSize=13, fontWeight="bold")
        .encode(x=alt.X("x:Q", scale=x_scale), y=alt.Y("y:Q", scale=y_scale), text="text:N")
    )
    return alt.layer(squares, names, values, group_names).properties(
        width=layout.columns * STEP, height=layout.rows * STEP
    )


def geo_chart(
    records: list[dict],
    shapes: dict[str, str],
    definition: dict,
    measure: str,
    highlight: str | None = None,
    borders: Sequence[str] = (),
) -> alt.LayerChart:
    """records: map_records; shapes: region_code → GeoJSON geometry text (WGS84). The regions
    as they lie, named at the centre of their largest part; `borders` (geometry texts: the
    districts around towns) drawn over them as lines."""
    features = [
        {"type": "Feature", "geometry": d3_winding(json.loads(shapes[r["region_code"]])), **r}
        for r in _drawn_last(records, highlight)
    ]
    stroke, stroke_width = _outline(measure, highlight, "#FFFFFF", 0.8)
    regions = (
        alt.Chart(alt.Data(values=features))
        .mark_geoshape(cursor="pointer", strokeJoin="round")
        .encode(
            color=_fill(records, measure, definition),
            stroke=stroke,
            strokeWidth=stroke_width,
            tooltip=_tooltip(definition),
        )
        .add_params(_pick())
    )
    centres = pd.DataFrame(
        [
            {**r, "lon": lon, "lat": lat}
            for r in records
            for lon, lat in [label_point(json.loads(shapes[r["region_code"]]))]
        ]
    )
    names = (
        alt.Chart(centres)
        .mark_text(fontSize=10 if len(records) > 30 else 13, limit=90, cursor="pointer")
        .encode(
            longitude="lon:Q",
            latitude="lat:Q",
            text="name:N",
            color=_text_colour(records, measure, definition),
            tooltip=_tooltip(definition),
        )
        .add_params(_pick(PICK_NAMES))
    )
    layers = [regions, names]
    if borders:
        outlines = [{"type": "Feature", "geometry": d3_winding(json.loads(b))} for b in borders]
        layers.insert(
            1,
            alt.Chart(alt.Data(values=outlines)).mark_geoshape(
                filled=False, stroke=BORDER, strokeWidth=1.8
            ),
        )
    return (
        alt.layer(*layers).project(type="mercator").properties(width=GEO_WIDTH, height=GEO_HEIGHT)
    )


# ── geometry for drawing ──────────────────────────────────────────────────────────────


def _polygons(geometry: dict) -> list:
    return [geometry["coordinates"]] if geometry["type"] == "Polygon" else geometry["coordinates"]


def d3_winding(geometry: dict) -> dict:
    """The geometry with its rings wound as d3-geo (Vega's projections) reads them: the inside
    of a ring is on its right, so outer rings clockwise and holes counter-clockwise — the
    reverse of RFC 7946. A ring wound the other way would fill the whole globe but the
    region."""
    polygons = [
        [
            ring if (signed_area(ring) < 0) == (i == 0) else ring[::-1]
            for i, ring in enumerate(polygon)
        ]
        for polygon in _polygons(geometry)
    ]
    coordinates = polygons[0] if geometry["type"] == "Polygon" else polygons
    return {"type": geometry["type"], "coordinates": coordinates}


def label_point(geometry: dict) -> tuple[float, float]:
    """Where a region's name goes: the centroid of the outer ring of its largest part."""
    ring = max((polygon[0] for polygon in _polygons(geometry)), key=lambda r: abs(signed_area(r)))
    return centroid(ring)


# ── on the page ───────────────────────────────────────────────────────────────────────


def picked_code(event: object, ignore: str | None = None) -> str | None:
    """The region clicked, from what st.altair_chart returned (a VegaLiteState: selection →
    region_pick (or the names' or values' selection) → [{"region_code": …}]), other than
    `ignore` (the region on screen: clicking it leaves a selection that a later click on
    another region's name does not clear); None when there is none."""
    try:
        selections = dict(event["selection"])  # type: ignore[index]
    except (KeyError, TypeError, ValueError):
        return None
    for name, points in selections.items():
        if not (str(name).startswith(PICK) and isinstance(points, list)):
            continue
        for point in points:
            code = point.get("region_code") if isinstance(point, dict) else None
            if isinstance(code, str) and code != ignore:
                return code
    return None


def render_region_map(
    root: Region,
    levels: list[str],
    definition: dict,
    period: str,
    *,
    key: str,
    pick_hint: str | None = None,
    highlight: str | None = None,
) -> str | None:
    """The map of the regions of a level under root (the first of `levels`, or the one the
    user picks), coloured by the measure the user picks, `highlight` outlined. With a
    `pick_hint` (what a click does, "查看其总览") the regions can be clicked: the code of the
    region clicked is returned."""
    pickable = pick_hint is not None
    left, right = st.columns(2) if len(levels) > 1 else (st.container(), None)
    level = levels[0]
    if right is not None:
        with left:
            level = st.radio(
                "地图", levels, key=f"{key}_level", horizontal=True,
                format_func=lambda lv: f"按{LEVEL_ZH.get(lv, lv)}",
            )  # fmt: skip
    frame = queries.map_regions(root.code, level, period, definition["kpi"])
    if frame.is_empty():
        return None
    measures = list(MEASURES) if frame["target"].is_not_null().any() else ["value"]
    with right or left:
        measure = st.radio(
            "着色", measures, key=f"{key}_measure", horizontal=True, format_func=MEASURES.get
        )
    records = map_records(frame, definition)
    shapes = queries.boundaries()
    drawn = [code for code in frame["region_code"] if code in shapes]
    selections = [PICK, PICK_NAMES]
    if len(drawn) == frame.height:
        districts = frame["district_code"].drop_nulls().unique().sort().to_list()
        outlined = level == "town" and all(d in shapes for d in districts)
        borders = [shapes[d] for d in districts] if outlined else []
        chart = geo_chart(records, shapes, definition, measure, highlight, borders)
    else:
        groups = _groups(frame, root, level)
        chart = tile_chart(records, groups, definition, measure, highlight)
        selections.append(PICK_VALUES)
    event = st.altair_chart(
        chart,
        key=f"{key}_{level}_{measure}",
        on_select="rerun" if pickable else "ignore",
        selection_mode=selections if pickable else None,
        width="content",
    )
    st.caption(_legend_note(measure, pick_hint, len(drawn), frame.height, level))
    return picked_code(event, ignore=highlight) if pickable else None


def _groups(frame: pl.DataFrame, root: Region, level: str) -> dict[str, tuple[str, str]]:
    """region_code → (group code, group name): towns by district, districts under the root."""
    if level == "town":
        return {
            code: (district or root.code, name or root.name)
            for code, district, name in frame.select(
                "region_code", "district_code", "district_name"
            ).iter_rows()
        }
    return {code: (root.code, root.name) for code in frame["region_code"]}


def _legend_note(measure: str, pick_hint: str | None, drawn: int, total: int, level: str) -> str:
    colours = (
        "红色低于目标，蓝色达到或超过目标" if measure == "gap" else "颜色越深指标越高，红框为未达标"
    )
    note = f"{colours}，灰色为{NO_DATA}或{NOT_REPORTED}。"
    if pick_hint:
        note += f"点击区域{pick_hint}。"
    if drawn and drawn < total:
        label = LEVEL_ZH.get(level, "区域")
        note += f"边界文件未包括其中 {total - drawn} 个{label}，按区划画成方块图。"
    return note
