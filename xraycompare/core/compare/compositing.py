"""The comparison modes as array operations on two co-registered rasters.

Inputs are the two films already sampled into the same raster (a screen frame or the
before film's pixel grid): uint8 display values for the visual modes, float32 values in the
same units for the difference. Every function is O(pixels) through OpenCV and returns a
new C-contiguous (H, W, 3) uint8 RGB image; inputs are never modified.

Validity masks (bool, True where a film has data; None = everywhere) decide what is shown
off a film: a mode that shows one film per pixel (checkerboard, swipe, flicker, difference)
shows ``no_data`` (default black, like the view's background) where that film is missing;
overlay and blend show whichever film is present.

Positions (swipe divider, reveal square) are in raster pixel coordinates, pixel centres at
integers. Checkerboard tiles are anchored in the *before* frame through ``device_to_before``,
so they stay on the same anatomy while the view pans and zooms.
"""

from __future__ import annotations

import math
from typing import Literal

import cv2
import numpy as np

from xraycompare.core.compare.colormaps import CENTRE, COLOURS, DIFFERENCE, NO_DATA_INDEX, Colormap

RGB = tuple[int, int, int]
SwipeOrientation = Literal["vertical", "horizontal"]
BLACK: RGB = (0, 0, 0)


def overlay(
    before: np.ndarray,
    after: np.ndarray,
    *,
    before_valid: np.ndarray | None = None,
    after_valid: np.ndarray | None = None,
    no_data: RGB = BLACK,
) -> np.ndarray:
    """Before in green, after in magenta: RGB = (after, before, after).

    Where both agree the pixel is grey; where after is brighter it turns magenta, where
    before is brighter green (read by red/green colour-blind viewers, unlike red/green).
    A film missing at a pixel contributes nothing there.
    """
    _check_pair(before, after)
    a = _masked(after, after_valid)
    b = _masked(before, before_valid)
    rgb = cv2.merge([a, b, a])
    return _paint_no_data(rgb, _either(before_valid, after_valid), no_data)


def blend(
    before: np.ndarray,
    after: np.ndarray,
    *,
    weight: float,
    before_valid: np.ndarray | None = None,
    after_valid: np.ndarray | None = None,
    no_data: RGB = BLACK,
) -> np.ndarray:
    """``(1 - weight) * before + weight * after``, rounded: 0 shows before, 1 shows after.

    Where only one film has data that film is shown alone.
    """
    w = float(weight)
    if not 0.0 <= w <= 1.0:
        raise ValueError(f"blend weight must be in [0, 1], got {weight}")
    _check_pair(before, after)
    grey = cv2.addWeighted(before, 1.0 - w, after, w, 0.0)
    if after_valid is not None:
        np.copyto(grey, before, where=~after_valid)
    if before_valid is not None:
        np.copyto(grey, after, where=~before_valid)
    return _grey_to_rgb(grey, _either(before_valid, after_valid), no_data)


def checkerboard(
    before: np.ndarray,
    after: np.ndarray,
    *,
    tile_size: float,
    device_to_before: np.ndarray | None = None,
    reveal_center: tuple[float, float] | None = None,
    reveal_size: float = 0.0,
    before_valid: np.ndarray | None = None,
    after_valid: np.ndarray | None = None,
    no_data: RGB = BLACK,
) -> np.ndarray:
    """Alternating square tiles of the two films, plus an optional reveal square.

    Parameters
    ----------
    before, after
        (H, W) uint8 display values in the same raster.
    tile_size
        Tile side in *before* pixels. Tile (i, j) covers before pixels ``i*t .. (i+1)*t - 1``
        along x (likewise y); the tile holding before pixel (0, 0) shows before.
    device_to_before
        3×3 map from raster pixels to before pixels; None when the raster is the before grid.
    reveal_center, reveal_size
        A square of ``reveal_size`` raster pixels centred on this raster point shows the
        other film of each tile (the "reveal" under the cursor).
    before_valid, after_valid, no_data
        See the module notes.

    Returns
    -------
    numpy.ndarray
        (H, W, 3) uint8 RGB.
    """
    _check_pair(before, after)
    show_after = tile_parity(before.shape, tile_size=tile_size, device_to_before=device_to_before)
    if reveal_center is not None and reveal_size > 0:
        rows, cols = _square(before.shape, reveal_center, reveal_size)
        show_after[rows, cols] = ~show_after[rows, cols]
    return _select(before, after, show_after, before_valid, after_valid, no_data)


def swipe(
    before: np.ndarray,
    after: np.ndarray,
    *,
    position: float | None = None,
    orientation: SwipeOrientation = "vertical",
    before_valid: np.ndarray | None = None,
    after_valid: np.ndarray | None = None,
    no_data: RGB = BLACK,
) -> np.ndarray:
    """A curtain: before left of (or above) the divider, after right of (or below) it.

    ``position`` is the divider's raster x (vertical) or y (horizontal) coordinate: pixels
    whose centre lies before it show the before film. None puts it in the middle.
    """
    _check_pair(before, after)
    h, w = before.shape
    extent = w if orientation == "vertical" else h
    p = extent / 2 - 0.5 if position is None else float(position)
    split = int(np.clip(math.ceil(p), 0, extent)) if math.isfinite(p) else 0
    show_after = np.zeros(before.shape, dtype=bool)
    if orientation == "vertical":
        show_after[:, split:] = True
    elif orientation == "horizontal":
        show_after[split:, :] = True
    else:
        raise ValueError(f"unknown swipe orientation {orientation!r}")
    return _select(before, after, show_after, before_valid, after_valid, no_data)


def single(
    image: np.ndarray, *, valid: np.ndarray | None = None, no_data: RGB = BLACK
) -> np.ndarray:
    """One film as RGB (the flicker mode's frame)."""
    return _grey_to_rgb(image.copy(), valid, no_data)


def difference_image(
    before: np.ndarray,
    after: np.ndarray,
    *,
    limit: float,
    absolute: bool = False,
    colormap: Colormap = DIFFERENCE,
    valid: np.ndarray | None = None,
    no_data: RGB = BLACK,
) -> np.ndarray:
    """``after - before`` through a colour map.

    Parameters
    ----------
    before, after
        (H, W) float32 values in the same units (exposure-matched).
    limit
        The colour range: ``±limit`` for a diverging map, ``0 .. limit`` for ``absolute``.
        Values beyond it take the end colours.
    absolute
        Show ``|after - before|``; ``colormap`` should then be a sequential map.
    colormap
        The map; zero falls exactly on a diverging map's centre colour.
    valid
        Where both films have data; elsewhere ``no_data``.
    no_data
        Colour off the films.

    Returns
    -------
    numpy.ndarray
        (H, W, 3) uint8 RGB.
    """
    if not (math.isfinite(limit) and limit > 0):
        raise ValueError(f"the difference range must be positive, got {limit}")
    _check_pair(before, after)
    b = np.asarray(before, dtype=np.float32)
    a = np.asarray(after, dtype=np.float32)
    if absolute:
        index = cv2.convertScaleAbs(cv2.subtract(a, b), alpha=(COLOURS - 1) / limit)
    else:
        scale = CENTRE / limit  # a * s - b * s + centre, rounded and saturated to uint8
        index = cv2.addWeighted(a, scale, b, -scale, float(CENTRE), dtype=cv2.CV_8U)
    np.minimum(index, COLOURS - 1, out=index)
    if valid is not None:
        index[~valid] = NO_DATA_INDEX
    return cv2.applyColorMap(index, colormap.cv_table(no_data))


def tile_parity(
    shape: tuple[int, int], *, tile_size: float, device_to_before: np.ndarray | None = None
) -> np.ndarray:
    """Bool (H, W): True on the checkerboard tiles that show the after film."""
    if not (math.isfinite(tile_size) and tile_size > 0):
        raise ValueError(f"tile size must be positive, got {tile_size}")
    h, w = shape
    m = np.eye(3) if device_to_before is None else np.asarray(device_to_before, dtype=np.float64)
    t = float(tile_size)
    if m[0, 1] == 0 and m[1, 0] == 0 and np.allclose(m[2], [0, 0, 1]):
        # Axis-aligned view (the usual case): parity is separable into a row and a column.
        kx = (np.floor((m[0, 0] * np.arange(w) + m[0, 2] + 0.5) / t).astype(np.int64) & 1) > 0
        ky = (np.floor((m[1, 1] * np.arange(h) + m[1, 2] + 0.5) / t).astype(np.int64) & 1) > 0
        return np.not_equal.outer(ky, kx)  # bool straight away: no (H, W) integer array
    xs = np.arange(w, dtype=np.float64)[None, :]
    ys = np.arange(h, dtype=np.float64)[:, None]
    z = m[2, 0] * xs + m[2, 1] * ys + m[2, 2]
    x = (m[0, 0] * xs + m[0, 1] * ys + m[0, 2]) / z
    y = (m[1, 0] * xs + m[1, 1] * ys + m[1, 2]) / z
    kx = np.floor((x + 0.5) / t).astype(np.int64)
    ky = np.floor((y + 0.5) / t).astype(np.int64)
    return ((kx + ky) & 1).astype(bool)


def _square(
    shape: tuple[int, int], center: tuple[float, float], size: float
) -> tuple[slice, slice]:
    """Rows and columns whose pixel centres lie in the square (clipped to the raster)."""
    h, w = shape
    cx, cy = center
    half = size / 2
    x0, x1 = math.ceil(cx - half), math.floor(cx + half)
    y0, y1 = math.ceil(cy - half), math.floor(cy + half)
    cols = slice(int(np.clip(x0, 0, w)), int(np.clip(x1 + 1, 0, w)))
    rows = slice(int(np.clip(y0, 0, h)), int(np.clip(y1 + 1, 0, h)))
    return rows, cols


def _select(
    before: np.ndarray,
    after: np.ndarray,
    show_after: np.ndarray,
    before_valid: np.ndarray | None,
    after_valid: np.ndarray | None,
    no_data: RGB,
) -> np.ndarray:
    grey = np.where(show_after, after, before)
    if before_valid is None and after_valid is None:
        valid = None
    else:
        bv = True if before_valid is None else before_valid
        av = True if after_valid is None else after_valid
        valid = np.where(show_after, av, bv)
    return _grey_to_rgb(grey, valid, no_data)


def _masked(image: np.ndarray, valid: np.ndarray | None) -> np.ndarray:
    if valid is None:
        return image
    return cv2.bitwise_and(image, image, mask=_mask_u8(valid))


def _either(a: np.ndarray | None, b: np.ndarray | None) -> np.ndarray | None:
    if a is None or b is None:
        return None
    return a | b


def _grey_to_rgb(grey: np.ndarray, valid: np.ndarray | None, no_data: RGB) -> np.ndarray:
    """Grey -> RGB, ``no_data`` where not valid (``grey`` may be modified)."""
    if valid is not None and no_data[0] == no_data[1] == no_data[2]:
        np.copyto(grey, np.uint8(no_data[0]), where=~valid)
        valid = None
    return _paint_no_data(cv2.cvtColor(grey, cv2.COLOR_GRAY2RGB), valid, no_data)


def _paint_no_data(rgb: np.ndarray, valid: np.ndarray | None, no_data: RGB) -> np.ndarray:
    if valid is None:
        return rgb
    out = np.empty_like(rgb)
    out[:] = no_data
    return cv2.copyTo(rgb, _mask_u8(valid), out)


def _mask_u8(valid: np.ndarray) -> np.ndarray:
    """A bool mask as the uint8 view OpenCV wants (0 / 1), without copying when possible."""
    return np.ascontiguousarray(valid, dtype=bool).view(np.uint8)


def _check_pair(before: np.ndarray, after: np.ndarray) -> None:
    if before.shape != after.shape or before.ndim != 2:
        raise ValueError(f"need two (H, W) arrays of one shape, got {before.shape}, {after.shape}")
