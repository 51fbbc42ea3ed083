"""SIFT features of a film's small copy, and matching them between films.

Films of one hand can differ by any rotation (stored sideways or upside down), by a scale
of 0.8-1.25 and by exposure and processing. SIFT keypoints on a contrast-normalised
(CLAHE) copy about 600 px on a side, kept where the anatomy is (see :mod:`.anatomy`), are
invariant to all of that; mutual Lowe-ratio matches feed the candidate search
(:mod:`.candidates`, :mod:`.search`). :func:`mask_axes` gives a mask's centre, principal
axis and size for the placements of the hands.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

FEATURE_SIDE = 600  # px: long side of the copy features are found on


@dataclass(frozen=True)
class Features:
    """Keypoints (x, y) in full-resolution coordinates of the film they came from, and
    ``factor``: full-resolution pixels per pixel of the copy they were found on."""

    xy: np.ndarray
    descriptors: np.ndarray | None
    factor: float = 1.0


def to_uint8(values: np.ndarray, mask: np.ndarray | None) -> np.ndarray:
    """Contrast-normalised 8-bit copy (percentiles inside the hand, then CLAHE)."""
    inside = values[mask] if mask is not None and mask.any() else values.ravel()
    lo, hi = np.percentile(inside[:: max(1, inside.size // 100_000)], [0.5, 99.5])
    if not hi > lo:
        hi = lo + 1.0
    u8 = np.clip((values - lo) * (255.0 / (hi - lo)), 0, 255).astype(np.uint8)
    clahe = cv2.createCLAHE(clipLimit=2.5, tileGridSize=(8, 8))
    return clahe.apply(u8)


def detect(
    small: np.ndarray,
    mask: np.ndarray | None,
    factor: float,
    *,
    grow: int = 9,
    contrast_mask: np.ndarray | None = None,
) -> Features:
    """SIFT keypoints of a small float copy; ``factor`` = full-resolution px per small px.

    The copy was made with ``cv2.resize(..., INTER_AREA)``, whose pixel ``i`` covers full
    pixels around ``(i + 0.5) * factor - 0.5``. Keypoints are kept inside ``mask`` (bool)
    grown by ``grow`` pixels (0: exactly inside); the contrast is normalised on
    ``contrast_mask`` (default ``mask``).
    """
    mask = None if mask is None else np.asarray(mask, dtype=bool)
    u8 = to_uint8(small, mask if contrast_mask is None else contrast_mask)
    m = None
    if mask is not None and mask.any():
        m = mask.astype(np.uint8) * 255
        if grow > 1:
            m = cv2.dilate(m, np.ones((grow, grow), np.uint8))
    sift = cv2.SIFT_create(nfeatures=4000, contrastThreshold=0.03)
    keypoints, descriptors = sift.detectAndCompute(u8, m)
    if not keypoints:
        return Features(np.zeros((0, 2)), None, factor)
    xy = np.array([k.pt for k in keypoints], dtype=np.float64)
    return Features((xy + 0.5) * factor - 0.5, descriptors, factor)


def match(after: Features, before: Features, *, ratio: float = 0.8) -> tuple[np.ndarray, ...]:
    """Lowe-ratio matches, mutual best only: (after_xy, before_xy) arrays."""
    if after.descriptors is None or before.descriptors is None:
        return np.zeros((0, 2)), np.zeros((0, 2))
    if len(after.xy) < 2 or len(before.xy) < 2:
        return np.zeros((0, 2)), np.zeros((0, 2))
    matcher = cv2.BFMatcher(cv2.NORM_L2)
    forward = matcher.knnMatch(after.descriptors, before.descriptors, k=2)
    backward = matcher.match(before.descriptors, after.descriptors)
    best_back = {m.queryIdx: m.trainIdx for m in backward}
    ia, ib = [], []
    for pair in forward:
        if len(pair) < 2:
            continue
        m, n = pair
        if m.distance < ratio * n.distance and best_back.get(m.trainIdx) == m.queryIdx:
            ia.append(m.queryIdx)
            ib.append(m.trainIdx)
    return after.xy[ia], before.xy[ib]


def mask_axes(mask: np.ndarray, shape: tuple[int, int]) -> tuple[np.ndarray, float, float] | None:
    """Centroid, principal-axis angle and size of a mask, in full-resolution coordinates."""
    mom = cv2.moments(mask.astype(np.uint8), binaryImage=True)
    if mom["m00"] < 10:
        return None
    fy, fx = shape[0] / mask.shape[0], shape[1] / mask.shape[1]
    cx, cy = mom["m10"] / mom["m00"], mom["m01"] / mom["m00"]
    angle = 0.5 * np.arctan2(2 * mom["mu11"], mom["mu20"] - mom["mu02"])
    center = np.array([(cx + 0.5) * fx - 0.5, (cy + 0.5) * fy - 0.5])
    size = float(np.sqrt(mom["m00"] * fx * fy))
    return center, float(angle), size
