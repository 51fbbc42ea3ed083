"""XrayImage, the one image type of the app, and the values that describe how to show it.

Stored pixels keep their bit depth; :mod:`xraycompare.core.io.display` turns them into
display values. The loaders (:mod:`xraycompare.core.io.loading`) build XrayImages.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path
from typing import Literal

import numpy as np

from xraycompare.core.types import Calibration, VoiFunction


class ImageLoadError(Exception):
    """A file could not be opened as a radiograph; the message names the file and the reason."""

    def __init__(self, path: str | Path, reason: str) -> None:
        self.path = Path(path)
        self.reason = reason
        super().__init__(f"{printable_name(self.path.name)}: {reason}")


def printable_name(name: str, *, limit: int = 160) -> str:
    """A file name as a message may show it: control characters (a null byte, a terminal
    escape) written as escapes, and a name longer than ``limit`` cut in the middle."""
    text = "".join(ch if ch.isprintable() else ascii(ch)[1:-1] for ch in name)
    if len(text) > limit:
        keep = (limit - 1) // 2
        text = f"{text[:keep]}…{text[-keep:]}"
    return text


WINDOW_LIMIT = 1e30  # |centre| and width; beyond it float32 display arithmetic overflows


@dataclass(frozen=True)
class Window:
    """A VOI window in modality units (after rescale): centre, width and function.

    The centre and width are finite, the width above 0, both within :data:`WINDOW_LIMIT`
    (no film's values come near it, and past it the display would silently turn black).
    """

    center: float
    width: float
    function: VoiFunction = "LINEAR"

    def __post_init__(self) -> None:
        c, w = self.center, self.width
        if not (math.isfinite(c) and math.isfinite(w)) or w <= 0:
            raise ValueError(f"invalid window: centre {c}, width {w}")
        if abs(c) > WINDOW_LIMIT or w > WINDOW_LIMIT:
            raise ValueError(
                f"window centre {c:g} or width {w:g} beyond ±{WINDOW_LIMIT:g}: no film has "
                "such values"
            )

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

    def __setstate__(self, state: dict) -> None:
        # films are decoded in a worker process and arrive pickled: keep the pixels read-only
        self.__dict__.update(state)
        if self.pixels.flags.writeable:
            self.pixels.flags.writeable = False

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
