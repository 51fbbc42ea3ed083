"""DICOM radiographs (CR, DX, DR, secondary capture) -> XrayImage, through pydicom.

Compressed transfer syntaxes are decoded by pydicom's plugins: pylibjpeg-libjpeg (JPEG
baseline/extended/lossless, JPEG-LS), pylibjpeg-openjpeg (JPEG 2000, HTJ2K) and pydicom's
own RLE. Only the first frame of a multi-frame file is decoded. Every failure, including
the many exception types pydicom raises on corrupt headers, becomes an ImageLoadError.

Nothing is decoded before its cost is known: Rows, Columns and the sample type must fit
the memory budget (:mod:`.pixels`), a compressed frame's own header must agree with them
(:mod:`.frames`), and deflated data sets are inflated with a cap.
"""

from __future__ import annotations

import io
import re
from dataclasses import replace
from pathlib import Path

import numpy as np
import pydicom
from pydicom.dataset import Dataset
from pydicom.uid import UID

from xraycompare.core.io import dicom_tags as tags
from xraycompare.core.io.codestream import stream_header
from xraycompare.core.io.display import auto_window
from xraycompare.core.io.frames import check_frame, check_rle_frame
from xraycompare.core.io.image import ImageInfo, ImageLoadError, PatientIdentity, Window, XrayImage
from xraycompare.core.io.pixels import check_budget, pack_uint16

_DEFLATED = "1.2.840.10008.1.2.1.99"
MAX_INFLATED_BYTES = 256 * 1024**2  # a deflated data set: a film's pixels (a 8000² film is 128 MB)
_JPEG_FAMILY = "1.2.840.10008.1.2.4."  # JPEG, JPEG-LS, JPEG 2000, HTJ2K (and video: no decoder)
_RLE = "1.2.840.10008.1.2.5"


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
    try:
        return _load(path, data, content_hash)
    except ImageLoadError:
        raise
    except MemoryError as exc:
        raise ImageLoadError(path, "the image is too large to decode") from exc
    except Exception as exc:  # corrupt values surface lazily, as many exception types
        raise ImageLoadError(path, f"corrupt DICOM data ({_short(exc)})") from exc


def _load(path: Path, data: bytes, content_hash: str) -> XrayImage:
    _check_inflated_size(path, data)
    try:
        ds = pydicom.dcmread(io.BytesIO(data), force=True)
    except Exception as exc:
        raise ImageLoadError(path, f"not a readable DICOM file ({_short(exc)})") from exc
    if "PixelData" not in ds and "FloatPixelData" not in ds:
        raise ImageLoadError(path, "the DICOM file holds no image (no Pixel Data; truncated?)")
    rows, cols = tags.int_value(ds, "Rows"), tags.int_value(ds, "Columns")
    frames = max(1, tags.int_value(ds, "NumberOfFrames", 1))
    if rows <= 0 or cols <= 0:
        raise ImageLoadError(path, f"invalid image size {rows}×{cols} in the header")
    samples = tags.int_value(ds, "SamplesPerPixel", 1)
    if samples not in (1, 3):
        raise ImageLoadError(path, f"unsupported samples per pixel: {samples}")
    allocated = tags.int_value(ds, "BitsAllocated", 16)
    if "FloatPixelData" in ds or "DoubleFloatPixelData" in ds:
        allocated = 64 if "DoubleFloatPixelData" in ds else 32
    itemsize = 1 if allocated <= 8 else 2 if allocated <= 16 else 4 if allocated <= 32 else 8
    check_budget(path, cols, rows, samples=samples, itemsize=itemsize, exact=itemsize <= 2)

    syntax = _transfer_syntax(ds)
    _check_decoder(path, syntax)
    if syntax is not None and syntax.is_encapsulated:
        _check_first_frame(
            path, ds, syntax, frames, rows=rows, columns=cols, samples=samples, bits=allocated
        )
    decoded = _decode_first_frame(path, ds, syntax)
    notices: list[str] = []
    if frames > 1:
        notices.append(f"multi-frame file ({frames} frames): showing the first frame")

    photometric = (tags.text_value(ds, "PhotometricInterpretation") or "MONOCHROME2").upper()
    if decoded.ndim == 2 and photometric == "PALETTE COLOR":
        decoded = _apply_palette(path, ds, decoded)
    if decoded.ndim == 3:
        decoded, note = _colour_to_grey(decoded)
        notices.append(note)
        photometric = "MONOCHROME2"
    elif photometric not in ("MONOCHROME1", "MONOCHROME2"):
        notices.append(f"photometric {photometric} read as MONOCHROME2")
        photometric = "MONOCHROME2"

    pixels, pack_slope, pack_intercept = _stored_dtype(path, decoded)
    if pack_slope != 1.0 or pack_intercept != 0.0:
        notices.append("values beyond 16 bits were scaled into 16 bits")
    bits_stored = _bits_stored(ds, pixels, packed=pack_slope != 1.0 or pack_intercept != 0.0)
    slope, intercept, modality_lut = tags.modality_transform(ds)
    if modality_lut is None:  # the packing transform composes with the file's rescale
        slope, intercept = slope * pack_slope, slope * pack_intercept + intercept
    presets, voi_luts = tags.voi_presets(ds)
    shape_name = (tags.text_value(ds, "PresentationLUTShape") or "").upper()
    # MONOCHROME1 with INVERSE is one inversion, not two (DX IODs require exactly that pair).
    invert = photometric == "MONOCHROME1" or shape_name == "INVERSE"
    spacing, calibration = tags.calibration(ds)

    image = XrayImage(
        pixels=pixels,
        bits_stored=bits_stored,
        photometric=photometric,
        invert=invert,
        default_window=Window(0.5, 1.0),  # replaced below
        default_window_source="file",
        info=_info(ds, syntax, frames),
        source=path,
        content_hash=content_hash,
        rescale_slope=slope,
        rescale_intercept=intercept,
        modality_lut=modality_lut,
        voi_luts=voi_luts,
        presets=presets,
        spacing_mm=spacing,
        calibration=calibration,
        identity=_identity(ds),
        notices=tuple(notices),
    )
    return _with_default_window(image)


def _with_default_window(image: XrayImage) -> XrayImage:
    """The file's first usable window, else its first VOI LUT, else percentiles in the hand."""
    notices = list(image.notices)
    windows = [preset.window for preset in image.presets if preset.window is not None]
    for window in windows:
        if _usable(image, window):
            return replace(image, default_window=window, default_window_source="file")
    if windows:
        notices.append("the file's window does not fit the data: not used as the default")
    if image.voi_luts:
        # The table is the default; its window approximation is where window drags start.
        return replace(
            image,
            default_window=_lut_window(image),
            default_window_source="file",
            default_voi_lut_index=0,
            notices=tuple(notices),
        )
    return replace(
        image,
        default_window=auto_window(image),
        default_window_source="auto",
        notices=tuple(notices),
    )


def _lut_window(image: XrayImage) -> Window:
    """The linear window spanning the inputs where the first VOI LUT climbs 1 %..99 %."""
    lut = image.voi_luts[0]
    table = lut.table
    lo, hi = float(table.min()), float(table.max())
    if not hi > lo:
        return auto_window(image)
    rising = table[-1] >= table[0]
    ordered = np.maximum.accumulate(table if rising else table[::-1])  # searchable if wavy
    i0 = int(np.searchsorted(ordered, lo + 0.01 * (hi - lo)))
    i1 = int(np.searchsorted(ordered, lo + 0.99 * (hi - lo)))
    if not rising:
        i0, i1 = len(table) - 1 - i1, len(table) - 1 - i0
    start, stop = lut.first_mapped + min(i0, i1), lut.first_mapped + max(i0, i1)
    return Window(center=(start + stop) / 2, width=max(1.0, float(stop - start)))


def _check_decoder(path: Path, syntax: UID | None) -> None:
    """Refuse a transfer syntax no installed plugin decodes, before touching the pixels."""
    if syntax is None:
        return  # no file meta: pydicom guesses (implicit VR little endian)
    from pydicom.pixels import get_decoder

    try:
        decoder = get_decoder(syntax)
    except NotImplementedError:
        raise ImageLoadError(path, f"unsupported transfer syntax {_syntax_label(syntax)}") from None
    if not decoder.is_available:
        raise ImageLoadError(
            path,
            f"no decoder installed for {_syntax_label(syntax)} "
            "(install pylibjpeg, pylibjpeg-libjpeg and pylibjpeg-openjpeg)",
        )


def _check_inflated_size(path: Path, data: bytes) -> None:
    """A deflated data set is inflated in full by pydicom: count its size first, capped."""
    import struct
    import zlib

    if data[128:132] != b"DICM" or data[132:136] != b"\x02\x00\x00\x00":
        return  # no file meta group length: pydicom reads (or refuses) such files itself
    (group_length,) = struct.unpack_from("<I", data, 140)
    start = 144 + group_length
    if _DEFLATED.encode() not in data[144:start]:
        return
    inflate = zlib.decompressobj(-zlib.MAX_WBITS)
    size, rest = 0, data[start:]
    try:
        while rest and size <= MAX_INFLATED_BYTES:
            size += len(inflate.decompress(rest, 1 << 24))
            rest = inflate.unconsumed_tail
    except zlib.error as exc:
        raise ImageLoadError(path, f"the deflated DICOM data are corrupt ({exc})") from exc
    if size > MAX_INFLATED_BYTES:
        raise ImageLoadError(
            path, f"the deflated DICOM data inflate to more than {MAX_INFLATED_BYTES >> 20} MB, "
            "far more than any film",
        )  # fmt: skip


def _check_first_frame(
    path: Path,
    ds: Dataset,
    syntax: UID,
    frames: int,
    *,
    rows: int,
    columns: int,
    samples: int,
    bits: int,
) -> None:
    """Read the first compressed frame's own header and refuse it when it disagrees with
    the DICOM header or asks for more work than any film (:mod:`.frames`)."""
    from pydicom.encaps import get_frame

    jpeg = str(syntax).startswith(_JPEG_FAMILY)
    if not jpeg and str(syntax) != _RLE:
        return  # deflate is checked before reading; other syntaxes have no decoder
    try:
        frame = get_frame(ds.PixelData, 0, number_of_frames=frames)
    except Exception as exc:
        reason = f"the compressed pixel data are corrupt (no first frame: {_short(exc)})"
        raise ImageLoadError(path, reason) from exc
    if jpeg:
        header = stream_header(frame)
        problem = check_frame(header, rows=rows, columns=columns, samples=samples)
    else:
        problem = check_rle_frame(
            frame, rows=rows, columns=columns, samples=samples, bits_allocated=bits
        )
    if problem:
        raise ImageLoadError(path, f"frame 1 of {frames}: {problem}" if frames > 1 else problem)


def _decode_first_frame(path: Path, ds: Dataset, syntax: UID | None) -> np.ndarray:
    from pydicom.pixels import pixel_array

    try:
        arr = pixel_array(ds, index=0)
    except NotImplementedError as exc:
        raise ImageLoadError(
            path, f"this kind of pixel data is not supported ({_short(exc)})"
        ) from exc
    except (MemoryError, OverflowError) as exc:
        raise ImageLoadError(path, "the image is too large to decode") from exc
    except Exception as exc:
        kind = f"{_codec_name(syntax)} " if syntax else ""
        raise ImageLoadError(
            path, f"the {kind}pixel data cannot be decoded: {_decoder_reason(exc)}"
        ) from exc
    if arr.ndim == 3 and arr.shape[-1] not in (3, 4):
        arr = arr[0]  # some handlers ignore index for single-frame-in-3D layouts
    if arr.ndim not in (2, 3) or arr.size == 0:
        raise ImageLoadError(path, f"decoded pixel data has an unexpected shape {arr.shape}")
    return arr


def _stored_dtype(path: Path, pixels: np.ndarray) -> tuple[np.ndarray, float, float]:
    """Integer stored values in uint8, uint16 or int16, plus the packing (slope, intercept).

    Data that fit keep their values (slope 1, intercept 0). Float data and 32-bit data
    beyond 16 bits are scaled into uint16; ``value = stored * slope + intercept`` recovers
    them, so the file's rescale and windows still apply.
    """
    if pixels.dtype in (np.uint8, np.uint16, np.int16):
        return np.ascontiguousarray(pixels), 1.0, 0.0
    if pixels.dtype == np.int8:
        return pixels.astype(np.int16), 1.0, 0.0
    if pixels.dtype.kind in "iu":
        lo, hi = int(pixels.min()), int(pixels.max())
        if lo >= 0 and hi <= 65535:
            return pixels.astype(np.uint16), 1.0, 0.0
        if lo >= -32768 and hi <= 32767:
            return pixels.astype(np.int16), 1.0, 0.0
    return pack_uint16(path, pixels)


def _bits_stored(ds: Dataset, pixels: np.ndarray, *, packed: bool) -> int:
    """BitsStored, clamped to the stored dtype and widened if the data exceed it."""
    width = 8 * pixels.dtype.itemsize
    bits = width if packed else tags.int_value(ds, "BitsStored", width)
    bits = max(1, min(bits, width))
    lo, hi = int(pixels.min()), int(pixels.max())
    needed = max(hi.bit_length(), (-lo - 1).bit_length()) + (1 if lo < 0 else 0)
    return max(bits, min(needed, width))


def _colour_to_grey(pixels: np.ndarray) -> tuple[np.ndarray, str]:
    rgb = np.ascontiguousarray(pixels[..., :3])
    if np.array_equal(rgb[..., 0], rgb[..., 1]) and np.array_equal(rgb[..., 1], rgb[..., 2]):
        return np.ascontiguousarray(rgb[..., 0]), "RGB-encoded grey image read as grey"
    import cv2

    if rgb.dtype not in (np.uint8, np.uint16):
        rgb = np.clip(rgb, 0, 65535).astype(np.uint16)
    return cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY), "colour image converted to grey"


def _apply_palette(path: Path, ds: Dataset, indices: np.ndarray) -> np.ndarray:
    from pydicom.pixels import apply_color_lut

    try:
        return apply_color_lut(indices, ds)
    except Exception as exc:
        raise ImageLoadError(path, f"the colour palette cannot be read ({_short(exc)})") from exc


def _usable(image: XrayImage, window: Window) -> bool:
    """A file window is usable when it overlaps the bulk of the data at all."""
    step = max(1, max(image.shape) // 256)
    values = image.modality_values(image.pixels[::step, ::step])
    lo, hi = np.percentile(values, [1, 99])
    return window.high > lo and window.low < hi


def _info(ds: Dataset, syntax: UID | None, frames: int) -> ImageInfo:
    return ImageInfo(
        format="DICOM",
        modality=tags.text_value(ds, "Modality"),
        body_part=tags.text_value(ds, "BodyPartExamined"),
        laterality=tags.text_value(ds, "ImageLaterality") or tags.text_value(ds, "Laterality"),
        view_position=tags.text_value(ds, "ViewPosition"),
        manufacturer=tags.text_value(ds, "Manufacturer"),
        transfer_syntax=_syntax_label(syntax) if syntax else None,
        transfer_syntax_uid=str(syntax) if syntax else None,
        sop_class=_sop_class_name(ds),
        number_of_frames=frames,
    )


def _identity(ds: Dataset) -> PatientIdentity:
    return PatientIdentity(
        name=tags.text_value(ds, "PatientName"),
        patient_id=tags.text_value(ds, "PatientID"),
        birth_date=tags.text_value(ds, "PatientBirthDate"),
        accession_number=tags.text_value(ds, "AccessionNumber"),
        study_date=tags.text_value(ds, "StudyDate"),
    )


def _transfer_syntax(ds: Dataset) -> UID | None:
    """The file's transfer syntax; for files without file meta, the encoding pydicom read.

    The pixel decoders need the UID, so it is also set on ``ds.file_meta`` when inferred.
    """
    from pydicom.dataset import FileMetaDataset
    from pydicom.uid import ExplicitVRBigEndian, ExplicitVRLittleEndian, ImplicitVRLittleEndian

    meta = getattr(ds, "file_meta", None)
    uid = tags.get_value(meta, "TransferSyntaxUID") if meta is not None else None
    if uid:
        return UID(str(uid).strip("\x00 "))
    implicit, little = getattr(ds, "original_encoding", (None, None))
    if implicit is None:
        return None
    inferred = (
        ImplicitVRLittleEndian
        if implicit
        else (ExplicitVRLittleEndian if little else ExplicitVRBigEndian)
    )
    if meta is None:
        ds.file_meta = meta = FileMetaDataset()
    meta.TransferSyntaxUID = inferred
    return inferred


def _syntax_label(syntax: UID) -> str:
    """The syntax's name, or its UID (printable characters only) when pydicom does not know it."""
    name = syntax.name
    if name and name != str(syntax):
        return name
    return "".join(ch if ch.isprintable() else "?" for ch in str(syntax))[:64]


def _sop_class_name(ds: Dataset) -> str | None:
    uid = tags.text_value(ds, "SOPClassUID")
    if not uid:
        return None
    try:
        return UID(uid).name
    except Exception:
        return uid


def _codec_name(syntax: UID) -> str:
    """The compression a reader knows by name ("JPEG 2000", "JPEG-LS", ...)."""
    uid = str(syntax)
    for prefix, name in _CODECS:
        if uid.startswith(prefix):
            return name
    return "compressed" if syntax.is_encapsulated else "uncompressed"


_CODECS = (  # most specific first
    ("1.2.840.10008.1.2.4.8", "JPEG-LS"),
    ("1.2.840.10008.1.2.4.9", "JPEG 2000"),
    ("1.2.840.10008.1.2.4.20", "HTJ2K"),
    ("1.2.840.10008.1.2.4.50", "JPEG Baseline"),
    ("1.2.840.10008.1.2.4.51", "JPEG Extended"),
    ("1.2.840.10008.1.2.4.57", "JPEG Lossless"),
    ("1.2.840.10008.1.2.4.70", "JPEG Lossless"),
    ("1.2.840.10008.1.2.5", "RLE"),
)


def _decoder_reason(exc: BaseException) -> str:
    """What a decoder plugin said, without pydicom's "all plugins failed" wrapping,
    plugin-name prefixes ("pylibjpeg: ...") and library error codes; a plain phrase when
    it said nothing."""
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    if len(lines) > 1 and lines[0].endswith(":"):
        lines = lines[1:]
    for line in lines:
        text = line.split(":", 1)[1].strip() if line.split(":", 1)[0] in _PLUGINS else line
        text = _LIBRARY_NOISE.sub("", text).strip(" :.-")
        for pattern, plain in _PYDICOM_PLAIN:
            found = pattern.search(text)
            if found:
                return plain(*found.groups())
        if text:
            return text[0].lower() + text[1:240] if text[1:2].islower() else text[:240]
    return "the compressed data are corrupt"


def _cut_short(have: str, need: str) -> str:
    return (
        f"the pixel data are cut short: {int(have):,} bytes where the DICOM header (size, "
        f"bits, frames) implies {int(need):,} (the file is truncated, or its header is wrong)"
    )


# pydicom's reasons that name tags by number, in words
_PYDICOM_PLAIN = (
    (
        re.compile(r"number of bytes of pixel data is less than expected \((\d+) vs (\d+) bytes"),
        _cut_short,
    ),
    (
        re.compile(r"'([^']+)' value of '([^']*)' is invalid, it must be (.+)$"),
        lambda name, value, rule: (
            f"{name} is {value or 'empty'} in the DICOM header, but it must be {rule}"
        ),
    ),
    (
        re.compile(r"missing required element: \(\w{4},\w{4}\) '([^']+)'", re.IGNORECASE),
        lambda name: f"the DICOM header lacks {name}, which these pixel data need",
    ),
)


# "libjpeg error code '-1038' returned from Decode(): ", "Error decoding the J2K data: "
_LIBRARY_NOISE = re.compile(
    r"^(?:lib\w+ error code '[-\d]+' returned from \w+\(\)\s*:?\s*"
    r"|error decoding the (?:j2k|jpeg 2000|jpeg-ls|jpeg) data\s*:?\s*)+",
    re.IGNORECASE,
)
_PLUGINS = ("pylibjpeg", "gdcm", "pillow", "pyjpegls", "pydicom")


def _short(exc: BaseException) -> str:
    """One readable line from an exception; pydicom's "all plugins failed" puts it second."""
    lines = [line.strip() for line in str(exc).strip().splitlines() if line.strip()]
    if not lines:
        return type(exc).__name__
    text = lines[1] if len(lines) > 1 and lines[0].endswith(":") else lines[0]
    return text[:240]
