"""The hand's own frame: which way the fingers point, and how big the hand is.

Films come at any angle (fingers up, down, sideways, stored rotated 180° or mirrored), with
much or little forearm. Everything after this step works on an *upright* copy (fingers up,
forearm down) at a fixed size, so its rules are written once.

How, and why:

1. The hand's axis (up to sign) is the dominant direction of the long edges in the hand:
   bone cortices and the outline of the forearm, metacarpals and fingers all run along it.
   The doubled-angle average of the gradient (a structure tensor) finds it at any angle.
2. The sign: the forearm end of the body is one broad piece cut off by the film's edge or a
   collimator; the finger end splits into several narrow pieces that taper to their tips.
3. The size: the wrist (the narrowest cross-section between the forearm and the palm) and
   the palm (the widest single piece beyond it) give the hand's scale, which every later
   length is measured in.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np


@dataclass(frozen=True)
class HandFrame:
    """Where the hand lies in the working image.

    ``to_upright`` is a 2×3 affine mapping working-image (x, y) to the upright image
    (``size`` = (width, height)), where the fingers point up (towards −y).
    ``finger_width`` is a finger's typical width (soft tissue) in upright pixels.
    """

    to_upright: np.ndarray
    size: tuple[int, int]
    finger_width: float


def upright_frame(unit: np.ndarray, body: np.ndarray) -> HandFrame | None:
    """The upright frame of the hand in ``body`` (a mask over ``unit``), or None."""
    if body.sum() < 100:
        return None
    h, w = unit.shape
    angle = axis_angle(unit, body)
    ys, xs = np.nonzero(body)
    center = (float(xs.mean()), float(ys.mean()))
    m = np.vstack([rotate_about(-np.pi / 2 - angle, center), [0, 0, 1]])
    m[:2, 2] += [w / 2, h / 2]  # room for any angle in a 2x canvas
    size = (2 * w, 2 * h)
    turned = cv2.warpAffine(body.astype(np.uint8), m[:2], size, flags=cv2.INTER_NEAREST) > 0
    if _fingers_at_bottom(turned):
        m = np.vstack([rotate_about(np.pi, (w, h)), [0, 0, 1]]) @ m
        turned = cv2.warpAffine(body.astype(np.uint8), m[:2], size, flags=cv2.INTER_NEAREST) > 0
    ys, xs = np.nonzero(turned)
    pad = 4
    x0, y0 = max(0, xs.min() - pad), max(0, ys.min() - pad)
    x1, y1 = min(size[0], xs.max() + pad + 1), min(size[1], ys.max() + pad + 1)
    m[:2, 2] -= [x0, y0]
    width = finger_width(turned[y0:y1, x0:x1])
    return HandFrame(m[:2].copy(), (int(x1 - x0), int(y1 - y0)), width)


def _fingers_at_bottom(turned: np.ndarray) -> bool:
    """True when the body's split, tapering end is at the bottom of an upright-axis mask."""
    rows = np.flatnonzero(turned.any(axis=1))
    top, bottom = int(rows[0]), int(rows[-1])
    extent = bottom - top
    if extent < 10:
        return False

    def mean_runs(a: float, b: float) -> float:
        lines = range(int(top + a * extent), int(top + b * extent))
        return float(np.mean([len(_runs(turned[y], 3)) for y in lines]))

    runs_top = mean_runs(0.05, 0.3)
    runs_bottom = mean_runs(0.7, 0.95)
    widest = max(1, int(turned.sum(axis=1).max()))
    end_top = int(turned[int(top + 0.02 * extent)].sum())
    end_bottom = int(turned[int(bottom - 0.02 * extent)].sum())
    # the forearm is cut off broad; fingers split into several pieces
    return (runs_top - runs_bottom) + (end_bottom - end_top) / widest < 0


def finger_width(turned: np.ndarray) -> float:
    """Typical width of a finger in an upright mask: runs where the mask splits in 3+."""
    lengths: list[int] = []
    for y in range(turned.shape[0] // 2):
        runs = _runs(turned[y], 2)
        if len(runs) >= 3:
            lengths += [e - s for s, e in runs]
    if len(lengths) >= 10:
        return float(np.median(lengths))
    return float(turned.sum(axis=1).max()) / 5.0  # fingers together: a fifth of the palm


def main_component(mask: np.ndarray) -> np.ndarray:
    """The largest connected piece of ``mask`` (the hand and forearm)."""
    count, labels, stats, _ = cv2.connectedComponentsWithStats(mask.astype(np.uint8), 8)
    if count <= 1:
        return np.zeros_like(mask, dtype=bool)
    best = 1 + int(np.argmax(stats[1:, cv2.CC_STAT_AREA]))
    return labels == best


def axis_angle(unit: np.ndarray, body: np.ndarray) -> float:
    """Direction of the long edges inside ``body``, in radians (mod π), image x to the right."""
    smooth = cv2.GaussianBlur(unit, (0, 0), 2.0)
    gx = cv2.Sobel(smooth, cv2.CV_32F, 1, 0, ksize=3)
    gy = cv2.Sobel(smooth, cv2.CV_32F, 0, 1, ksize=3)
    near = cv2.dilate(body.astype(np.uint8), np.ones((5, 5), np.uint8)).astype(bool)
    jxx = float((gx * gx)[near].sum())
    jyy = float((gy * gy)[near].sum())
    jxy = float((gx * gy)[near].sum())
    gradient = 0.5 * np.arctan2(2 * jxy, jxx - jyy)  # the dominant gradient direction
    return float((gradient + np.pi / 2) % np.pi)


def _runs(row: np.ndarray, min_len: int) -> list[tuple[int, int]]:
    """(start, end) of the True runs of a 1-D bool array at least ``min_len`` long."""
    padded = np.concatenate([[False], row, [False]]).astype(np.int8)
    d = np.diff(padded)
    starts, ends = np.flatnonzero(d == 1), np.flatnonzero(d == -1)
    return [(int(s), int(e)) for s, e in zip(starts, ends, strict=True) if e - s >= min_len]


def rotate_about(angle: float, center: tuple[float, float], scale: float = 1.0) -> np.ndarray:
    """2×3 matrix rotating by ``angle`` radians (image coords, clockwise positive) about
    ``center`` and scaling by ``scale``."""
    c, s = np.cos(angle) * scale, np.sin(angle) * scale
    cx, cy = center
    return np.array([[c, -s, cx - c * cx + s * cy], [s, c, cy - s * cx - c * cy]])
