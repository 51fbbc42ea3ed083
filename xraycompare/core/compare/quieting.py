"""A difference that shows change, not registration speckle or the air around the hand.

Two films of one hand never align to the pixel: a bone edge that is a fraction of a pixel
off, or sharpened differently by each machine's processing, turns into a thin blue/orange
seam along every cortex. Two optional filters quieten it, both recorded in the project and
disclosed in a figure's provenance:

- ``"smooth"``: both films blurred by a Gaussian of ``radius`` before pixels (σ), which
  removes noise and edge-processing differences at the cost of fine detail.
- ``"tolerant"``: the nearest match within ±``radius`` before pixels. A pixel shows no
  change when the other film has its value anywhere within the neighbourhood (in either
  direction), otherwise the smallest difference to that neighbourhood's range. An edge
  shifted by less than the radius vanishes; a change wider than the radius (an erosion, new
  bone) keeps its sign and loses at most the edge's contrast over the radius.

Outside the hand the difference is only exposure drift in air and collimation; it is shown
as the before film's grey, faint over the colour map's zero colour, so the eye goes to the
hand (``hand_weight`` is a feathered
mask of the before film's hand, 1 inside).

Radii are in *before film* pixels; a view zoomed to 400 % uses four device pixels per film
pixel, so the frame functions take the frame's film pixels per device pixel.
"""

from __future__ import annotations

import math

import cv2
import numpy as np

from xraycompare.core.types import DifferenceFilter

DIM = 0.4  # outside the hand: this much of the before film's grey over the map's zero colour
_FEATHER = 0.012  # of the mask's longer side: the hand's edge fades over a few pixels
_MARGIN = 0.02  # of the mask's longer side: soft tissue at the hand's edge stays in


def quieted(
    before: np.ndarray,
    after: np.ndarray,
    *,
    method: DifferenceFilter,
    radius: float,
) -> tuple[np.ndarray, np.ndarray]:
    """The two value rasters whose difference is the quieted one; inputs are not modified.

    Parameters
    ----------
    before, after
        (H, W) float32 values in one unit (after exposure-matched), on one raster.
    method
        ``"none"``, ``"smooth"`` or ``"tolerant"``.
    radius
        In raster pixels: the Gaussian's σ, or the neighbourhood's half-width (rounded;
        nothing is done below half a pixel).

    Returns
    -------
    tuple of numpy.ndarray
        (before, after) to subtract; for ``"tolerant"`` the first is ``before`` itself and the
        second ``before`` plus the tolerant difference.
    """
    if method == "none" or not math.isfinite(radius) or radius < 0.5:
        return before, after
    b = np.asarray(before, dtype=np.float32)
    a = np.asarray(after, dtype=np.float32)
    if method == "smooth":
        return (
            cv2.GaussianBlur(b, (0, 0), radius, borderType=cv2.BORDER_REPLICATE),
            cv2.GaussianBlur(a, (0, 0), radius, borderType=cv2.BORDER_REPLICATE),
        )
    if method != "tolerant":
        raise ValueError(f"unknown difference filter {method!r}")
    k = int(round(radius))
    kernel = np.ones((2 * k + 1, 2 * k + 1), np.uint8)
    # after against the range of before around it, and before against the range of after:
    # the smaller of the two is the change no shift within the radius explains
    forward = _outside_range(a, cv2.erode(b, kernel), cv2.dilate(b, kernel))
    backward = _outside_range(b, cv2.erode(a, kernel), cv2.dilate(a, kernel))
    change = np.where(np.abs(forward) <= np.abs(backward), forward, -backward)
    return b, b + change


def _outside_range(values: np.ndarray, low: np.ndarray, high: np.ndarray) -> np.ndarray:
    """Signed distance of ``values`` from [low, high]: 0 inside, + above, − below."""
    return np.maximum(values - high, 0.0) + np.minimum(values - low, 0.0)


def hand_weight(mask: np.ndarray) -> np.ndarray:
    """A feathered float32 weight (1 in the hand, 0 in the air) from a bool hand mask.

    The mask is grown by a margin first, so the skin line and the soft tissue next to bone
    keep their full difference colours.
    """
    m = np.asarray(mask, dtype=np.uint8)
    side = max(m.shape)
    grow = max(1, round(_MARGIN * side))
    grown = cv2.dilate(m, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * grow + 1,) * 2))
    sigma = max(0.8, _FEATHER * side)
    return cv2.GaussianBlur(grown.astype(np.float32), (0, 0), sigma)


def dim_outside(
    difference_rgb: np.ndarray,
    grey: np.ndarray,
    weight: np.ndarray,
    *,
    valid: np.ndarray | None = None,
    no_data: tuple[int, int, int] = (0, 0, 0),
    neutral: tuple[int, int, int] = (0, 0, 0),
) -> np.ndarray:
    """The difference colours inside the hand, the before film faintly outside.

    Parameters
    ----------
    difference_rgb
        (H, W, 3) uint8 difference image.
    grey
        (H, W) uint8 display values of the before film on the same raster.
    weight
        (H, W) float32 in [0, 1]: 1 shows the difference, 0 the dimmed grey.
    valid
        Where the before film has data; elsewhere ``no_data``.
    no_data
        Colour off the before film.
    neutral
        The colour map's zero: outside the hand the film shows faintly over it, so a
        light map's figure stays light and a dark map's view stays dark.

    Returns
    -------
    numpy.ndarray
        A new (H, W, 3) uint8 RGB image.
    """
    film = cv2.cvtColor(np.asarray(grey, dtype=np.uint8), cv2.COLOR_GRAY2RGB)
    base = np.empty_like(film)
    base[:] = neutral
    dimmed = cv2.addWeighted(film, DIM, base, 1.0 - DIM, 0.0)
    w = np.clip(weight, 0.0, 1.0).astype(np.float32)
    out = cv2.blendLinear(difference_rgb, dimmed, w, 1.0 - w)
    if valid is not None:
        out[~valid] = no_data
    return out


def film_pixels_per_device(device_to_before: np.ndarray) -> float:
    """How many before film pixels one device pixel spans (along a line)."""
    m = np.asarray(device_to_before, dtype=np.float64)
    return math.sqrt(abs(m[0, 0] * m[1, 1] - m[0, 1] * m[1, 0])) or 1.0
