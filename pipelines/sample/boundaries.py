"""The sample city's boundary file: made-up outlines of its districts and towns (GeoJSON).

Nothing here is a real boundary. The city is a rounded blob around 宁波; each district is
the Voronoi cell of a made-up seat (placed roughly where the real district lies, so 慈溪 is
in the north and 奉化 in the south), clipped to the city; each town is the Voronoi cell of a
point inside its district, clipped to the district, after a few rounds of Lloyd's relaxation
so that towns come out of similar size. A Voronoi cell is its container clipped by one
half-plane per other site (Sutherland–Hodgman), in plain Python: the city has ~90 regions.

Coordinates are WGS84 longitude/latitude, distances measured with longitude scaled by
cos(latitude) so that cells are not stretched; rings are closed and counter-clockwise
(RFC 7946), positions rounded to 4 decimals (about 10 m).
"""

from __future__ import annotations

import json
import math
import random

from pipelines.ingest.geometry import centroid, signed_area

from .city import City, Region
from .manifest import FileEntry, Manifest

Point = tuple[float, float]
Polygon = list[Point]

CENTRE: Point = (121.55, 29.80)  # longitude, latitude
RADIUS = (0.62, 0.52)  # of the city blob, degrees of longitude and latitude
_X_SCALE = math.cos(math.radians(CENTRE[1]))  # a degree of longitude, in degrees of latitude
# Made-up district seats, by code prefix, placed like the real districts lie.
SEATS: dict[str, Point] = {
    "330282": (121.30, 30.17),  # 慈溪市
    "330281": (121.05, 29.92),  # 余姚市
    "330205": (121.50, 29.98),  # 江北区
    "330211": (121.72, 30.03),  # 镇海区
    "330203": (121.33, 29.76),  # 海曙区
    "330212": (121.64, 29.72),  # 鄞州区
    "330206": (121.95, 29.87),  # 北仑区
    "330213": (121.40, 29.46),  # 奉化区
}
LLOYD_ROUNDS = 4
DECIMALS = 4
FILE_NAME = "区划边界.geojson"


def write_boundaries(manifest: Manifest) -> None:
    city = manifest.city
    features = [
        _feature(region, polygon) for region, polygon in outlines(city, manifest.seed).items()
    ]
    path = manifest.out / "reference" / FILE_NAME
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = ",\n".join(json.dumps(f, ensure_ascii=False, separators=(",", ":")) for f in features)
    path.write_text(
        '{"type":"FeatureCollection","features":[\n' + lines + "\n]}\n", encoding="utf-8"
    )
    manifest.files.append(FileEntry(path, "reference", "geojson", len(features)))
    manifest.reference.append(
        f"{FILE_NAME}: {len(city.districts)} 个区县、{len(city.towns)} 个镇街的边界（虚构：区县为虚构驻地的"
        "泰森多边形，镇街为区县内随机点的泰森多边形），仪表盘据此画地图；GeoJSON 要素集合，"
        "WGS84 经纬度，区划代码在 properties.region_code（也接受 区划代码、code、adcode 等，"
        "见 docs/architecture.md “Boundary files”） / made-up boundaries of "
        f"{len(city.districts)} districts and {len(city.towns)} towns (Voronoi cells) for the "
        "dashboard's map: a GeoJSON FeatureCollection in WGS84 longitude/latitude, the region "
        "code in properties.region_code"
    )


def outlines(city: City, seed: int) -> dict[Region, Polygon]:
    """Every district's and town's outline (longitude, latitude), districts first."""
    rng = random.Random(f"boundaries/{seed}")
    grow = math.sqrt(max(1.0, len(city.districts) / len(SEATS)))  # invented districts
    blob = [_to_plane(p) for p in _blob(rng, grow)]
    seats = [_to_plane(_seat(rng, d, grow)) for d in city.districts]
    districts = dict(zip(city.districts, _cells(seats, blob), strict=True))
    towns: dict[Region, Polygon] = {}
    for district, outline in districts.items():
        members = [t for t in city.towns if t.parent == district.code]
        sites = [_inside(rng, outline) for _ in members]
        for _ in range(LLOYD_ROUNDS):
            sites = [centroid(cell) for cell in _cells(sites, outline)]
        towns.update(zip(members, _cells(sites, outline), strict=True))
    return {
        region: [_to_lon_lat(p) for p in poly] for region, poly in {**districts, **towns}.items()
    }


def _blob(rng: random.Random, grow: float, vertices: int = 28) -> Polygon:
    """The city: an ellipse around CENTRE with a gently uneven edge."""
    outline = []
    for i in range(vertices):
        angle = 2 * math.pi * i / vertices
        wobble = 1 + 0.06 * math.sin(3 * angle + 0.7) + rng.uniform(-0.03, 0.03)
        outline.append(
            (
                CENTRE[0] + RADIUS[0] * grow * wobble * math.cos(angle),
                CENTRE[1] + RADIUS[1] * grow * wobble * math.sin(angle),
            )
        )
    return outline


def _seat(rng: random.Random, district: Region, grow: float) -> Point:
    if district.code[:6] in SEATS:
        return SEATS[district.code[:6]]
    angle, reach = rng.uniform(0, 2 * math.pi), math.sqrt(rng.uniform(0.1, 0.8))
    return (
        CENTRE[0] + RADIUS[0] * grow * reach * math.cos(angle),
        CENTRE[1] + RADIUS[1] * grow * reach * math.sin(angle),
    )


def _to_plane(point: Point) -> Point:
    return ((point[0] - CENTRE[0]) * _X_SCALE, point[1] - CENTRE[1])


def _to_lon_lat(point: Point) -> Point:
    return (
        round(point[0] / _X_SCALE + CENTRE[0], DECIMALS),
        round(point[1] + CENTRE[1], DECIMALS),
    )


def _cells(sites: list[Point], container: Polygon) -> list[Polygon]:
    """The Voronoi cell of each site within the container: the points nearer to it than to
    any other site, i.e. the container cut by the bisector of the site and each other one."""
    cells = []
    for i, (xi, yi) in enumerate(sites):
        cell = container
        for j, (xj, yj) in enumerate(sites):
            if i != j:
                # nearer to i than to j: (pj - pi) · p <= (|pj|² - |pi|²) / 2
                a, b = xj - xi, yj - yi
                cell = _clip(cell, a, b, (xj * xj + yj * yj - xi * xi - yi * yi) / 2)
        cells.append(cell)
    return cells


def _clip(polygon: Polygon, a: float, b: float, c: float) -> Polygon:
    """Sutherland–Hodgman: the part of the polygon where a·x + b·y <= c."""
    out: Polygon = []
    for k, current in enumerate(polygon):
        previous = polygon[k - 1]
        inside_now = a * current[0] + b * current[1] <= c
        inside_before = a * previous[0] + b * previous[1] <= c
        if inside_now != inside_before:
            out.append(_crossing(previous, current, a, b, c))
        if inside_now:
            out.append(current)
    return out


def _crossing(p: Point, q: Point, a: float, b: float, c: float) -> Point:
    fp, fq = a * p[0] + b * p[1] - c, a * q[0] + b * q[1] - c
    t = fp / (fp - fq)
    return (p[0] + t * (q[0] - p[0]), p[1] + t * (q[1] - p[1]))


def _contains(polygon: Polygon, point: Point) -> bool:
    """Even-odd rule."""
    x, y = point
    inside = False
    for k, (x1, y1) in enumerate(polygon):
        x0, y0 = polygon[k - 1]
        if (y0 > y) != (y1 > y) and x < x0 + (y - y0) * (x1 - x0) / (y1 - y0):
            inside = not inside
    return inside


def _inside(rng: random.Random, polygon: Polygon) -> Point:
    xs, ys = [p[0] for p in polygon], [p[1] for p in polygon]
    while True:
        point = (rng.uniform(min(xs), max(xs)), rng.uniform(min(ys), max(ys)))
        if _contains(polygon, point):
            return point


def _feature(region: Region, polygon: Polygon) -> dict:
    ring = polygon if signed_area(polygon) > 0 else polygon[::-1]
    ring = _without_repeats(ring)
    return {
        "type": "Feature",
        "properties": {
            "region_code": region.code,
            "region_name": region.name,
            "region_level": region.level,
        },
        "geometry": {"type": "Polygon", "coordinates": [[list(p) for p in [*ring, ring[0]]]]},
    }


def _without_repeats(ring: Polygon) -> Polygon:
    """Consecutive vertices that rounding made equal, once."""
    kept = [p for k, p in enumerate(ring) if p != ring[k - 1]]
    return kept or ring[:1]
