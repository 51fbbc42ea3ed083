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
from dataclasses import dataclass

import cv2
import numpy as np

MODEL_PARAMS = {"rigid": 3, "similarity": 4, "affine": 6}
_TUKEY_C = 4.685
_MIN_POINTS = 60


class Cancelled(Exception):  # noqa: N818
    """Raised when ``should_stop`` returns True (mapped to RegistrationCancelled)."""


@dataclass
class FilmPyramid:
    """One film ready for refinement: float32 levels and their local statistics.

    ``levels[k]`` is the film reduced ``2**k`` times with ``cv2.pyrDown`` (pixel ``i`` of
    level k sits on full-resolution pixel ``i * 2**k``). ``stats[k]`` holds the local mean
    and local standard deviation at half the resolution of level k (smooth fields, cheap to
    compute and to sample).
    """

    levels: list[np.ndarray]
    stats: list[np.ndarray]
    sd_floor: list[float]

    @property
    def shape(self) -> tuple[int, int]:
        return self.levels[0].shape  # type: ignore[return-value]


def build_pyramid(values: np.ndarray, *, min_side: int = 160) -> FilmPyramid:
    """Pyramid plus local mean / sd fields for a bone-bright float32 film."""
    levels = [np.ascontiguousarray(values, dtype=np.float32)]
    while min(levels[-1].shape) // 2 >= min_side:
        levels.append(cv2.pyrDown(levels[-1]))
    stats: list[np.ndarray] = []
    floors: list[float] = []
    for k in range(len(levels)):
        src = levels[k + 1] if k + 1 < len(levels) else levels[k]
        mean = cv2.boxFilter(src, -1, (9, 9), borderType=cv2.BORDER_REFLECT)
        sq = cv2.boxFilter(src * src, -1, (9, 9), borderType=cv2.BORDER_REFLECT)
        sd = np.sqrt(np.maximum(sq - mean * mean, 0.0))
        floors.append(max(float(np.percentile(sd[::4, ::4], 75)) * 0.1, 1e-6))
        stats.append(np.dstack([mean, sd]).astype(np.float32))
    return FilmPyramid(levels=levels, stats=stats, sd_floor=floors)


def _stats_scale(pyr: FilmPyramid, k: int) -> float:
    """Coordinates of level k -> coordinates of the grid ``stats[k]`` was computed on."""
    return 0.5 if k + 1 < len(pyr.levels) else 1.0


def sample_normalised(pyr: FilmPyramid, k: int, xy: np.ndarray) -> np.ndarray:
    """Locally normalised values of level ``k`` at float points (N, 2); NaN outside."""
    n = len(xy)
    if n == 0:
        return np.zeros(0, np.float32)
    cols = 1024
    rows = -(-n // cols)
    pad = rows * cols - n
    mx = np.pad(xy[:, 0].astype(np.float32), (0, pad)).reshape(rows, cols)
    my = np.pad(xy[:, 1].astype(np.float32), (0, pad)).reshape(rows, cols)
    img = pyr.levels[k]
    val = cv2.remap(
        img, mx, my, cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT, borderValue=np.nan
    )
    s = _stats_scale(pyr, k)
    st = cv2.remap(pyr.stats[k], mx * s, my * s, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    mean, sd = st[..., 0], st[..., 1]
    out = (val - mean) / np.sqrt(sd * sd + pyr.sd_floor[k] ** 2)
    return out.ravel()[:n]


@dataclass
class Template:
    """The before film's points at one level: positions, values and steepest-descent rows."""

    xy: np.ndarray  # (N, 2) level coordinates
    values: np.ndarray  # (N,) locally normalised
    grad: np.ndarray  # (N, 2) gradient of the normalised values
    center: np.ndarray  # (2,)
    radius: float
    prior: np.ndarray | None = None  # (N,) weights from where the points are (local focus)


def _sample_sd(pyr: FilmPyramid, k: int, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Local sd (with its floor) of level ``k`` at level-k points given as 2-D grids."""
    s = _stats_scale(pyr, k)
    sd = np.ascontiguousarray(pyr.stats[k][..., 1])
    v = cv2.remap(
        sd,
        (x * s).astype(np.float32),
        (y * s).astype(np.float32),
        cv2.INTER_LINEAR,
        borderMode=cv2.BORDER_REPLICATE,
    )
    return np.sqrt(v * v + pyr.sd_floor[k] ** 2)


def make_template(
    pyr: FilmPyramid,
    k: int,
    mask: np.ndarray,
    *,
    target_points: int = 20000,
    roi: tuple[float, float, float, float] | None = None,
) -> Template | None:
    """Pick well-spread, high-gradient points of level ``k`` inside ``mask`` (and ``roi``).

    ``mask`` is a bool array of any size covering the before film; ``roi`` is (x, y, w, h)
    in full-resolution before coordinates. One point per square cell (the strongest
    gradient in it), cells sized for about ``target_points`` points, the weakest 30 %
    dropped: points spread over the whole hand but sit on edges and trabeculae.
    """
    img = pyr.levels[k]
    h, w = img.shape
    m = cv2.resize(mask.astype(np.uint8), (w, h), interpolation=cv2.INTER_NEAREST)
    m[0, :] = m[-1, :] = 0
    m[:, 0] = m[:, -1] = 0
    if roi is not None:
        f = 2.0**k
        rx, ry, rw, rh = roi
        keep = np.zeros_like(m)
        x0, y0 = max(0, int(np.floor(rx / f))), max(0, int(np.floor(ry / f)))
        x1, y1 = min(w, int(np.ceil((rx + rw) / f)) + 1), min(h, int(np.ceil((ry + rh) / f)) + 1)
        keep[y0:y1, x0:x1] = 1
        m &= keep
    area = cv2.countNonZero(m)
    if area < _MIN_POINTS:
        return None
    bx0, by0, bw, bh = cv2.boundingRect(m)
    cell = int(max(2, round(np.sqrt(area / target_points))))
    bw, bh = bw // cell * cell, bh // cell * cell
    if bw < cell or bh < cell:
        return None
    bx1, by1 = bx0 + bw, by0 + bh
    crop = img[max(0, by0 - 1) : by1 + 1, max(0, bx0 - 1) : bx1 + 1]
    ox, oy = (1 if bx0 > 0 else 0), (1 if by0 > 0 else 0)
    gx = cv2.Sobel(crop, cv2.CV_32F, 1, 0, ksize=3, scale=1 / 8)[oy : oy + bh, ox : ox + bw]
    gy = cv2.Sobel(crop, cv2.CV_32F, 0, 1, ksize=3, scale=1 / 8)[oy : oy + bh, ox : ox + bw]
    mag = np.where(m[by0:by1, bx0:bx1] > 0, gx * gx + gy * gy, -1.0)
    ch, cw = bh // cell, bw // cell
    cells = mag.reshape(ch, cell, cw, cell).transpose(0, 2, 1, 3).reshape(ch, cw, cell * cell)
    best = cells.argmax(axis=2)
    best_mag = np.take_along_axis(cells, best[..., None], axis=2)[..., 0]
    py = np.arange(ch)[:, None] * cell + best // cell
    px = np.arange(cw)[None, :] * cell + best % cell
    norm = _sample_sd(pyr, k, px + float(bx0), py + float(by0))
    strength = np.where(best_mag > 0, best_mag / (norm * norm), -1.0)
    ok = strength > 0
    if ok.sum() < _MIN_POINTS:
        return None
    # keep the stronger cells: weak ones carry noise, not position
    ok &= strength >= np.percentile(strength[ok], 30)
    py, px, norm = py[ok], px[ok], norm[ok]
    grads = np.stack([gx[py, px], gy[py, px]], axis=1) / norm[:, None]
    xy = np.stack([px + bx0, py + by0], axis=1).astype(np.float64)
    values = sample_normalised(pyr, k, xy)
    good = np.isfinite(values)
    xy, grads, values = xy[good], grads[good], values[good]
    if len(xy) < _MIN_POINTS:
        return None
    center = xy.mean(axis=0)
    radius = float(np.sqrt(((xy - center) ** 2).sum(axis=1).mean()))
    return Template(
        xy=xy,
        values=values.astype(np.float64),
        grad=grads.astype(np.float64),
        center=center,
        radius=max(radius, 1.0),
    )


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
    should_stop: Callable[[], bool] | None = None,
    k_after: int | None = None,
) -> tuple[np.ndarray, float, float]:
    """Gauss-Newton iterations at before level ``k`` against after level ``k_after``.

    ``warp`` maps before level-k coordinates to after level-``k_after`` coordinates.
    Returns (warp, residual scale, inlier mass).
    """
    k_after = k if k_after is None else k_after
    sd_rows = _jacobian_rows(template, model)
    h, w = after.levels[k_after].shape
    xy1 = np.hstack([template.xy, np.ones((len(template.xy), 1))])
    scale, inliers = np.inf, 0.0
    for _ in range(max_iter):
        if should_stop is not None and should_stop():
            raise Cancelled
        y = xy1 @ warp[:2].T
        vals = sample_normalised(after, k_after, y)
        valid = (
            np.isfinite(vals)
            & (y[:, 0] >= 1)
            & (y[:, 1] >= 1)
            & (y[:, 0] <= w - 2)
            & (y[:, 1] <= h - 2)
        )
        if valid.sum() < _MIN_POINTS:
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


def finest_level(pyr: FilmPyramid, n_levels: int | None = None) -> int:
    """The level refinement stops at: the smallest one still 800 px on its short side.

    Full resolution adds mostly noise on a 2000 x 2500 film (its level 1 is as accurate
    and four times cheaper); small films are refined at full resolution.
    """
    n = len(pyr.levels) if n_levels is None else n_levels
    k = 0
    while k + 1 < n and min(pyr.levels[k + 1].shape) >= 800:
        k += 1
    return k


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
    should_stop: Callable[[], bool] | None = None,
    progress: Callable[[float], None] | None = None,
) -> RefineResult:
    """Refine an after -> before ``matrix`` (3x3) coarse to fine; returns the warp too.

    The model's degrees of freedom are applied *after* ``matrix`` in the before frame, so a
    rigid refinement of an affine start keeps the start's scale and shear (what a local,
    per-finger alignment needs).
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
        template = make_template(before, k, mask, target_points=target_points, roi=roi)
        if template is None:
            continue
        if focus is not None:
            template.prior = _focus_weights(template.xy * 2.0**k, focus)
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
            should_stop=should_stop,
        )
        warp0 = _full_matrix(warp_k, k, k_after)
        points = len(template.xy)
        if progress is not None:
            progress((i + 1) / len(levels))
    return RefineResult(warp=warp0, residual_scale=scale, inlier_fraction=inliers, points=points)
