"""The first half of a registration: prepared films and a coarse, rotation-invariant guess.

Helper module of :mod:`xraycompare.core.registration`. A :class:`Film` holds what both the
guess and the refinement need (a small copy, the hand mask, the pyramid, features);
:func:`coarse_guess` tries SIFT features, then the left-right flipped film's features when
the match is weak (a mirrored film), then the hands' outlines; the mirror helpers turn a
mirror match into the matrices the result reports.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from xraycompare.core.io.hand_mask import foreground_mask
from xraycompare.core.progress import Reporter
from xraycompare.core.registration import features as feats
from xraycompare.core.registration import pyramid as rp
from xraycompare.core.registration import refine as rr
from xraycompare.core.registration.quality import QualityProbe


@dataclass
class Film:
    """One film prepared for registration."""

    values: np.ndarray  # full-resolution float32, bone bright
    small: np.ndarray  # area-downsampled copy for masks and features
    factor: float  # full px per small px
    mask: np.ndarray  # hand mask on the small copy
    pyramid: rp.FilmPyramid
    features: feats.Features | None = None


def prepare_film(values: np.ndarray, mask: np.ndarray | None, *, with_features: bool) -> Film:
    """Small copy, hand mask (``mask`` if given), pyramid and (optionally) SIFT features."""
    h, w = values.shape
    factor = max(1.0, max(h, w) / feats.FEATURE_SIDE)
    size = (max(1, round(w / factor)), max(1, round(h / factor)))
    small = cv2.resize(values, size, interpolation=cv2.INTER_AREA) if factor > 1 else values
    factor_x, factor_y = w / small.shape[1], h / small.shape[0]
    factor = 0.5 * (factor_x + factor_y)
    if mask is None:
        hand = foreground_mask(small)
    else:
        hand = cv2.resize(
            np.asarray(mask).astype(np.uint8),
            (small.shape[1], small.shape[0]),
            interpolation=cv2.INTER_NEAREST,
        ).astype(bool)
    film = Film(values, small, factor, hand, rp.build_pyramid(values))
    if with_features:
        film.features = feats.detect(small, hand, factor)
    return film


def coarse_guess(
    fb: Film, fa: Film, model: str, details: dict, report: Reporter
) -> feats.Estimate | None:
    """The best first guess: features, the flipped film's features if weak, then moments.

    ``details`` receives the match counts; ``report`` is checked for cancellation.
    None when neither features nor the hands' outlines give a guess.
    """
    pa, pb = feats.match(fa.features, fb.features)
    thr = 1.5 * fb.factor
    ratio = fb.factor / fa.factor
    best = feats.estimate(pa, pb, model, threshold_px=thr, scale_ratio=ratio)
    details["matches"] = float(len(pa))
    details["feature_inliers"] = float(best.inliers if best else 0)
    strong = best is not None and best.inliers >= 40 and best.inliers >= 0.25 * best.matches
    if not strong:
        report.check()  # a mirrored film: the flipped film's features
        flipped_small = np.ascontiguousarray(fa.small[:, ::-1])
        ff = feats.detect(flipped_small, np.ascontiguousarray(fa.mask[:, ::-1]), fa.factor)
        pa_m, pb_m = feats.match(ff, fb.features)
        mirror = feats.estimate(
            pa_m, pb_m, model, threshold_px=thr, mirrored=True, scale_ratio=ratio
        )
        details["mirror_inliers"] = float(mirror.inliers if mirror else 0)
        if (
            mirror is not None
            and mirror.inliers >= 12
            and (best is None or mirror.inliers >= 2 * best.inliers)
        ):
            return mirror
    if best is not None and best.inliers >= 8:
        return best
    report.check()  # few features: the hands' outlines
    guesses = feats.moment_guesses(fb.mask, fa.mask, fb.values.shape, fa.values.shape)
    if not guesses:
        return None
    probe = QualityProbe(
        fb.small, fa.small, mask=fb.mask, after_mask=fa.mask, factors=(fb.factor, fa.factor)
    )
    scored = []
    for g in guesses:
        res = rr.refine(fb.pyramid, fa.pyramid, fb.mask, g, "similarity", finest=2)
        m = np.linalg.inv(res.warp)
        scored.append((probe.evaluate(m).ncc_final, m))
    score, matrix = max(scored, key=lambda s: s[0])
    details["moment_guess_ncc"] = float(score)
    return feats.Estimate(matrix=matrix, inliers=0, matches=0, mirrored=False)


def flip_matrix(width: int) -> np.ndarray:
    """x -> width - 1 - x: stored after coordinates <-> left-right flipped coordinates."""
    return np.array([[-1.0, 0.0, width - 1.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]])


def flipped_film(film: Film) -> Film:
    values = np.ascontiguousarray(film.values[:, ::-1])
    return Film(
        values=values,
        small=np.ascontiguousarray(film.small[:, ::-1]),
        factor=film.factor,
        mask=np.ascontiguousarray(film.mask[:, ::-1]),
        pyramid=rp.build_pyramid(values),
    )


def unflipped_mask(film: Film, mirrored: bool) -> np.ndarray:
    return np.ascontiguousarray(film.mask[:, ::-1]) if mirrored else film.mask


def hand_axis_reflection(mask: np.ndarray, shape) -> np.ndarray:
    """Reflection of the stored after film about its hand's long axis, full resolution."""
    axes = feats.mask_axes(mask, shape)
    if axes is None:
        return flip_matrix(shape[1])
    center, angle, _ = axes
    c, s = np.cos(2 * angle), np.sin(2 * angle)
    ref = np.array([[c, s], [s, -c]])
    m = np.eye(3)
    m[:2, :2] = ref
    m[:2, 2] = center - ref @ center
    return m
