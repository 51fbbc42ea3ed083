"""One joint's local alignment, run on small crops of both films.

:func:`~xraycompare.core.registration.register` with a region refines a correction of a
starting alignment inside that region; given whole films it would rebuild pyramids and masks
of both films for every joint. Here it gets only what one joint needs:

- the before film around the tile, with a margin for the region's features;
- the after film where the starting alignment puts that crop, with a further margin for the
  finger's own motion;

both resampled to a working scale on which the tile is :data:`WORK_SIDE` pixels across
(smaller films are enlarged to at least :data:`MIN_WORK_SIDE`), so every joint costs the
same whatever the film's resolution. The crops are aligned by
:func:`~xraycompare.core.registration.local.align_crops` (the region steps of ``register``
without its global search, second hand mask and quality figures, which a known start makes
unneeded: a third of the time per joint, and no worse at any joint of the benchmark). The
result is mapped back to full-resolution film coordinates. The tile's correlation through
the result and through the start decides which one the tile keeps: a local alignment is
never worse than the alignment it started from.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from xraycompare.core.geometry import transform_points
from xraycompare.core.progress import Reporter, StopFn
from xraycompare.core.registration.local import align_crops

from .sites import Box, Point, box_frame

WORK_SIDE = 128  # px: a tile on the working scale (larger tiles are reduced to it)
MIN_WORK_SIDE = 72  # px: smaller tiles are enlarged to this
BEFORE_MARGIN = 0.35  # of the tile's side, each side: context for the region's features
AFTER_MARGIN = 0.6  # of the tile's side, each side: room for the finger's own motion
FOCUS = 0.35  # Gaussian width of the tile correlation's weights, as a share of the side


@dataclass(frozen=True)
class Film:
    """A film's stored pixels and polarity: what a crop is cut from."""

    pixels: np.ndarray
    invert: bool

    @property
    def shape(self) -> tuple[int, int]:
        return self.pixels.shape[0], self.pixels.shape[1]

    def crop(self, box: tuple[int, int, int, int], scale: float) -> tuple[np.ndarray, np.ndarray]:
        """Bone-bright float32 values of ``box`` (x0, y0, x1, y1, kept on the film) resampled
        by ``scale`` film px per work px; and the 3×3 map from work px to film px."""
        x0, y0, x1, y1 = box
        part = self.pixels[y0:y1, x0:x1].astype(np.float32)
        if self.invert:
            part = -part
        w = max(1, round((x1 - x0) / scale))
        h = max(1, round((y1 - y0) / scale))
        sx, sy = (x1 - x0) / w, (y1 - y0) / h
        if (w, h) != (x1 - x0, y1 - y0):
            shrink = sx > 1 and sy > 1
            how = cv2.INTER_AREA if shrink else cv2.INTER_CUBIC
            part = cv2.resize(part, (w, h), interpolation=how)
        return part, box_frame((x0, y0, x1 - x0, y1 - y0), (w, h))


@dataclass(frozen=True)
class LocalFit:
    """A joint's alignment and how well its tile matches.

    ``matrix`` maps after pixels to before pixels (full resolution). ``ncc`` and
    ``ncc_start`` are the centre-weighted correlations of the tile's two films through the
    matrix and through the starting alignment; ``local`` is False when the start was kept
    (the local alignment did not do better, or could not run: ``error`` says why);
    ``feature_pairs`` counts the region's consistent feature matches.
    """

    matrix: np.ndarray
    ncc: float
    ncc_start: float
    local: bool
    feature_pairs: int
    error: str | None = None


def work_scale(side: float) -> float:
    """Film pixels per working pixel for a tile of ``side`` film pixels."""
    return side / min(max(side, MIN_WORK_SIDE), WORK_SIDE)


def fit_joint(
    before: Film,
    after: Film,
    box: Box,
    start: np.ndarray,
    *,
    hand_mask: np.ndarray | None = None,
    should_stop: StopFn | None = None,
) -> LocalFit:
    """Align the after film on one joint, starting from ``start`` (after -> before).

    Parameters
    ----------
    before, after
        The films.
    box
        The tile (x, y, w, h) in before pixels (first pixel centre at x, y).
    start
        The starting alignment: the pair's global one, or one seeded by the joint's
        position on the after film.
    hand_mask
        The before film's hand mask at any resolution (None: each crop finds its own).
    should_stop
        Polled between the alignment's steps; True raises
        :class:`~xraycompare.core.progress.Cancelled`.

    Returns
    -------
    LocalFit
    """
    x, y, side, _ = box
    scale = work_scale(side)
    hb, wb = before.shape
    m = BEFORE_MARGIN * side
    b_box = _on_film((x - 0.5 - m, y - 0.5 - m, x + side - 0.5 + m, y + side - 0.5 + m), (hb, wb))
    if b_box is None:
        return _kept(start, before, after, box, scale, "the tile lies off the before film")
    b_values, b_to_film = before.crop(b_box, scale)
    # the after film where the start puts the before crop, with room for the finger's motion
    corners = np.array([[b_box[0], b_box[1]], [b_box[2], b_box[1]], [b_box[0], b_box[3]],
                        [b_box[2], b_box[3]]], dtype=np.float64)  # fmt: skip
    in_after = transform_points(np.linalg.inv(start), corners)
    after_per_before = 1.0 / _linear_scale(start)
    grow = AFTER_MARGIN * side * after_per_before
    (ax0, ay0), (ax1, ay1) = in_after.min(axis=0) - grow, in_after.max(axis=0) + grow
    a_box = _on_film((ax0, ay0, ax1, ay1), after.shape)
    if a_box is None:
        return _kept(start, before, after, box, scale, "the joint lies off the after film")
    a_values, a_to_film = after.crop(a_box, scale * after_per_before)
    to_work_b = np.linalg.inv(b_to_film)
    initial = to_work_b @ start @ a_to_film
    roi_corners = transform_points(to_work_b, np.array([[x - 0.5, y - 0.5]]))[0]
    roi = (float(roi_corners[0]), float(roi_corners[1]), side / scale, side / scale)
    mask = None if hand_mask is None else _mask_crop(hand_mask, hb, wb, b_to_film, b_values.shape)
    check = Reporter(None, should_stop).check
    try:
        region = align_crops(b_values, a_values, initial, roi, mask=mask, check_stop=check)
    except (ValueError, cv2.error) as exc:
        return _kept(start, before, after, box, scale, str(exc))
    found = b_to_film @ region.matrix @ np.linalg.inv(a_to_film)
    pairs = region.feature_pairs
    ncc_start = tile_correlation(before, after, box, start, scale)
    ncc = tile_correlation(before, after, box, found, scale)
    if not ncc >= ncc_start:  # also when the fit's correlation is NaN
        return LocalFit(np.asarray(start, dtype=np.float64), ncc_start, ncc_start, False, pairs)
    return LocalFit(found, ncc, ncc_start, True, pairs)


def tile_pixels(
    film: np.ndarray, box: Box, to_film: np.ndarray | None = None, *, linear: bool = True
) -> tuple[np.ndarray, np.ndarray]:
    """A film's values on the tile's pixel grid and where the film has data there.

    Parameters
    ----------
    film
        (H, W) stored values (any dtype OpenCV warps) of the film shown.
    box
        The tile (x, y, w, h) in before pixels.
    to_film
        Before pixels -> the film's pixels (the inverse of the alignment for the after
        film); None for the before film itself, whose tile is a plain copy.
    linear
        Linear interpolation (nearest when False).

    Returns
    -------
    tuple of numpy.ndarray
        (h, w) values of the film's dtype (0 off the film) and a bool mask of where the
        film has data.
    """
    x, y, w, h = (int(round(v)) for v in box)
    grid_to_film = np.array([[1.0, 0.0, x], [0.0, 1.0, y], [0.0, 0.0, 1.0]])
    if to_film is not None:
        grid_to_film = np.asarray(to_film, dtype=np.float64) @ grid_to_film
    src = film if film.dtype != np.float64 else film.astype(np.float32)
    flags = (cv2.INTER_LINEAR if linear else cv2.INTER_NEAREST) | cv2.WARP_INVERSE_MAP
    values = cv2.warpAffine(
        src, grid_to_film[:2], (w, h), flags=flags, borderMode=cv2.BORDER_CONSTANT, borderValue=0
    ).astype(film.dtype, copy=False)
    ys, xs = np.mgrid[0:h, 0:w]
    fx = grid_to_film[0, 0] * xs + grid_to_film[0, 1] * ys + grid_to_film[0, 2]
    fy = grid_to_film[1, 0] * xs + grid_to_film[1, 1] * ys + grid_to_film[1, 2]
    fh, fw = film.shape[:2]
    valid = (fx >= -0.5) & (fx <= fw - 0.5) & (fy >= -0.5) & (fy <= fh - 0.5)
    return values, valid


def tile_correlation(
    before: Film, after: Film, box: Box, matrix: np.ndarray, scale: float = 1.0
) -> float:
    """Correlation of the tile's two films through ``matrix``, weighted toward the joint.

    Both films are sampled on the tile's grid at ``scale`` film pixels per sample,
    smoothed a little against noise, and compared with weights falling off from the tile's
    middle (the joint) and zero where the after film has no data. In [-1, 1]; NaN when
    too little of the tile is covered.
    """
    side = box[2]
    n = max(8, round(side / scale))
    grid = box_frame(box, (n, n))
    b, b_ok = _sampled(before, grid, n)
    a, a_ok = _sampled(after, np.linalg.inv(matrix) @ grid, n)
    c = (n - 1) / 2
    r = np.arange(n) - c
    g = np.exp(-0.5 * (r / (FOCUS * n)) ** 2)
    weights = np.outer(g, g) * (b_ok & a_ok)
    total = float(weights.sum())
    if total < 0.25 * float(np.outer(g, g).sum()):
        return float("nan")
    bm = float((weights * b).sum() / total)
    am = float((weights * a).sum() / total)
    db, da = b - bm, a - am
    den = float(np.sqrt((weights * db * db).sum() * (weights * da * da).sum()))
    return float((weights * db * da).sum() / den) if den > 0 else float("nan")


def _sampled(film: Film, grid_to_film: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Bone-bright float32 samples of ``film`` on an n × n grid (smoothed), and coverage."""
    values, ok = tile_pixels(film.pixels, (0.0, 0.0, float(n), float(n)), grid_to_film, linear=True)
    v = values.astype(np.float32)
    v = cv2.GaussianBlur(-v if film.invert else v, (0, 0), 0.7)
    return v, ok


def _kept(start, before: Film, after: Film, box: Box, scale: float, why: str) -> LocalFit:
    ncc = tile_correlation(before, after, box, start, scale)
    return LocalFit(np.asarray(start, dtype=np.float64), ncc, ncc, False, 0, why)


def _on_film(
    box: tuple[float, float, float, float], shape: tuple[int, int]
) -> tuple[int, int, int, int] | None:
    """Whole-pixel (x0, y0, x1, y1) of a box given by its outer edges, cut to the film;
    None when too little of it is left."""
    h, w = shape
    x0, y0 = max(0, int(np.floor(box[0] + 0.5))), max(0, int(np.floor(box[1] + 0.5)))
    x1, y1 = min(w, int(np.ceil(box[2] + 0.5))), min(h, int(np.ceil(box[3] + 0.5)))
    if x1 - x0 < 8 or y1 - y0 < 8:
        return None
    return x0, y0, x1, y1


def _linear_scale(matrix: np.ndarray) -> float:
    """Before pixels per after pixel along a line."""
    m = np.asarray(matrix, dtype=np.float64)
    return float(np.sqrt(abs(m[0, 0] * m[1, 1] - m[0, 1] * m[1, 0])))


def _mask_crop(
    mask: np.ndarray, hb: int, wb: int, to_film: np.ndarray, shape: tuple[int, ...]
) -> np.ndarray:
    """The before hand mask (any resolution) on a crop's working grid."""
    mh, mw = mask.shape
    film_to_mask = np.array(
        [[mw / wb, 0, 0.5 * mw / wb - 0.5], [0, mh / hb, 0.5 * mh / hb - 0.5], [0, 0, 1]]
    )
    m = film_to_mask @ to_film
    out = cv2.warpAffine(
        mask.astype(np.uint8),
        m[:2],
        (shape[1], shape[0]),
        flags=cv2.INTER_NEAREST | cv2.WARP_INVERSE_MAP,
        borderMode=cv2.BORDER_CONSTANT,
        borderValue=0,
    )
    return out.astype(bool)


def centre_shift(matrix: np.ndarray, start: np.ndarray, centre: Point) -> float:
    """How far (before pixels) the after anatomy shown at ``centre`` moves from ``start``."""
    p = np.array([centre], dtype=np.float64)
    q = transform_points(np.linalg.inv(matrix), p)
    return float(np.linalg.norm(transform_points(start, q)[0] - p[0]))
