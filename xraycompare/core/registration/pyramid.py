"""Pyramids and template points for the intensity refinement of a registration.

Helper module of :mod:`xraycompare.core.registration.refine`. A :class:`FilmPyramid` holds
a film's ``cv2.pyrDown`` levels and, on demand, smooth local mean / sd fields used to
*locally normalise* its values (which cancels exposure, gamma and processing
differences); :func:`make_template` picks the before film's points at one level.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import cv2
import numpy as np

MIN_POINTS = 60


@dataclass
class FilmPyramid:
    """One film ready for refinement: float32 levels and their local statistics.

    ``levels[k]`` is the film reduced ``2**k`` times with ``cv2.pyrDown`` (pixel ``i`` of
    level k sits on full-resolution pixel ``i * 2**k``). ``stats[k]`` holds the local mean
    and local standard deviation at half the resolution of level k (smooth fields, cheap to
    compute and to sample).
    """

    levels: list[np.ndarray]
    _stats: dict[int, tuple[np.ndarray, float]] = field(default_factory=dict)

    @property
    def shape(self) -> tuple[int, int]:
        return self.levels[0].shape  # type: ignore[return-value]

    def stats(self, k: int) -> np.ndarray:
        """(H, W, 2) local mean and sd for level k (computed on first use)."""
        return self._stats_and_floor(k)[0]

    def sd_floor(self, k: int) -> float:
        """A floor for the local sd of level k: flat air must not blow up."""
        return self._stats_and_floor(k)[1]

    def _stats_and_floor(self, k: int) -> tuple[np.ndarray, float]:
        if k not in self._stats:
            src = self.levels[k + 1] if k + 1 < len(self.levels) else self.levels[k]
            mean = cv2.boxFilter(src, -1, (9, 9), borderType=cv2.BORDER_REFLECT)
            sq = cv2.boxFilter(src * src, -1, (9, 9), borderType=cv2.BORDER_REFLECT)
            sd = np.sqrt(np.maximum(sq - mean * mean, 0.0))
            floor = max(float(np.percentile(sd[::4, ::4], 75)) * 0.1, 1e-6)
            self._stats[k] = (np.dstack([mean, sd]).astype(np.float32), floor)
        return self._stats[k]


def build_pyramid(values: np.ndarray, *, min_side: int = 160) -> FilmPyramid:
    """Pyramid of a bone-bright float32 film; local statistics follow on demand."""
    levels = [np.ascontiguousarray(values, dtype=np.float32)]
    while min(levels[-1].shape) // 2 >= min_side:
        levels.append(cv2.pyrDown(levels[-1]))
    return FilmPyramid(levels=levels)


def stats_scale(pyr: FilmPyramid, k: int) -> float:
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
    s = stats_scale(pyr, k)
    st = cv2.remap(pyr.stats(k), mx * s, my * s, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    mean, sd = st[..., 0], st[..., 1]
    out = (val - mean) / np.sqrt(sd * sd + pyr.sd_floor(k) ** 2)
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


def sample_sd(pyr: FilmPyramid, k: int, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Local sd (with its floor) of level ``k`` at level-k points given as 2-D grids."""
    s = stats_scale(pyr, k)
    sd = np.ascontiguousarray(pyr.stats(k)[..., 1])
    v = cv2.remap(
        sd,
        (x * s).astype(np.float32),
        (y * s).astype(np.float32),
        cv2.INTER_LINEAR,
        borderMode=cv2.BORDER_REPLICATE,
    )
    return np.sqrt(v * v + pyr.sd_floor(k) ** 2)


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
    if area < MIN_POINTS:
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
    norm = sample_sd(pyr, k, px + float(bx0), py + float(by0))
    strength = np.where(best_mag > 0, best_mag / (norm * norm), -1.0)
    ok = strength > 0
    if ok.sum() < MIN_POINTS:
        return None
    # keep the stronger cells: weak ones carry noise, not position
    ok &= strength >= np.percentile(strength[ok], 30)
    py, px, norm = py[ok], px[ok], norm[ok]
    grads = np.stack([gx[py, px], gy[py, px]], axis=1) / norm[:, None]
    xy = np.stack([px + bx0, py + by0], axis=1).astype(np.float64)
    values = sample_normalised(pyr, k, xy)
    good = np.isfinite(values)
    xy, grads, values = xy[good], grads[good], values[good]
    if len(xy) < MIN_POINTS:
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
