"""Defensive readers for the DICOM attributes a radiograph's display depends on.

Real files carry malformed values (``"0.000\\0.000"`` spacings, non-numeric windows, LUTs
whose descriptor overstates their bit depth). Each reader here returns a clean value or
"absent", never raises: the loader decides what absence means.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from pydicom.dataset import Dataset
from pydicom.multival import MultiValue

from xraycompare.core.io.image import WINDOW_LIMIT, LookupTable, Window, WindowPreset
from xraycompare.core.types import VOI_FUNCTIONS, Calibration

_MAGNITUDE = 1e12  # rescale values beyond this are broken headers, not films


def get_value(ds: Dataset, keyword: str) -> Any:
    """``ds.get(keyword)``, or None when the element is absent or cannot be converted."""
    try:
        return ds.get(keyword)
    except Exception:  # pydicom converts lazily and raises many types on corrupt values
        return None


def int_value(ds: Dataset, keyword: str, default: int = 0) -> int:
    value = get_value(ds, keyword)
    if isinstance(value, list | tuple | MultiValue):
        value = value[0] if len(value) else None
    try:
        return int(value) if value not in (None, "") else default
    except (TypeError, ValueError, OverflowError):
        return default


def float_value(ds: Dataset, keyword: str, default: float) -> float:
    """A single finite value no film exceeds (a rescale of 1e300 is a broken header)."""
    values = float_values(ds, keyword)
    ok = len(values) == 1 and math.isfinite(values[0]) and abs(values[0]) <= _MAGNITUDE
    return values[0] if ok else default


def float_values(ds: Dataset, keyword: str) -> list[float]:
    """All values of a numeric (possibly multi-valued) element; [] if any is malformed."""
    value = get_value(ds, keyword)
    if value is None or value == "":
        return []
    items = list(value) if isinstance(value, list | tuple | MultiValue) else [value]
    out = []
    for item in items:
        try:
            out.append(float(item))
        except (TypeError, ValueError, OverflowError):
            return []
    return out


def text_values(ds: Dataset, keyword: str) -> list[str]:
    value = get_value(ds, keyword)
    if value is None:
        return []
    if isinstance(value, list | tuple | MultiValue):
        return [str(v).strip() for v in value]
    return [str(value).strip()]


def text_value(ds: Dataset, keyword: str) -> str | None:
    value = get_value(ds, keyword)
    text = str(value).strip() if value is not None else ""
    return text or None


def calibration(ds: Dataset) -> tuple[tuple[float, float] | None, Calibration]:
    """PixelSpacing (calibrated) -> ImagerPixelSpacing (at detector) -> none.

    A zero, negative, non-finite, malformed or single-valued spacing counts as absent, so
    "mm" is never shown from it.
    """
    for keyword, kind in (("PixelSpacing", "calibrated"), ("ImagerPixelSpacing", "detector")):
        values = float_values(ds, keyword)
        if len(values) == 2 and all(math.isfinite(v) and 0 < v < 100 for v in values):
            return (values[0], values[1]), kind  # type: ignore[return-value]
    return None, "none"


def modality_transform(ds: Dataset) -> tuple[float, float, LookupTable | None]:
    """(slope, intercept, modality LUT): a Modality LUT Sequence wins over rescale."""
    seq = get_value(ds, "ModalityLUTSequence")
    if seq:
        lut = lut_from_item(seq[0], "Modality LUT", signed=_signed(ds))
        if lut is not None:
            return 1.0, 0.0, lut
    slope = float_value(ds, "RescaleSlope", 1.0)
    intercept = float_value(ds, "RescaleIntercept", 0.0)
    if slope == 0:
        slope = 1.0
    return slope, intercept, None


def voi_presets(ds: Dataset) -> tuple[tuple[WindowPreset, ...], tuple[LookupTable, ...]]:
    """The file's windows (with their explanations) and VOI LUT tables, as presets."""
    presets: list[WindowPreset] = []
    function = (text_value(ds, "VOILUTFunction") or "LINEAR").upper()
    if function not in VOI_FUNCTIONS:
        function = "LINEAR"
    centers = float_values(ds, "WindowCenter")
    widths = float_values(ds, "WindowWidth")
    explanations = text_values(ds, "WindowCenterWidthExplanation")
    for i, (c, w) in enumerate(zip(centers, widths, strict=False)):
        if not (math.isfinite(c) and math.isfinite(w)) or w <= 0:
            continue
        if abs(c) > WINDOW_LIMIT or w > WINDOW_LIMIT:
            continue
        label = explanations[i] if i < len(explanations) else ""
        label = label or ("File window" if len(centers) == 1 else f"File window {i + 1}")
        presets.append(WindowPreset(label, window=Window(c, w, function)))  # type: ignore[arg-type]
    luts: list[LookupTable] = []
    for item in get_value(ds, "VOILUTSequence") or []:
        lut = lut_from_item(item, f"VOI LUT {len(luts) + 1}", signed=False)
        if lut is not None:
            presets.append(WindowPreset(lut.label, voi_lut_index=len(luts)))
            luts.append(lut)
    return tuple(presets), tuple(luts)


def lut_from_item(item: Dataset, default_label: str, *, signed: bool) -> LookupTable | None:
    """A LUT from an item with LUTDescriptor and LUTData; None when unusable.

    The descriptor's first value 0 means 65536 entries; its second (first input mapped) is
    signed for signed pixel data even when read as US. Many files declare 16 output bits
    for a 12-bit table: the bit depth is then taken from the largest entry, as viewers do,
    so the image does not come out nearly black.
    """
    try:
        descriptor = [int(v) for v in item.LUTDescriptor]
        count = descriptor[0] or 65536
        first = descriptor[1]
        bits = max(1, min(int(descriptor[2]), 16))
        if signed and first >= 32768:
            first -= 65536
        raw = item.LUTData
        if isinstance(raw, bytes):
            dtype = "<u2" if bits > 8 or len(raw) >= 2 * count else "u1"
            table = np.frombuffer(raw, dtype=dtype)[:count].astype(np.float32)
        else:
            table = np.asarray(raw, dtype=np.float32).ravel()[:count]
    except Exception:
        return None
    if table.size == 0 or not np.isfinite(table).all():
        return None
    top = int(table.max())
    if top > 0 and top.bit_length() < bits - 2:
        bits = max(8, top.bit_length())
    explanation = text_value(item, "LUTExplanation")
    return LookupTable(first, table, bits, explanation or default_label)


def _signed(ds: Dataset) -> bool:
    return int_value(ds, "PixelRepresentation", 0) == 1
