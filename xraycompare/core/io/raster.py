"""PNG, JPEG, TIFF and BMP radiographs -> XrayImage, through OpenCV (Pillow as fallback).

OpenCV keeps 16-bit depth (IMREAD_ANYDEPTH) and applies the EXIF orientation (only
IMREAD_UNCHANGED ignores it); multi-page TIFFs decode their first page. The header is read
first (tifffile for TIFF, Pillow for the others) so that an absurd size, or one whose
decoding and conversion would need more memory than any radiograph (:mod:`.pixels`), is
refused before anything is allocated. Pillow and tifffile decode what OpenCV cannot
(unusual TIFF layouts, 64-bit float TIFFs), with the orientation applied too.
"""

from __future__ import annotations

import io
from dataclasses import replace
from pathlib import Path

import cv2
import numpy as np

from xraycompare.core.io.codestream import (
    MAX_SEGMENTS,
    jpeg_header,
    png_chunks_before_data,
    too_much_work,
)
from xraycompare.core.io.display import auto_window
from xraycompare.core.io.image import ImageInfo, ImageLoadError, Window, XrayImage
from xraycompare.core.io.pixels import check_budget, pack_uint16

MAX_PAGES_COUNTED = 1000  # a TIFF's pages are counted up to this (a crafted IFD chain is long)

_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", "PNG"),
    (b"\xff\xd8\xff", "JPEG"),
    (b"II*\x00", "TIFF"),
    (b"MM\x00*", "TIFF"),
    (b"II+\x00", "TIFF"),  # BigTIFF
    (b"MM\x00+", "TIFF"),
    (b"BM", "BMP"),
)


def sniff_format(head: bytes) -> str | None:
    """The raster format named by a file's magic bytes, or None."""
    for magic, name in _SIGNATURES:
        if head.startswith(magic):
            return name
    return None


def load_raster(path: Path, data: bytes, content_hash: str, fmt: str) -> XrayImage:
    """Decode a raster file already in memory into an XrayImage.

    Parameters
    ----------
    path
        Where it came from (for messages and ``source``).
    data
        The file's bytes.
    content_hash
        SHA-256 of ``data``.
    fmt
        ``"PNG"``, ``"JPEG"``, ``"TIFF"`` or ``"BMP"`` (from :func:`sniff_format`).

    Raises
    ------
    ImageLoadError
        Truncated, corrupt or absurdly large files.
    """
    _check_structure(path, data, fmt)
    check = _check_tiff if fmt == "TIFF" else _check_header
    pages, planar_tiff = check(path, data, fmt)
    if fmt == "JPEG" and _looks_truncated_jpeg(data):
        # libjpeg pads a cut stream with grey and reports success: refuse it instead.
        raise ImageLoadError(path, "the JPEG file is truncated (no end-of-image marker)")
    decoded = None if planar_tiff else _decode_opencv(data)
    if decoded is None:
        decoded = _decode_tifffile(path, data) if fmt == "TIFF" else _decode_pillow(path, data, fmt)
    notices: list[str] = []
    if pages > 1:
        kind = "multi-page TIFF" if fmt == "TIFF" else f"multi-frame {fmt}"
        notices.append(f"{kind} ({pages} pages): showing the first page")
    pixels, note = _to_grey(decoded)
    if note:
        notices.append(note)
    pixels, bits = _to_stored(path, pixels)
    image = XrayImage(
        pixels=pixels,
        bits_stored=bits,
        photometric="MONOCHROME2",
        invert=False,
        default_window=Window(0.5, 1.0),  # replaced below
        default_window_source="auto",
        info=ImageInfo(format=fmt),
        source=path,
        content_hash=content_hash,
        notices=tuple(notices),
    )
    return replace(image, default_window=auto_window(image))


def _check_structure(path: Path, data: bytes, fmt: str) -> None:
    """Refuse JPEG and PNG files whose structure alone would take minutes to read (millions
    of segments or chunks, thousands of progressive scans), before any reader walks it."""
    problem = None
    if fmt == "JPEG":
        stream = jpeg_header(data)
        problem = too_much_work(stream) if stream is not None else None
    elif fmt == "PNG" and png_chunks_before_data(data) > MAX_SEGMENTS:
        problem = (
            f"the PNG file holds more than {MAX_SEGMENTS:,} chunks before its image (files "
            "have a few): reading them would take minutes, so the file is refused"
        )
    if problem:
        raise ImageLoadError(path, problem)


def _check_header(path: Path, data: bytes, fmt: str) -> tuple[int, bool]:
    """Refuse corrupt headers and absurd sizes before decoding.

    Returns the page count, and whether the file is a TIFF with its colour channels in
    separate planes (PlanarConfiguration 2), which OpenCV decodes into noise.
    """
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data)) as header:
            width, height = header.size
            try:
                pages = int(getattr(header, "n_frames", 1) or 1)
            except Exception:  # a broken later page still leaves the first one
                pages = 1
            samples, itemsize = _pillow_samples(header.mode, data, fmt)
    except UnidentifiedImageError as exc:
        raise ImageLoadError(path, f"the {fmt} header is corrupt or unsupported") from exc
    except Image.DecompressionBombError as exc:
        raise ImageLoadError(path, "absurd image size in the header") from exc
    except Exception as exc:  # Pillow raises OSError, ValueError, SyntaxError, struct.error
        raise ImageLoadError(path, f"the {fmt} header is corrupt ({_short(exc)})") from exc
    check_budget(path, width, height, samples=samples, itemsize=itemsize, exact=itemsize <= 2)
    return pages, False


def _pillow_samples(mode: str, data: bytes, fmt: str) -> tuple[int, int]:
    """Samples per pixel and bytes per sample that decoding gives, from Pillow's mode."""
    if fmt == "PNG" and len(data) >= 26:  # Pillow reads 16-bit colour PNGs as 8-bit modes
        depth, colour = data[24], data[25]
        samples = {0: 1, 2: 3, 3: 3, 4: 2, 6: 4}.get(colour, 4)
        return samples, 2 if depth == 16 else 1
    bands = {"1": 1, "L": 1, "P": 3, "I;16": 1, "I;16B": 1, "I": 1, "F": 1, "LA": 2, "PA": 4}
    sizes = {"I;16": 2, "I;16B": 2, "I": 4, "F": 4}
    return bands.get(mode, len(mode) if mode.isalpha() else 4), sizes.get(mode, 1)


def _check_tiff(path: Path, data: bytes, fmt: str = "TIFF") -> tuple[int, bool]:
    """A TIFF's first page from its own tags (any sample type, 64-bit floats included):
    the page count, and whether its colour channels lie in separate planes."""
    import tifffile

    try:
        with tifffile.TiffFile(io.BytesIO(data)) as tiff:
            page = tiff.pages.first
            height, width = int(page.imagelength), int(page.imagewidth)
            samples, dtype = int(page.samplesperpixel), page.dtype
            planar = samples > 1 and int(page.planarconfig) == 2
            pages = 0
            for _ in tiff.pages:
                pages += 1
                if pages >= MAX_PAGES_COUNTED:
                    break
    except Exception as exc:
        raise ImageLoadError(path, f"the TIFF header is corrupt ({_short(exc)})") from exc
    if dtype is None or dtype.kind not in "uifb" or dtype.itemsize > 8:
        raise ImageLoadError(path, f"unsupported TIFF sample format ({_tiff_sample(page)})")
    exact = dtype in (np.uint8, np.uint16, np.int16)
    check_budget(path, width, height, samples=samples, itemsize=dtype.itemsize, exact=exact)
    return max(1, pages), planar


def _tiff_sample(page) -> str:
    try:
        return f"{page.bitspersample}-bit {page.sampleformat.name.lower()}"
    except Exception:
        return "unknown"


def _decode_opencv(data: bytes) -> np.ndarray | None:
    buffer = np.frombuffer(data, dtype=np.uint8)
    try:
        decoded = cv2.imdecode(buffer, cv2.IMREAD_ANYDEPTH | cv2.IMREAD_ANYCOLOR)
    except cv2.error:
        return None
    if decoded is None or decoded.size == 0 or decoded.ndim not in (2, 3):
        return None
    return decoded


def _decode_tifffile(path: Path, data: bytes) -> np.ndarray:
    """The first page of a TIFF OpenCV cannot read (separate colour planes, 64-bit floats)
    as (H, W) or (H, W, C) in BGR order."""
    import tifffile

    try:
        with tifffile.TiffFile(io.BytesIO(data)) as tiff:
            page = tiff.pages[0]
            array = page.asarray()
            orientation = int(page.tags.valueof(274, 1) or 1)
    except MemoryError as exc:
        raise ImageLoadError(path, "the image is too large to decode") from exc
    except Exception as exc:
        reason = f"the TIFF file is truncated or corrupt ({_short(exc)})"
        raise ImageLoadError(path, reason) from exc
    if array.ndim not in (2, 3) or array.size == 0:
        raise ImageLoadError(path, f"the TIFF's first page has an unusable shape {array.shape}")
    if array.ndim == 3 and array.shape[0] in (3, 4) and array.shape[-1] not in (3, 4):
        array = np.moveaxis(array, 0, -1)  # (C, H, W) -> (H, W, C)
    if array.ndim == 3:
        array = np.ascontiguousarray(array[..., 2::-1])
    return _orient(array, orientation)


def _orient(array: np.ndarray, orientation: int) -> np.ndarray:
    """Apply a TIFF/EXIF Orientation value (1-8) so the image shows upright."""
    ops = {
        2: lambda a: a[:, ::-1],
        3: lambda a: a[::-1, ::-1],
        4: lambda a: a[::-1],
        5: lambda a: np.swapaxes(a, 0, 1),
        6: lambda a: np.rot90(a, -1),
        7: lambda a: np.swapaxes(a[::-1, ::-1], 0, 1),
        8: lambda a: np.rot90(a, 1),
    }
    op = ops.get(orientation)
    return np.ascontiguousarray(op(array)) if op else array


def _decode_pillow(path: Path, data: bytes, fmt: str) -> np.ndarray:
    """What OpenCV refused, through Pillow (BGR channel order like OpenCV)."""
    from PIL import Image, ImageOps

    try:
        with Image.open(io.BytesIO(data)) as image:
            image = ImageOps.exif_transpose(image)
            if image.mode in ("1", "P", "PA", "LA", "CMYK", "YCbCr", "LAB", "HSV"):
                image = image.convert("RGB" if image.mode in ("P", "PA", "CMYK") else "L")
            if image.mode.startswith("I;16"):
                image = image.convert("I")
            array = np.asarray(image)
    except Exception as exc:
        raise ImageLoadError(path, f"the {fmt} file is truncated or corrupt") from exc
    if array.ndim == 3:
        array = np.ascontiguousarray(array[..., 2::-1])
    if array.size == 0 or array.ndim not in (2, 3):
        raise ImageLoadError(path, f"the {fmt} file holds no usable image")
    return array


def _to_grey(decoded: np.ndarray) -> tuple[np.ndarray, str | None]:
    if decoded.ndim == 2:
        return decoded, None
    if decoded.shape[2] == 1:
        return np.ascontiguousarray(decoded[..., 0]), None
    channels = np.ascontiguousarray(decoded[..., :3])
    b, g, r = channels[..., 0], channels[..., 1], channels[..., 2]
    if _same(b, g) and _same(g, r):
        return np.ascontiguousarray(g), None  # grey stored as RGB: nothing to tell
    if channels.dtype not in (np.uint8, np.uint16, np.float32):
        channels = channels.astype(np.float32)
    grey = cv2.cvtColor(channels, cv2.COLOR_BGR2GRAY)
    return grey, "colour image converted to grey"


def _same(a: np.ndarray, b: np.ndarray) -> bool:
    """Equal channels, allowing the few grey levels that JPEG chroma rounding adds."""
    step = max(1, max(a.shape) // 1024)  # a sample decides as well as every pixel
    diff = np.abs(a[::step, ::step].astype(np.int64) - b[::step, ::step].astype(np.int64))
    tolerance = 3 if a.dtype == np.uint8 else 3 * 257
    return bool(np.percentile(diff, 99.5) <= tolerance)


def _to_stored(path: Path, pixels: np.ndarray) -> tuple[np.ndarray, int]:
    if pixels.dtype == np.uint8:
        return pixels, 8
    if pixels.dtype == np.uint16:
        top = int(pixels.max())
        bits = max(8, min(16, top.bit_length()))  # a 12-bit film in a 16-bit PNG stays 12-bit
        return pixels, bits
    if pixels.dtype == np.int16:
        return pixels, 16
    if pixels.dtype.kind in "iu":
        lo, hi = int(pixels.min()), int(pixels.max())
        if lo >= 0 and hi <= 65535:
            return _to_stored(path, pixels.astype(np.uint16))
    # Float or wide integer data: scale into 16 bits (beyond any film's contrast).
    return pack_uint16(path, pixels)[0], 16


def _looks_truncated_jpeg(data: bytes) -> bool:
    return b"\xff\xd9" not in data[-4096:]


# decoder messages a reader cannot act on, in plain words (matched in lower case)
_PLAIN = (
    ("truncated", "the file ends early: it was cut off while copying or saving"),
    ("broken data stream", "its picture data is damaged"),
    ("unexpected end", "the file ends early: it was cut off while copying or saving"),
    ("not enough image data", "the file ends early: it was cut off while copying or saving"),
    ("bad huffman", "its picture data is damaged"),
    ("premature end", "the file ends early: it was cut off while copying or saving"),
)


def _short(exc: BaseException) -> str:
    """The decoder's reason in plain words when it is a known one, else its first line."""
    text = str(exc).strip().splitlines()
    first = text[0][:200] if text else type(exc).__name__
    for clue, plain in _PLAIN:
        if clue in first.lower():
            return plain
    return first


def encode_png(pixels: np.ndarray) -> bytes:
    """An 8- or 16-bit grey (H, W) or RGB (H, W, 3) array as PNG file bytes.

    Raises
    ------
    ValueError
        The array cannot be a PNG (wrong shape or type).
    """
    array = np.ascontiguousarray(pixels)
    if array.ndim == 3 and array.shape[2] == 3:
        array = np.ascontiguousarray(array[..., ::-1])  # OpenCV writes BGR
    elif array.ndim != 2:
        raise ValueError(f"cannot write an array of shape {array.shape} as PNG")
    if array.dtype not in (np.uint8, np.uint16):
        raise ValueError(f"cannot write {array.dtype} pixels as PNG")
    ok, encoded = cv2.imencode(".png", array)
    if not ok:
        raise ValueError("PNG encoding failed")
    return encoded.tobytes()
