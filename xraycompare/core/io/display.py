"""The radiograph display pipeline: stored values to 8-bit display values.

Display order (DICOM PS3.3 C.11 / PS3.4 N): stored value -> modality LUT (rescale slope and
intercept, or a Modality LUT Sequence) -> VOI (window with LINEAR, LINEAR_EXACT or SIGMOID,
or a VOI LUT table) -> polarity (MONOCHROME1 and Presentation LUT Shape INVERSE both mean
"one inversion", applied last and never twice) -> 8-bit display values.

Stored pixels keep their bit depth: the pipeline is evaluated once per stored value into a
lookup table, so windowing a 12-bit film costs one table lookup per displayed pixel.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from xraycompare.core.io.hand_mask import foreground_mask, sample_pixels
from xraycompare.core.io.image import Window, XrayImage


@dataclass(frozen=True)
class DisplaySettings:
    """How one film is windowed. ``window`` None means the file's own default."""

    window: Window | None = None
    voi_lut_index: int | None = None
    inverted: bool = False  # the user's flip on top of the file's polarity


def voi_transform(values: np.ndarray, window: Window) -> np.ndarray:
    """Map modality values through a VOI window to [0, 1] (float32).

    Parameters
    ----------
    values
        Modality values.
    window
        The window; ``function`` selects the DICOM PS3.3 C.11.2.1.2 formula.

    Returns
    -------
    numpy.ndarray
        Float32 in [0, 1], 0 the lowest output (before any polarity inversion).
    """
    x = np.asarray(values, dtype=np.float32)
    c, w = np.float32(window.center), np.float32(window.width)
    if window.function == "SIGMOID":
        return (1.0 / (1.0 + np.exp(-4.0 * (x - c) / w))).astype(np.float32)
    if window.function == "LINEAR_EXACT":
        return np.clip((x - c) / w + 0.5, 0.0, 1.0).astype(np.float32)
    # LINEAR: the classic formula with its half-pixel offsets; a width below 1 is a step.
    if w <= 1:
        return (x > c - 0.5).astype(np.float32)
    return np.clip((x - (c - 0.5)) / (w - 1) + 0.5, 0.0, 1.0).astype(np.float32)


@dataclass(frozen=True, eq=False)
class DisplayLut:
    """Stored value -> 8-bit display value: ``table[stored - offset]``."""

    table: np.ndarray
    offset: int

    def apply(self, stored: np.ndarray) -> np.ndarray:
        """Map an array of stored values (any shape) to uint8 display values."""
        if stored.dtype == np.uint8 and self.offset == 0 and len(self.table) == 256:
            return cv2.LUT(stored, self.table)
        index = stored.astype(np.int32) - self.offset if self.offset else stored
        return np.take(self.table, index, mode="clip")


def display_lut(
    image: XrayImage,
    window: Window | None = None,
    *,
    voi_lut_index: int | None = None,
    inverted: bool = False,
) -> DisplayLut:
    """Build the stored-value -> display-byte table for ``image``.

    Parameters
    ----------
    image
        The film.
    window
        The VOI window in modality units. When both ``window`` and ``voi_lut_index`` are
        None, the file's default: its VOI LUT table if that is the default
        (``image.default_voi_lut_index``), else ``image.default_window``.
    voi_lut_index
        Use the file's VOI LUT table with this index instead of a window.
    inverted
        The user's polarity flip, applied on top of the file's own polarity.

    Returns
    -------
    DisplayLut
        A table covering every possible stored value of the image.
    """
    low, high = image.stored_range
    data_low, data_high = image.value_range  # cached: no full-image scan per window drag
    low, high = min(low, data_low), max(high, data_high)
    stored = np.arange(low, high + 1, dtype=np.int32)
    modality = image.modality_values(stored)
    if window is None and voi_lut_index is None:
        voi_lut_index = image.default_voi_lut_index
    if voi_lut_index is not None:
        lut = image.voi_luts[voi_lut_index]
        unit = lut.apply(modality) / np.float32((1 << lut.output_bits) - 1)
        unit = np.clip(unit, 0.0, 1.0)
    else:
        unit = voi_transform(modality, window or image.default_window)
    if image.invert != inverted:
        unit = 1.0 - unit
    table = np.rint(unit * 255.0).astype(np.uint8)
    return DisplayLut(table=table, offset=low)


def render_display(
    image: XrayImage,
    window: Window | None = None,
    *,
    voi_lut_index: int | None = None,
    inverted: bool = False,
) -> np.ndarray:
    """The whole film through the display pipeline as an (H, W) uint8 array, bone white."""
    lut = display_lut(image, window, voi_lut_index=voi_lut_index, inverted=inverted)
    return lut.apply(image.pixels)


def auto_window(image: XrayImage, *, mask: np.ndarray | None = None) -> Window:
    """A window from robust percentiles of modality values inside the hand.

    Parameters
    ----------
    image
        The film.
    mask
        Foreground (hand) mask at any resolution; computed when None.

    Returns
    -------
    Window
        LINEAR window spanning the 0.5th to 99.8th percentile inside the foreground, so
        soft tissue and cortical bone are both visible and the background does not count.
    """
    sample = sample_pixels(image.pixels, max_side=1024)
    if mask is None:
        mask = foreground_mask(image.modality_values(sample), invert=image.invert)
    elif mask.shape != sample.shape:
        mask = cv2.resize(
            mask.astype(np.uint8), sample.shape[::-1], interpolation=cv2.INTER_NEAREST
        ).astype(bool)
    values = image.modality_values(sample)
    inside = values[mask] if mask.any() else values.ravel()
    lo, hi = np.percentile(inside, [0.5, 99.8])
    if not hi > lo:
        lo, hi = float(values.min()), float(values.max())
    if not hi > lo:
        hi = lo + 1.0
    return Window(center=float(lo + hi) / 2, width=float(hi - lo))


def full_range_window(image: XrayImage) -> Window:
    """A window spanning every possible stored value, in modality units."""
    low, high = image.stored_range
    ends = image.modality_values(np.array([[low, high]], dtype=np.int32))
    lo, hi = float(ends.min()), float(ends.max())
    return Window(center=(lo + hi) / 2, width=max(hi - lo, 1.0))
