"""The map on 总览 and 排名: drawn from the boundaries in the snapshot, a tile map without them,
coloured by the distance to target, and a click drills down."""

from __future__ import annotations

import csv
import json
from collections import Counter

import duckdb
import polars as pl
import pytest

from dashboards import region_map
from dashboards.region_map import (
    PICK,
    PICK_NAMES,
    PICK_VALUES,
    d3_winding,
    label_point,
    map_records,
    picked_code,
    tile_chart,
    tile_layout,
)
from pipelines import settings
from tests.dashboard.apptest import login, ok, open_page
from tests.dashboard.conftest import CITY, FENGHUA, GULOU, HAISHU, JINPING, REGIONS, XIKOU

ORG_RATE = {"kpi": "org_rate", "unit": "pct", "name_zh": "工会组建率"}
NAMES = {code: name for code, name, _, _ in REGIONS}


def map_spec(at) -> dict:
    """The spec of the page's map (the chart with the click selection, or a town user's with a
    projection), its tabular data (which Streamlit sends apart, as Arrow) put back in
    `datasets`."""
    charts = [
        c
        for c in at.get("vega_lite_chart")
        if PICK in c.proto.selection_mode or "projection" in json.loads(c.proto.spec)
    ]
    assert len(charts) == 1, len(charts)
    spec = json.loads(charts[0].proto.spec)
    spec.setdefault("datasets", {}).update(
        {d.name: pl.read_ipc_stream(d.data.data).to_dicts() for d in charts[0].proto.datasets}
    )
    return spec


def regions_drawn(spec: dict) -> dict[str, tuple]:
    """region name → (shown value, 距目标, 达标) of every region the map draws."""
    layer = spec["layer"][0]
    values = layer["data"].get("values") or spec["datasets"][layer["data"]["name"]]
    return {v["name"]: (v["shown"], v["gap_shown"], v["status"]) for v in values}


def without_boundaries(snapshot, keep: tuple[str, ...] = ()) -> None:
    with duckdb.connect(str(snapshot)) as con:
        if keep:
            con.execute(
                "delete from dim_region_boundary where region_code not in"
                f" ({', '.join('?' * len(keep))})",
                list(keep),
            )
        else:
            con.execute("drop table dim_region_boundary")


def test_overview_maps_the_districts_by_their_outlines(snapshot):
    at = login("lingdao")
    spec = map_spec(at)

    assert spec["projection"] == {"type": "mercator"}
    assert spec["layer"][0]["mark"]["type"] == "geoshape"
    # 海曙区 97/100 and 奉化区 307/320 = 95.9% against 95%
    assert regions_drawn(spec) == {
        "海曙区": ("97.0%", "+2.0个百分点", "达标"),
        "奉化区": ("95.9%", "+0.9个百分点", "达标"),
    }
    colour = spec["layer"][0]["encoding"]["color"]["condition"]
    assert colour["scale"]["domain"] == [-5.0, -2.0, 0.0, 2.0, 5.0]
    assert colour["legend"]["title"] == "距目标（个百分点）"
    tooltips = [t["title"] for t in spec["layer"][0]["encoding"]["tooltip"]]
    assert tooltips == ["区域", "工会组建率", "目标", "距目标", "达标"]
    assert [c.value for c in at.caption if "点击区域" in c.value] == [
        "红色低于目标，蓝色达到或超过目标，灰色为无数据或未报。点击区域查看其总览。"
    ]


def test_overview_maps_every_town_of_the_city_within_district_borders(snapshot):
    at = login("lingdao")
    ok(at.radio(key=f"overview_map_{CITY}_level").set_value("town").run())
    spec = map_spec(at)

    assert regions_drawn(spec) == {
        "鼓楼街道": ("97.0%", "+2.0个百分点", "达标"),
        "溪口镇": ("92.5%", "-2.5个百分点", "未达标"),
        "锦屏街道": ("98.0%", "+3.0个百分点", "达标"),
    }
    borders = spec["layer"][1]
    assert borders["mark"] == {
        "type": "geoshape",
        "filled": False,
        "stroke": "#4B5563",
        "strokeWidth": 1.8,
    }
    assert len(borders["data"]["values"]) == 2  # 海曙区, 奉化区


def test_ranking_maps_the_towns_by_value_with_those_below_target_outlined(snapshot):
    at = open_page(login("lingdao"), "ranking")
    ok(at.radio(key="ranking_map_town_measure").set_value("value").run())
    spec = map_spec(at)

    assert set(regions_drawn(spec)) == {"鼓楼街道", "溪口镇", "锦屏街道"}
    encoding = spec["layer"][0]["encoding"]
    assert encoding["color"]["condition"]["legend"]["title"] == "工会组建率（%）"
    assert {"test": "(datum.status === '未达标')", "value": "#C8102E"} in encoding["stroke"][
        "condition"
    ]


def test_without_a_boundary_file_each_town_is_a_square_grouped_by_district(snapshot):
    without_boundaries(snapshot)
    at = open_page(login("lingdao"), "ranking")
    spec = map_spec(at)

    assert "projection" not in spec
    squares = spec["layer"][0]
    assert squares["mark"]["type"] == "rect"
    assert regions_drawn(spec)["溪口镇"] == ("92.5%", "-2.5个百分点", "未达标")
    groups = spec["datasets"][spec["layer"][3]["data"]["name"]]
    assert [g["text"] for g in groups] == ["海曙区", "奉化区"]
    assert [layer["encoding"]["text"]["field"] for layer in spec["layer"][1:3]] == ["name", "shown"]


def test_a_boundary_file_that_misses_a_town_gives_the_tile_map_and_says_so(snapshot):
    without_boundaries(snapshot, keep=(HAISHU, FENGHUA, GULOU, XIKOU))
    at = open_page(login("lingdao"), "ranking")

    assert map_spec(at)["layer"][0]["mark"]["type"] == "rect"
    assert any("边界文件未包括其中 1 个镇街，按区划画成方块图。" in c.value for c in at.caption)
    # the districts are all drawn: their map is one of outlines
    at.radio(key="ranking_scope").set_value("district").run()
    assert map_spec(ok(at))["layer"][0]["mark"]["type"] == "geoshape"


def test_clicking_a_district_on_the_overview_opens_its_overview(snapshot, monkeypatch):
    monkeypatch.setattr(region_map, "picked_code", lambda event, ignore=None: FENGHUA)
    at = login("lingdao")

    assert at.subheader[0].value == "奉化区　2025年度"
    assert at.selectbox(key=f"district_{CITY}").value == FENGHUA


def test_clicking_a_town_on_the_ranking_map_lists_its_enterprises(snapshot, monkeypatch):
    at = open_page(login("lingdao"), "ranking")
    monkeypatch.setattr(region_map, "picked_code", lambda event, ignore=None: XIKOU)
    ok(at.run())

    assert at.subheader[0].value == "宁波市 › 奉化区 › 溪口镇　2025年度"


def test_a_town_user_sees_the_map_but_cannot_click_it_away(snapshot):
    at = login("xikou")
    charts = [c for c in at.get("vega_lite_chart") if "projection" in json.loads(c.proto.spec)]
    assert len(charts) == 1 and list(charts[0].proto.selection_mode) == []
    assert not [c.value for c in at.caption if "点击区域" in c.value]


# ── the tile map's layout and the map's pieces, without Streamlit ─────────────────────


def test_every_town_of_the_fixture_has_one_square_under_its_district():
    towns = [(code, parent, NAMES[parent]) for code, _, level, parent in REGIONS if level == "town"]
    layout = tile_layout(towns)

    assert [(t.region_code, t.group_code, t.col, t.row) for t in layout.tiles] == [
        (GULOU, HAISHU, 0, 1),
        (XIKOU, FENGHUA, 2, 1),
        (JINPING, FENGHUA, 3, 1),
    ]
    assert [(g.text, g.col, g.row) for g in layout.labels] == [("海曙区", 0, 0), ("奉化区", 2, 0)]
    assert (layout.columns, layout.rows) == (4, 2)


def test_the_tile_map_of_the_fixture_draws_each_town_once_with_its_name():
    frame = pl.DataFrame(
        {
            "region_code": [GULOU, XIKOU, JINPING],
            "region_name": ["鼓楼街道", "溪口镇", "锦屏街道"],
            "value": [97.0, 92.5, None],
            "target": [95.0, 95.0, 95.0],
            "gap": [2.0, -2.5, None],
            "reported_enterprises": [100, 120, 0],
            "in_scope_enterprises": [100, 120, 200],
        }
    )
    records = map_records(frame, ORG_RATE)
    groups = {GULOU: (HAISHU, "海曙区"), XIKOU: (FENGHUA, "奉化区"), JINPING: (FENGHUA, "奉化区")}
    spec = tile_chart(records, groups, ORG_RATE, "gap").to_dict()

    squares = spec["datasets"][spec["layer"][0]["data"]["name"]]
    assert sorted((s["name"], s["x"], s["y"], s["shown"], s["status"]) for s in squares) == [
        ("溪口镇", 2.05, 1.05, "92.5%", "未达标"),
        ("锦屏街道", 3.05, 1.05, "未报", "未报"),  # nobody of 200 reported it: 未报, grey
        ("鼓楼街道", 0.05, 1.05, "97.0%", "达标"),
    ]
    assert spec["width"] == 4 * region_map.STEP and spec["height"] == 2 * region_map.STEP
    fill = spec["layer"][0]["encoding"]["color"]
    assert fill["condition"]["test"] == "isValid(datum.gap)" and fill["value"] == "#E5E7EB"


def test_the_sample_city_tiles_every_town_once_in_district_blocks_that_do_not_overlap():
    with (settings.DBT_PROJECT_DIR / "seeds" / "regions.csv").open(encoding="utf-8") as fh:
        regions = list(csv.DictReader(fh))
    names = {r["region_code"]: r["region_name"] for r in regions}
    towns = [
        (r["region_code"], r["parent_code"], names[r["parent_code"]])
        for r in regions
        if r["region_level"] == "town"
    ]
    layout = tile_layout(towns)

    assert [t.region_code for t in layout.tiles] == [code for code, _, _ in towns]
    assert Counter((t.col, t.row) for t in layout.tiles).most_common(1)[0][1] == 1
    assert layout.columns <= region_map.MAX_COLUMNS
    labels = {g.text: g for g in layout.labels}
    assert len(labels) == 8
    for district, label in labels.items():
        mine = [t for t in layout.tiles if names[t.group_code] == district]
        cols, rows = {t.col for t in mine}, {t.row for t in mine}
        # a block: right under its name, its columns next to each other, no other town inside
        assert min(cols) == label.col and min(rows) == label.row + 1
        assert cols == set(range(min(cols), max(cols) + 1))
        inside = [t for t in layout.tiles if t.col in cols and min(rows) <= t.row <= max(rows)]
        assert {t.group_code for t in inside} == {mine[0].group_code}


def test_rings_are_wound_for_d3_and_names_sit_inside():
    ccw = [[0, 0], [2, 0], [2, 2], [0, 2], [0, 0]]  # RFC 7946: outer ring counter-clockwise
    hole = [[0.5, 0.5], [0.5, 1], [1, 1], [1, 0.5], [0.5, 0.5]]  # clockwise
    wound = d3_winding({"type": "Polygon", "coordinates": [ccw, hole]})
    assert wound["coordinates"] == [ccw[::-1], hole[::-1]]
    assert d3_winding({"type": "MultiPolygon", "coordinates": [[ccw[::-1]]]})["coordinates"] == [
        [ccw[::-1]]
    ]
    small = [[5, 5], [5.1, 5], [5.1, 5.1], [5, 5]]
    assert label_point({"type": "MultiPolygon", "coordinates": [[small], [ccw]]}) == (
        pytest.approx(1.0),
        pytest.approx(1.0),
    )


@pytest.mark.parametrize(
    ("selection", "code"),
    [
        ({PICK: [{"region_code": XIKOU}]}, XIKOU),
        ({PICK: [], PICK_NAMES: [{"region_code": XIKOU}]}, XIKOU),  # a click on the name
        # the region on screen stays selected after a click on it; then another's name
        ({PICK: [{"region_code": GULOU}], PICK_NAMES: [{"region_code": XIKOU}]}, XIKOU),
        ({PICK: [{"region_code": GULOU}]}, None),
        ({PICK: []}, None),
        ({PICK: {}}, None),
        ({}, None),
    ],
)
def test_the_region_clicked_is_read_from_the_chart_selections(selection, code):
    assert picked_code({"selection": selection}, ignore=GULOU) == code


def test_a_map_of_squares_can_be_clicked_on_the_square_and_on_its_texts():
    records = [{"region_code": GULOU, "name": "鼓楼街道", "value": 97.0, "gap": 2.0,
                "shown": "97.0%", "target_shown": "95.0%", "gap_shown": "+2.0个百分点",
                "status": "达标"}]  # fmt: skip
    spec = tile_chart(records, {GULOU: (HAISHU, "海曙区")}, ORG_RATE, "gap").to_dict()
    params = {p["name"]: p["select"] for p in spec["params"]}
    assert set(params) == {PICK, PICK_NAMES, PICK_VALUES}
    assert {p["fields"][0] for p in params.values()} == {"region_code"}
    assert picked_code(None) is None
