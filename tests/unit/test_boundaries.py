"""Boundary files (raw/reference/*.geojson): a FeatureCollection is read feature by feature;
each feature is accepted or quarantined with its exact reason, and only a file that is no
FeatureCollection at all is refused."""

from __future__ import annotations

import json

import pytest

from pipelines.ingest.boundaries import check_geometry, read_features, validate_features
from pipelines.ingest.readers import UnreadableFile

TOWN, DISTRICT = "330203001000", "330203000000"
KNOWN = frozenset({TOWN, DISTRICT, "330203002000", "330203003000"})
SQUARE = [[121.5, 29.8], [121.6, 29.8], [121.6, 29.9], [121.5, 29.9], [121.5, 29.8]]


def polygon(*rings: list) -> dict:
    return {"type": "Polygon", "coordinates": list(rings) or [SQUARE]}


def feature(properties: dict | None, geometry: dict | None = None) -> dict:
    return {"type": "Feature", "properties": properties, "geometry": geometry or polygon()}


def collection(*features: object) -> bytes:
    return json.dumps({"type": "FeatureCollection", "features": list(features)}).encode()


def judged(*features: object):
    return validate_features(read_features(collection(*features)), KNOWN)


def problems(*features: object) -> list[tuple]:
    quarantine = judged(*features).quarantine
    return quarantine.select("source_row", "field", "value", "reason_code", "message_zh").rows()


def test_a_good_file_is_accepted_with_compact_geometry():
    multi = {
        "type": "MultiPolygon",
        "coordinates": [
            [SQUARE],
            [[[121.0, 29.0, 5.0], [121.1, 29.0], [121.1, 29.1], [121.0, 29.0]]],
        ],
    }
    checked = judged(
        feature({"region_code": TOWN, "name": "南门街道"}),
        feature({"行政区划代码": int(DISTRICT)}, multi),
        feature(
            {"ADCODE": "330203002"},
            polygon([[1 / 3 + 121, 29.0], *SQUARE[1:4], [1 / 3 + 121, 29.0]]),
        ),
    )
    assert checked.quarantine.is_empty()
    assert checked.accepted.rows() == [
        (1, TOWN, json.dumps(polygon(), separators=(",", ":"))),
        # an altitude is dropped
        (2, DISTRICT, '{"type":"MultiPolygon","coordinates":[[[[121.5,29.8],[121.6,29.8],'
         '[121.6,29.9],[121.5,29.9],[121.5,29.8]]],[[[121.0,29.0],[121.1,29.0],[121.1,29.1],'
         '[121.0,29.0]]]]}'),
        # a 9-digit town code is padded to 12; positions are rounded to 6 decimals
        (3, "330203002000", '{"type":"Polygon","coordinates":[[[121.333333,29.0],[121.6,29.8],'
         '[121.6,29.9],[121.5,29.9],[121.333333,29.0]]]}'),
    ]  # fmt: skip


def test_features_without_a_known_code_are_quarantined_with_the_reason():
    assert problems(
        feature({"name": "无代码"}),
        feature({"region_code": "3302"}),
        feature({"code": "330299999000"}),
        feature({"region_code": TOWN}),
        feature({"region_code": TOWN}),
    ) == [
        (1, "region_code", None, "boundary_code_missing",
         "要素的属性（properties）中没有区划代码，请加上 region_code、区划代码、行政区划代码、code、"
         "adcode、XZQDM 之一（12位区划代码）"),
        (2, "region_code", "3302", "region_invalid_format",
         "区划代码（region_code）“3302”不是12位区划代码"),
        (3, "region_code", "330299999000", "region_unknown",
         "区划代码（code）“330299999000”不在区划名单中，请核对代码（镇街用12位统计区划代码）"),
        (5, "region_code", TOWN, "boundary_duplicate",
         f"区划代码“{TOWN}”与本文件第4个要素相同，以第4个为准；同一区划的几块请合并为一个 "
         "MultiPolygon 要素"),
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("geometry", "value", "code", "message"),
    [
        (None, None, "geometry_missing", "要素没有几何图形（geometry 为空或没有坐标）"),
        ({"type": "Polygon", "coordinates": []}, None, "geometry_missing",
         "要素没有几何图形（geometry 为空或没有坐标）"),
        ({"type": "LineString", "coordinates": SQUARE}, "LineString", "geometry_not_polygon",
         "几何类型是“LineString”，边界只接受面：Polygon 或 MultiPolygon"),
        ({"type": "Polygon", "coordinates": [1, 2]}, "1", "geometry_malformed",
         "第1个面的坐标结构不对：应为环的列表，每个环是坐标点 [经度, 纬度] 的列表，此处是“1”"),
        (polygon([*SQUARE[:2], [121.6, "29.9"], *SQUARE[3:]]), '[121.6,"29.9"]',
         "geometry_coordinate_invalid",
         '第1个面第1个环中的坐标点“[121.6,"29.9"]”不是两个数字 [经度, 纬度]'),
        (polygon([*SQUARE[:2], [121.6, float("nan")], *SQUARE[3:]]), "[121.6,NaN]",
         "geometry_coordinate_invalid", "第1个面第1个环中的坐标点“[121.6,NaN]”不是两个数字 [经度, 纬度]"),
        (polygon(SQUARE, [[530000, 3300000], [530100, 3300000], [530100, 3300100],
                          [530000, 3300000]]),
         "[530000,3300000]", "geometry_coordinate_out_of_range",
         "第1个面第2个环中的坐标点“[530000,3300000]”超出经纬度范围（经度 -180～180，纬度 -90～90）："
         "坐标应为 WGS84 经纬度（度），而不是投影坐标（米）"),
        (polygon([SQUARE[0], SQUARE[1], SQUARE[0]]), "[[121.5,29.8],[121.6,29.8],[121.5,29.8]]",
         "geometry_ring_too_short", "第1个面第1个环只有3个坐标点，闭合的环至少要4个（首末两点相同）"),
        ({"type": "MultiPolygon", "coordinates": [[SQUARE], [SQUARE[:4]]]},
         "[[121.5,29.8],[121.6,29.8],[121.6,29.9],[121.5,29.9]]", "geometry_ring_not_closed",
         "第2个面第1个环未闭合：首点 [121.5,29.8] 与末点 [121.5,29.9] 应相同"),
    ],
)  # fmt: skip
def test_broken_geometry_is_quarantined_with_the_reason(geometry, value, code, message):
    raw = {"type": "Feature", "properties": {"region_code": TOWN}, "geometry": geometry}
    assert problems(raw) == [(1, "geometry", value, code, message)]


def test_one_bad_feature_costs_only_itself_and_each_problem_is_listed():
    checked = judged(
        feature({"region_code": TOWN}),
        feature({"region_code": "1"}, {"type": "Point", "coordinates": [121.5, 29.8]}),
        [121.5, 29.8],
        feature({"region_code": DISTRICT}),
    )
    assert checked.accepted["region_code"].to_list() == [TOWN, DISTRICT]
    assert checked.quarantine.select("source_row", "reason_code", "message_en").rows() == [
        (2, "region_invalid_format", "region_code '1' is not a 12-digit division code"),
        (2, "geometry_not_polygon", "geometry type 'Point' is not a Polygon or MultiPolygon"),
        (3, "boundary_not_feature", "this item of features is not a Feature but 'array'"),
    ]


def test_the_long_value_of_a_message_is_cut_short():
    ring = [[121.0 + i / 1000, 29.0] for i in range(40)]
    _, problem = check_geometry(json.dumps(polygon(ring)))
    assert problem.code == "geometry_ring_not_closed"
    assert len(problem.value) == 80 and problem.value.endswith("…")


@pytest.mark.parametrize(
    ("data", "code", "params"),
    [
        (b"\xff\xfe\x00\x81", "geojson_not_text", {}),
        (b'{"type": "FeatureCollection", "features": [\n  {"type": "Feature",}\n]}',
         "geojson_invalid", {"line": "2", "column": "22"}),
        (b'{"type": "Feature", "geometry": null}', "geojson_not_feature_collection",
         {"found": "Feature"}),
        (b'{"type": "FeatureCollection", "features": {}}', "geojson_not_feature_collection",
         {"found": "FeatureCollection"}),
        (b"[1, 2]", "geojson_not_feature_collection", {"found": "array"}),
        (b'{"type": "FeatureCollection", "features": []}', "geojson_no_features", {}),
    ],
)  # fmt: skip
def test_a_file_that_is_no_feature_collection_is_refused_whole(data, code, params):
    with pytest.raises(UnreadableFile) as refused:
        read_features(data)
    assert (refused.value.reason_code, refused.value.params) == (code, params)


def test_a_bom_and_gb18030_text_are_read():
    data = collection(feature({"区划代码": TOWN, "名称": "南门街道"}))
    assert read_features(b"\xef\xbb\xbf" + data)["region_code"].to_list() == [TOWN]
    gbk = json.dumps(json.loads(data), ensure_ascii=False).encode("gb18030")
    assert json.loads(read_features(gbk)["row_data"][0]) == {"区划代码": TOWN, "名称": "南门街道"}
