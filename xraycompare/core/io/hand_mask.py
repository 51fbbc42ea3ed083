"""Where the hand is: a foreground mask that ignores air, collimation bands and markers.

Used for the automatic window (percentiles inside the hand, not the whole film), for
exposure matching and for registration (work on the hand, not the frame).

How it works, and why:

1. Work on a copy at most 512 px on a side: the mask only needs the outline, and this keeps
   the whole job at a few milliseconds.
2. Collimation bands and shuttered margins are flat plateaus at the extremes of the range
   (unexposed film is white, masked CR margins are constant black) spanning a side of the
   film; they are cut out of the *exposed field* first.
3. The air is not flat: the heel effect and processing give gradients of the same size as the
   soft-tissue contrast (the CR hand's air is brighter at the top than its wrist). So the air
   level is modelled as a smooth surface (a cubic fitted to tile medians with tissue tiles
   clipped away, then a local correction from nearby air tiles) and tissue is what stands
   above it by more than the air's own noise. Thin, dark fingertip soft tissue survives this
   where a global threshold loses it.
4. Lead markers and logos are small separate blobs; bands along an edge that survived step 2
   are thin and hug the border: both are dropped. Holes are filled; the air between fingers
   stays out because it reaches the border of the mask.
"""

from __future__ import annotations

import cv2
import numpy as np

_WORK_SIDE = 512
_TILE = 16  # px at the working scale
_MIN_SIDE = 4 * _TILE  # the air surface needs a few tiles each way (a 3 × 5000 strip has none)


def sample_pixels(pixels: np.ndarray, *, max_side: int = 1024) -> np.ndarray:
    """Area-downsample ``pixels`` so its longer side is at most ``max_side`` (same dtype)."""
    h, w = pixels.shape[:2]
    factor = max(h, w) / max_side
    if factor <= 1:
        return pixels
    size = (max(1, round(w / factor)), max(1, round(h / factor)))
    src = pixels.astype(np.float32) if pixels.dtype == np.int16 else pixels
    out = cv2.resize(src, size, interpolation=cv2.INTER_AREA)
    return out.astype(pixels.dtype) if out.dtype != pixels.dtype else out


def foreground_mask(values: np.ndarray, *, invert: bool = False) -> np.ndarray:
    """Boolean mask of the body part (hand and forearm) in a film.

    Parameters
    ----------
    values
        (H, W) modality or stored values at any size (about 1000 px is plenty, see
        :func:`sample_pixels`); larger inputs are downsampled internally.
    invert
        True when the values are MONOCHROME1-like (bone dark, air bright).

    Returns
    -------
    numpy.ndarray
        (H, W) bool, True on tissue (soft tissue included), False on air, collimation bands
        and burnt-in markers. Falls back to all True when nothing stands out.
    """
    v = np.asarray(values, dtype=np.float32)
    if v.ndim != 2 or v.size == 0:
        raise ValueError("foreground_mask expects a non-empty (H, W) array")
    if invert:
        v = -v
    h, w = v.shape
    lead = _saturated(v)
    factor = max(h, w) / _WORK_SIDE
    if factor > 1:
        size = (max(8, round(w / factor)), max(8, round(h / factor)))
        v = cv2.resize(v, size, interpolation=cv2.INTER_AREA)
        # thin lettering averages away when shrunk: keep any pixel it touches
        lead = cv2.resize(lead.astype(np.float32), size, interpolation=cv2.INTER_AREA) > 0.1
    if min(v.shape) < _MIN_SIDE:
        return np.ones((h, w), dtype=bool)  # too small to model the air: no hand to find
    lo, hi = np.percentile(v, [0.5, 99.9])
    if not hi > lo:
        return np.ones((h, w), dtype=bool)
    unit = np.clip((v - lo) / (hi - lo), 0.0, 1.0)

    field = _exposed_field(unit)
    if field.mean() < 0.05:
        return np.ones((h, w), dtype=bool)
    smooth = cv2.GaussianBlur(unit, (0, 0), 1.5)
    background, noise = _air_surface(smooth, field)
    residual = smooth - background
    low, high = _tissue_thresholds(residual, field, noise)
    candidate = (residual > low) & field & ~_markers(unit, unit - background, low, lead)
    # Sure tissue is narrower than a palm and stands out locally (fingers, bones, the
    # forearm's edges): a white top-hat finds it and ignores broad ramps in the air. Soft
    # tissue is then taken only within reach of it.
    side = max(unit.shape)
    k = max(7, round(31 * side / _WORK_SIDE) | 1)
    tophat = cv2.morphologyEx(smooth, cv2.MORPH_TOPHAT, np.ones((k, k), np.uint8))
    core = (tophat > high) & candidate
    sure = (residual > high) & candidate
    if core.sum() < 0.1 * sure.sum():
        core = sure  # no narrow structures: a close-up of one joint, or not a hand at all
    mask = _clean(_grow(core, candidate, steps=max(4, round(40 * side / _WORK_SIDE))), field)
    if not mask.any():
        return np.ones((h, w), dtype=bool)
    if mask.shape != (h, w):
        up = cv2.resize(mask.astype(np.float32), (w, h), interpolation=cv2.INTER_LINEAR)
        mask = up > 0.5
    return mask


def _exposed_field(unit: np.ndarray) -> np.ndarray:
    """False on collimation bands and shuttered margins.

    A band covers the rows (or columns) next to one side almost entirely with unexposed
    (bright) or blanked (constant dark) film; a shutter can also leave flat plateaus at the
    range extremes along part of a side. The band's wavy or soft edge is taken with it.
    """
    h, w = unit.shape
    mean = cv2.blur(unit, (5, 5))
    sq = cv2.blur(unit * unit, (5, 5))
    local_sd = np.sqrt(np.maximum(sq - mean * mean, 0.0))
    flat = local_sd < 0.006
    # Blanked margins sit well below the air (the 30th percentile is air on a hand film).
    # When the air itself is at the bottom of the range there is no telling them apart,
    # and no blanked margin to find.
    air_guess = float(np.percentile(unit, 30))
    bright = unit > 0.6
    dark = unit <= 0.5 * air_guess if air_guess > 0.02 else np.zeros_like(bright)
    outside = np.zeros(unit.shape, dtype=bool)
    for axis in (0, 1):
        n = unit.shape[axis]
        frac = np.maximum(bright.mean(axis=1 - axis), dark.mean(axis=1 - axis))
        for order in (slice(None), slice(None, None, -1)):
            run = frac[order] > 0.5
            depth = int(np.argmin(run)) if not run.all() else n
            if 0 < depth <= 0.35 * n:
                index = np.arange(n)[order][:depth]
                if axis == 0:
                    outside[index] = True
                else:
                    outside[:, index] = True
    extreme = flat & ((unit >= 0.96) | dark)
    count, labels, stats, _ = cv2.connectedComponentsWithStats(extreme.astype(np.uint8), 8)
    for i in range(1, count):
        x, y, bw, bh, area = stats[i]
        if area < 0.001 * h * w:
            continue
        spans_row = (y == 0 or y + bh >= h) and bw >= 0.4 * w
        spans_col = (x == 0 or x + bw >= w) and bh >= 0.4 * h
        if spans_row or spans_col:
            outside |= labels == i
    if outside.any():
        # a band's wavy edge is flat and extreme too, and its soft edge a few pixels wide
        plateau = flat & ((unit > 0.8) | dark)
        outside = _grow(outside, outside | plateau, steps=30)
        outside = cv2.dilate(outside.astype(np.uint8), np.ones((7, 7), np.uint8)).astype(bool)
    return ~outside


def _tile_medians(
    smooth: np.ndarray, field: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Median of the exposed pixels in each tile, with the tile centres (x, y)."""
    h, w = smooth.shape
    th, tw = h // _TILE, w // _TILE
    crop = np.where(field, smooth, np.nan)[: th * _TILE, : tw * _TILE]
    tiles = crop.reshape(th, _TILE, tw, _TILE).transpose(0, 2, 1, 3).reshape(th, tw, -1)
    valid = np.isfinite(tiles).mean(axis=2) >= 0.5
    medians = np.full((th, tw), np.nan, dtype=np.float64)
    if valid.any():
        medians[valid] = np.nanmedian(tiles[valid], axis=1)
    ys = (np.arange(th) + 0.5) * _TILE - 0.5
    xs = (np.arange(tw) + 0.5) * _TILE - 0.5
    return medians, xs, ys


def _poly_terms(x: np.ndarray, y: np.ndarray, degree: int = 3) -> np.ndarray:
    return np.stack([x**i * y**j for i in range(degree + 1) for j in range(degree + 1 - i)], -1)


def _air_surface(smooth: np.ndarray, field: np.ndarray) -> tuple[np.ndarray, float]:
    """The air level everywhere (a smooth surface under the tissue) and the air's noise."""
    h, w = smooth.shape
    medians, xs, ys = _tile_medians(smooth, field)
    ok = np.isfinite(medians)
    if ok.sum() < 12:
        level = float(np.percentile(smooth[field], 20))
        return np.full(smooth.shape, level, np.float32), 0.02
    gx, gy = np.meshgrid(2 * xs / w - 1, 2 * ys / h - 1)
    terms = _poly_terms(gx, gy)
    values = medians[ok]
    # Start from the darker half of the tiles (air is the darkest large structure), then
    # re-admit tiles close to the fitted surface and clip those above it: tissue only ever
    # stands above the air.
    air = values <= np.percentile(values, 50)
    coef = np.zeros(terms.shape[-1])
    spread = 0.02
    for _ in range(8):
        if air.sum() < terms.shape[-1] + 2:
            break
        coef, *_ = np.linalg.lstsq(terms[ok][air], values[air], rcond=None)
        resid = values - terms[ok] @ coef
        spread = max(1.4826 * float(np.median(np.abs(resid[air]))), 0.002)
        new_air = resid < max(3 * spread, 0.015)
        if np.array_equal(new_air, air):
            break
        air = new_air
    surface = terms @ coef
    resid = medians - surface
    # Ramps along a side (scatter under a collimator edge, the heel effect) are not cubic:
    # take them out row by row (and column by column) near each side, from the lower
    # quartile of the row, which is air unless the hand fills three quarters of it.
    surface = surface + _edge_ramps(resid, ok)
    resid = medians - surface
    clip = max(3 * spread, 0.015)
    air_tiles = ok & (resid < clip)
    # Local correction: blotches and processing halos are not smooth either. Smooth the air
    # tiles' residuals with normalised convolution; tiles far from any air keep the model.
    num = cv2.GaussianBlur(np.where(air_tiles, resid, 0.0), (0, 0), 1.5)
    den = cv2.GaussianBlur(air_tiles.astype(np.float64), (0, 0), 1.5)
    surface = surface + num / np.maximum(den, 0.05) * np.clip(den / 0.3, 0.0, 1.0)
    th, tw = medians.shape
    background = cv2.resize(
        surface.astype(np.float32), (tw * _TILE, th * _TILE), interpolation=cv2.INTER_LINEAR
    )
    background = cv2.copyMakeBorder(
        background, 0, h - th * _TILE, 0, w - tw * _TILE, cv2.BORDER_REPLICATE
    )
    # the air's pixel noise (not the tile medians' spread)
    air_pixels = cv2.resize(
        air_tiles.astype(np.uint8), (tw * _TILE, th * _TILE), interpolation=cv2.INTER_NEAREST
    )
    air_pixels = np.pad(air_pixels, ((0, h - th * _TILE), (0, w - tw * _TILE))).astype(bool)
    air_pixels &= field
    noise = spread
    if air_pixels.sum() > 100:
        r = (smooth - background)[air_pixels]
        noise = 1.4826 * float(np.median(np.abs(r - np.median(r))))
    return background, max(noise, 1e-3)


def _edge_ramps(resid: np.ndarray, ok: np.ndarray) -> np.ndarray:
    """Row and column offsets of the air near each side of the tile grid (a quarter deep)."""
    th, tw = resid.shape
    out = np.zeros(resid.shape)
    r = np.where(ok, resid, np.nan)
    for axis, n in ((1, th), (0, tw)):
        counts = ok.sum(axis=axis)
        enough = counts >= 4
        if not enough.any():
            continue
        level = np.zeros(n)
        lines = r[enough] if axis == 1 else r[:, enough].T
        level[enough] = np.nanpercentile(lines, 25, axis=1)
        depth = np.minimum(np.arange(n), np.arange(n)[::-1])
        level = np.where(depth < max(2, n // 4), np.maximum(level, 0.0), 0.0)
        if axis == 1:
            out += level[:, None]
            r = r - level[:, None]
        else:
            out += level[None, :]
    return out


def _tissue_thresholds(
    residual: np.ndarray, field: np.ndarray, noise: float
) -> tuple[float, float]:
    """(low, high): how far above the air a pixel must stand to be (maybe, surely) tissue.

    ``high`` is a fraction of the typical tissue contrast: bone and thick soft tissue, never
    air. ``low`` is several times the air's noise: faint fingertip soft tissue passes it,
    but so do blotches and ramps in the air, which is why low pixels only count near sure
    tissue (see :func:`_grow`).
    """
    inside = residual[field]
    low = max(6 * noise, 0.004)
    above = inside[inside > low]
    if above.size < 0.02 * inside.size:
        return low, 2 * low
    tissue_level = float(np.median(above))
    high = max(0.35 * tissue_level, 2 * low)
    return min(low, 0.5 * high), high


def _grow(core: np.ndarray, candidate: np.ndarray, *, steps: int) -> np.ndarray:
    """Geodesic dilation of ``core`` inside ``candidate`` by at most ``steps`` pixels."""
    out = (core & candidate).astype(np.uint8)
    allowed = candidate.astype(np.uint8)
    kernel = np.ones((3, 3), np.uint8)
    for _ in range(steps):
        grown = cv2.dilate(out, kernel) & allowed
        if np.array_equal(grown, out):
            break
        out = grown
    return out.astype(bool)


def _saturated(values: np.ndarray) -> np.ndarray:
    """Pixels at the film's ceiling: burnt-in lettering and lead, never a bone's texture.

    Empty when the ceiling is reached by a large area (an overexposed or banded film:
    bands are handled by :func:`_exposed_field`) or by almost nothing.
    """
    top = float(values.max())
    lo = float(np.percentile(values[:: max(1, values.shape[0] // 256)], 1))
    sat = values >= top - 0.02 * max(top - lo, 1e-6)
    frac = float(sat.mean())
    if frac > 0.02 or sat.sum() < 4:
        return np.zeros(values.shape, dtype=bool)
    return sat


def _markers(
    unit: np.ndarray, above_air: np.ndarray, air_level: float, lead: np.ndarray
) -> np.ndarray:
    """Burnt-in lead markers and logos: small bright blobs sitting in air, not in tissue.

    Bone is wrapped in soft tissue; a marker has air right next to it (2 to 4 px away at
    the working scale). A blob at the film's ceiling (``lead``: saturated lettering found
    at full resolution, or a saturated plateau) needs less air around it than one that is
    merely bright, since logos are often placed against the forearm. Saturated bone (an
    overexposed or clipped film) has tissue all around, so it stays.
    """
    h, w = unit.shape
    out = np.zeros(unit.shape, dtype=bool)
    blobs = [(lead.astype(np.uint8), True), ((unit > 0.85).astype(np.uint8), False)]
    for image, from_lead in blobs:
        count, labels, stats, _ = cv2.connectedComponentsWithStats(image, connectivity=8)
        for i in range(1, count):
            x, y, bw, bh, area = stats[i]
            if area > (0.005 if from_lead else 0.01) * h * w or area < (1 if from_lead else 4):
                continue
            x0, y0 = max(0, x - 6), max(0, y - 6)
            x1, y1 = min(w, x + bw + 6), min(h, y + bh + 6)
            own = labels[y0:y1, x0:x1] == i
            inside = unit[y0:y1, x0:x1][own]
            if not from_lead and inside.max() < 0.95:
                continue
            saturated = from_lead or (inside >= 0.99).mean() > 0.3
            comp = _fill_holes(own).astype(np.uint8)
            near = cv2.dilate(comp, np.ones((3, 3), np.uint8)).astype(bool)
            ring = cv2.dilate(comp, np.ones((9, 9), np.uint8)).astype(bool) & ~near
            if not ring.any():
                continue
            air = float((above_air[y0:y1, x0:x1][ring] < air_level).mean())
            if air > (0.3 if saturated else 0.6):
                grown = cv2.dilate(comp, np.ones((7, 7), np.uint8)).astype(bool)
                out[y0:y1, x0:x1] |= grown
    return out


def _clean(mask: np.ndarray, field: np.ndarray) -> np.ndarray:
    """Remove specks, markers and edge bands; close gaps; fill holes."""
    h, w = mask.shape
    m = cv2.morphologyEx(mask.astype(np.uint8), cv2.MORPH_OPEN, np.ones((3, 3), np.uint8))
    count, labels, stats, _ = cv2.connectedComponentsWithStats(m, connectivity=8)
    if count <= 1:
        return np.zeros(mask.shape, dtype=bool)
    areas = stats[1:, cv2.CC_STAT_AREA]
    largest = areas.max()
    margin = max(3, round(0.03 * max(h, w)))
    edge = np.pad(field, 1, constant_values=False).astype(np.uint8)
    border = cv2.erode(edge, np.ones((2 * margin + 1, 2 * margin + 1), np.uint8))
    border = ~border[1:-1, 1:-1].astype(bool)  # near the film's edge or a band
    keep = np.zeros(count, dtype=bool)
    for i in range(1, count):
        area = stats[i, cv2.CC_STAT_AREA]
        if area < max(0.15 * largest, 0.003 * h * w):
            continue  # markers, logos, specks
        comp = labels == i
        if (comp & border).sum() > 0.6 * area:
            continue  # a band along an edge (a collimator's soft edge, a scanner stripe)
        keep[i] = True
    if not keep.any():
        keep[1 + int(np.argmax(areas))] = True
    out = keep[labels].astype(np.uint8)
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (5, 5))
    out = cv2.morphologyEx(out, cv2.MORPH_CLOSE, kernel)
    return _fill_holes(out.astype(bool)) & field


def _fill_holes(mask: np.ndarray) -> np.ndarray:
    """Fill holes (air between fingers stays out because it reaches the border)."""
    padded = np.pad(mask.astype(np.uint8), 1)
    flood = padded.copy()
    ff_mask = np.zeros((padded.shape[0] + 2, padded.shape[1] + 2), np.uint8)
    cv2.floodFill(flood, ff_mask, (0, 0), 1)
    holes = flood[1:-1, 1:-1] == 0
    return mask | holes
