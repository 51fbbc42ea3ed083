"""Where the hand is: a foreground mask that ignores air, collimation bands and markers.

Used for the automatic window (percentiles inside the hand, not the whole film), for
exposure matching and for registration (work on the hand, not the frame).
"""

from __future__ import annotations

import cv2
import numpy as np
from skimage.filters import threshold_multiotsu, threshold_otsu


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
        (H, W) modality values, ideally downsampled to about 1000 px (see
        :func:`sample_pixels`).
    invert
        True when the values are MONOCHROME1-like (bone dark, air bright).

    Returns
    -------
    numpy.ndarray
        (H, W) bool; True on tissue. Falls back to all True when nothing stands out.
    """
    v = np.asarray(values, dtype=np.float32)
    if invert:
        v = -v
    lo, hi = np.percentile(v, [0.5, 99.9])
    if not hi > lo:
        return np.ones(v.shape, dtype=bool)
    unit = np.clip((v - lo) / (hi - lo), 0.0, 1.0)
    side = max(v.shape)
    sigma = max(1.0, side / 400)
    smooth = cv2.GaussianBlur(unit, (0, 0), sigma)

    # Collimation bands and direct-exposure areas are flat; tissue has texture. Bright flat
    # areas touching the border are shutters, not anatomy.
    flat_bright = _flat_bright_border(smooth, sigma)
    candidates = smooth[~flat_bright] if (~flat_bright).any() else smooth.ravel()
    threshold = _tissue_threshold(candidates)
    mask = (smooth > threshold) & ~flat_bright

    mask = _largest_components(mask, min_fraction=0.02)
    if not mask.any():
        return np.ones(v.shape, dtype=bool)
    k = max(3, round(sigma * 3) | 1)
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (k, k))
    mask = cv2.morphologyEx(mask.astype(np.uint8), cv2.MORPH_CLOSE, kernel).astype(bool)
    return _fill_holes(mask)


def _tissue_threshold(values: np.ndarray) -> float:
    """Air / tissue threshold: the lower of three Otsu classes (air, soft tissue, bone).

    A two-class Otsu splits bone from everything else on well-exposed films and loses the
    soft tissue; three classes keep it. Falls back to two classes on flat histograms.
    """
    if values.size < 64:
        return 0.5
    sample = values[:: max(1, values.size // 200_000)]
    try:
        low, _high = threshold_multiotsu(sample, classes=3, nbins=128)
    except ValueError:
        return float(threshold_otsu(sample))
    return float(low)


def _flat_bright_border(smooth: np.ndarray, sigma: float) -> np.ndarray:
    """Bright, texture-free regions connected to the image border (shutters, bands)."""
    mean = cv2.blur(smooth, (15, 15))
    sq = cv2.blur(smooth * smooth, (15, 15))
    local_sd = np.sqrt(np.maximum(sq - mean * mean, 0.0))
    bright = smooth > np.percentile(smooth, 90)
    flat = local_sd < 0.01
    seed = (bright & flat).astype(np.uint8)
    count, labels, stats, _ = cv2.connectedComponentsWithStats(seed, connectivity=8)
    h, w = smooth.shape
    out = np.zeros(smooth.shape, dtype=bool)
    for i in range(1, count):
        x, y, bw, bh, area = stats[i]
        touches = x == 0 or y == 0 or x + bw >= w or y + bh >= h
        if touches and area > 0.002 * h * w:
            out |= labels == i
    if out.any():
        grow = max(3, round(sigma * 4) | 1)
        out = cv2.dilate(out.astype(np.uint8), np.ones((grow, grow), np.uint8)).astype(bool)
    return out


def _largest_components(mask: np.ndarray, *, min_fraction: float) -> np.ndarray:
    """Keep connected components larger than ``min_fraction`` of the largest one's image."""
    count, labels, stats, _ = cv2.connectedComponentsWithStats(mask.astype(np.uint8), 8)
    if count <= 1:
        return np.zeros(mask.shape, dtype=bool)
    areas = stats[1:, cv2.CC_STAT_AREA]
    keep = np.flatnonzero(areas >= max(min_fraction * mask.size, 0.2 * areas.max())) + 1
    return np.isin(labels, keep)


def _fill_holes(mask: np.ndarray) -> np.ndarray:
    """Fill holes (air between fingers stays out because it reaches the border)."""
    padded = np.pad(mask.astype(np.uint8), 1)
    flood = padded.copy()
    ff_mask = np.zeros((padded.shape[0] + 2, padded.shape[1] + 2), np.uint8)
    cv2.floodFill(flood, ff_mask, (0, 0), 1)
    holes = flood[1:-1, 1:-1] == 0
    return mask | holes
