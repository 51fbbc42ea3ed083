"""Load time per image versus the bare decode of the same file (target: <= 1.3x decode).

    python benchmarks/bench_loading.py [FILE ...] [--repeat N]

Without files it uses the CR hand and a few other films from ../shared/data plus the demo
pair in assets/. "Decode" is what any viewer must pay: pydicom reading the file and
decoding the first frame (``pydicom.pixels.pixel_array``), or ``cv2.imdecode`` of the bytes
for PNG/JPEG/TIFF. "Load" is ``load_image``, which adds the content hash, the stored-value
range, the file-window check or the automatic window, and metadata. The overheads are
timed one by one so the one that grows is visible. Decode and load are timed alternately and
the best of N runs is kept (the machine is shared: the minimum is the least disturbed);
overheads are medians. Compare ratios within one run.
"""

from __future__ import annotations

import argparse
import hashlib
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import cv2
import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from xraycompare.core.io.dicom import _usable  # timed on its own below
from xraycompare.core.io.display import auto_window
from xraycompare.core.io.loading import load_image

SHARED = REPO.parent / "shared" / "data"
DEFAULT_FILES = [
    SHARED / "dicom/pylibjpeg-data/cr_right_hand_pa.dcm",
    SHARED / "dicom/pylibjpeg-data/dx_chest.dcm",
    SHARED / "dicom/pylibjpeg-data/cr_hip_jpeg12.dcm",
    SHARED / "dicom/nema-wg04/RG3_JLSL.dcm",
    SHARED / "dicom/nema-wg04/RG3_UNC.dcm",
    SHARED / "fracatlas/images/IMG0000019.jpg",
    REPO / "assets/demo_before.dcm",
    REPO / "assets/demo_after.dcm",
]


def median_seconds(action: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def bare_decode(path: Path) -> Callable[[], object]:
    data = path.read_bytes()
    if data[128:132] == b"DICM":
        from pydicom.pixels import pixel_array

        return lambda: pixel_array(path, index=0)
    return lambda: cv2.imdecode(
        np.frombuffer(path.read_bytes(), np.uint8), cv2.IMREAD_ANYDEPTH | cv2.IMREAD_ANYCOLOR
    )


def interleaved(first: Callable[[], object], second: Callable[[], object], repeat: int):
    """Best-of-N seconds of two actions timed alternately, so load drifts hit both alike."""
    times: tuple[list[float], list[float]] = ([], [])
    for _ in range(repeat):
        for action, bucket in ((first, times[0]), (second, times[1])):
            start = time.perf_counter()
            action()
            bucket.append(time.perf_counter() - start)
    return min(times[0]), min(times[1])


def measure(path: Path, repeat: int) -> dict[str, float | str]:
    decode, load = interleaved(bare_decode(path), lambda: load_image(path), repeat)
    image = load_image(path)
    data = path.read_bytes()
    sha = median_seconds(lambda: hashlib.sha256(data).hexdigest(), repeat)
    value_range = median_seconds(lambda: (image.pixels.min(), image.pixels.max()), repeat)
    if image.default_window_source == "file" and image.presets:
        check = median_seconds(lambda: _usable(image, image.default_window), repeat)
        check_name = "file-window check"
    else:
        check = median_seconds(lambda: auto_window(image), repeat)
        check_name = "auto window"
    return {
        "file": path.name,
        "size": f"{image.width}x{image.height}",
        "decode": decode,
        "load": load,
        "ratio": load / decode if decode > 0 else float("nan"),
        "sha256": sha,
        "min/max": value_range,
        "window": check,
        "window_kind": check_name,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("files", nargs="*", type=Path)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)
    files = args.files or [p for p in DEFAULT_FILES if p.exists()]
    if not files:
        print("no files: pass some, or provide ../shared/data", file=sys.stderr)
        return 1
    header = (
        f"{'file':<24} {'pixels':>10} {'decode ms':>10} {'load ms':>9} {'load/dec':>9}"
        f" {'sha256 ms':>10} {'min/max ms':>11} {'window ms':>10}  window step"
    )
    print(header)
    print("-" * len(header))
    ratios = []
    for path in files:
        row = measure(path, args.repeat)
        ratios.append(row["ratio"])
        print(
            f"{row['file']:<24} {row['size']:>10} {row['decode'] * 1e3:>10.1f}"
            f" {row['load'] * 1e3:>9.1f} {row['ratio']:>9.2f} {row['sha256'] * 1e3:>10.1f}"
            f" {row['min/max'] * 1e3:>11.1f} {row['window'] * 1e3:>10.1f}  {row['window_kind']}"
        )
    print(f"\nmedian load/decode ratio: {statistics.median(ratios):.2f} (target <= 1.30)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
