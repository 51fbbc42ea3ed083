"""Candidate transforms for a registration: feature hypotheses and placements of the hands.

Helper module of :mod:`xraycompare.core.registration`. No single source of a first guess is
safe on ordinary films: the strongest set of consistent feature matches can be a label
printed on both films, a logo, or the other hand; the hands' outlines cannot tell a quarter
turn from a mirror image. So this module proposes *several* candidates and the pipeline
scores each one inside the hand (:mod:`.scoring`):

- :func:`feature_hypotheses`: a two-point RANSAC for similarities that keeps the best few
  *distinct* consensus sets (each set's matches are taken out before the next is sought),
  with matches weighted by where their keypoints sit, and scales outside a wide range of
  the expected one never proposed;
- :func:`placements`: the after hand's centre put on the before hand's centre at the
  scale their areas suggest, turned by each quarter turn and by the angle between their
  principal axes (both ways);
- :func:`rotation_scan`: when neither gives a convincing candidate (a noisy, blurred or
  low-contrast film has few features; labels and bands spoil the hands' outlines), every
  turn in 6 degree steps at each expected scale, each slid to where the before hand
  matches best (:meth:`.scoring.Scorer.best_shift` on a copy about 100 px on a side).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from xraycompare.core.registration.features import mask_axes
from xraycompare.core.registration.scoring import Scorer


@dataclass(frozen=True)
class Candidate:
    """An after -> before matrix (full resolution) and where it came from."""

    matrix: np.ndarray
    source: str  # "start", "features", "placement", "initial"
    inliers: int = 0
    mirrored: bool = False


def _fit_similarity(src: np.ndarray, dst: np.ndarray) -> tuple[complex, complex]:
    """Least-squares z_dst = a * z_src + b (complex form of a similarity)."""
    zs = src[:, 0] + 1j * src[:, 1]
    zd = dst[:, 0] + 1j * dst[:, 1]
    ms, md = zs.mean(), zd.mean()
    ds = zs - ms
    den = float((np.abs(ds) ** 2).sum())
    a = complex((np.conj(ds) * (zd - md)).sum() / den) if den > 0 else 1.0 + 0j
    return a, complex(md - a * ms)


def _as_matrix(a: complex, b: complex) -> np.ndarray:
    return np.array([[a.real, -a.imag, b.real], [a.imag, a.real, b.imag], [0.0, 0.0, 1.0]])


def feature_hypotheses(
    after_xy: np.ndarray,
    before_xy: np.ndarray,
    weights: np.ndarray,
    *,
    threshold: float,
    scale_range: tuple[float, float],
    max_models: int = 4,
    min_inliers: int = 5,
    iterations: int = 1500,
    seed: int = 0,
) -> list[tuple[np.ndarray, int]]:
    """The best few distinct similarity fits of matched points: [(matrix, inliers), ...].

    ``weights`` (one per match, 0-1) say how much a match counts (keypoints on the rigid
    part of the hand more than on fingers); ``scale_range`` bounds the absolute scale of a
    hypothesis; ``threshold`` is the inlier distance in before pixels. Each accepted model's
    inliers are removed before the next is chosen, so the list holds different
    explanations of the matches (the hand, a label, the other hand), best first.
    """
    n = len(after_xy)
    if n < max(3, min_inliers):
        return []
    rng = np.random.default_rng(seed)
    zs = after_xy[:, 0] + 1j * after_xy[:, 1]
    zd = before_xy[:, 0] + 1j * before_xy[:, 1]
    i = rng.integers(0, n, iterations)
    j = rng.integers(0, n, iterations)
    den = zs[i] - zs[j]
    ok = (i != j) & (np.abs(den) > 4 * threshold) & (np.abs(zd[i] - zd[j]) > 4 * threshold)
    i, j, den = i[ok], j[ok], den[ok]
    if len(i) == 0:
        return []
    a = (zd[i] - zd[j]) / den
    ok = (np.abs(a) > scale_range[0]) & (np.abs(a) < scale_range[1])
    i, a = i[ok], a[ok]
    if len(i) == 0:
        return []
    b = zd[i] - a * zs[i]
    inl = np.abs(a[:, None] * zs[None, :] + b[:, None] - zd[None, :]) < threshold
    w = np.asarray(weights, dtype=np.float64).copy()
    out: list[tuple[np.ndarray, int]] = []
    for _ in range(max_models):
        score = inl @ w
        best = int(np.argmax(score))
        members = inl[best] & (w > 0)
        if members.sum() < min_inliers:
            break
        # refit on the consensus set, twice, with the inliers of the refit
        fa, fb = a[best], b[best]
        for _ in range(2):
            fa, fb = _fit_similarity(after_xy[members], before_xy[members])
            resid = np.abs(fa * zs + fb - zd)
            refit = (resid < threshold) & (w > 0)
            if refit.sum() < min_inliers:
                break
            members = refit
        if not scale_range[0] < abs(fa) < scale_range[1]:
            w[inl[best]] = 0.0
            continue
        out.append((_as_matrix(fa, fb), int(members.sum())))
        w[members] = 0.0
        w[inl[best]] = 0.0
    return out


def placements(
    before_mask: np.ndarray,
    after_mask: np.ndarray,
    before_shape: tuple[int, int],
    after_shape: tuple[int, int],
    *,
    scale_range: tuple[float, float],
) -> list[np.ndarray]:
    """After -> before matrices putting the after hand's centre on the before hand's centre.

    One per quarter turn, and two more lining up the principal axes (the axis can point
    either way); the scale is the square root of the hands' area ratio, kept in
    ``scale_range``. The caller scores them; left-right flips come from calling this with
    the flipped after mask.
    """
    pb = mask_axes(before_mask, before_shape)
    pa = mask_axes(after_mask, after_shape)
    if pb is None or pa is None:
        return []
    (cb, ab, sb), (ca, aa, sa) = pb, pa
    scale = float(np.clip(sb / max(sa, 1e-6), *scale_range))
    angles = [0.0, 0.5 * np.pi, np.pi, 1.5 * np.pi, ab - aa, ab - aa + np.pi]
    out = []
    for angle in angles:
        c, s = np.cos(angle) * scale, np.sin(angle) * scale
        lin = np.array([[c, -s], [s, c]])
        m = np.eye(3)
        m[:2, :2] = lin
        m[:2, 2] = cb - lin @ ca
        out.append(m)
    return out


def rotation_scan(
    scorer: Scorer,
    before_shape: tuple[int, int],
    after_shape: tuple[int, int],
    scales: tuple[float, ...],
    *,
    step_deg: float = 6.0,
    keep: int = 3,
) -> list[np.ndarray]:
    """After -> before matrices from a scan of every turn (``step_deg``) at each scale.

    Each turn is about the films' centres, then slid by :meth:`Scorer.best_shift`; the
    ``keep`` best by their match peak are returned for the caller to score and refine.
    """
    (bh, bw), (ah, aw) = before_shape, after_shape
    cb = np.array([(bw - 1) / 2, (bh - 1) / 2])
    ca = np.array([(aw - 1) / 2, (ah - 1) / 2])
    found = []
    for scale in scales:
        for angle in np.arange(0.0, 360.0, step_deg):
            a = np.radians(angle)
            lin = scale * np.array([[np.cos(a), -np.sin(a)], [np.sin(a), np.cos(a)]])
            m = np.eye(3)
            m[:2, :2] = lin
            m[:2, 2] = cb - lin @ ca
            moved, peak = scorer.best_shift(m)
            found.append((peak, moved))
    found.sort(key=lambda t: -t[0])
    return [m for _, m in found[:keep]]
