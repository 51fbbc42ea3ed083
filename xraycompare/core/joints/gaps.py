"""Joint spaces along a ray: short dark gaps between two bright bone ends.

Along a bone's centre line the intensity is high on bone and drops in a joint space (and in
a child's growth plate) for a few percent of a finger's width, with bright subchondral
bone on both sides. A gap's strength is how far its floor lies below the lower of the two
peaks within a fifth of a finger's width on either side, relative to the ray's bone
contrast.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
from scipy.ndimage import percentile_filter

_MIN_NOTCH = 0.04


@dataclass(frozen=True)
class Gap:
    """A dark gap at arc length ``t`` (upright pixels from the ray's top) of ``strength``."""

    t: float
    strength: float


def resample(points: np.ndarray, step: float, smooth: float) -> np.ndarray:
    """Points every ``step`` of arc length along a polyline, smoothed over ``smooth``."""
    d = np.hypot(*np.diff(points, axis=0).T)
    s = np.concatenate([[0.0], np.cumsum(d)])
    keep = np.concatenate([[True], d > 1e-9])
    s, pts = s[keep], points[keep]
    if s[-1] <= step:
        return pts[:1].copy()
    t = np.arange(0.0, s[-1], step)
    out = np.stack([np.interp(t, s, pts[:, 0]), np.interp(t, s, pts[:, 1])], axis=1)
    k = int(smooth / step)
    if k >= 2 and len(out) > 2 * k:
        kernel = np.ones(2 * k + 1) / (2 * k + 1)
        padded = np.pad(out, ((k, k), (0, 0)), mode="edge")
        out = np.stack([np.convolve(padded[:, i], kernel, mode="valid") for i in (0, 1)], 1)
    return out


def tangents(points: np.ndarray) -> np.ndarray:
    d = np.gradient(points, axis=0)
    n = np.hypot(d[:, 0], d[:, 1])[:, None]
    return d / np.maximum(n, 1e-9)


def profile(
    image: np.ndarray, points: np.ndarray, half_width: float, *, tilt: float = 0.0
) -> np.ndarray:
    """Mean of ``image`` across a band ``half_width`` either side of a resampled line,
    each cross-section turned by ``tilt`` radians from the line's normal."""
    d = tangents(points)
    c, s = np.cos(tilt), np.sin(tilt)
    n = np.stack([-d[:, 1] * c - d[:, 0] * s, d[:, 0] * c - d[:, 1] * s], axis=1)
    offsets = np.linspace(-half_width, half_width, 7)
    xs = points[:, 0][None, :] + offsets[:, None] * n[:, 0][None, :]
    ys = points[:, 1][None, :] + offsets[:, None] * n[:, 1][None, :]
    values = cv2.remap(
        image, xs.astype(np.float32), ys.astype(np.float32), cv2.INTER_LINEAR, borderValue=0.0
    )
    return values.mean(axis=0)


def find_gaps(values: np.ndarray, step: float, finger_width: float) -> list[Gap]:
    """Dark notches in a profile sampled every ``step`` work pixels, deepest first kept.

    A notch's depth is how far the profile dips below the lower of the highest points
    within a fifth of a finger's width on either side, relative to the profile's spread
    (10th to 90th percentile) within a finger and a half; notches closer than 0.15 finger
    widths to a deeper one are dropped.
    """
    n = len(values)
    if n < 5:
        return []
    kernel = np.array([1.0, 4.0, 6.0, 4.0, 1.0]) / 16.0
    p = np.convolve(np.pad(values, 2, mode="edge"), kernel, mode="valid")
    w = max(2, int(round(0.2 * finger_width / step)))
    padded = np.pad(p, w, mode="edge")
    windows = np.lib.stride_tricks.sliding_window_view(padded, w)
    index = np.arange(n)
    left = windows[index].max(axis=1)  # p[i - w : i]
    right = windows[index + w + 1].max(axis=1)  # p[i + 1 : i + w + 1]
    # relative to the bone contrast nearby (a bright carpus must not dwarf the fingers), but
    # not to the noise of a flat stretch
    lo, hi = np.percentile(p, [10, 90])
    size = 2 * max(1, int(1.5 * finger_width / step)) + 1
    local = percentile_filter(p, 90, size=size, mode="nearest") - percentile_filter(
        p, 10, size=size, mode="nearest"
    )
    depth = (np.minimum(left, right) - p) / np.maximum(local, 0.3 * max(float(hi - lo), 1e-6))
    sep = max(1, int(0.15 * finger_width / step))
    taken = np.zeros(n, dtype=bool)
    gaps: list[Gap] = []
    for i in np.argsort(-depth):
        if depth[i] < _MIN_NOTCH:
            break
        if taken[max(0, i - sep) : i + sep + 1].any():
            continue
        taken[i] = True
        gaps.append(Gap(float(i * step), float(depth[i])))
    return sorted(gaps, key=lambda g: g.t)


def slanted_gaps(
    image: np.ndarray,
    points: np.ndarray,
    half_width: float,
    step: float,
    finger_width: float,
    *,
    tilts: tuple[float, ...],
    straight: list[Gap] | None = None,
) -> list[Gap]:
    """Notches of profiles whose cross-sections are turned by each of ``tilts`` (radians)
    as well as straight across (``straight``, when the caller has them already): a joint
    space slanted to the ray (the thumb's, seen obliquely on a PA film) averages away in a
    straight band but shows in a turned one. Where notches of several bands lie within
    0.15 finger widths the deepest is kept."""
    if straight is None:
        straight = find_gaps(profile(image, points, half_width), step, finger_width)
    found = list(straight)
    for tilt in tilts:
        values = profile(image, points, half_width, tilt=tilt)
        found += find_gaps(values, step, finger_width)
    kept: list[Gap] = []
    for gap in sorted(found, key=lambda g: -g.strength):
        if all(abs(gap.t - k.t) > 0.15 * finger_width for k in kept):
            kept.append(gap)
    return sorted(kept, key=lambda g: g.t)
