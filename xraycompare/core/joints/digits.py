"""Fingertips on the hand's outline.

A fingertip is where the outline reaches farthest from the body of the hand: a local
maximum of the geodesic distance (the shortest path inside the outline) from a point deep
in the palm or forearm, standing out from its neighbours by the depth of the clefts between
the digits. That holds at any angle and for either hand, with the fingers spread or close
(their tips still part), and ignores the straight forearm edges. The end of a forearm cut
off by the film's edge is dropped, and so is any "tip" that is not the rounded end of
something about a finger wide.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
from skimage.graph import MCP_Geometric


@dataclass(frozen=True)
class Tip:
    """A fingertip: where the outline ends, the direction into the digit, how far it
    stands out (outline pixels), and its geodesic distance from the palm."""

    point: np.ndarray
    inward: np.ndarray
    prominence: float
    reach: float


def find_tips(mask: np.ndarray, finger_width: float, *, prominence: float = 0.8) -> list[Tip]:
    """The fingertips of the outline ``mask`` (bool (H, W)) with fingers ``finger_width`` wide."""
    f = float(finger_width)
    m8 = mask.astype(np.uint8)
    contours, _ = cv2.findContours(m8, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)
    if not contours:
        return []
    contour = max(contours, key=len)[:, 0, :]
    if len(contour) < 20:
        return []
    dist = cv2.distanceTransform(m8, cv2.DIST_L2, 3)
    source = np.unravel_index(int(np.argmax(dist)), dist.shape)
    paths = MCP_Geometric(np.where(mask, 1.0, np.inf))
    geo, _ = paths.find_costs([source])
    along = geo[contour[:, 1], contour[:, 0]]
    along = np.where(np.isfinite(along), along, 0.0)
    n = len(along)
    # the contour is closed: look for peaks in three copies and keep the middle ones
    tripled = np.concatenate([along, along, along])
    # imported here: scipy.signal costs the app ~60 MB of memory, and joints are found in
    # worker processes, never in the app itself
    from scipy.signal import find_peaks

    peaks, props = find_peaks(tripled, prominence=prominence * f, distance=max(2, int(0.5 * f)))
    h, w = mask.shape
    tips: list[Tip] = []
    for p, prom in zip(peaks, props["prominences"], strict=True):
        if not n <= p < 2 * n:
            continue
        x, y = contour[p - n]
        if x <= 1 or y <= 1 or x >= w - 2 or y >= h - 2:
            continue  # the film's edge cuts the body here (a forearm), not a fingertip
        point = np.array([float(x), float(y)])
        inward = _inward(np.array(paths.traceback((int(y), int(x))), dtype=np.float64), point, f)
        if inward is None:
            continue
        probe = point + 0.5 * f * inward
        px, py = int(round(probe[0])), int(round(probe[1]))
        if not (0 <= px < w and 0 <= py < h) or not 0 < dist[py, px] <= 0.8 * f:
            continue  # not the rounded end of a finger-wide piece
        inward = _midline(mask, point, inward, f)
        tips.append(Tip(point, inward, float(prom), float(along[p - n])))
    return tips


def _inward(path: np.ndarray, point: np.ndarray, f: float) -> np.ndarray | None:
    """Unit vector from a tip into its digit, along the shortest path to the palm.

    ``path`` is that path as (row, col) from the palm to the tip; the stretch from one to
    two finger widths back from the tip runs down the middle of a straight digit.
    """
    if len(path) < 3:
        return None
    xy = path[::-1, ::-1]  # (x, y), tip first
    steps = np.hypot(*np.diff(xy, axis=0).T)
    arc = np.concatenate([[0.0], np.cumsum(steps)])
    far = (arc >= 0.8 * f) & (arc <= 2.0 * f)
    if not far.any():
        return None
    v = xy[far].mean(axis=0) - point
    n = float(np.hypot(*v))
    return v / n if n > 0.2 * f else None


def _midline(mask: np.ndarray, point: np.ndarray, inward: np.ndarray, f: float) -> np.ndarray:
    """``inward`` corrected to the digit's soft-tissue midline over its free length.

    Across the digit, at steps from half a finger width to three widths from the tip, the
    outline's run that holds the current line has its middle on the digit's axis; a run
    wider than 1.6 widths has reached a neighbour or the palm and stops the walk.
    """
    h, w = mask.shape
    normal = np.array([-inward[1], inward[0]])
    offsets = np.arange(-1.2 * f, 1.2 * f + 0.5, 0.5)
    middles, levels = [], []
    for level in np.arange(0.5 * f, 3.0 * f, 0.25 * f):
        centre = point + level * inward
        if middles:
            centre = centre + normal * float((middles[-1] - (point + levels[-1] * inward)) @ normal)
        pts = centre[None, :] + offsets[:, None] * normal[None, :]
        xi, yi = np.round(pts[:, 0]).astype(int), np.round(pts[:, 1]).astype(int)
        ok = (xi >= 0) & (yi >= 0) & (xi < w) & (yi < h)
        inside = np.zeros(len(pts), dtype=bool)
        inside[ok] = mask[yi[ok], xi[ok]]
        mid = len(offsets) // 2
        if not inside[mid]:
            break
        lo = mid
        while lo > 0 and inside[lo - 1]:
            lo -= 1
        hi = mid
        while hi < len(offsets) - 1 and inside[hi + 1]:
            hi += 1
        if lo == 0 or hi == len(offsets) - 1 or offsets[hi] - offsets[lo] > 1.6 * f:
            break
        middles.append(centre + 0.5 * (offsets[lo] + offsets[hi]) * normal)
        levels.append(level)
    if len(middles) < 3:
        return inward
    m = np.array(middles)
    d = m[-1] - m[0]
    # the least-squares direction through the middles, signed like ``inward``
    _, _, vt = np.linalg.svd(m - m.mean(axis=0))
    axis = vt[0] if vt[0] @ d >= 0 else -vt[0]
    return axis if axis @ inward > 0.95 else inward  # a curled tip can mislead the walk
