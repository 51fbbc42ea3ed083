"""Hostile inputs made from the repo's own data, for the tests and benchmarks/bench_hostile.py.

Each builder writes a small file (kilobytes to a few megabytes) that claims or holds far
more than it should: nothing large is committed, and nothing here needs the network.
"""

from __future__ import annotations

import json
import shutil
import struct
import zlib
from pathlib import Path

import cv2
import numpy as np
import pydicom
from pydicom.encaps import get_frame

REPO = Path(__file__).resolve().parents[2]
TEST_DATA = REPO / "tests" / "data"
DEMO = REPO / "assets" / "demo.xrc.json"


# -- images ------------------------------------------------------------------------------------
def lying_frame(out: Path, source: str | Path, width: int = 60000, height: int = 60000) -> Path:
    """A copy of a compressed DICOM (a test file's name, or a path) whose first frame's own
    header (JPEG SOF, JPEG-LS SOF55 or JPEG 2000 SIZ) claims ``width`` × ``height`` while
    Rows/Columns stay as they were."""
    path = source if isinstance(source, Path) else TEST_DATA / source
    raw = bytearray(path.read_bytes())
    ds = pydicom.dcmread(path)
    frame = get_frame(ds.PixelData, 0, number_of_frames=1)
    siz = frame.find(b"\xff\x4f\xff\x51")
    if siz >= 0:  # SIZ: Lsiz Rsiz Xsiz Ysiz XOsiz YOsiz
        at = bytes(raw).find(frame[siz : siz + 40])  # the frame may span several fragments
        struct.pack_into(">II", raw, at + 8, width, height)
    else:
        i = 2
        while frame[i + 1] not in (0xC0, 0xC1, 0xC3, 0xF7):  # walk the marker segments
            i += 2 + struct.unpack_from(">H", frame, i + 2)[0]
        at = bytes(raw).find(frame[: i + 10])
        struct.pack_into(">HH", raw, at + i + 5, height, width)
    out.write_bytes(bytes(raw))
    return out


def tiff_bomb(out: Path, side: int = 13000, rows_per_strip: int = 64) -> Path:
    """A ~100 kB zlib-compressed float32 TIFF of ``side``² that decodes to side² × 4 bytes:
    every strip points at the same compressed block of zeros (so it is really decodable)."""
    strip = zlib.compress(bytes(side * rows_per_strip * 4), 9)
    count = -(-side // rows_per_strip)
    tags = [  # (tag, type, count, value or offset) ; types: 3 SHORT, 4 LONG
        (256, 4, 1, side), (257, 4, 1, side), (258, 3, 1, 32), (259, 3, 1, 8),
        (262, 3, 1, 1), (273, 4, count, None), (277, 3, 1, 1), (278, 4, 1, rows_per_strip),
        (279, 4, count, None), (339, 3, 1, 3),
    ]  # fmt: skip
    ifd_size = 2 + 12 * len(tags) + 4
    data_at = 8 + ifd_size
    offsets_at, counts_at = data_at, data_at + 4 * count
    strip_at = counts_at + 4 * count
    ifd = struct.pack("<H", len(tags))
    for tag, kind, n, value in tags:
        if tag == 273:
            value = offsets_at
        elif tag == 279:
            value = counts_at
        packed = struct.pack("<HHI", tag, kind, n)
        ifd += packed + (struct.pack("<HH", value, 0) if kind == 3 else struct.pack("<I", value))
    ifd += struct.pack("<I", 0)
    body = struct.pack(f"<{count}I", *([strip_at] * count))
    body += struct.pack(f"<{count}I", *([len(strip)] * count))
    out.write_bytes(b"II*\x00" + struct.pack("<I", 8) + ifd + body + strip)
    return out


def deflate_bomb(out: Path, inflated: int) -> Path:
    """A deflated-explicit-VR DICOM whose data set inflates to about ``inflated`` bytes."""
    from pydicom.dataset import FileMetaDataset

    meta = FileMetaDataset()
    meta.TransferSyntaxUID = "1.2.840.10008.1.2.1.99"
    meta.MediaStorageSOPClassUID = "1.2.840.10008.5.1.4.1.1.1"
    meta.MediaStorageSOPInstanceUID = "1.2.3.4"
    header = bytearray(128) + b"DICM"
    from io import BytesIO

    from pydicom.filewriter import write_file_meta_info

    buffer = BytesIO()
    write_file_meta_info(buffer, meta)
    # one huge OB element (private tag) of zeros, deflated as it is streamed
    deflate = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
    element = struct.pack("<HH2sHI", 0x0009, 0x1010, b"OB", 0, inflated)
    body = deflate.compress(element)
    chunk = bytes(1 << 20)
    for _ in range(inflated >> 20):
        body += deflate.compress(chunk)
    body += deflate.flush()
    out.write_bytes(bytes(header) + buffer.getvalue() + body)
    return out


def tiny_pngs(folder: Path) -> list[Path]:
    """Valid PNGs too small for a hand: 1×1, 2×2, 8×8, 3×5000 and 5000×3."""
    rng = np.random.default_rng(0)
    paths = []
    for h, w in ((1, 1), (2, 2), (8, 8), (3, 5000), (5000, 3)):
        path = folder / f"tiny_{h}x{w}.png"
        cv2.imwrite(str(path), (rng.random((h, w)) * 255).astype(np.uint8))
        paths.append(path)
    return paths


# -- projects ----------------------------------------------------------------------------------
def demo_project() -> dict:
    """The demo project as plain JSON values."""
    return json.loads(DEMO.read_text("utf-8"))


def with_demo_films(folder: Path) -> Path:
    """The demo project and its two films copied into ``folder``; the project's path."""
    for name in ("demo_before.dcm", "demo_after.dcm"):
        shutil.copyfile(DEMO.parent / name, folder / name)
    path = folder / "demo.xrc.json"
    shutil.copyfile(DEMO, path)
    return path


def small_films(folder: Path, obj: dict) -> dict:
    """``obj`` pointing at two small 16-bit PNG films made in ``folder`` (fast to load) that
    still hold every demo region (1600 × 1200)."""
    import hashlib

    rng = np.random.default_rng(1)
    yy, xx = np.mgrid[0:1200, 0:1600]
    for i, film in enumerate(("before", "after")):
        hand = ((np.hypot(xx - 1200, yy - 800) < 400) * 2500 + 800).astype(np.float64)
        pixels = (hand + rng.normal(0, 40, hand.shape) + 300 * i).clip(0, 4095).astype(np.uint16)
        path = folder / f"film_{film}.png"
        cv2.imwrite(str(path), pixels)
        obj["images"][film] = {
            "path": path.name,
            "sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
            "calibration": "calibrated",
            "spacing_mm": [0.115, 0.115],
        }
    return obj


def star_points(n: int, cx: float = 1200, cy: float = 800, r: float = 300) -> list[list[float]]:
    """A wavy closed outline of ``n`` vertices (a drawn outline would have tens)."""
    t = np.linspace(0, 2 * np.pi, n, endpoint=False)
    radius = r * (1 + 0.2 * np.sin(37 * t))
    return np.stack([cx + radius * np.cos(t), cy + radius * np.sin(t)], axis=1).tolist()


def write_project(path: Path, obj: dict | str | bytes) -> Path:
    data = obj if isinstance(obj, bytes) else (obj if isinstance(obj, str) else json.dumps(obj))
    path.write_bytes(data if isinstance(data, bytes) else data.encode("utf-8", "surrogatepass"))
    return path


def bulky_project(path: Path, megabytes: int) -> Path:
    """A valid-looking project padded with an unknown key of ``megabytes`` MB of numbers
    (written in 1 MB pieces: building it costs no more memory than that)."""
    head = json.dumps(demo_project())[:-1]
    piece = b"1," * (1 << 19)  # 1 MB
    with open(path, "wb") as f:
        f.write(head.encode() + b', "padding": [')
        for _ in range(megabytes - 1):
            f.write(piece)
        f.write(piece[:-2] + b"1]}")
    return path


def deep_project(path: Path, depth: int = 200_000) -> Path:
    """A project with ``depth`` nested lists under an unknown key."""
    head = json.dumps(demo_project())[:-1]
    path.write_bytes(head.encode() + b', "x": ' + b"[" * depth + b"]" * depth + b"}")
    return path
