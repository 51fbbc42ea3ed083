"""What opening a film may cost, checked before decoding, and decoded values packed into
16 bits.

A small compressed file can decode to gigabytes (a 1 MB float32 TIFF of 13000²); the
conversions that follow (colour to grey, float to 16 bits) add copies of their own, and
once open, a film is worked on at full size (display pyramid, hand mask, float32 copies
in registration and comparison). Every loader states the size from the file's header
first and :func:`check_budget` refuses what would not fit, in words: so a hostile file is
refused in milliseconds with almost no memory, instead of after gigabytes.

The limit, :data:`MAX_WORK_BYTES` per film, admits films of about 100 megapixels (a
10 000 × 10 000 16-bit film; 120 megapixels at 8 bits): ten times a large CR or DR
detector (4300 × 3500), and more than a 14 × 17 inch film scanned at 600 dpi.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from xraycompare.core.io.image import ImageLoadError

MAX_SIDE = 65_535  # beyond any detector; also the largest JPEG or PNG side a decoder takes
MAX_PIXELS = 200_000_000
MAX_WORK_BYTES = 1280 * 1024**2  # per film: decoding it, or working on it once open
# Working on an open film, per pixel (measured with `register` and the window on 8-bit and
# 16-bit films, 15 to 160 megapixels a pair): the stored pixels, display pyramid, hand mask
# and the float32 copies of registration and comparison.
_FILM_BYTES_PER_PIXEL = 9  # plus twice the stored sample size
_ROWS_PER_BLOCK = 256  # packing float data works on blocks of rows: no full-size temporaries


def work_bytes(width: int, height: int, *, samples: int, itemsize: int, exact: bool) -> int:
    """Memory to decode and convert an image: decoded pixels, grey copy, 16-bit result.

    ``exact`` is True for uint8, uint16 and int16 samples, which are stored as they are;
    other types (float, 32-bit) are packed into 16 bits block by block. Decoders hold up
    to two copies of what they decode (OpenCV's TIFF reader measured at twice), so the
    decoded size counts twice.
    """
    pixels = width * height
    decoded = 2 * pixels * samples * itemsize
    grey = pixels * 4 if samples > 1 else 0  # the grey image (float32 at most)
    packed = 0 if exact else pixels * 3  # the uint16 result and the finite-value mask
    return decoded + grey + packed


def film_bytes(width: int, height: int, *, stored_itemsize: int) -> int:
    """Memory the app works with for one open film whose stored samples take
    ``stored_itemsize`` bytes (1 for 8-bit films, 2 for the rest, packed into 16 bits)."""
    return width * height * (_FILM_BYTES_PER_PIXEL + 2 * stored_itemsize)


def check_budget(
    path: Path, width: int, height: int, *, samples: int, itemsize: int, exact: bool
) -> None:
    """Refuse an image whose size, decoding cost or working cost no radiograph has,
    before decoding it.

    Raises
    ------
    ImageLoadError
        Empty or absurd dimensions, or more than :data:`MAX_WORK_BYTES` to decode it or to
        work on it once open.
    """
    if width <= 0 or height <= 0:
        raise ImageLoadError(path, f"invalid image size {width}×{height} in the header")
    if width > MAX_SIDE or height > MAX_SIDE or width * height > MAX_PIXELS:
        raise ImageLoadError(path, f"absurd image size {width}×{height} in the header")
    stored = 1 if itemsize == 1 else 2
    need = max(
        work_bytes(width, height, samples=samples, itemsize=itemsize, exact=exact),
        film_bytes(width, height, stored_itemsize=stored),
    )
    if need > MAX_WORK_BYTES:
        kind = f"{samples} × {8 * itemsize}-bit samples" if samples > 1 else f"{8 * itemsize}-bit"
        most = MAX_WORK_BYTES // film_bytes(1000, 1000, stored_itemsize=stored)
        raise ImageLoadError(
            path,
            f"too large to open: {width}×{height} pixels of {kind} data would need about "
            f"{need / 1024**3:.1f} GB of memory to open and compare (films of up to about "
            f"{most} megapixels open; radiographs have 5 to 30)",
        )


def pack_uint16(path: Path, values: np.ndarray) -> tuple[np.ndarray, float, float]:
    """Float or wide integer values scaled into uint16, with ``value = stored * slope +
    intercept``; non-finite values take the nearest end of the range.

    Works on blocks of rows, so the only full-size array made is the uint16 result.

    Raises
    ------
    ImageLoadError
        The values span a range no film has (beyond what float64 can subtract).
    """
    finite = np.isfinite(values) if values.dtype.kind == "f" else None
    if finite is not None and not finite.any():
        return np.zeros(values.shape, dtype=np.uint16), 1.0, 0.0
    if finite is None:
        lo, hi = float(values.min()), float(values.max())
    else:
        lo = float(np.min(values, where=finite, initial=np.inf))
        hi = float(np.max(values, where=finite, initial=-np.inf))
    span = hi - lo
    if not math.isfinite(span):
        raise ImageLoadError(path, f"pixel values span {lo:g} to {hi:g}: no film has that range")
    slope = span / 65535.0 if span > 0 else 1.0
    out = np.empty(values.shape, dtype=np.uint16)
    for start in range(0, values.shape[0], _ROWS_PER_BLOCK):
        block = values[start : start + _ROWS_PER_BLOCK].astype(np.float64)
        np.nan_to_num(block, copy=False, nan=lo, posinf=hi, neginf=lo)
        block -= lo
        block /= slope
        np.rint(block, out=block)
        np.clip(block, 0, 65535, out=block)
        out[start : start + _ROWS_PER_BLOCK] = block
    return out, slope, lo
