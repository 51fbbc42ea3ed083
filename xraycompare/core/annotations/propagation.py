"""Carry a region to the other film through the alignment, as a linked counterpart.

The alignment matrix maps *after* pixel coordinates to *before* pixel coordinates, so a
region on the after film is mapped with the matrix and a region on the before film with its
inverse. The counterpart is a new region (new id, same lineage, other film) that the user
then adjusts on its own: nothing keeps the two in step afterwards.
"""

from __future__ import annotations

import numpy as np

from xraycompare.core.annotations.regions import Region, new_id
from xraycompare.core.geometry import invert, transform_points
from xraycompare.core.types import Film


def film_to_film_matrix(matrix: np.ndarray, source: Film) -> np.ndarray:
    """The 3×3 matrix taking ``source`` film pixels to the other film's pixels."""
    return np.asarray(matrix, dtype=np.float64) if source == "after" else invert(matrix)


def map_region_points(region: Region, matrix: np.ndarray) -> tuple[tuple[float, float], ...]:
    """The region's points mapped through ``matrix`` (from its frame to another frame).

    Vertex-based geometries map their points; straight edges stay straight under any
    projective matrix, so polygons and rectangles map exactly. An ellipse maps its centre
    and its two conjugate semi-axes by central differences, exact for affine matrices and
    a close approximation for a projective one.
    """
    pts = region.points_array()
    if region.geometry == "ellipse":
        c, p1, p2 = pts
        u, v = p1 - c, p2 - c
        mapped = transform_points(matrix, np.array([c, c + u, c - u, c + v, c - v]))
        c2 = mapped[0]
        pts = np.array([c2, c2 + (mapped[1] - mapped[2]) / 2, c2 + (mapped[3] - mapped[4]) / 2])
    else:
        pts = transform_points(matrix, pts)
    return tuple((float(x), float(y)) for x, y in pts)


def propagate(region: Region, matrix: np.ndarray, *, region_id: str | None = None) -> Region:
    """A linked counterpart of ``region`` on the other film.

    Parameters
    ----------
    region
        The region to carry over.
    matrix
        The active alignment: a 3×3 matrix mapping after pixels to before pixels (global,
        or the local alignment of the finger the region is on).
    region_id
        The counterpart's id; a fresh one when None.

    Returns
    -------
    Region
        Same geometry, site, laterality, kind and label, the same ``lineage_id``, on the
        other film. Score, status and note are left empty: they are a reading of the
        other film, which nobody has made yet.
    """
    target: Film = "before" if region.film == "after" else "after"
    points = map_region_points(region, film_to_film_matrix(matrix, region.film))
    return Region(
        id=region_id or new_id(),
        film=target,
        geometry=region.geometry,
        points=points,
        site=region.site,
        laterality=region.laterality,
        kind=region.kind,
        label=region.label,
        lineage_id=region.lineage_id,
    )
