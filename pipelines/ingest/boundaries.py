"""Region boundaries: a GeoJSON file in raw/reference/, read and judged feature by feature.

A boundary file (`.geojson` or `.json`) is a FeatureCollection whose features each carry a
region's code in their properties (the first of `vocabulary.BOUNDARY_CODE_PROPERTIES`
found, names compared case-insensitively) and its outline as a Polygon or MultiPolygon in
WGS84 longitude/latitude (RFC 7946). A feature is a row: its number in `features` (1-based)
is its `source_row`, its properties are its `row_data`.

The file is refused whole only when it cannot be read as a FeatureCollection at all
(`geojson_not_text`, `geojson_invalid`, `geojson_not_feature_collection`,
`geojson_no_features`). Otherwise each feature is accepted or quarantined with one entry per
problem (its code: missing, not a division code, not a known region, taken by an earlier
feature; its geometry: the first thing wrong with it), so one broken outline never costs the
others. An accepted geometry is stored as compact GeoJSON text, positions rounded to 6
decimals (about 0.1 m) and any altitude dropped.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import NamedTuple

import polars as pl

from pipelines.ingest import reasons
from pipelines.ingest.normalise import normalise_region
from pipelines.ingest.readers import UnreadableFile
from pipelines.ingest.vocabulary import BOUNDARY_CODE_PROPERTIES

SUFFIXES = frozenset({".geojson", ".json"})
# The landing table accepted features go to (pipelines.ingest.landing).
TABLE = "ref_boundaries"
GEOMETRY_TYPES = ("Polygon", "MultiPolygon")
DECIMALS = 6
_SHOWN_CHARS = 80  # of a value quoted in a message: a coordinate, a ring, a type
_CODE_PROPERTIES = {name.casefold(): name for name in BOUNDARY_CODE_PROPERTIES}
# The features of one file, as read: one row each, values as written.
FEATURE_SCHEMA: dict[str, pl.DataType] = {
    "source_row": pl.Int64(),
    "kind": pl.Utf8(),  # "Feature", or what the item is instead
    "code_property": pl.Utf8(),  # the property the code was found under
    "region_code": pl.Utf8(),  # as written
    "geometry": pl.Utf8(),  # the geometry member as JSON text, null when absent
    "row_data": pl.Utf8(),  # the properties as JSON text
}
ACCEPTED_SCHEMA: dict[str, pl.DataType] = {
    "source_row": pl.Int64(),
    "region_code": pl.Utf8(),
    "geometry": pl.Utf8(),
}
QUARANTINE_SCHEMA: dict[str, pl.DataType] = {
    "source_row": pl.Int64(),
    **dict.fromkeys(
        ("field", "value", "reason_code", "message_zh", "message_en", "region_code"), pl.Utf8()
    ),
}


def is_boundary_file(path: Path) -> bool:
    return path.suffix.lower() in SUFFIXES


def read_features(data: bytes) -> pl.DataFrame:
    """The features of a GeoJSON FeatureCollection (FEATURE_SCHEMA), values as written.

    Raises UnreadableFile when the bytes are not one: not text, not JSON, not a
    FeatureCollection, or one without features.
    """
    collection = _load(data)
    if not isinstance(collection, dict) or collection.get("type") != "FeatureCollection":
        raise UnreadableFile("geojson_not_feature_collection", found=_type_of(collection))
    features = collection.get("features")
    if not isinstance(features, list):
        raise UnreadableFile("geojson_not_feature_collection", found="FeatureCollection")
    if not features:
        raise UnreadableFile("geojson_no_features")
    rows = [_feature_row(number, item) for number, item in enumerate(features, 1)]
    return pl.DataFrame(rows, schema=FEATURE_SCHEMA, orient="row")


def _load(data: bytes) -> object:
    """JSON from UTF-8 (RFC 7946), with or without a BOM; GB18030 as some Chinese desktop
    GIS tools still write it."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise UnreadableFile("geojson_not_text", "neither UTF-8 nor GB18030")
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise UnreadableFile(
            "geojson_invalid",
            error.msg,
            line=str(error.lineno),
            column=str(error.colno),
        ) from error
    except RecursionError as error:  # nested deeper than any geometry is
        raise UnreadableFile("geojson_invalid", "nested too deep", line="1", column="1") from error


def _feature_row(number: int, item: object) -> tuple:
    if not isinstance(item, dict) or item.get("type") != "Feature":
        return (number, _type_of(item), None, None, None, _text(item))
    properties = item.get("properties")
    properties = properties if isinstance(properties, dict) else {}
    found = next(
        (name for name in properties if str(name).strip().casefold() in _CODE_PROPERTIES), None
    )
    code = None if found is None else properties[found]
    geometry = item.get("geometry")
    return (
        number,
        "Feature",
        found,
        None if code is None else _cell(code),
        None if geometry is None else _text(geometry),
        _text(properties),
    )


def _cell(value: object) -> str:
    """A code as written: text as it is, a number without a float's ".0"."""
    if isinstance(value, str):
        return value
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return _text(value)


def _text(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _type_of(value: object) -> str:
    """What a JSON value is, as a message names it: its GeoJSON type, else its JSON kind."""
    if isinstance(value, dict):
        kind = value.get("type")
        return str(kind) if kind is not None else "object"
    return {list: "array", str: "string", bool: "boolean", type(None): "null"}.get(
        type(value), "number"
    )


class Problem(NamedTuple):
    field: str | None
    code: str
    value: str | None
    params: dict[str, object]


class Checked(NamedTuple):
    accepted: pl.DataFrame  # ACCEPTED_SCHEMA
    quarantine: pl.DataFrame  # QUARANTINE_SCHEMA (with messages)


def validate_features(features: pl.DataFrame, known_codes: frozenset[str]) -> Checked:
    """Each feature accepted (code normalised, geometry compact) or quarantined, one
    quarantine row per problem. A code must name a known region (`known_codes`: every level),
    once per file: a later feature with the code of an earlier one is a duplicate."""
    accepted, quarantined = [], []
    first_with: dict[str, int] = {}
    for row in features.iter_rows(named=True):
        problems, code, geometry = _judge(row, known_codes, first_with)
        if problems:
            for p in problems:
                zh, en = reasons.message(p.code, value=p.value, **p.params)
                quarantined.append((row["source_row"], p.field, p.value, p.code, zh, en, code))
        else:
            accepted.append((row["source_row"], code, geometry))
    return Checked(
        pl.DataFrame(accepted, schema=ACCEPTED_SCHEMA, orient="row"),
        pl.DataFrame(quarantined, schema=QUARANTINE_SCHEMA, orient="row"),
    )


def _judge(
    row: dict, known_codes: frozenset[str], first_with: dict[str, int]
) -> tuple[list[Problem], str | None, str | None]:
    """(problems, code, compact geometry) of one feature."""
    if row["kind"] != "Feature":
        item = _shown(json.loads(row["row_data"]))
        return [Problem(None, "boundary_not_feature", item, {"found": row["kind"]})], None, None
    problems = []
    code, problem = _code(row, known_codes)
    if problem:
        problems.append(problem)
    elif code in first_with:
        first = first_with[code]
        problems.append(Problem("region_code", "boundary_duplicate", code, {"first_row": first}))
    else:
        first_with[code] = row["source_row"]
    geometry, problem = check_geometry(row["geometry"])
    if problem:
        problems.append(problem)
    return problems, code, geometry


def _code(row: dict, known_codes: frozenset[str]) -> tuple[str | None, Problem | None]:
    written, name = row["region_code"], row["code_property"]
    if written is None or not written.strip():
        names = "、".join(BOUNDARY_CODE_PROPERTIES)
        return None, Problem("region_code", "boundary_code_missing", written, {"names": names})
    cell = {"header": f"区划代码（{name}）", "field": name}
    parsed = normalise_region(written)
    if parsed.reason:
        return None, Problem("region_code", parsed.reason, written, cell)
    if parsed.value not in known_codes:
        return parsed.value, Problem("region_code", "region_unknown", written, cell)
    return parsed.value, None


def check_geometry(text: str | None) -> tuple[str | None, Problem | None]:
    """A feature's geometry (JSON text as written): compact GeoJSON of a Polygon or
    MultiPolygon in longitude/latitude, or the first thing wrong with it."""
    geometry = None if text is None else json.loads(text)
    if geometry is None:
        return None, _geometry_problem("geometry_missing", None)
    kind = geometry.get("type") if isinstance(geometry, dict) else None
    if kind not in GEOMETRY_TYPES:
        return None, _geometry_problem("geometry_not_polygon", _type_of(geometry))
    coordinates = geometry.get("coordinates")
    if coordinates is None or coordinates == []:
        return None, _geometry_problem("geometry_missing", None)
    polygons = [coordinates] if kind == "Polygon" else coordinates
    if not isinstance(polygons, list):
        return None, _geometry_problem("geometry_malformed", _shown(polygons), part=1)
    clean = []
    for part, polygon in enumerate(polygons, 1):
        rings, problem = _polygon(polygon, part)
        if problem:
            return None, problem
        clean.append(rings)
    compact = {"type": kind, "coordinates": clean[0] if kind == "Polygon" else clean}
    return _text(compact), None


def _polygon(polygon: object, part: int) -> tuple[list, Problem | None]:
    if not isinstance(polygon, list) or not polygon:
        return [], _geometry_problem("geometry_malformed", _shown(polygon), part=part)
    rings = []
    for number, ring in enumerate(polygon, 1):
        where = {"part": part, "ring": number}
        if not isinstance(ring, list):
            return [], _geometry_problem("geometry_malformed", _shown(ring), part=part)
        positions = []
        for position in ring:
            lon_lat = _position(position)
            if lon_lat is None:
                return [], _geometry_problem(
                    "geometry_coordinate_invalid", _shown(position), **where
                )
            lon, lat = lon_lat
            if not (-180 <= lon <= 180 and -90 <= lat <= 90):
                return [], _geometry_problem(
                    "geometry_coordinate_out_of_range", _shown(position), **where
                )
            positions.append([round(lon, DECIMALS), round(lat, DECIMALS)])
        if len(positions) < 4:
            return [], _geometry_problem(
                "geometry_ring_too_short", _shown(ring), points=len(positions), **where
            )
        if positions[0] != positions[-1]:
            first, last = _shown(positions[0]), _shown(positions[-1])
            return [], _geometry_problem(
                "geometry_ring_not_closed", _shown(ring), first=first, last=last, **where
            )
        rings.append(positions)
    return rings, None


def _position(position: object) -> tuple[float, float] | None:
    """[longitude, latitude] (an altitude after them is allowed) as two finite numbers."""
    if not isinstance(position, list) or len(position) < 2:
        return None
    lon, lat = position[0], position[1]
    numbers = all(isinstance(v, int | float) and not isinstance(v, bool) for v in (lon, lat))
    if not numbers or not (math.isfinite(lon) and math.isfinite(lat)):
        return None
    return float(lon), float(lat)


def _geometry_problem(code: str, value: str | None, **params: object) -> Problem:
    return Problem("geometry", code, value, params)


def _shown(value: object) -> str:
    """A piece of geometry as a message quotes it, cut short."""
    text = _text(value)
    return text if len(text) <= _SHOWN_CHARS else text[: _SHOWN_CHARS - 1] + "…"
