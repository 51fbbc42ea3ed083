"""The coarse, rotation-invariant first guess of a registration: SIFT features and MAGSAC.

Films of one hand can differ by any rotation (stored sideways or upside down), by a scale
of 0.8-1.25 and by exposure and processing. SIFT keypoints on a contrast-normalised
(CLAHE) copy about 700 px on a side, restricted to the hand, are invariant to all of that;
a MAGSAC++ fit (``cv2.USAC_MAGSAC``) of the matched pairs then gives the transform to a
pixel or two, which the intensity refinement takes to a small fraction of a pixel.

A mirrored film (a left-right flipped storage, or the other hand) has no proper transform
to the before film; it shows up as few consistent matches. Its features are then taken from
the flipped film as well, and whichever reading of the film matches better wins.

When features fail altogether (a featureless or very noisy film), :func:`moment_guesses`
offers transforms from the hand masks' centroids, principal axes and areas.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

FEATURE_SIDE = 600  # px: long side of the copy features are found on


@dataclass(frozen=True)
class Features:
    """Keypoints (x, y) in full-resolution coordinates of the film they came from."""

    xy: np.ndarray
    descriptors: np.ndarray | None


@dataclass(frozen=True)
class Estimate:
    """A coarse after -> before transform and how many feature pairs agree with it."""

    matrix: np.ndarray  # 3x3, after (or flipped-after) -> before, full resolution
    inliers: int
    matches: int
    mirrored: bool


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
    small: np.ndarray, mask: np.ndarray | None, factor: float, *, grow: int = 9
) -> Features:
    """SIFT keypoints of a small float copy; ``factor`` = full-resolution px per small px.

    The copy was made with ``cv2.resize(..., INTER_AREA)``, whose pixel ``i`` covers full
    pixels around ``(i + 0.5) * factor - 0.5``. Keypoints are kept inside ``mask`` (bool)
    grown by ``grow`` pixels (0: exactly inside).
    """
    mask = None if mask is None else np.asarray(mask, dtype=bool)
    u8 = to_uint8(small, mask)
    m = None
    if mask is not None and mask.any():
        m = mask.astype(np.uint8) * 255
        if grow > 1:
            m = cv2.dilate(m, np.ones((grow, grow), np.uint8))
    sift = cv2.SIFT_create(nfeatures=4000, contrastThreshold=0.03)
    keypoints, descriptors = sift.detectAndCompute(u8, m)
    if not keypoints:
        return Features(np.zeros((0, 2)), None)
    xy = np.array([k.pt for k in keypoints], dtype=np.float64)
    return Features((xy + 0.5) * factor - 0.5, descriptors)


def flipped(features: Features, width: int) -> Features:
    """The same keypoints, expressed in the left-right flipped film (for bookkeeping)."""
    xy = features.xy.copy()
    xy[:, 0] = width - 1 - xy[:, 0]
    return Features(xy, features.descriptors)


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


def estimate(
    after_xy: np.ndarray,
    before_xy: np.ndarray,
    model: str,
    *,
    threshold_px: float,
    mirrored: bool = False,
    scale_ratio: float = 1.0,
) -> Estimate | None:
    """Robust fit of matched pairs: similarity (rigid and similarity models) or affine.

    ``scale_ratio`` is the expected magnification from the films' pixel counts (before px
    per after px of their feature copies); fits more than 2x away from it are rejected.
    """
    n = len(after_xy)
    if n < 4:
        return None
    src = after_xy.astype(np.float32).reshape(-1, 1, 2)
    dst = before_xy.astype(np.float32).reshape(-1, 1, 2)
    if model == "affine":
        m, inl = cv2.estimateAffine2D(
            src,
            dst,
            method=cv2.USAC_MAGSAC,
            ransacReprojThreshold=threshold_px,
            maxIters=5000,
            confidence=0.999,
            refineIters=10,
        )
    else:
        # OpenCV's similarity estimator offers RANSAC and LMedS only (no USAC); a 2-point
        # minimal sample makes plain RANSAC fast and reliable here
        m, inl = cv2.estimateAffinePartial2D(
            src,
            dst,
            method=cv2.RANSAC,
            ransacReprojThreshold=threshold_px,
            maxIters=5000,
            confidence=0.999,
            refineIters=10,
        )
    if m is None or inl is None:
        return None
    inliers = int(inl.sum())
    matrix = np.vstack([m, [0.0, 0.0, 1.0]])
    det = float(np.linalg.det(matrix[:2, :2]))
    if not (0.25 * scale_ratio**2 < det < 4.0 * scale_ratio**2):
        return None
    if model == "affine":
        # a wildly anisotropic fit is a wrong fit, whatever its inlier count
        sv = np.linalg.svd(matrix[:2, :2], compute_uv=False)
        if sv[0] / sv[1] > 1.6:
            return None
    return Estimate(matrix=matrix, inliers=inliers, matches=n, mirrored=mirrored)


def moment_guesses(
    before_mask: np.ndarray,
    after_mask: np.ndarray,
    before_shape: tuple[int, int],
    after_shape: tuple[int, int],
) -> list[np.ndarray]:
    """Transforms (after -> before, full resolution) lining up the hands' principal axes.

    Four proper candidates (the axis can point either way, and the ambiguity of a 180 degree
    turn is real) ; the caller scores them.
    """
    out = []
    pb = mask_axes(before_mask, before_shape)
    pa = mask_axes(after_mask, after_shape)
    if pb is None or pa is None:
        return out
    (cb, ab, sb), (ca, aa, sa) = pb, pa
    scale = float(np.clip(sb / sa, 0.5, 2.0))
    for turn in (0.0, np.pi):
        angle = ab - aa + turn
        c, s = np.cos(angle) * scale, np.sin(angle) * scale
        a = np.array([[c, -s], [s, c]])
        m = np.eye(3)
        m[:2, :2] = a
        m[:2, 2] = cb - a @ ca
        out.append(m)
    return out


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
