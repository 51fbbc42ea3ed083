"""Annotation exchange formats: GeoJSON (QuPath), labelme JSON and CSV tables.

GeoJSON and labelme put the origin at the top-left *corner* of the top-left pixel (QuPath
and Qt pixmaps), while xraycompare puts pixel centres at integers, so their coordinates are
ours plus :data:`CORNER_SHIFT`. Each format also stores our exact points in its own
namespaced block (``"xraycompare"``), so an export read back gives the same regions.
"""

import json
from typing import Any

import msgspec

CORNER_SHIFT = 0.5  # corner-origin coordinate = centre-origin coordinate + 0.5
NAMESPACE = "xraycompare"

# What a region may hold when read from a file (exchange formats and project files alike):
# far above anything drawn, low enough that a crafted file costs little to refuse.
COORDINATE_LIMIT = 1e7  # px; films are at most 65535 px a side
MAX_POINTS_PER_REGION = 10_000  # a smoothed freehand outline has tens
MAX_REGIONS = 5_000  # a heavily annotated pair has a few hundred
MAX_FILE_BYTES = 32 * 1024 * 1024


def check_points(points: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """``points`` when within :data:`MAX_POINTS_PER_REGION` and :data:`COORDINATE_LIMIT`;
    ValueError (in words) otherwise."""
    if len(points) > MAX_POINTS_PER_REGION:
        raise ValueError(f"{len(points)} points; a region may have at most {MAX_POINTS_PER_REGION}")
    for x, y in points:
        if not (abs(x) <= COORDINATE_LIMIT and abs(y) <= COORDINATE_LIMIT):
            raise ValueError(f"a point ({x:g}, {y:g}) lies far outside any film")
    return points


def dumps_indented(obj: Any) -> str:
    """``obj`` as JSON indented by one space, NaN and Infinity refused (ValueError).

    The same text as ``json.dumps(obj, indent=1)``, made by the C encoder and msgspec's
    formatter: the indenting encoder of ``json`` is pure Python, seconds for a 10 MB export.
    """
    return msgspec.json.format(json.dumps(obj, ensure_ascii=False, allow_nan=False), indent=1)
