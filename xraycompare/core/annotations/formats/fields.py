"""Our region fields as a plain dict, shared by the GeoJSON and labelme namespaced blocks."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from xraycompare.core.annotations.formats import MAX_REGIONS, check_points
from xraycompare.core.annotations.regions import Region


def region_fields(region: Region) -> dict[str, Any]:
    """Every field of a region, points in our convention (pixel centres at integers)."""
    return {
        "id": region.id,
        "lineage_id": region.lineage_id,
        "film": region.film,
        "geometry": region.geometry,
        "points": region.points_array().tolist(),
        "site": region.site,
        "laterality": region.laterality,
        "kind": region.kind,
        "score": region.score,
        "status": region.status,
        "note": region.note,
        "label": region.label,
    }


def region_from_fields(fields: Mapping[str, Any], *, film: str) -> Region:
    """A region back from :func:`region_fields` (put on ``film``); ValueError when invalid."""
    known = ("id", "lineage_id", "geometry", "site", "laterality", "kind", "score", "status")
    kwargs = {k: fields[k] for k in known if k in fields}
    kwargs |= {k: fields.get(k) or "" for k in ("note", "label")}
    points = check_points([tuple(p) for p in fields["points"]])
    return Region(film=film, points=tuple(points), **kwargs)  # type: ignore[arg-type]


def renumbered(regions: list[Region]) -> list[Region]:
    """Copies with fresh ids (lineages kept linked), for importing into a document that may
    already hold the originals."""
    from dataclasses import replace

    from xraycompare.core.annotations.regions import new_id

    lineages: dict[str, str] = {}
    out = []
    for r in regions:
        lineage = lineages.setdefault(r.lineage_id, new_id())
        out.append(replace(r, id=new_id(), lineage_id=lineage))
    return out


def regions_from(
    items: list[Any], convert: Callable[[Any], Region], *, what: str
) -> tuple[list[Region], list[str]]:
    """Convert each item of another tool's file to a region, skipping (and saying why) the
    ones that cannot be; at most :data:`MAX_REGIONS` are read."""
    regions, skipped = [], []
    if len(items) > MAX_REGIONS:
        skipped.append(f"only the first {MAX_REGIONS} of {len(items)} {what}s were read")
    for i, item in enumerate(items[:MAX_REGIONS]):
        try:
            regions.append(convert(item))
        except (ValueError, TypeError, KeyError, IndexError, OverflowError) as exc:
            skipped.append(f"{what} {i}: {exc}")
    return regions, skipped
