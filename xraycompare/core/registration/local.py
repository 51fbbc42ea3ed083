"""Local alignment of one region (a finger, a joint) on top of a global registration.

Fingers move independently: between two films a finger can turn 10 degrees about its MCP
joint, which moves its tip by a centimetre while the palm stays put. Started from the
global alignment, an intensity refinement inside a rectangle around that finger would
settle on whatever did not move (the metacarpal heads, the neighbours' edges). So the
local alignment first looks for the finger's own motion:

1. Both films are resampled into the before frame over the rectangle plus a margin (the
   after film through the global matrix), about 560 px on a side: what remains between
   them is the finger's own small rotation and shift.
2. SIFT pairs in the two crops vote for a rigid (or similarity) correction, with a
   two-point RANSAC whose score favours pairs near the middle of the rectangle (where the
   user put the finger).
3. The intensity refinement then polishes it inside the rectangle, with the same focus,
   from the coarsest level on which the rectangle still spans a few dozen pixels (a
   coarser one would see a joint as a smudge and could slide it onto a neighbour) down to
   full resolution (a joint is small, so that is cheap).
4. :func:`focused_score` compares the result with the global alignment inside the
   rectangle (locally normalised correlation weighted toward its middle): the local
   alignment is never worse than the global one it started from.

:func:`refine_region` runs steps 2-4 on prepared films (``register`` with a ``roi``);
:func:`align_crops` runs them on two small crops already cut around a region and started
from a known alignment (the joint gallery: 11-16 joints per pair), without the global
search, hand masks of both films and quality figures that ``register`` adds around them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import cv2
import numpy as np
from skimage.transform import EuclideanTransform, SimilarityTransform

from xraycompare.core.io.hand_mask import foreground_mask
from xraycompare.core.registration import features as feats
from xraycompare.core.registration import pyramid as rp
from xraycompare.core.registration import refine as rr

_CROP_SIDE = 560
_MARGIN = 0.25  # of the rectangle's size, each side
_FOCUS = 0.3  # Gaussian width of the focus, as a fraction of the rectangle's sides
_SCORE_SIDE = 128  # px: the rectangle's copies compared by focused_score
_MIN_ROI_PX = 48  # the region's short side on the coarsest level it is refined on


def coarsest_level(roi: tuple[float, float, float, float]) -> int:
    """The coarsest pyramid level on which the region still spans ``_MIN_ROI_PX`` pixels.

    The features' guess is already within a pixel or two; a coarser level would see the
    region as a handful of pixels and could drag it onto a neighbouring finger.
    """
    side = min(roi[2], roi[3])
    return max(0, int(np.floor(np.log2(max(side / _MIN_ROI_PX, 1.0)))))


def focus_of(roi: tuple[float, float, float, float]) -> tuple[float, float, float, float]:
    """(cx, cy, sx, sy): the centre of a rectangle and Gaussian widths for its focus."""
    x, y, w, h = roi
    return (x + w / 2, y + h / 2, _FOCUS * w, _FOCUS * h)


def focused_score(
    before: rp.FilmPyramid,
    after: rp.FilmPyramid,
    before_mask: np.ndarray,
    matrix: np.ndarray,
    roi: tuple[float, float, float, float],
) -> float:
    """Correlation of the locally normalised films inside ``roi`` through ``matrix``.

    Weighted toward the middle of the rectangle (where the user put the joint) and by the
    before hand; the after film's outside counts as no match. In [-1, 1].
    """
    from xraycompare.core.registration.scoring import normalised

    x, y, w, h = roi
    scale = max(1.0, max(w, h) / _SCORE_SIDE)
    size = (max(16, int(round(w / scale))), max(16, int(round(h / scale))))
    crop_to_before = np.array([[scale, 0, x], [0, scale, y], [0, 0, 1.0]])
    crop_to_after = np.linalg.inv(matrix) @ crop_to_before
    cb = _crop(before, crop_to_before, size, scale)
    after_scale = float(np.sqrt(abs(np.linalg.det(crop_to_after[:2, :2]))))
    ca = _crop(after, crop_to_after, size, after_scale)
    hb, wb = before.shape
    to_mask = np.diag([before_mask.shape[1] / wb, before_mask.shape[0] / hb, 1.0])
    hand = cv2.warpAffine(
        before_mask.astype(np.float32),
        (to_mask @ crop_to_before)[:2],
        size,
        flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
    )
    valid = np.isfinite(cb) & np.isfinite(ca)
    if valid.mean() < 0.2:
        return 0.0
    fill_b, fill_a = float(np.nanmedian(cb)), float(np.nanmedian(ca[valid]))
    lb = normalised(np.where(np.isfinite(cb), cb, fill_b), 2.0)
    la = normalised(np.where(np.isfinite(ca), ca, fill_a), 2.0)
    yy, xx = np.mgrid[0 : size[1], 0 : size[0]].astype(np.float32)
    cx, cy = (size[0] - 1) / 2, (size[1] - 1) / 2
    focus = np.exp(
        -0.5 * (((xx - cx) / (_FOCUS * size[0])) ** 2 + ((yy - cy) / (_FOCUS * size[1])) ** 2)
    )
    wts = focus * np.maximum(hand, 0.2) * valid
    lb, la = lb * valid, la * valid
    den = float(np.sqrt((wts * lb * lb).sum() * (focus * np.maximum(hand, 0.2) * la * la).sum()))
    return float((wts * lb * la).sum() / den) if den > 0 else 0.0


def _crop(pyr: rp.FilmPyramid, to_film: np.ndarray, size: tuple[int, int], scale: float):
    """Resample a film into the crop frame; ``to_film`` maps crop px -> film full-res px."""
    k = max(0, min(len(pyr.levels) - 1, int(np.floor(np.log2(max(scale, 1.0))))))
    to_level = np.diag([2.0**-k, 2.0**-k, 1.0]) @ to_film
    return cv2.warpAffine(
        pyr.levels[k],
        to_level[:2],
        size,
        flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
        borderMode=cv2.BORDER_CONSTANT,
        borderValue=float(np.nan),
    )


def local_guess(
    before: rp.FilmPyramid,
    after: rp.FilmPyramid,
    before_mask: np.ndarray,
    initial: np.ndarray,
    roi: tuple[float, float, float, float],
    model: str,
) -> tuple[np.ndarray, int]:
    """A correction of ``initial`` for the region from features: (matrix, inlier pairs).

    Returns ``initial`` unchanged (and 0) when the region has too few consistent pairs.
    """
    x, y, w, h = roi
    hb, wb = before.shape
    x0, y0 = max(0.0, x - _MARGIN * w), max(0.0, y - _MARGIN * h)
    x1, y1 = min(wb - 1.0, x + w + _MARGIN * w), min(hb - 1.0, y + h + _MARGIN * h)
    scale = max(1.0, max(x1 - x0, y1 - y0) / _CROP_SIDE)
    size = (max(16, int((x1 - x0) / scale)), max(16, int((y1 - y0) / scale)))
    crop_to_before = np.array([[scale, 0, x0], [0, scale, y0], [0, 0, 1.0]])
    crop_to_after = np.linalg.inv(initial) @ crop_to_before
    cb = _crop(before, crop_to_before, size, scale)
    after_scale = scale * float(np.sqrt(abs(np.linalg.det(crop_to_after[:2, :2])) / scale**2))
    ca = _crop(after, crop_to_after, size, after_scale)
    mask = cv2.warpAffine(
        before_mask.astype(np.uint8),
        (np.diag([before_mask.shape[1] / wb, before_mask.shape[0] / hb, 1.0]) @ crop_to_before)[:2],
        size,
        flags=cv2.INTER_NEAREST | cv2.WARP_INVERSE_MAP,
    ).astype(bool)
    valid_b, valid_a = np.isfinite(cb), np.isfinite(ca)
    if valid_a.mean() < 0.2:
        return initial, 0
    cb = np.where(valid_b, cb, np.nanmedian(cb))
    ca = np.where(valid_a, ca, np.nanmedian(ca[valid_a]))
    fb = feats.detect(cb.astype(np.float32), mask & valid_b, 1.0)
    fa = feats.detect(ca.astype(np.float32), valid_a, 1.0)
    pa, pb = feats.match(fa, fb, ratio=0.85)
    if len(pa) < 6:
        return initial, 0
    # the focus in crop pixels
    fx, fy, sx, sy = focus_of(roi)
    cx, cy = (fx - x0) / scale, (fy - y0) / scale
    prior = np.exp(
        -0.5 * (((pb[:, 0] - cx) / (sx / scale)) ** 2 + ((pb[:, 1] - cy) / (sy / scale)) ** 2)
    )
    found = _weighted_ransac(pa, pb, prior, rigid=(model == "rigid"), threshold=2.5)
    if found is None:
        return initial, 0
    correction, inliers = found
    if inliers < 6:
        return initial, 0
    k_before = crop_to_before @ correction @ np.linalg.inv(crop_to_before)
    return k_before @ initial, inliers


def _weighted_ransac(
    src: np.ndarray,
    dst: np.ndarray,
    prior: np.ndarray,
    *,
    rigid: bool,
    threshold: float,
    iterations: int = 600,
    seed: int = 0,
) -> tuple[np.ndarray, int] | None:
    """Two-point RANSAC for a similarity (or rigid) src -> dst, scored by prior weight."""
    n = len(src)
    rng = np.random.default_rng(seed)
    i = rng.integers(0, n, iterations)
    j = rng.integers(0, n, iterations)
    keep = i != j
    i, j = i[keep], j[keep]
    zs = src[:, 0] + 1j * src[:, 1]
    zd = dst[:, 0] + 1j * dst[:, 1]
    den = zs[i] - zs[j]
    ok = np.abs(den) > 5.0
    i, j, den = i[ok], j[ok], den[ok]
    if len(i) == 0:
        return None
    a = (zd[i] - zd[j]) / den
    # a local correction barely scales (SIFT also repeats keypoints at one spot with two
    # orientations: such pairs give a = 0)
    ok = (np.abs(a) > 0.7) & (np.abs(a) < 1.4)
    i, a = i[ok], a[ok]
    if len(i) == 0:
        return None
    if rigid:
        a = a / np.abs(a)
    b = zd[i] - a * zs[i]
    resid = np.abs(a[:, None] * zs[None, :] + b[:, None] - zd[None, :])
    inl = resid < threshold
    score = (inl * prior[None, :]).sum(axis=1)
    best = int(np.argmax(score))
    mask = inl[best]
    if mask.sum() < 3:
        return None
    estimator = EuclideanTransform if rigid else SimilarityTransform
    tf = estimator.from_estimate(src[mask], dst[mask])
    if not tf:
        return None
    m = np.asarray(tf.params, dtype=np.float64)
    # one more round on the refit's own inliers
    pred = src @ m[:2, :2].T + m[:2, 2]
    mask = np.linalg.norm(pred - dst, axis=1) < threshold
    if mask.sum() >= 3:
        tf2 = estimator.from_estimate(src[mask], dst[mask])
        if tf2:
            m = np.asarray(tf2.params, dtype=np.float64)
    return m, int(mask.sum())


@dataclass(frozen=True)
class RegionFit:
    """A region's local alignment (:func:`refine_region`).

    ``matrix`` maps after to before pixels; ``chosen`` says which of the feature guess
    refined by intensity (``"refined"``), the feature guess alone (``"guess"``) and the
    start (``"start"``) it is; ``score`` and ``start_score`` are their :func:`focused_score`;
    ``feature_pairs`` the region's consistent feature matches; ``points`` and
    ``inlier_fraction`` the intensity refinement's at its finest level.
    """

    matrix: np.ndarray
    chosen: str
    score: float
    start_score: float
    feature_pairs: int
    points: int
    inlier_fraction: float


def refine_region(
    before: rp.FilmPyramid,
    after: rp.FilmPyramid,
    before_mask: np.ndarray,
    refine_mask: np.ndarray,
    start: np.ndarray,
    roi: tuple[float, float, float, float],
    model: str,
    *,
    after_ignore: np.ndarray | None = None,
    templates: dict | None = None,
    check_stop: Callable[[], None] | None = None,
    progress: Callable[[float], None] | None = None,
) -> RegionFit:
    """The region's own correction of ``start`` (after -> before): features, then intensity.

    ``before_mask`` is the before hand (bool, any resolution) for the features and the
    score, ``refine_mask`` where the intensity refinement takes its points; the other
    keywords go to :func:`~xraycompare.core.registration.refine.refine`. Never worse
    inside the region than ``start`` by :func:`focused_score`.
    """
    guess_model = "rigid" if model == "rigid" else "similarity"
    guess, pairs = local_guess(before, after, before_mask, start, roi, guess_model)
    res = rr.refine(
        before,
        after,
        refine_mask,
        guess,
        model,
        roi=roi,
        focus=focus_of(roi),
        coarsest=coarsest_level(roi),
        finest=0,
        templates=templates,
        after_ignore=after_ignore,
        check_stop=check_stop,
        progress=progress,
    )
    scored = []
    for name, m in (("refined", np.linalg.inv(res.warp)), ("guess", guess), ("start", start)):
        if np.all(np.isfinite(m)):
            scored.append((focused_score(before, after, before_mask, m, roi), name, m))
    start_score = scored[-1][0]
    best = max(scored, key=lambda t: t[0])
    # the refinement keeps its precision unless it clearly lost the region
    chosen = scored[0] if scored[0][1] == "refined" and scored[0][0] >= best[0] - 0.02 else best
    return RegionFit(
        matrix=np.asarray(chosen[2], dtype=np.float64),
        chosen=chosen[1],
        score=float(chosen[0]),
        start_score=float(start_score),
        feature_pairs=int(pairs),
        points=int(res.points),
        inlier_fraction=float(res.inlier_fraction),
    )


def align_crops(
    before: np.ndarray,
    after: np.ndarray,
    start: np.ndarray,
    roi: tuple[float, float, float, float],
    *,
    mask: np.ndarray | None = None,
    model: str = "rigid",
    check_stop: Callable[[], None] | None = None,
) -> RegionFit:
    """A region's local alignment on two small bone-bright crops, from a known start.

    What ``register(before, after, roi=roi, initial=start)`` does for a region, less what a
    known start makes unneeded: no candidate search (the start is already the pair's
    alignment near the region), no after hand mask or labels (the before mask and the
    region's focus say which points count), no quality figures (the caller measures its
    own). ``mask`` is the before crop's hand (bool, any resolution; found when None).
    ``check_stop`` raises to cancel.
    """
    b = np.ascontiguousarray(before, dtype=np.float32)
    a = np.ascontiguousarray(after, dtype=np.float32)
    hand = foreground_mask(b) if mask is None else np.asarray(mask, dtype=bool)
    if not hand.any():
        hand = np.ones(b.shape, dtype=bool)
    grown = cv2.dilate(hand.astype(np.uint8), np.ones((5, 5), np.uint8)).astype(bool)
    if check_stop is not None:
        check_stop()
    return refine_region(
        rp.build_pyramid(b),
        rp.build_pyramid(a),
        hand,
        grown,
        np.asarray(start, dtype=np.float64),
        roi,
        model,
        check_stop=check_stop,
    )
