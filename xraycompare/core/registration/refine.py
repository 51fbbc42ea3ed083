"""Intensity refinement of a registration: robust Gauss-Newton on sparse points, coarse to fine.

The *before* film is the template. At each pyramid level a few thousand to a few tens of
thousands of points are taken inside the hand where the structure is strongest (one per
small cell, so they spread over the whole hand). Both films are compared through *local
normalisation* (value minus a local mean, over a local standard deviation): that cancels
exposure, gain, gamma (locally it is a gain), CR versus DR processing and heel-effect
gradients, which a plain squared difference would try to "align".

The solver is inverse compositional (Baker & Matthews 2004): the template's gradients and
Jacobians are computed once per level, each iteration samples the after film at the warped
points (``cv2.remap`` on a point list: a fraction of a millisecond). Residuals are weighted
with Tukey's biweight around a robust scale, so erosions, remodeling, burnt-in markers and
anatomy cut off by the other film's edge do not pull the transform.

Warps here map *before* (template) coordinates to *after* coordinates, the inverse of the
app's registration matrix; :func:`refine` takes and returns app matrices (after -> before).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np

from xraycompare.core.registration.pyramid import (
    MIN_POINTS,
    FilmPyramid,
    Template,
    finest_level,
    make_template,
    sample_normalised,
)

_TUKEY_C = 4.685


def _jacobian_rows(t: Template, model: str) -> np.ndarray:
    """Steepest-descent rows: template gradient times the warp Jacobian (pixel units)."""
    u = (t.xy - t.center) / t.radius
    gx, gy = t.grad[:, 0], t.grad[:, 1]
    ux, uy = u[:, 0], u[:, 1]
    if model == "rigid":
        cols = [gy * ux - gx * uy, gx, gy]
    elif model == "similarity":
        cols = [gx * ux + gy * uy, gy * ux - gx * uy, gx, gy]
    else:
        cols = [gx * ux, gx * uy, gy * ux, gy * uy, gx, gy]
    return np.stack(cols, axis=1)


def _update_matrix(dp: np.ndarray, model: str, center: np.ndarray, radius: float) -> np.ndarray:
    """3x3 template-frame warp for a parameter step (pixel units, see _jacobian_rows)."""
    if model == "rigid":
        theta = dp[0] / radius
        c, s = np.cos(theta), np.sin(theta)
        a = np.array([[c, -s], [s, c]])
        t = dp[1:3]
    elif model == "similarity":
        al, be = dp[0] / radius, dp[1] / radius
        a = np.array([[1 + al, -be], [be, 1 + al]])
        t = dp[2:4]
    else:
        a = np.eye(2) + np.array([[dp[0], dp[1]], [dp[2], dp[3]]]) / radius
        t = dp[4:6]
    m = np.eye(3)
    m[:2, :2] = a
    m[:2, 2] = center - a @ center + t
    return m


@dataclass
class RefineResult:
    warp: np.ndarray  # before level-0 coords -> after level-0 coords
    residual_scale: float  # robust residual scale at the finest level (normalised units)
    inlier_fraction: float  # weight mass of the finest level's points
    points: int


def _focus_weights(xy: np.ndarray, focus: tuple[float, float, float, float]) -> np.ndarray:
    """Gaussian weights around (cx, cy) with widths (sx, sy), full-resolution coordinates.

    A rectangle drawn around a slanted finger also holds parts of its neighbours, which
    moved differently: the points near the middle of the rectangle decide.
    """
    cx, cy, sx, sy = focus
    return np.exp(-0.5 * (((xy[:, 0] - cx) / sx) ** 2 + ((xy[:, 1] - cy) / sy) ** 2))


def _sample_weights(weights: np.ndarray, xy: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """Values of a weight image (any resolution over the before film) at full-res points."""
    fy, fx = weights.shape[0] / shape[0], weights.shape[1] / shape[1]
    ix = np.clip(((xy[:, 0] + 0.5) * fx).astype(int), 0, weights.shape[1] - 1)
    iy = np.clip(((xy[:, 1] + 0.5) * fy).astype(int), 0, weights.shape[0] - 1)
    return np.asarray(weights, dtype=np.float64)[iy, ix]


def _level_matrix(warp0: np.ndarray, k: int, k_after: int | None = None) -> np.ndarray:
    """A full-resolution before -> after warp as before level k -> after level k_after."""
    ka = k if k_after is None else k_after
    sb = np.diag([2.0**-k, 2.0**-k, 1.0])
    sa = np.diag([2.0**-ka, 2.0**-ka, 1.0])
    return sa @ warp0 @ np.linalg.inv(sb)


def _full_matrix(warp_k: np.ndarray, k: int, k_after: int | None = None) -> np.ndarray:
    ka = k if k_after is None else k_after
    sb = np.diag([2.0**-k, 2.0**-k, 1.0])
    sa = np.diag([2.0**-ka, 2.0**-ka, 1.0])
    return np.linalg.inv(sa) @ warp_k @ sb


def refine_level(
    before: FilmPyramid,
    after: FilmPyramid,
    template: Template,
    k: int,
    warp: np.ndarray,
    model: str,
    *,
    max_iter: int,
    tol: float = 0.01,
    robust: str = "tukey",
    check_stop: Callable[[], None] | None = None,
    k_after: int | None = None,
    after_ignore: np.ndarray | None = None,
) -> tuple[np.ndarray, float, float]:
    """Gauss-Newton iterations at before level ``k`` against after level ``k_after``.

    ``warp`` maps before level-k coordinates to after level-``k_after`` coordinates;
    ``after_ignore`` (bool, any resolution covering the after film) is where the after film
    shows labels or text: points landing there do not count.
    Returns (warp, residual scale, inlier mass).
    """
    k_after = k if k_after is None else k_after
    sd_rows = _jacobian_rows(template, model)
    h, w = after.levels[k_after].shape
    xy1 = np.hstack([template.xy, np.ones((len(template.xy), 1))])
    scale, inliers = np.inf, 0.0
    for _ in range(max_iter):
        if check_stop is not None:
            check_stop()  # raises to cancel
        y = xy1 @ warp[:2].T
        vals = sample_normalised(after, k_after, y)
        valid = (
            np.isfinite(vals)
            & (y[:, 0] >= 1)
            & (y[:, 1] >= 1)
            & (y[:, 0] <= w - 2)
            & (y[:, 1] <= h - 2)
        )
        if after_ignore is not None:
            valid &= ~_sample_weights(after_ignore, y * 2.0**k_after, after.shape).astype(bool)
        if valid.sum() < MIN_POINTS:
            break
        a = vals[valid].astype(np.float64)
        t = template.values[valid]
        # photometric gain and offset (least squares), then robust residuals
        am, tm = a.mean(), t.mean()
        var = ((a - am) ** 2).mean()
        gain = ((a - am) * (t - tm)).mean() / var if var > 0 else 1.0
        gain = float(np.clip(gain, 0.2, 5.0))
        e = gain * (a - am) + tm - t
        med = np.median(e)
        scale = max(1.4826 * float(np.median(np.abs(e - med))), 1e-6)
        r = e / scale
        if robust == "tukey":
            wts = np.where(np.abs(r) < _TUKEY_C, (1 - (r / _TUKEY_C) ** 2) ** 2, 0.0)
        else:  # Cauchy: softer, wider basin for the coarse levels
            wts = 1.0 / (1.0 + (r / 2.385) ** 2)
        if template.prior is not None:
            wts = wts * template.prior[valid]
            inliers = float(wts.sum() / template.prior.sum())
        else:
            inliers = float(wts.sum() / len(template.xy))
        j = sd_rows[valid]
        jw = j * wts[:, None]
        hess = jw.T @ j
        rhs = jw.T @ e
        try:
            dp = np.linalg.solve(hess + 1e-9 * np.trace(hess) * np.eye(len(rhs)), rhs)
        except np.linalg.LinAlgError:
            break
        upd = _update_matrix(dp, model, template.center, template.radius)
        warp = warp @ np.linalg.inv(upd)
        if float(np.abs(dp).max()) < tol:
            break
    return warp, scale, inliers


def refine(
    before: FilmPyramid,
    after: FilmPyramid,
    mask: np.ndarray,
    matrix: np.ndarray,
    model: str,
    *,
    roi: tuple[float, float, float, float] | None = None,
    finest: int | None = None,
    coarsest: int | None = None,
    target_points: int = 20000,
    focus: tuple[float, float, float, float] | None = None,
    weights: np.ndarray | None = None,
    weights_below: int | None = None,
    templates: dict | None = None,
    after_ignore: np.ndarray | None = None,
    check_stop: Callable[[], None] | None = None,
    progress: Callable[[float], None] | None = None,
) -> RefineResult:
    """Refine an after -> before ``matrix`` (3x3) coarse to fine; returns the warp too.

    The model's degrees of freedom are applied *after* ``matrix`` in the before frame, so a
    rigid refinement of an affine start keeps the start's scale and shear (what a local,
    per-finger alignment needs). ``weights`` (float, any resolution covering the before
    film) weight the template points by where they are, at the levels below
    ``weights_below`` (all levels when None): the global fit weights the fingers down once
    the coarse levels have found the hand. ``templates`` caches the template points of
    each level between calls on the same before film, ``mask`` and ``roi`` (the candidates
    of one registration). ``after_ignore`` (bool, any resolution) marks the after film's
    labels and text: points that land there do not pull (a stamp printed at the same place
    on both films would otherwise hold the films where they lie).
    """
    warp0 = np.linalg.inv(np.asarray(matrix, dtype=np.float64))
    # films scanned at different resolutions: pair each before level with the after level
    # of about the same pixel size
    shift = int(round(np.log2(max(np.sqrt(abs(np.linalg.det(warp0[:2, :2]))), 1e-6))))
    n_levels = len(before.levels)
    top = n_levels - 1 if coarsest is None else min(coarsest, n_levels - 1)
    while top > 0 and top + shift > len(after.levels) - 1:
        top -= 1  # no after level that coarse: start finer
    if finest is None:
        finest = finest_level(before, n_levels)
    finest = min(finest, top)
    scale, inliers, points = np.inf, 0.0, 0
    levels = list(range(top, finest - 1, -1))
    for i, k in enumerate(levels):
        key = (k, target_points, roi)
        if templates is not None and key in templates:
            template = templates[key]
        else:
            template = make_template(before, k, mask, target_points=target_points, roi=roi)
            if templates is not None:
                templates[key] = template
        if template is None:
            continue
        template = replace(template)  # priors below belong to this call only
        if focus is not None:
            template.prior = _focus_weights(template.xy * 2.0**k, focus)
        if weights is not None and (weights_below is None or k < weights_below):
            at = _sample_weights(weights, template.xy * 2.0**k, before.shape)
            template.prior = at if template.prior is None else template.prior * at
        coarse = k > finest + 1
        k_after = int(np.clip(k + shift, 0, len(after.levels) - 1))
        warp_k, scale, inliers = refine_level(
            before,
            after,
            template,
            k,
            _level_matrix(warp0, k, k_after),
            model,
            k_after=k_after,
            max_iter=30 if coarse else 12,
            tol=0.02 if coarse else 0.005,
            robust="cauchy" if k == top and roi is None else "tukey",
            check_stop=check_stop,
            after_ignore=after_ignore,
        )
        warp0 = _full_matrix(warp_k, k, k_after)
        points = len(template.xy)
        if progress is not None:
            progress((i + 1) / len(levels))
    return RefineResult(warp=warp0, residual_scale=scale, inlier_fraction=inliers, points=points)
