"""Reading a file into an XrayImage: checks on the path, format sniffing, one error type."""

from __future__ import annotations

import hashlib
import threading
import warnings
from pathlib import Path

from xraycompare.core.atomic import FileReadError, read_regular_file
from xraycompare.core.io import dicom, raster
from xraycompare.core.io.image import ImageLoadError, XrayImage

# Radiographs are a few MB; a file past this is not one, and reading it would hurt.
MAX_FILE_BYTES = 2 * 1024**3
_LOAD_LOCK = threading.Lock()


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
    path = Path(path)
    try:
        data = _read_file(path)
        return _decode(path, data)
    except ImageLoadError:
        raise
    except MemoryError as exc:
        raise ImageLoadError(path, "the image is too large to open") from exc
    except Exception as exc:  # a loader bug must still reach the user as a clear error
        detail = str(exc).strip().splitlines()[0][:200] if str(exc).strip() else ""
        reason = f"cannot be read ({type(exc).__name__}{': ' + detail if detail else ''})"
        raise ImageLoadError(path, reason) from exc


def _read_file(path: Path) -> bytes:
    try:
        data = read_regular_file(path, max_bytes=MAX_FILE_BYTES, what="radiograph")
    except FileReadError as exc:
        reason = "is a folder, not an image file" if "folder" in exc.reason else exc.reason
        raise ImageLoadError(path, reason) from exc
    if not data:
        raise ImageLoadError(path, "the file is empty (0 bytes)")
    return data


def _decode(path: Path, data: bytes) -> XrayImage:
    # pydicom and Pillow warn about every odd value: not the user's business, and the
    # reasons that matter come back as ImageLoadError or notices. catch_warnings swaps a
    # process-wide filter list, so two threads interleaving it could switch warnings off
    # for good: loads take turns. That costs nothing, since the decoders hold the GIL
    # (two CR hands load no faster on two threads than one after the other).
    with _LOAD_LOCK, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return _dispatch(path, data)


def _dispatch(path: Path, data: bytes) -> XrayImage:
    digest = hashlib.sha256(data).hexdigest()
    if dicom.is_dicom(data[:132]):
        return dicom.load_dicom(path, data, digest)
    fmt = raster.sniff_format(data[:16])
    if fmt is not None:
        return raster.load_raster(path, data, digest, fmt)
    if data[:2] in (b"\x02\x00", b"\x08\x00") and len(data) > 8:
        # DICOM without the 128-byte preamble (old ACR-NEMA style files) still happens: it
        # starts straight with a group 0002 or 0008 element.
        return dicom.load_dicom(path, data, digest)
    raise ImageLoadError(path, "not a supported image (DICOM, PNG, JPEG, TIFF or BMP)")
