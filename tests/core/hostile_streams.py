"""Hostile compressed images made from the repo's own data, for the tests and
benchmarks/bench_hostile.py: frames whose own headers lie or ask for unbounded work.

Every builder writes a small file (kilobytes to a few megabytes). The JPEG-lossless frames
come from :func:`jpeg_lossless`, a small encoder of the DICOM JPEG Lossless SV1 process
(no lossless JPEG encoder is installed), so those cases run without the shared data.
"""

from __future__ import annotations

import copy
import io
import re
import struct
import zlib
from pathlib import Path

import numpy as np
import pydicom
from pydicom.encaps import encapsulate, get_frame

from tests.core.hostile import TEST_DATA

JPEG_LOSSLESS_SV1 = "1.2.840.10008.1.2.4.70"
_NEXT_MARKER = re.compile(rb"\xff[\x01-\xcf\xd8-\xfe]")


# -- a JPEG lossless (process 14, first-order prediction) encoder ---------------------------
def jpeg_lossless(pixels: np.ndarray, *, precision: int = 16, height: int | None = None) -> bytes:
    """``pixels`` (H, W, unsigned) as a JPEG Lossless SV1 stream: left prediction, the first
    row from the left, the first column from above; every category coded in 5 bits.

    ``height`` is what the frame header says (0 leaves it to a DNL marker, which is then
    written after the scan); the scan always codes every row of ``pixels``.
    """
    values = pixels.astype(np.int64)
    rows, cols = values.shape
    pred = np.empty_like(values)
    pred[0, 0] = 1 << (precision - 1)
    pred[0, 1:] = values[0, :-1]
    pred[1:, 0] = values[:-1, 0]
    pred[1:, 1:] = values[1:, :-1]
    diff = (values - pred) % 65536
    diff[diff >= 32768] -= 65536
    bits = []
    for d in diff.ravel().tolist():
        size = 16 if d == -32768 else abs(d).bit_length()
        bits.append(format(size, "05b"))
        if 0 < size < 16:
            bits.append(format(d if d > 0 else d + (1 << size) - 1, f"0{size}b"))
    stream = "".join(bits)
    stream += "1" * (-len(stream) % 8)
    data = int(stream, 2).to_bytes(len(stream) // 8, "big") if stream else b""
    data = data.replace(b"\xff", b"\xff\x00")
    said = rows if height is None else height
    sof = struct.pack(">HBHHBBBB", 11, precision, said, cols, 1, 1, 0x11, 0)
    dht = struct.pack(">HB", 3 + 16 + 17, 0x00) + bytes([0, 0, 0, 0, 17] + [0] * 11)
    dht += bytes(range(17))
    sos = struct.pack(">HBBBBBB", 8, 1, 1, 0x00, 1, 0, 0)  # predictor 1, Pt 0
    out = b"\xff\xd8\xff\xc3" + sof + b"\xff\xc4" + dht + b"\xff\xda" + sos + data
    if height == 0:
        out += b"\xff\xdc" + struct.pack(">HH", 4, rows)
    return out + b"\xff\xd9"


def with_frame(out: Path, source: str, frame: bytes, **attributes) -> Path:
    """A copy of the test DICOM ``source`` whose pixel data are the one ``frame`` (and
    whose transfer syntax or other attributes are ``attributes``)."""
    ds = pydicom.dcmread(TEST_DATA / source)
    syntax = attributes.pop("TransferSyntaxUID", None)
    if syntax:
        ds.file_meta.TransferSyntaxUID = syntax
    for name, value in attributes.items():
        setattr(ds, name, value)
    ds.PixelData = encapsulate([frame])
    ds["PixelData"].VR = "OB"
    ds["PixelData"].is_undefined_length = True
    ds.save_as(out, enforce_file_format=True)
    return out


def lossless_dicom(out: Path, *, height: int | None = None) -> Path:
    """The 10-bit phantom (cr_mono1_10bit.dcm, 64 × 80) as JPEG Lossless SV1; its frame
    header says ``height`` rows when given (0: a DNL marker after the scan says 80)."""
    pixels = pydicom.dcmread(TEST_DATA / "cr_mono1_10bit.dcm").pixel_array
    frame = jpeg_lossless(pixels, height=height)
    return with_frame(out, "cr_mono1_10bit.dcm", frame, TransferSyntaxUID=JPEG_LOSSLESS_SV1)


# -- frames that ask for unbounded work ------------------------------------------------------
def progressive_jpeg(side: int, scans: int) -> bytes:
    """A progressive 8-bit JPEG of ``side``² (a bright square on black) whose smallest
    refinement scan is repeated until the stream holds ``scans`` scans: each one is a
    pass over the whole image for a decoder, but only a few bytes of file."""
    from PIL import Image

    image = np.zeros((side, side), np.uint8)
    image[side // 4 : 3 * side // 4, side // 4 : 3 * side // 4] = 200
    buffer = io.BytesIO()
    Image.fromarray(image).save(buffer, "JPEG", progressive=True, quality=90)
    data = buffer.getvalue()
    spans = []
    for found in re.finditer(rb"\xff\xda", data):
        start = found.start()
        (length,) = struct.unpack_from(">H", data, start + 2)
        end = _NEXT_MARKER.search(data, start + 2 + length)
        assert end is not None
        spans.append((end.start() - start, start, end.start()))
    _, start, end = min(spans[1:])  # not the first (DC) scan
    extra = max(0, scans - len(spans))
    return data[:end] + data[start:end] * extra + data[end:]


def padded_jpeg(count: int) -> bytes:
    """grey8.jpg with ``count`` empty comment segments after its start (4 bytes each)."""
    data = (TEST_DATA / "grey8.jpg").read_bytes()
    return data[:2] + b"\xff\xfe\x00\x02" * count + data[2:]


def padded_png(count: int) -> bytes:
    """grey8.png with ``count`` tiny text chunks between its header and its image data."""
    data = (TEST_DATA / "grey8.png").read_bytes()
    text = b"tEXt" + b"a\x00b"
    chunk = struct.pack(">I", 3) + text + struct.pack(">I", zlib.crc32(text) & 0xFFFFFFFF)
    return data[:33] + chunk * count + data[33:]  # signature (8) + IHDR (25)


def rle_bomb(out: Path, runs: int) -> Path:
    """cr_rle.dcm (64 × 80, two segments of 5120 bytes decoded) whose segments are each
    ``runs`` runs of 128 zeros, two bytes a run: they decode to 64 times their size."""
    segment = b"\x81\x00" * runs
    header = struct.pack("<16I", 2, 64, 64 + len(segment), *([0] * 13))
    return with_frame(out, "cr_rle.dcm", header + segment + segment)


def rle_frame_with_segments(out: Path, count: int) -> Path:
    """cr_rle.dcm whose segment table claims ``count`` segments (the file has two)."""
    ds = pydicom.dcmread(TEST_DATA / "cr_rle.dcm")
    frame = bytearray(get_frame(ds.PixelData, 0, number_of_frames=1))
    struct.pack_into("<I", frame, 0, count)
    return with_frame(out, "cr_rle.dcm", bytes(frame))


def j2k_tiles(out: Path, tile: int, source: Path | None = None) -> Path:
    """A JPEG 2000 DICOM (cr_j2k_mono1.dcm unless ``source``) whose SIZ says the image is
    cut into ``tile`` × ``tile`` pixel tiles."""
    raw = bytearray((source or TEST_DATA / "cr_j2k_mono1.dcm").read_bytes())
    siz = bytes(raw).find(b"\xff\x4f\xff\x51")
    struct.pack_into(">II", raw, siz + 4 + 4 + 16, tile, tile)  # Lsiz Rsiz Xsiz..YOsiz
    out.write_bytes(bytes(raw))
    return out


def huge_png(out: Path, width: int, height: int, rows: int | None = None) -> Path:
    """An 8-bit grey PNG of ``width`` × ``height`` zeros (a few hundred kB: zeros compress
    1000 to 1), streamed so that building it takes no memory; decodable, unless ``rows``
    (fewer than ``height``) cuts its data short."""
    deflate = zlib.compressobj(9)
    row = bytes(width + 1)  # filter byte + pixels
    count = height if rows is None else rows
    body = b"".join(deflate.compress(row) for _ in range(count)) + deflate.flush()

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    out.write_bytes(
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", body) + chunk(b"IEND", b"")
    )
    return out


def truncated_native(out: Path, keep: int = 1000) -> Path:
    """dx_mono2_12bit.dcm with only the first ``keep`` bytes of its pixel data."""
    ds = pydicom.dcmread(TEST_DATA / "dx_mono2_12bit.dcm")
    ds = copy.deepcopy(ds)
    ds.PixelData = ds.PixelData[:keep]
    ds.save_as(out)
    return out
