"""QuPath-compatible GeoJSON: one FeatureCollection per film, in pixel coordinates.

Each region is a Feature with ``properties.objectType = "annotation"``, a
``classification`` (its kind, with an RGB colour), a ``measurements`` dict (as QuPath 0.4+
writes them) and our own fields under ``properties.xraycompare``. Closed regions become
Polygons (ellipses as 72-gons, since GeoJSON has no ellipse), points and text anchors
Points, arrows and callipers LineStrings.
"""

from __future__ import annotations

import math
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
from xraycompare.core.annotations.measurements import MeasurementChange, RegionMeasurement
from xraycompare.core.annotations.regions import Region

CLASSES: dict[str, tuple[str, list[int]]] = {  # kind -> (QuPath class name, RGB)
    "erosion": ("Erosion", [230, 75, 53]),
    "narrowing": ("Joint space narrowing", [77, 187, 213]),
    "other": ("Other", [240, 200, 40]),
}


def _coords(points: np.ndarray) -> list[list[float]]:
    return (np.asarray(points, dtype=np.float64) + CORNER_SHIFT).tolist()


def _geometry(region: Region) -> dict[str, Any]:
    if region.is_closed:
        ring = _coords(region.outline(samples=72))
        return {"type": "Polygon", "coordinates": [[*ring, ring[0]]]}
    if region.geometry in ("point", "text"):
        return {"type": "Point", "coordinates": _coords(region.points_array())[0]}
    return {"type": "LineString", "coordinates": _coords(region.points_array())}


def measurement_values(
    m: RegionMeasurement | None, change: MeasurementChange | None = None
) -> dict[str, float]:
    """QuPath-style measurement names (unit in the name) -> values, skipping the empty ones."""
    if m is None:
        return {}
    lu, au = m.length_unit, m.area_unit.replace("²", "^2")
    out = {
        f"Area {au}": m.area,
        f"Perimeter {lu}": m.perimeter,
        f"Max diameter {lu}": m.longest_diameter,
        f"Length {lu}": m.length,
        "Num pixels": m.pixel_count,
        "Mean": m.mean,
        "Std.Dev.": m.sd,
    }
    if change is not None and change.after.region_id == m.region_id:
        cu = change.area_unit.replace("²", "^2")
        out[f"Area change {cu}"] = change.area_change
        out["Area change %"] = change.area_change_percent
    return {k: float(v) for k, v in out.items() if v is not None and math.isfinite(v)}


def to_geojson(
    regions: Iterable[Region],
    *,
    film: str,
    measurements: Mapping[str, RegionMeasurement] | None = None,
    changes: Mapping[str, MeasurementChange] | None = None,
    image_name: str | None = None,
) -> dict[str, Any]:
    """The FeatureCollection of ``film``'s regions (other films' regions are skipped).

    Parameters
    ----------
    regions
        Regions of any film.
    film
        Which film's regions to write.
    measurements, changes
        Per region id / per lineage id; written into each feature's ``measurements``.
    image_name
        The film's file name, recorded in the collection's ``xraycompare`` block.
    """
    measurements, changes = measurements or {}, changes or {}
    features = []
    for r in regions:
        if r.film != film:
            continue
        name, color = CLASSES[r.kind]
        title = r.label or " ".join(filter(None, [r.site, r.kind if r.kind != "other" else ""]))
        props: dict[str, Any] = {
            "objectType": "annotation",
            "name": title or r.geometry,
            "classification": {"name": name, "color": color},
            "isLocked": False,
            "measurements": measurement_values(measurements.get(r.id), changes.get(r.lineage_id)),
            NAMESPACE: region_fields(r),
        }
        features.append(
            {"type": "Feature", "id": r.id, "geometry": _geometry(r), "properties": props}
        )
    return {
        "type": "FeatureCollection",
        NAMESPACE: {"film": film, "image": image_name, "pixel_origin": "top-left corner"},
        "features": features,
    }


def write_geojson(path: str | Path, collection: Mapping[str, Any]) -> None:
    Path(path).write_text(dumps_indented(collection), "utf-8")  # never NaN: invalid JSON


def from_geojson(obj: Mapping[str, Any], *, film: str) -> tuple[list[Region], list[str]]:
    """Regions from a FeatureCollection (ours, QuPath's or another tool's).

    Features we wrote come back exactly from their ``xraycompare`` block. Others map
    Polygon -> polygon (outer ring), Point -> point, a 2-point LineString -> length, with the
    kind from the classification name; anything else is skipped and reported.

    Returns
    -------
    tuple[list[Region], list[str]]
        The regions (on ``film``) and one message per skipped feature.
    """
    features = obj.get("features") if obj.get("type") == "FeatureCollection" else None
    if not isinstance(features, list):
        raise ValueError("not a GeoJSON FeatureCollection")
    return regions_from(features, lambda f: _feature_region(f, film), what="feature")


def _feature_region(feature: Mapping[str, Any], film: str) -> Region:
    props = feature.get("properties") or {}
    ours = props.get(NAMESPACE)
    if isinstance(ours, dict):
        return region_from_fields(ours, film=film)
    geometry = feature["geometry"]
    kind_name = str((props.get("classification") or {}).get("name", "")).lower()
    kind = (
        "erosion" if "erosion" in kind_name else "narrowing" if "narrow" in kind_name else "other"
    )
    coords = geometry["coordinates"]
    kinds = {
        "Polygon": ("polygon", lambda c: c[0][:-1] if c[0][0] == c[0][-1] else c[0]),
        "Point": ("point", lambda c: [c]),
        "LineString": ("length", lambda c: c if len(c) == 2 else []),
    }
    if geometry["type"] not in kinds:
        raise ValueError(f"{geometry['type']} geometries are not supported")
    name, pick = kinds[geometry["type"]]
    points = check_points(
        [(float(x) - CORNER_SHIFT, float(y) - CORNER_SHIFT) for x, y, *_ in pick(coords)]
    )
    note = str(props.get("name") or "")
    return Region.create(film, name, points, kind=kind, note=note)  # type: ignore[arg-type]
