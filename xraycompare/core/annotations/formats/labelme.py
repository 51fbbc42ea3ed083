"""labelme JSON (one file per film), export and import, for machine-learning users.

``imageData`` is always null (no pixels in annotation files). labelme's ``shapes`` carry the
label (the region's kind), ``shape_type`` and points with the origin at the top-left pixel
corner; our exact region is kept in an extra ``xraycompare`` key on each shape, which
labelme preserves when it re-saves the file.

Mapping: polygon, freehand and non-axis-aligned rectangles -> ``polygon``; axis-aligned
rectangles -> ``rectangle`` (two corners); ellipses -> ``polygon`` (labelme's ``circle``
cannot hold an ellipse); point and text -> ``point``; arrow and length -> ``line``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import numpy as np

from xraycompare.core.annotations.formats import (
    CORNER_SHIFT,
    NAMESPACE,
    check_points,
    dumps_indented,
)
from xraycompare.core.annotations.formats.fields import (
    region_fields,
    region_from_fields,
    regions_from,
)
from xraycompare.core.annotations.regions import Region, ellipse_points, rectangle_points

LABELME_VERSION = "5.5.0"  # the labelme file version we write; readers ignore it


def _shape_type(region: Region) -> str:
    if region.geometry == "rectangle":
        (x0, y0), (x1, y1), (x2, y2), (x3, y3) = region.points
        axis_aligned = (y0 == y1 and x1 == x2 and y2 == y3 and x3 == x0) or (
            x0 == x1 and y1 == y2 and x2 == x3 and y3 == y0
        )
        return "rectangle" if axis_aligned else "polygon"
    return {"point": "point", "text": "point", "arrow": "line", "length": "line"}.get(
        region.geometry, "polygon"
    )


def _shape(region: Region) -> dict[str, Any]:
    kind = _shape_type(region)
    pts = region.outline(samples=72) if region.geometry == "ellipse" else region.points_array()
    if kind == "rectangle":
        pts = np.array([pts.min(axis=0), pts.max(axis=0)])
    return {
        "label": region.kind,
        "points": [[float(x) + CORNER_SHIFT, float(y) + CORNER_SHIFT] for x, y in pts],
        "group_id": None,
        "description": region.label or region.note,
        "shape_type": kind,
        "flags": {},
        "mask": None,
        NAMESPACE: region_fields(region),
    }


def to_labelme(
    regions: Iterable[Region],
    *,
    film: str,
    image_path: str | None = None,
    image_shape: tuple[int, int] | None = None,
) -> dict[str, Any]:
    """The labelme document of ``film``'s regions; ``image_shape`` is (H, W) when known."""
    h, w = image_shape if image_shape is not None else (None, None)
    return {
        "version": LABELME_VERSION,
        "flags": {},
        "shapes": [_shape(r) for r in regions if r.film == film],
        "imagePath": image_path,
        "imageData": None,
        "imageHeight": h,
        "imageWidth": w,
    }


def write_labelme(path: str | Path, document: Mapping[str, Any]) -> None:
    Path(path).write_text(dumps_indented(document), "utf-8")  # never NaN: invalid JSON


def from_labelme(obj: Mapping[str, Any], *, film: str) -> tuple[list[Region], list[str]]:
    """Regions from a labelme document; returns the regions and one message per skipped shape.

    Shapes we wrote come back exactly; labelme's own polygons, rectangles, circles, lines
    and points are converted (kind from the label when it names one), others skipped.
    """
    shapes = obj.get("shapes")
    if not isinstance(shapes, list):
        raise ValueError("not a labelme file (no 'shapes' list)")
    return regions_from(shapes, lambda s: _shape_region(s, film), what="shape")


def _shape_region(shape: Mapping[str, Any], film: str) -> Region:
    ours = shape.get(NAMESPACE)
    if isinstance(ours, dict):
        return region_from_fields(ours, film=film)
    kind_type = shape.get("shape_type") or "polygon"
    pts = check_points(
        [(float(x) - CORNER_SHIFT, float(y) - CORNER_SHIFT) for x, y in shape["points"]]
    )
    label = str(shape.get("label") or "")
    kind = label.lower() if label.lower() in ("erosion", "narrowing") else "other"
    note = str(shape.get("description") or "") or ("" if kind != "other" else label)
    fields: dict[str, Any] = {"kind": kind, "note": note}
    if kind_type == "rectangle" and len(pts) == 2:
        return Region.create(film, "rectangle", rectangle_points(*pts[0], *pts[1]), **fields)
    if kind_type == "circle" and len(pts) == 2:
        (cx, cy), (px, py) = pts
        radius = float(np.hypot(px - cx, py - cy))
        return Region.create(film, "ellipse", ellipse_points(cx, cy, radius, radius), **fields)
    simple = {"polygon": "polygon", "point": "point", "line": "length"}
    if kind_type not in simple:
        raise ValueError(f"labelme shape type {kind_type!r} is not supported")
    return Region.create(film, simple[kind_type], pts, **fields)  # type: ignore[arg-type]
