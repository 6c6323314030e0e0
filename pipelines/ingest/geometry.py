"""Plane geometry of a ring (a closed list of [x, y] points): enough for boundary files, the
sample city's made-up ones (pipelines.sample.boundaries) and the map (dashboards.region_map)."""

from __future__ import annotations

from collections.abc import Sequence

Ring = Sequence[Sequence[float]]


def signed_area(ring: Ring) -> float:
    """Shoelace: positive when the ring runs counter-clockwise."""
    return sum(ring[k - 1][0] * p[1] - p[0] * ring[k - 1][1] for k, p in enumerate(ring)) / 2


def centroid(ring: Ring) -> tuple[float, float]:
    """The centre of the area the ring encloses (its first point when it encloses none)."""
    area = signed_area(ring)
    if area == 0:
        return ring[0][0], ring[0][1]
    cx = cy = 0.0
    for k, (x1, y1) in enumerate(ring):
        x0, y0 = ring[k - 1]
        cross = x0 * y1 - x1 * y0
        cx += (x0 + x1) * cross
        cy += (y0 + y1) * cross
    return cx / (6 * area), cy / (6 * area)
