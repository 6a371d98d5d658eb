"""Build `timeline/geo/outlines.json`, the map's country outlines, from Natural Earth.

Run once, when the outlines should change (the result is committed):

    cd /tmp && npm install world-atlas@2.0.2     # Natural Earth 1:50m as TopoJSON (ISC; data public domain)
    python timeline/geo/build_outlines.py /tmp/node_modules/world-atlas/countries-50m.json

Each country's rings are projected (`timeline.geo.outlines.project`, Mercator), simplified
(Douglas-Peucker, per shared arc, so that neighbours keep one border without gaps) and written
as SVG path data in whole map units with relative moves: the server only picks the countries
in view and sets the viewBox, no projection at request time.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from timeline.geo.outlines import OUTLINES, project  # noqa: E402

TOLERANCE = 0.8  # map units (a tenth of a degree of longitude each)
MIN_RING_AREA = 4.0  # square map units: islets smaller than this leave the map


def _decode_arcs(topology: dict) -> list[list[tuple[float, float]]]:
    (sx, sy), (tx, ty) = topology["transform"]["scale"], topology["transform"]["translate"]
    arcs = []
    for arc in topology["arcs"]:
        x = y = 0
        points = []
        for dx, dy in arc:
            x, y = x + dx, y + dy
            points.append(project(y * sy + ty, x * sx + tx))
        arcs.append(points)
    return arcs


def _simplify(points: list[tuple[float, float]], tolerance: float) -> list[tuple[float, float]]:
    """Douglas-Peucker, iterative; the first and last point stay (where arcs meet)."""
    if len(points) < 3:
        return points
    keep = [False] * len(points)
    keep[0] = keep[-1] = True
    stack = [(0, len(points) - 1)]
    while stack:
        a, b = stack.pop()
        (ax, ay), (bx, by) = points[a], points[b]
        dx, dy = bx - ax, by - ay
        norm = (dx * dx + dy * dy) ** 0.5 or 1e-9
        worst, at = 0.0, -1
        for i in range(a + 1, b):
            px, py = points[i]
            d = (
                abs(dy * (px - ax) - dx * (py - ay)) / norm
                if (dx or dy)
                else ((px - ax) ** 2 + (py - ay) ** 2) ** 0.5
            )
            if d > worst:
                worst, at = d, i
        if worst > tolerance:
            keep[at] = True
            stack += [(a, at), (at, b)]
    return [p for p, k in zip(points, keep, strict=True) if k]


def _ring(indexes: list[int], arcs: list[list[tuple[float, float]]]) -> list[tuple[int, int]]:
    points: list[tuple[float, float]] = []
    for i in indexes:
        arc = arcs[i] if i >= 0 else arcs[~i][::-1]
        points.extend(arc if not points else arc[1:])
    ring = []
    for x, y in points:
        p = (round(x), round(y))
        if not ring or ring[-1] != p:
            ring.append(p)
    return ring


def _area(ring: list[tuple[int, int]]) -> float:
    edges = zip(ring, ring[1:] + ring[:1], strict=True)
    return abs(sum(x0 * y1 - x1 * y0 for (x0, y0), (x1, y1) in edges)) / 2


def _path(rings: list[list[tuple[int, int]]]) -> str:
    out = []
    for ring in rings:
        (x, y), rest = ring[0], ring[1:]
        out.append(f"M{x} {y}")
        steps = []
        for px, py in rest:
            steps.append(f"{px - x} {py - y}")
            x, y = px, py
        out.append("l" + " ".join(steps) + "z")
    return "".join(out).replace(" -", "-")


def build(source: Path) -> list[dict]:
    topology = json.loads(source.read_text())
    arcs = [_simplify(arc, TOLERANCE) for arc in _decode_arcs(topology)]
    countries = []
    for geometry in topology["objects"]["countries"]["geometries"]:
        polygons = {"Polygon": [geometry.get("arcs", [])], "MultiPolygon": geometry.get("arcs", [])}.get(
            geometry.get("type"), []
        )
        rings = [_ring(r, arcs) for polygon in polygons for r in polygon]
        rings = [r for r in rings if len(r) >= 3 and _area(r) >= MIN_RING_AREA]
        if not rings:
            continue
        xs = [x for r in rings for x, _ in r]
        ys = [y for r in rings for _, y in r]
        countries.append(
            {
                "id": geometry.get("id", ""),
                "name": geometry.get("properties", {}).get("name", ""),
                "bbox": [min(xs), min(ys), max(xs), max(ys)],
                "d": _path(rings),
            }
        )
    return countries


if __name__ == "__main__":
    countries = build(Path(sys.argv[1]))
    OUTLINES.write_text(
        json.dumps(
            {"source": "Natural Earth 1:50m (public domain), via world-atlas 2.0.2", "countries": countries},
            ensure_ascii=False,
            separators=(",", ":"),
        )
    )
    print(f"{len(countries)} countries, {OUTLINES.stat().st_size} bytes -> {OUTLINES}")
