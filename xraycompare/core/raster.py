"""PNG, JPEG, TIFF and BMP radiographs -> XrayImage, through OpenCV.

OpenCV keeps 16-bit depth (IMREAD_ANYDEPTH) and applies the EXIF orientation (only
IMREAD_UNCHANGED ignores it); multi-page TIFFs decode their first page. Pillow reads the
header first so that an absurd size is refused before any memory is allocated.
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from xraycompare.core.imaging import (
    ImageInfo,
    ImageLoadError,
    XrayImage,
    auto_window,
)

MAX_PIXELS = 200_000_000

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
    _check_header(path, data)
    if fmt == "JPEG" and _looks_truncated_jpeg(data):
        # libjpeg pads a cut stream with grey and reports success: refuse it instead.
        raise ImageLoadError(path, "the JPEG file is truncated (no end-of-image marker)")
    buffer = np.frombuffer(data, dtype=np.uint8)
    try:
        decoded = cv2.imdecode(buffer, cv2.IMREAD_ANYDEPTH | cv2.IMREAD_ANYCOLOR)
    except cv2.error as exc:
        raise ImageLoadError(path, f"the {fmt} data cannot be decoded ({exc.msg})") from exc
    if decoded is None or decoded.size == 0:
        raise ImageLoadError(path, f"the {fmt} file is truncated or corrupt")
    notices: list[str] = []
    pages = _page_count(buffer) if fmt == "TIFF" else 1
    if pages > 1:
        notices.append(f"multi-page TIFF ({pages} pages): showing the first page")
    pixels, note = _to_grey(decoded)
    if note:
        notices.append(note)
    pixels, bits = _to_stored(pixels)
    base = XrayImage(
        pixels=pixels,
        bits_stored=bits,
        photometric="MONOCHROME2",
        invert=False,
        default_window=_full_range_window(pixels),
        default_window_source="auto",
        info=ImageInfo(format=fmt),
        source=path,
        content_hash=content_hash,
        notices=tuple(notices),
    )
    from dataclasses import replace

    return replace(base, default_window=auto_window(base))


def _check_header(path: Path, data: bytes) -> None:
    import io
    import warnings

    from PIL import Image, UnidentifiedImageError

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with Image.open(io.BytesIO(data)) as header:
                width, height = header.size
    except UnidentifiedImageError as exc:
        raise ImageLoadError(path, "the image header is corrupt or unsupported") from exc
    except Image.DecompressionBombError as exc:
        raise ImageLoadError(path, "absurd image size in the header") from exc
    except (OSError, ValueError, SyntaxError) as exc:
        raise ImageLoadError(path, f"the image header is corrupt ({exc})") from exc
    if width <= 0 or height <= 0 or width * height > MAX_PIXELS:
        raise ImageLoadError(path, f"absurd image size {width}×{height} in the header")


def _page_count(buffer: np.ndarray) -> int:
    try:
        ok, pages = cv2.imdecodemulti(buffer, cv2.IMREAD_ANYDEPTH | cv2.IMREAD_ANYCOLOR)
    except cv2.error:
        return 1
    return len(pages) if ok else 1


def _to_grey(decoded: np.ndarray) -> tuple[np.ndarray, str | None]:
    if decoded.ndim == 2:
        return decoded, None
    channels = decoded[..., :3]
    b, g, r = channels[..., 0], channels[..., 1], channels[..., 2]
    if _same(b, g) and _same(g, r):
        return np.ascontiguousarray(g), None  # grey stored as RGB: nothing to tell
    grey = cv2.cvtColor(np.ascontiguousarray(channels), cv2.COLOR_BGR2GRAY)
    return grey, "colour image converted to grey"


def _same(a: np.ndarray, b: np.ndarray) -> bool:
    """Equal channels, allowing the few grey levels that JPEG chroma rounding adds."""
    diff = cv2.absdiff(a, b)
    tolerance = 3 if a.dtype == np.uint8 else 3 * 257
    return bool(np.percentile(diff, 99.5) <= tolerance)


def _to_stored(pixels: np.ndarray) -> tuple[np.ndarray, int]:
    if pixels.dtype == np.uint8:
        return pixels, 8
    if pixels.dtype == np.uint16:
        top = int(pixels.max())
        bits = max(8, min(16, top.bit_length()))  # a 12-bit film in a 16-bit PNG stays 12-bit
        return pixels, bits
    if pixels.dtype == np.int16:
        return pixels, 16
    lo, hi = float(np.nanmin(pixels)), float(np.nanmax(pixels))
    scale = 65535.0 / (hi - lo) if hi > lo else 1.0
    return np.rint((np.nan_to_num(pixels, nan=lo) - lo) * scale).astype(np.uint16), 16


def _full_range_window(pixels: np.ndarray):
    from xraycompare.core.imaging import Window

    top = float(np.iinfo(pixels.dtype).max) if pixels.dtype != np.int16 else 32767.0
    return Window(center=top / 2, width=top + 1)


def _looks_truncated_jpeg(data: bytes) -> bool:
    return b"\xff\xd9" not in data[-4096:]
