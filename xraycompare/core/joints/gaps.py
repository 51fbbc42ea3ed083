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


def profile(image: np.ndarray, points: np.ndarray, half_width: float) -> np.ndarray:
    """Mean of ``image`` across a band ``half_width`` either side of a resampled line."""
    d = tangents(points)
    n = np.stack([-d[:, 1], d[:, 0]], axis=1)
    offsets = np.linspace(-half_width, half_width, 7)
    xs = points[:, 0][None, :] + offsets[:, None] * n[:, 0][None, :]
    ys = points[:, 1][None, :] + offsets[:, None] * n[:, 1][None, :]
    values = cv2.remap(
        image, xs.astype(np.float32), ys.astype(np.float32), cv2.INTER_LINEAR, borderValue=0.0
    )
    return values.mean(axis=0)


def find_gaps(values: np.ndarray, step: float, finger_width: float) -> list[Gap]:
    """Dark gaps in a profile sampled every ``step`` upright pixels."""
    n = len(values)
    if n < 5:
        return []
    w = max(2, int(0.2 * finger_width / step))
    lo, hi = np.percentile(values, [10, 90])
    contrast = max(float(hi - lo), 1e-6)
    left = np.full(n, -np.inf)
    right = np.full(n, -np.inf)
    for i in range(n):
        if i > 0:
            left[i] = values[max(0, i - w) : i].max()
        if i < n - 1:
            right[i] = values[i + 1 : i + 1 + w].max()
    depth = (np.minimum(left, right) - values) / contrast
    depth[~np.isfinite(depth)] = 0.0
    gaps = []
    sep = max(1, int(0.12 * finger_width / step))
    order = np.argsort(-depth)
    taken = np.zeros(n, bool)
    for i in order:
        if depth[i] <= 0.03:
            break
        if taken[max(0, i - sep) : i + sep + 1].any():
            continue
        taken[i] = True
        gaps.append(Gap(float(i * step), float(depth[i])))
    return sorted(gaps, key=lambda g: g.t)
