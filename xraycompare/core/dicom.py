"""DICOM radiographs (CR, DX, DR, secondary capture) -> XrayImage, through pydicom.

Compressed transfer syntaxes are decoded by pydicom's plugins: pylibjpeg-libjpeg (JPEG
baseline/extended/lossless, JPEG-LS), pylibjpeg-openjpeg (JPEG 2000) and pydicom's own RLE.
Only the first frame of a multi-frame file is decoded.
"""

from __future__ import annotations

import math
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pydicom
from pydicom.dataset import Dataset
from pydicom.errors import InvalidDicomError
from pydicom.uid import UID

from xraycompare.core.imaging import (
    Calibration,
    ImageInfo,
    ImageLoadError,
    LookupTable,
    PatientIdentity,
    Window,
    WindowPreset,
    XrayImage,
    auto_window,
)

# A hand film is at most a few thousand pixels a side; anything past this is a broken header.
MAX_PIXELS = 200_000_000
MAX_SIDE = 32_768


def is_dicom(head: bytes) -> bool:
    """True when the first bytes look like a DICOM Part 10 file (preamble + ``DICM``)."""
    return len(head) >= 132 and head[128:132] == b"DICM"


def load_dicom(path: Path, data: bytes, content_hash: str) -> XrayImage:
    """Read a DICOM file already in memory.

    Parameters
    ----------
    path
        Where it came from (for messages and the image's ``source``).
    data
        The file's bytes.
    content_hash
        SHA-256 of ``data``.

    Returns
    -------
    XrayImage

    Raises
    ------
    ImageLoadError
        For anything that is not a decodable single-channel or RGB radiograph.
    """
    import io

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ds = pydicom.dcmread(io.BytesIO(data), force=True)
    except (InvalidDicomError, EOFError, OSError, ValueError, KeyError, TypeError) as exc:
        raise ImageLoadError(path, f"not a readable DICOM file ({_short(exc)})") from exc
    except Exception as exc:  # pydicom raises many types on corrupt headers
        raise ImageLoadError(path, f"corrupt DICOM header ({_short(exc)})") from exc

    if "PixelData" not in ds and "FloatPixelData" not in ds:
        raise ImageLoadError(path, "the DICOM file holds no image (no Pixel Data)")
    rows, cols = _int(ds, "Rows"), _int(ds, "Columns")
    frames = max(1, _int(ds, "NumberOfFrames", 1))
    if rows <= 0 or cols <= 0:
        raise ImageLoadError(path, f"invalid image size {rows}×{cols} in the header")
    if rows > MAX_SIDE or cols > MAX_SIDE or rows * cols > MAX_PIXELS:
        raise ImageLoadError(path, f"absurd image size {rows}×{cols} in the header")
    samples = _int(ds, "SamplesPerPixel", 1)
    if samples not in (1, 3):
        raise ImageLoadError(path, f"unsupported samples per pixel: {samples}")

    syntax = _transfer_syntax(ds)
    pixels = _decode_first_frame(path, ds, syntax)
    notices: list[str] = []
    if frames > 1:
        notices.append(f"multi-frame file ({frames} frames): showing the first frame")

    photometric = str(ds.get("PhotometricInterpretation", "MONOCHROME2")).strip().upper()
    if pixels.ndim == 3:
        pixels, note = _colour_to_grey(pixels)
        notices.append(note)
        photometric = "MONOCHROME2"
    elif photometric not in ("MONOCHROME1", "MONOCHROME2"):
        if photometric != "PALETTE COLOR":
            notices.append(f"photometric {photometric} read as MONOCHROME2")
        photometric = "MONOCHROME2"

    bits_stored = _int(ds, "BitsStored", 8 * pixels.dtype.itemsize)
    pixels = _stored_dtype(pixels, bits_stored)
    slope, intercept, modality_lut = _modality(ds)
    presets, voi_luts = _voi(ds)
    shape_name = str(ds.get("PresentationLUTShape", "") or "").strip().upper()
    # MONOCHROME1 with INVERSE is one inversion, not two (DX IODs require exactly that pair).
    invert = photometric == "MONOCHROME1" or shape_name == "INVERSE"
    spacing, calibration = _calibration(ds)

    info = ImageInfo(
        format="DICOM",
        modality=_text(ds, "Modality"),
        body_part=_text(ds, "BodyPartExamined"),
        laterality=_text(ds, "ImageLaterality") or _text(ds, "Laterality"),
        view_position=_text(ds, "ViewPosition"),
        manufacturer=_text(ds, "Manufacturer"),
        transfer_syntax=syntax.name if syntax else None,
        transfer_syntax_uid=str(syntax) if syntax else None,
        sop_class=_sop_class_name(ds),
        number_of_frames=frames,
    )
    identity = PatientIdentity(
        name=_text(ds, "PatientName"),
        patient_id=_text(ds, "PatientID"),
        birth_date=_text(ds, "PatientBirthDate"),
        accession_number=_text(ds, "AccessionNumber"),
        study_date=_text(ds, "StudyDate"),
    )
    base = XrayImage(
        pixels=pixels,
        bits_stored=bits_stored,
        photometric=photometric,
        invert=invert,
        default_window=Window(0.5, 1.0),  # replaced below
        default_window_source="file",
        info=info,
        source=path,
        content_hash=content_hash,
        rescale_slope=slope,
        rescale_intercept=intercept,
        modality_lut=modality_lut,
        voi_luts=voi_luts,
        presets=presets,
        spacing_mm=spacing,
        calibration=calibration,
        identity=identity,
        notices=tuple(notices),
    )
    from dataclasses import replace

    file_window = next((p.window for p in presets if p.window is not None), None)
    if file_window is not None and _usable(base, file_window):
        return replace(base, default_window=file_window, default_window_source="file")
    if file_window is not None:
        notices.append("the file's window does not fit the data: using an automatic window")
    return replace(
        base,
        default_window=auto_window(base),
        default_window_source="auto",
        notices=tuple(notices),
    )


def _decode_first_frame(path: Path, ds: Dataset, syntax: UID | None) -> np.ndarray:
    from pydicom.pixels import pixel_array

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            arr = pixel_array(ds, index=0)
    except NotImplementedError as exc:
        name = syntax.name if syntax else "unknown"
        raise ImageLoadError(path, f"unsupported transfer syntax {name}") from exc
    except (MemoryError, OverflowError) as exc:
        raise ImageLoadError(path, "the image is too large to decode") from exc
    except Exception as exc:
        name = f" ({syntax.name})" if syntax else ""
        raise ImageLoadError(
            path, f"the pixel data cannot be decoded{name}: {_short(exc)}"
        ) from exc
    if arr.ndim == 3 and arr.shape[-1] not in (3, 4):
        arr = arr[0]  # some handlers ignore index for single-frame-in-3D layouts
    if arr.ndim not in (2, 3) or arr.size == 0:
        raise ImageLoadError(path, f"decoded pixel data has an unexpected shape {arr.shape}")
    return arr


def _stored_dtype(pixels: np.ndarray, bits_stored: int) -> np.ndarray:
    """Keep integer stored values at full depth in uint8, uint16 or int16."""
    if pixels.dtype in (np.uint8, np.uint16, np.int16):
        return np.ascontiguousarray(pixels)
    if pixels.dtype == np.int8:
        return pixels.astype(np.int16)
    if np.issubdtype(pixels.dtype, np.integer):
        lo, hi = int(pixels.min()), int(pixels.max())
        if lo >= 0 and hi <= 65535:
            return pixels.astype(np.uint16)
        if lo >= -32768 and hi <= 32767:
            return pixels.astype(np.int16)
    # Float or 32-bit data beyond 16 bits: scale into uint16 (16 bits is beyond film contrast).
    lo, hi = float(np.nanmin(pixels)), float(np.nanmax(pixels))
    scale = 65535.0 / (hi - lo) if hi > lo else 1.0
    return np.rint((np.nan_to_num(pixels, nan=lo) - lo) * scale).astype(np.uint16)


def _colour_to_grey(pixels: np.ndarray) -> tuple[np.ndarray, str]:
    rgb = pixels[..., :3]
    if np.array_equal(rgb[..., 0], rgb[..., 1]) and np.array_equal(rgb[..., 1], rgb[..., 2]):
        return np.ascontiguousarray(rgb[..., 0]), "RGB-encoded grey image read as grey"
    import cv2

    grey = cv2.cvtColor(np.ascontiguousarray(rgb), cv2.COLOR_RGB2GRAY)
    return grey, "colour image converted to grey"


def _modality(ds: Dataset) -> tuple[float, float, LookupTable | None]:
    seq = ds.get("ModalityLUTSequence")
    if seq:
        lut = _lut_from_item(seq[0], "Modality LUT")
        if lut is not None:
            return 1.0, 0.0, lut
    slope = _float(ds, "RescaleSlope", 1.0)
    intercept = _float(ds, "RescaleIntercept", 0.0)
    if not math.isfinite(slope) or slope == 0:
        slope = 1.0
    if not math.isfinite(intercept):
        intercept = 0.0
    return slope, intercept, None


def _voi(ds: Dataset) -> tuple[tuple[WindowPreset, ...], tuple[LookupTable, ...]]:
    presets: list[WindowPreset] = []
    function = str(ds.get("VOILUTFunction", "LINEAR") or "LINEAR").strip().upper()
    if function not in ("LINEAR", "LINEAR_EXACT", "SIGMOID"):
        function = "LINEAR"
    centers = _multi_float(ds, "WindowCenter")
    widths = _multi_float(ds, "WindowWidth")
    explanations = _multi_text(ds, "WindowCenterWidthExplanation")
    for i, (c, w) in enumerate(zip(centers, widths, strict=False)):
        if not (math.isfinite(c) and math.isfinite(w)) or w <= 0:
            continue
        label = explanations[i] if i < len(explanations) and explanations[i] else ""
        label = label or ("File window" if len(centers) == 1 else f"File window {i + 1}")
        presets.append(WindowPreset(label, window=Window(c, w, function)))  # type: ignore[arg-type]
    luts: list[LookupTable] = []
    for item in ds.get("VOILUTSequence") or []:
        lut = _lut_from_item(item, f"VOI LUT {len(luts) + 1}")
        if lut is not None:
            presets.append(WindowPreset(lut.label, voi_lut_index=len(luts)))
            luts.append(lut)
    return tuple(presets), tuple(luts)


def _lut_from_item(item: Dataset, default_label: str) -> LookupTable | None:
    try:
        descriptor = [int(v) for v in item.LUTDescriptor]
        count = descriptor[0] or 65536
        first = descriptor[1]
        bits = descriptor[2]
        raw = item.LUTData
        if isinstance(raw, bytes):
            dtype = "<u2" if bits > 8 or len(raw) >= 2 * count else "u1"
            table = np.frombuffer(raw, dtype=dtype)[:count].astype(np.float32)
        else:
            table = np.asarray(raw, dtype=np.float32).ravel()[:count]
        if table.size == 0:
            return None
        bits = max(1, min(bits, 16))
        explanation = str(item.get("LUTExplanation", "") or "").strip()
        return LookupTable(first, table, bits, explanation or default_label)
    except (AttributeError, IndexError, TypeError, ValueError):
        return None


def _calibration(ds: Dataset) -> tuple[tuple[float, float] | None, Calibration]:
    for keyword, calibration in (
        ("PixelSpacing", "calibrated"),
        ("ImagerPixelSpacing", "detector"),
    ):
        spacing = _spacing(ds, keyword)
        if spacing is not None:
            return spacing, calibration  # type: ignore[return-value]
    return None, "none"


def _spacing(ds: Dataset, keyword: str) -> tuple[float, float] | None:
    values = _multi_float(ds, keyword)
    if len(values) != 2:
        return None
    row, col = values
    if not all(math.isfinite(v) and 0 < v < 100 for v in (row, col)):
        return None
    return (row, col)


def _usable(image: XrayImage, window: Window) -> bool:
    """A file window is usable when it overlaps the bulk of the data at all."""
    from xraycompare.core.foreground import sample_pixels

    values = image.modality_values(sample_pixels(image.pixels, max_side=256))
    lo, hi = np.percentile(values, [1, 99])
    return window.high > lo and window.low < hi


def _transfer_syntax(ds: Dataset) -> UID | None:
    meta = getattr(ds, "file_meta", None)
    uid = meta.get("TransferSyntaxUID") if meta is not None else None
    return UID(str(uid)) if uid else None


def _sop_class_name(ds: Dataset) -> str | None:
    uid = ds.get("SOPClassUID")
    if not uid:
        return None
    try:
        return UID(str(uid)).name
    except Exception:
        return str(uid)


def _int(ds: Dataset, keyword: str, default: int = 0) -> int:
    try:
        value = ds.get(keyword, default)
        return int(value) if value not in (None, "") else default
    except (TypeError, ValueError):
        return default


def _float(ds: Dataset, keyword: str, default: float) -> float:
    try:
        value = ds.get(keyword, default)
        return float(value) if value not in (None, "") else default
    except (TypeError, ValueError):
        return default


def _multi_float(ds: Dataset, keyword: str) -> list[float]:
    try:
        value: Any = ds.get(keyword)
    except Exception:
        return []
    if value is None or value == "":
        return []
    items = (
        list(value) if isinstance(value, list | tuple | pydicom.multival.MultiValue) else [value]
    )
    out = []
    for item in items:
        try:
            out.append(float(item))
        except (TypeError, ValueError):
            return []
    return out


def _multi_text(ds: Dataset, keyword: str) -> list[str]:
    value = ds.get(keyword)
    if value is None:
        return []
    if isinstance(value, list | tuple | pydicom.multival.MultiValue):
        return [str(v).strip() for v in value]
    return [str(value).strip()]


def _text(ds: Dataset, keyword: str) -> str | None:
    try:
        value = ds.get(keyword)
    except Exception:
        return None
    text = str(value).strip() if value is not None else ""
    return text or None


def _short(exc: BaseException) -> str:
    """One readable line from an exception; pydicom's "all plugins failed" puts it second."""
    lines = [line.strip() for line in str(exc).strip().splitlines() if line.strip()]
    if not lines:
        return type(exc).__name__
    text = lines[1] if len(lines) > 1 and lines[0].endswith(":") else lines[0]
    return text[:240]
