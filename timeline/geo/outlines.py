"""The map's projection and its country outlines (Natural Earth, public domain), as
`build_outlines.py` wrote them into `outlines.json`: pre-projected, simplified SVG path data."""

from __future__ import annotations

import functools
import json
import math
from pathlib import Path

OUTLINES = Path(__file__).with_name("outlines.json")
# Mercator, in tenths of a degree of longitude; y grows southward as in SVG. Cut at 85° so
# that the poles stay finite.
UNIT = 10
MAX_LATITUDE = 85.0


def project(latitude: float, longitude: float) -> tuple[float, float]:
    """(x, y) map units of a point."""
    phi = math.radians(max(-MAX_LATITUDE, min(MAX_LATITUDE, latitude)))
    y = math.degrees(math.log(math.tan(math.pi / 4 + phi / 2)))
    return longitude * UNIT, -y * UNIT


@functools.cache
def countries() -> list[dict]:
    """[{"id", "name", "bbox": [x0, y0, x1, y1], "d"}] in map units."""
    return json.loads(OUTLINES.read_text())["countries"]


def in_view(box: tuple[float, float, float, float]) -> list[str]:
    """The path data of every country whose bounding box meets the box (x0, y0, x1, y1)."""
    x0, y0, x1, y1 = box
    return [
        c["d"]
        for c in countries()
        if c["bbox"][0] <= x1 and c["bbox"][2] >= x0 and c["bbox"][1] <= y1 and c["bbox"][3] >= y0
    ]
