"""Editing regions by hand, without Qt: smoothing a freehand outline, handles, hit tests.

The GUI's tools call these with film pixel coordinates and tolerances already converted
from screen pixels, so they work the same at any zoom and on a rotated (aligned) pane.
Every function returns new :class:`Region` values; nothing is mutated.

Handles (the points a user drags to reshape a region):

==========  ====================================================================
geometry    handles
==========  ====================================================================
polygon     its vertices (also freehand)
rectangle   its four corners; dragging one keeps the opposite corner and the
            edge directions, so a rotated rectangle stays a rectangle
ellipse     the four axis ends ``c + u, c + v, c - u, c - v``; dragging one keeps
            the opposite end, turns the other axis with it (keeping its length)
point/text  the point (the text's anchor)
arrow       tail and head (length: both ends)
==========  ====================================================================
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import replace

import cv2
import numpy as np
from scipy.ndimage import gaussian_filter1d

from xraycompare.core.annotations.regions import Region
from xraycompare.core.types import VERTEX_GEOMETRIES

MIN_SIZE = 0.5  # px: the smallest side or semi-axis a handle drag may leave


def smooth_outline(
    points: Iterable[Sequence[float]], *, sigma: float = 2.0, tolerance: float = 0.3
) -> tuple[tuple[float, float], ...]:
    """A freehand trace as a smooth closed outline with few vertices.

    The trace is resampled to even steps along its length (so slow and fast strokes smooth
    alike), smoothed with a Gaussian of ``sigma`` px along the closed curve, then simplified
    (Douglas–Peucker, ``tolerance`` px).

    Parameters
    ----------
    points
        The pointer positions, in film pixels, in drawing order (the outline closes itself).
    sigma
        Smoothing scale in film pixels (about two screen pixels at the current zoom).
    tolerance
        Largest distance a dropped vertex may lie from the simplified outline, in pixels.

    Returns
    -------
    tuple of (x, y)
        At least three vertices.

    Raises
    ------
    ValueError
        The trace encloses (almost) nothing.
    """
    pts = np.asarray(list(points), dtype=np.float64).reshape(-1, 2)
    if len(pts) < 3:
        raise ValueError("a freehand outline needs at least three points")
    closed = np.vstack([pts, pts[:1]])
    steps = np.hypot(*np.diff(closed, axis=0).T)
    total = float(steps.sum())
    spacing = max(min(sigma / 2.0, total / 24.0), 1e-3)
    n = max(int(total / spacing), 12)
    along = np.concatenate([[0.0], np.cumsum(steps)])
    t = np.linspace(0.0, total, n, endpoint=False)
    x = np.interp(t, along, closed[:, 0])
    y = np.interp(t, along, closed[:, 1])
    if sigma > 0:
        x = gaussian_filter1d(x, sigma / spacing, mode="wrap")
        y = gaussian_filter1d(y, sigma / spacing, mode="wrap")
    curve = np.c_[x, y]
    origin = curve.mean(axis=0)  # float32 for OpenCV: keep precision near the outline
    local = (curve - origin).astype(np.float32).reshape(-1, 1, 2)
    simple = cv2.approxPolyDP(local, tolerance, closed=True).reshape(-1, 2).astype(np.float64)
    if len(simple) < 3 or abs(cv2.contourArea(simple.astype(np.float32))) < 1.0:
        raise ValueError("the outline encloses almost nothing")
    return tuple((float(px), float(py)) for px, py in simple + origin)


def centroid(region: Region) -> tuple[float, float]:
    """Where a region is: the area centroid of closed regions, else the points' mean."""
    if region.is_closed:
        outline = region.outline(samples=64)
        origin = outline.mean(axis=0)
        m = cv2.moments((outline - origin).astype(np.float32))
        if abs(m["m00"]) > 1e-9:
            return float(m["m10"] / m["m00"] + origin[0]), float(m["m01"] / m["m00"] + origin[1])
        return float(origin[0]), float(origin[1])
    x, y = region.points_array().mean(axis=0)
    return float(x), float(y)


def bounds(region: Region) -> tuple[float, float, float, float]:
    """(x0, y0, x1, y1) of the region's outline (ellipses sampled)."""
    pts = region.outline(samples=64)
    (x0, y0), (x1, y1) = pts.min(axis=0), pts.max(axis=0)
    return float(x0), float(y0), float(x1), float(y1)


def handles(region: Region) -> np.ndarray:
    """The (N, 2) draggable handle positions of a region (see the module table)."""
    if region.geometry == "ellipse":
        c, p1, p2 = region.points_array()
        u, v = p1 - c, p2 - c
        return np.array([c + u, c + v, c - u, c - v])
    return region.points_array()


def move_handle(region: Region, index: int, xy: Sequence[float]) -> Region:
    """The region with handle ``index`` dragged to ``xy`` (film pixels)."""
    p = np.asarray(xy, dtype=np.float64)
    pts = region.points_array().copy()
    if region.geometry == "rectangle":
        return replace(region, points=_rectangle_corner(pts, index, p))
    if region.geometry == "ellipse":
        return replace(region, points=_ellipse_end(pts, index, p))
    if not 0 <= index < len(pts):
        raise IndexError(f"a {region.geometry} region has no handle {index}")
    pts[index] = p
    return replace(region, points=_as_points(pts))


def _rectangle_corner(pts: np.ndarray, index: int, p: np.ndarray) -> tuple:
    k = (index + 2) % 4
    fixed = pts[k]
    e1 = pts[(k + 1) % 4] - fixed
    e2 = pts[(k + 3) % 4] - fixed
    basis = np.column_stack([e1, e2])
    if abs(np.linalg.det(basis)) < 1e-12:
        basis = np.eye(2)  # a degenerate rectangle gets the film's axes back
        e1, e2 = basis[:, 0], basis[:, 1]
    a, b = np.linalg.solve(basis, p - fixed)  # p = fixed + a e1 + b e2
    n1, n2 = np.linalg.norm(e1), np.linalg.norm(e2)
    a = math.copysign(max(abs(a) * n1, MIN_SIZE), a if a else 1.0) / n1
    b = math.copysign(max(abs(b) * n2, MIN_SIZE), b if b else 1.0) / n2
    out = pts.copy()
    out[(k + 1) % 4] = fixed + a * e1
    out[index] = fixed + a * e1 + b * e2
    out[(k + 3) % 4] = fixed + b * e2
    return _as_points(out)


def _ellipse_end(pts: np.ndarray, index: int, p: np.ndarray) -> tuple:
    if not 0 <= index < 4:
        raise IndexError(f"an ellipse has no handle {index}")
    c, p1, p2 = pts
    u, v = p1 - c, p2 - c
    axis, other = (u, v) if index in (0, 2) else (v, u)
    sign = 1.0 if index < 2 else -1.0
    opposite = c - sign * axis
    new_axis = sign * (p - opposite) / 2.0
    if np.hypot(*new_axis) < MIN_SIZE:
        new_axis = axis / max(np.hypot(*axis), 1e-12) * MIN_SIZE
    turn = math.atan2(new_axis[1], new_axis[0]) - math.atan2(axis[1], axis[0])
    cos_t, sin_t = math.cos(turn), math.sin(turn)
    new_other = np.array([cos_t * other[0] - sin_t * other[1], sin_t * other[0] + cos_t * other[1]])
    centre = opposite + sign * new_axis
    u2, v2 = (new_axis, new_other) if index in (0, 2) else (new_other, new_axis)
    return _as_points(np.array([centre, centre + u2, centre + v2]))


def insert_vertex(region: Region, xy: Sequence[float], *, tolerance: float) -> Region | None:
    """A polygon or freehand region with a vertex added on the edge near ``xy``, or None."""
    if region.geometry not in VERTEX_GEOMETRIES:
        return None
    pts = region.points_array()
    d, edge = _edge_distances(np.vstack([pts, pts[:1]]), np.asarray(xy, dtype=np.float64))
    i = int(np.argmin(d))
    if d[i] > tolerance:
        return None
    new = np.insert(pts, i + 1, edge[i], axis=0)
    return replace(region, points=_as_points(new))


def delete_vertex(region: Region, index: int) -> Region | None:
    """A polygon or freehand region without vertex ``index``; None when it would be < 3."""
    if region.geometry not in VERTEX_GEOMETRIES or len(region.points) <= 3:
        return None
    pts = list(region.points)
    del pts[index]
    return replace(region, points=tuple(pts))


def distance(region: Region, xy: Sequence[float]) -> tuple[float, bool]:
    """(distance from ``xy`` to the region's outline or points, whether ``xy`` is inside)."""
    p = np.asarray(xy, dtype=np.float64)
    if region.geometry in ("point", "text"):
        return float(np.hypot(*(region.points_array()[0] - p))), False
    outline = region.outline(samples=72)
    if region.is_closed:
        outline = np.vstack([outline, outline[:1]])
    d, _ = _edge_distances(outline, p)
    inside = False
    if region.is_closed:
        contour = (outline[:-1] - p).astype(np.float32)
        inside = cv2.pointPolygonTest(contour, (0.0, 0.0), False) > 0
    return float(d.min()), inside


def hit_test(regions: Iterable[Region], xy: Sequence[float], *, tolerance: float) -> str | None:
    """The id of the region under ``xy``: an outline or point within ``tolerance`` first
    (the nearest), else the smallest closed region that contains it; None when nothing."""
    best_edge: tuple[float, str] | None = None
    best_inside: tuple[float, str] | None = None
    for r in regions:
        d, inside = distance(r, xy)
        if d <= tolerance and (best_edge is None or d < best_edge[0]):
            best_edge = (d, r.id)
        if inside:
            x0, y0, x1, y1 = bounds(r)
            area = (x1 - x0) * (y1 - y0)
            if best_inside is None or area < best_inside[0]:
                best_inside = (area, r.id)
    if best_edge is not None:
        return best_edge[1]
    return None if best_inside is None else best_inside[1]


def nearest_handle(points: np.ndarray, xy: Sequence[float], *, tolerance: float) -> int | None:
    """Index of the point in ``points`` nearest ``xy`` within ``tolerance``, or None."""
    if len(points) == 0:
        return None
    d = np.hypot(*(np.asarray(points, dtype=np.float64) - np.asarray(xy, dtype=np.float64)).T)
    i = int(np.argmin(d))
    return i if d[i] <= tolerance else None


def snap_point(
    regions: Iterable[Region], xy: Sequence[float], *, tolerance: float
) -> tuple[float, float]:
    """``xy`` moved onto the nearest handle of ``regions`` within ``tolerance`` (else as is)."""
    candidates = [handles(r) for r in regions]
    if not candidates:
        return float(xy[0]), float(xy[1])
    pts = np.vstack(candidates)
    i = nearest_handle(pts, xy, tolerance=tolerance)
    if i is None:
        return float(xy[0]), float(xy[1])
    return float(pts[i][0]), float(pts[i][1])


def _edge_distances(path: np.ndarray, p: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distance from ``p`` to each segment of ``path`` and the nearest point on each."""
    a, b = path[:-1], path[1:]
    ab = b - a
    length2 = np.einsum("ij,ij->i", ab, ab)
    t = np.where(length2 > 0, np.einsum("ij,ij->i", p - a, ab) / np.maximum(length2, 1e-12), 0)
    nearest = a + np.clip(t, 0.0, 1.0)[:, None] * ab
    return np.hypot(*(nearest - p).T), nearest


def _as_points(pts: np.ndarray) -> tuple[tuple[float, float], ...]:
    return tuple((float(x), float(y)) for x, y in pts)
