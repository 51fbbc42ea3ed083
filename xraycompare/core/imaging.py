"""XrayImage, the one image type of the app, and the radiograph display pipeline.

Display order (DICOM PS3.3 C.11 / PS3.4 N): stored value -> modality LUT (rescale slope and
intercept, or a Modality LUT Sequence) -> VOI (window with LINEAR, LINEAR_EXACT or SIGMOID,
or a VOI LUT table) -> polarity (MONOCHROME1 and Presentation LUT Shape INVERSE both mean
"one inversion", applied last and never twice) -> 8-bit display values.

Stored pixels keep their bit depth: the pipeline is evaluated once per stored value into a
lookup table, so windowing a 12-bit film costs one table lookup per displayed pixel.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path
from typing import Literal

import numpy as np

Calibration = Literal["calibrated", "detector", "user", "none"]
VoiFunction = Literal["LINEAR", "LINEAR_EXACT", "SIGMOID"]

CALIBRATION_LABELS: dict[str, str] = {
    "calibrated": "calibrated",
    "detector": "at detector",
    "user": "user calibration",
    "none": "pixels only",
}


class ImageLoadError(Exception):
    """A file could not be opened as a radiograph; the message names the file and the reason."""

    def __init__(self, path: str | Path, reason: str) -> None:
        self.path = Path(path)
        self.reason = reason
        super().__init__(f"{self.path.name}: {reason}")


@dataclass(frozen=True)
class Window:
    """A VOI window in modality units (after rescale): centre, width and function."""

    center: float
    width: float
    function: VoiFunction = "LINEAR"

    def __post_init__(self) -> None:
        if not (math.isfinite(self.center) and math.isfinite(self.width)) or self.width <= 0:
            raise ValueError(f"invalid window: centre {self.center}, width {self.width}")

    @property
    def low(self) -> float:
        return self.center - self.width / 2

    @property
    def high(self) -> float:
        return self.center + self.width / 2


@dataclass(frozen=True, eq=False)
class LookupTable:
    """A DICOM LUT (modality or VOI): ``table[i]`` is the output for input ``first_mapped + i``."""

    first_mapped: int
    table: np.ndarray
    output_bits: int
    label: str = ""

    def apply(self, values: np.ndarray) -> np.ndarray:
        index = np.clip(np.rint(values - self.first_mapped), 0, len(self.table) - 1)
        return self.table[index.astype(np.int64)].astype(np.float32)


@dataclass(frozen=True)
class WindowPreset:
    """A named way to window a film: a window, or a VOI LUT table from the file."""

    label: str
    window: Window | None = None
    voi_lut_index: int | None = None


@dataclass(frozen=True)
class ImageInfo:
    """Non-identifying facts about a film, safe to show and export."""

    format: str
    modality: str | None = None
    body_part: str | None = None
    laterality: str | None = None
    view_position: str | None = None
    manufacturer: str | None = None
    transfer_syntax: str | None = None
    transfer_syntax_uid: str | None = None
    sop_class: str | None = None
    number_of_frames: int = 1


@dataclass(frozen=True)
class PatientIdentity:
    """Identifying DICOM fields: shown only when the user asks, never exported by default."""

    name: str | None = None
    patient_id: str | None = None
    birth_date: str | None = None
    accession_number: str | None = None
    study_date: str | None = None

    def is_empty(self) -> bool:
        return not any(
            (self.name, self.patient_id, self.birth_date, self.accession_number, self.study_date)
        )


@dataclass(frozen=True, eq=False)
class XrayImage:
    """A radiograph as stored: pixels at full bit depth plus everything needed to display it.

    ``pixels`` is a read-only (H, W) integer array of *stored* values (uint8, uint16 or
    int16). Modality units are ``pixels * rescale_slope + rescale_intercept`` unless a
    modality LUT is given. ``invert`` is the file's own polarity: True when bone would be
    dark without inversion (MONOCHROME1, or Presentation LUT Shape INVERSE).
    ``default_voi_lut_index`` is set when the file's default VOI is a VOI LUT table rather
    than a window; ``default_window`` is then the table's linear approximation (where a
    window drag starts).
    """

    pixels: np.ndarray
    bits_stored: int
    photometric: str
    invert: bool
    default_window: Window
    default_window_source: Literal["file", "auto"]
    info: ImageInfo
    source: Path | None = None
    content_hash: str = ""
    rescale_slope: float = 1.0
    rescale_intercept: float = 0.0
    modality_lut: LookupTable | None = None
    voi_luts: tuple[LookupTable, ...] = ()
    presets: tuple[WindowPreset, ...] = ()
    spacing_mm: tuple[float, float] | None = None
    calibration: Calibration = "none"
    identity: PatientIdentity = field(default_factory=PatientIdentity)
    notices: tuple[str, ...] = ()
    default_voi_lut_index: int | None = None

    def __post_init__(self) -> None:
        if self.pixels.ndim != 2:
            raise ValueError("XrayImage pixels must be a 2-D (H, W) array")
        if self.pixels.dtype not in (np.uint8, np.uint16, np.int16):
            raise ValueError(f"unsupported stored dtype {self.pixels.dtype}")
        if self.pixels.flags.writeable:
            pixels = self.pixels.copy() if self.pixels.base is not None else self.pixels
            pixels.flags.writeable = False
            object.__setattr__(self, "pixels", pixels)
        if (self.spacing_mm is None) != (self.calibration == "none"):
            raise ValueError("spacing_mm and calibration disagree")
        index = self.default_voi_lut_index
        if index is not None and not 0 <= index < len(self.voi_luts):
            raise ValueError(f"default_voi_lut_index {index} out of range")

    @property
    def height(self) -> int:
        return int(self.pixels.shape[0])

    @property
    def width(self) -> int:
        return int(self.pixels.shape[1])

    @property
    def shape(self) -> tuple[int, int]:
        return (self.height, self.width)

    @property
    def name(self) -> str:
        return self.source.name if self.source is not None else "(unsaved)"

    @cached_property
    def value_range(self) -> tuple[int, int]:
        """The smallest and largest stored value actually present (computed once)."""
        if self.pixels.size == 0:
            return self.stored_range
        return int(self.pixels.min()), int(self.pixels.max())

    @property
    def stored_range(self) -> tuple[int, int]:
        """The range of stored values the display LUT must cover."""
        info = np.iinfo(self.pixels.dtype)
        if self.pixels.dtype == np.int16:
            low = max(info.min, -(1 << (self.bits_stored - 1)))
            high = min(info.max, (1 << (self.bits_stored - 1)) - 1)
        else:
            low, high = 0, min(info.max, (1 << self.bits_stored) - 1)
        return int(low), int(high)

    def modality_values(self, stored: np.ndarray | None = None) -> np.ndarray:
        """Stored values -> modality units (float32); the whole image when ``stored`` is None."""
        values = self.pixels if stored is None else stored
        if self.modality_lut is not None:
            return self.modality_lut.apply(values)
        out = values.astype(np.float32)
        if self.rescale_slope != 1.0 or self.rescale_intercept != 0.0:
            out = out * np.float32(self.rescale_slope) + np.float32(self.rescale_intercept)
        return out

    def with_calibration(
        self, spacing_mm: tuple[float, float] | None, calibration: Calibration
    ) -> XrayImage:
        """A copy with another calibration (a user calibration from a known length, say)."""
        return replace(self, spacing_mm=spacing_mm, calibration=calibration)


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
            import cv2  # local: keeps `import imaging` light for headless tools

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
    from xraycompare.core.foreground import foreground_mask, sample_pixels

    sample = sample_pixels(image.pixels, max_side=1024)
    if mask is None:
        mask = foreground_mask(image.modality_values(sample), invert=image.invert)
    elif mask.shape != sample.shape:
        import cv2

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


def load_image(path: str | Path) -> XrayImage:
    """Open a radiograph: DICOM (any supported transfer syntax), PNG, JPEG, TIFF or BMP.

    Parameters
    ----------
    path
        The file. The format is decided by its content, not its name.

    Returns
    -------
    XrayImage
        Stored pixels at full depth with the display defaults, calibration and metadata.

    Raises
    ------
    ImageLoadError
        The one error type for every file that cannot be shown (missing, a directory,
        empty, truncated, corrupt, not an image, unsupported, absurd header), naming the
        file and the reason.
    """
    from xraycompare.core.loading import load_file  # the loaders import this module

    return load_file(path)
