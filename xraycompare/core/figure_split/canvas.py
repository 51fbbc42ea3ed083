"""The canvas of a published figure: the flat colour around and between its panels.

A figure's gutter, margins and caption background are one flat colour (white or black,
sometimes grey) laid down by the layout program; films are never flat, even their air
holds noise and the heel-effect gradient. So a pixel is *canvas* when its 3×3
neighbourhood is flat and its value is the canvas colour; everything else is *content*
(films, captions, panel letters, borders). JPEG leaves flat areas flat away from edges,
and rings within a block of an edge: those few pixels count as content here and are
trimmed later by the panel edge refinement.

Thin long lines (a frame around the figure, a rule between panels or under captions) are
layout, not film: they are removed from the content so that a frame touching both panels
does not join them into one.
"""

from __future__ import annotations

import cv2
import numpy as np

# 8-bit levels: JPEG keeps flat areas within a level or two; ringing reaches further.
FLAT_RANGE = 4  # max - min over 3×3 for a flat pixel
COLOUR_TOLERANCE = 12  # |value - canvas colour| for a canvas pixel
_MAX_CANDIDATES = 3
_MIN_SHARE = 0.005  # a canvas colour covers at least this share of the figure


def as_grey8(image: np.ndarray) -> np.ndarray:
    """A figure as float32 grey levels on a 0-255 scale, whatever its type.

    Colour figures are converted to luminance; 16-bit or float figures are scaled by their
    own maximum (a 12-bit film in a 16-bit PNG keeps its full contrast).
    """
    a = np.asarray(image)
    if a.ndim == 3:
        if a.shape[2] == 1:
            a = a[..., 0]
        else:
            work = a[..., :3].astype(np.float32)
            a = work @ np.array([0.299, 0.587, 0.114], dtype=np.float32)  # RGB order
    if a.ndim != 2 or a.size == 0:
        raise ValueError(f"a figure must be an (H, W) or (H, W, 3) image, got {a.shape}")
    grey = a.astype(np.float32)
    if a.dtype == np.uint8:
        return grey
    finite = grey[np.isfinite(grey)]
    if finite.size == 0:
        return np.zeros_like(grey)
    top, low = float(finite.max()), min(0.0, float(finite.min()))
    scale = 255.0 / (top - low) if top > low else 1.0
    return np.nan_to_num((grey - low) * scale, nan=0.0, posinf=255.0, neginf=0.0)


def flat_mask(grey: np.ndarray) -> np.ndarray:
    """True where the 3×3 neighbourhood spans at most :data:`FLAT_RANGE` levels."""
    kernel = np.ones((3, 3), np.uint8)
    spread = cv2.dilate(grey, kernel) - cv2.erode(grey, kernel)
    return spread <= FLAT_RANGE


def canvas_colours(grey: np.ndarray, flat: np.ndarray) -> list[float]:
    """Candidate canvas colours, most common first: peaks of the flat pixels' histogram.

    Films can hold large flat areas too (a saturated collimation band, a black band of
    unexposed film), so a few well separated peaks are returned and each is tried.
    """
    values = grey[flat]
    if values.size < _MIN_SHARE * grey.size:
        return []
    hist = np.bincount(np.clip(np.rint(values), 0, 255).astype(np.int64), minlength=256)
    hist = hist.astype(np.float64)
    colours: list[float] = []
    for _ in range(_MAX_CANDIDATES):
        peak = int(np.argmax(hist))
        if hist[peak] < _MIN_SHARE * grey.size:
            break
        lo, hi = max(0, peak - COLOUR_TOLERANCE), min(256, peak + COLOUR_TOLERANCE + 1)
        window = np.arange(lo, hi)
        weights = hist[lo:hi]
        colours.append(float((window * weights).sum() / weights.sum()))
        hist[max(0, peak - 2 * COLOUR_TOLERANCE) : peak + 2 * COLOUR_TOLERANCE + 1] = 0
    return colours


def canvas_tolerance(grey: np.ndarray, flat: np.ndarray, colour: float) -> float:
    """How far a canvas pixel may stray from ``colour``: tight for a clean canvas.

    Four robust deviations of the flat pixels near the colour, between 3 and
    :data:`COLOUR_TOLERANCE` levels: a PNG's exact canvas then stays apart from a film's
    own near-black or near-white border, a JPEG's noisier one is still all canvas.
    """
    near = grey[flat & (np.abs(grey - np.float32(colour)) <= COLOUR_TOLERANCE)]
    if near.size == 0:
        return float(COLOUR_TOLERANCE)
    spread = 1.4826 * float(np.median(np.abs(near - np.median(near))))
    return float(np.clip(4 * spread + 2, 3, COLOUR_TOLERANCE))


def ringing_allowance(tolerance: float) -> float:
    """How far JPEG ringing takes canvas pixels near an edge from the canvas colour."""
    return 3 * tolerance + 6


def canvas_mask(
    grey: np.ndarray, flat: np.ndarray, colour: float, tolerance: float = COLOUR_TOLERANCE
) -> np.ndarray:
    """True on canvas pixels of ``colour``: flat and within ``tolerance`` of it."""
    return flat & (np.abs(grey - np.float32(colour)) <= tolerance)


def content_without_lines(content: np.ndarray, *, thickness: int, length: int) -> np.ndarray:
    """The content mask less thin long lines (frames, rules), as a new array.

    A pixel belongs to a line when its run of content along one axis is at least ``length``
    long while its run across is at most ``thickness`` thick. A frame drawn against a film
    edge stays with the film (its run across includes the film), so the film grows by the
    frame's width at most.
    """
    h_run = run_lengths(content, axis=1)
    v_run = run_lengths(content, axis=0)
    lines = ((h_run >= length) & (v_run <= thickness)) | ((v_run >= length) & (h_run <= thickness))
    return content & ~lines


def run_lengths(mask: np.ndarray, *, axis: int) -> np.ndarray:
    """For every True pixel, the length of its run of True pixels along ``axis`` (0 elsewhere)."""
    m = mask if axis == 1 else mask.T
    rows, width = m.shape
    padded = np.zeros((rows, width + 1), dtype=bool)
    padded[:, :width] = m
    flat = padded.ravel()  # the padding column ends every run at its row's end
    starts = flat & ~np.concatenate(([False], flat[:-1]))
    run_id = np.cumsum(starts) * flat
    counts = np.bincount(run_id)
    counts[0] = 0
    out = counts[run_id].reshape(rows, width + 1)[:, :width]
    return out if axis == 1 else out.T
