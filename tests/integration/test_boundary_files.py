"""raw/reference/*.geojson → landing.ref_boundaries: accepted features land, a bad feature is
quarantined with its reason and costs only itself, an unreadable file is refused (load audit,
refresh summary), and the other files load."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import duckdb
import pytest

from pipelines.ingest.load import ingest
from pipelines.ingest.uscc import check_char

TODAY = dt.date(2026, 1, 15)
CITY, DISTRICT, EAST, WEST = "310100000000", "310117000000", "310117101000", "310117102000"
SQUARE = [[121.2, 31.0], [121.3, 31.0], [121.3, 31.1], [121.2, 31.1], [121.2, 31.0]]


def uscc(serial: int) -> str:
    body = f"91310117MA1J{serial:05d}"
    return body + check_char(body)


def feature(code: str | None, ring: list | None = None) -> dict:
    properties = {"name": "x"} if code is None else {"region_code": code}
    geometry = {"type": "Polygon", "coordinates": [ring or SQUARE]}
    return {"type": "Feature", "properties": properties, "geometry": geometry}


def write(path: Path, content: object) -> None:
    text = content if isinstance(content, str) else json.dumps(content, ensure_ascii=False)
    path.write_text(text, encoding="utf-8")


@pytest.fixture
def raw_dir(tmp_path: Path) -> Path:
    raw = tmp_path / "raw"
    for folder in ("reference", "returns", "summaries"):
        (raw / folder).mkdir(parents=True)
    # 西街道 is not in the seed: a region file adds it, and its boundary is then known
    write(
        raw / "reference/regions.csv",
        f"区划代码,区划名称,层级,上级区划代码\n{WEST},西街道,街道,{DISTRICT}\n",
    )
    boundaries = {
        "type": "FeatureCollection",
        "features": [
            feature(DISTRICT),
            feature(EAST),
            feature(WEST),
            feature("310117999000"),  # 4: no such region
            feature(None),  # 5: no code
            feature(EAST[:9], SQUARE[:4]),  # 6: a duplicate of 2 (padded) with an open ring
        ],
    }
    write(raw / "reference/区划边界.geojson", boundaries)
    write(raw / "reference/断了.geojson", '{"type": "FeatureCollection", "features": [')
    write(raw / "reference/一个要素.json", feature(EAST))
    write(
        raw / "returns/东镇.csv",
        "统一社会信用代码,企业名称,所属镇街代码,报告期,职工人数,建会形式\n"
        f"{uscc(1)},东镇甲厂,{EAST},2025,120,单独建会\n",
    )
    return raw


@pytest.fixture
def seeds(tmp_path: Path) -> Path:
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    (seeds / "regions.csv").write_text(
        "region_code,region_name,region_level,parent_code\n"
        f"{CITY},上海市,city,\n{DISTRICT},松江区,district,{CITY}\n{EAST},东镇,town,{DISTRICT}\n",
        encoding="utf-8",
    )
    return seeds


def query(warehouse: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(sql).fetchall()


def test_boundaries_land_feature_by_feature_and_bad_files_are_refused(raw_dir, seeds, tmp_path):
    warehouse = tmp_path / "wh.duckdb"
    summary = ingest(raw_dir, warehouse, TODAY, load_id="L1", seeds_dir=seeds)

    assert query(
        warehouse,
        'select source_file, source_row, region_code, geometry like \'{"type":"Polygon"%\''
        " from landing.ref_boundaries order by source_row",
    ) == [
        ("reference/区划边界.geojson", 1, DISTRICT, True),
        ("reference/区划边界.geojson", 2, EAST, True),
        ("reference/区划边界.geojson", 3, WEST, True),
    ]
    assert query(
        warehouse,
        "select source_row, feed, field, reason_code, message_zh, region_code, row_data"
        " from landing.quarantine where source_file = 'reference/区划边界.geojson'"
        " order by source_row, reason_code",
    ) == [
        (4, "reference", "region_code", "region_unknown",
         "区划代码（region_code）“310117999000”不在区划名单中，请核对代码（镇街用12位统计区划代码）",
         "310117999000", '{"region_code":"310117999000"}'),
        (5, "reference", "region_code", "boundary_code_missing",
         "要素的属性（properties）中没有区划代码，请加上 region_code、区划代码、行政区划代码、code、"
         "adcode、XZQDM 之一（12位区划代码）", None, '{"name":"x"}'),
        (6, "reference", "region_code", "boundary_duplicate",
         f"区划代码“{EAST}”与本文件第2个要素相同，以第2个为准；同一区划的几块请合并为一个 "
         "MultiPolygon 要素", EAST, '{"region_code":"310117101"}'),
        (6, "reference", "geometry", "geometry_ring_not_closed",
         "第1个面第1个环未闭合：首点 [121.2,31.0] 与末点 [121.2,31.1] 应相同", EAST,
         '{"region_code":"310117101"}'),
    ]  # fmt: skip
    audit = {
        row[0]: row[1:]
        for row in query(
            warehouse,
            "select source_file, status, error_code, message_zh, rows_read, rows_accepted,"
            " rows_quarantined, rows_skipped from landing.load_audit",
        )
    }
    assert audit["reference/区划边界.geojson"] == ("loaded", None, None, 6, 3, 3, 0)
    assert audit["reference/断了.geojson"] == (
        "unreadable", "geojson_invalid",
        "文件不是有效的 GeoJSON：第1行第44列附近 JSON 格式有误（Expecting value）；"
        "请用地图软件重新导出为 GeoJSON", 0, 0, 0, 0,
    )  # fmt: skip
    assert audit["reference/一个要素.json"] == (
        "unreadable", "geojson_not_feature_collection",
        "边界文件应为 GeoJSON 要素集合（type 为 FeatureCollection，features 为要素列表），"
        "此文件是“Feature”", 0, 0, 0, 0,
    )  # fmt: skip
    assert audit["returns/东镇.csv"][:6] == ("loaded", None, None, 1, 1, 0)
    assert sorted((src, code) for src, code, _ in summary.unreadable) == [
        ("reference/一个要素.json", "geojson_not_feature_collection"),
        ("reference/断了.geojson", "geojson_invalid"),
    ]
    assert any(
        line.startswith("  无法读取 unreadable: reference/断了.geojson") for line in summary.lines()
    )


def test_a_fixed_boundary_file_loads_at_the_next_refresh(raw_dir, seeds, tmp_path):
    warehouse = tmp_path / "wh.duckdb"
    ingest(raw_dir, warehouse, TODAY, load_id="L1", seeds_dir=seeds)
    write(
        raw_dir / "reference/断了.geojson",
        {"type": "FeatureCollection", "features": [feature(WEST)]},
    )

    summary = ingest(raw_dir, warehouse, TODAY, load_id="L2", seeds_dir=seeds)

    assert summary.full and summary.plan_reason == "reference data changed"
    assert query(
        warehouse,
        "select source_file, region_code from landing.ref_boundaries order by source_file, source_row",
    ) == [
        ("reference/区划边界.geojson", DISTRICT),
        ("reference/区划边界.geojson", EAST),
        ("reference/区划边界.geojson", WEST),
        ("reference/断了.geojson", WEST),
    ]
    assert query(
        warehouse,
        "select status from landing.load_audit where source_file = 'reference/断了.geojson'",
    ) == [("loaded",)]
