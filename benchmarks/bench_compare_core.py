"""Comparison core speed: per-frame time of every mode, exposure matching, exports.

Run: ``python benchmarks/bench_compare_core.py [--size 800x1000] [--frames 90]``. The pair is
the real 2500×2048 CR hand from ../shared/data (a smooth synthetic 12-bit film when absent)
and a follow-up made from it by ``simulate_followup`` (rotation, scale, shift, exposure and
gamma change, noise, an erosion and a remodeled spot). Frames follow a pan-and-zoom path
through fit, 1:1 and 4× magnification, as a view would ask for them. Prints tables; asserts
nothing. Targets (issue 4): a frame ≤ 16 ms (median and p95); the Qt part (blit, events) is
measured by benchmarks/bench_compare.py.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from xraycompare.core.compare.colormaps import DIFFERENCE, colour_bar
from xraycompare.core.compare.comparison import comparison_image, prepare_pair
from xraycompare.core.compare.exposure import match_exposure, sample_exposure
from xraycompare.core.compare.settings import ComparisonSettings
from xraycompare.core.geometry import similarity
from xraycompare.core.io.image import ImageInfo, Window, XrayImage
from xraycompare.core.io.loading import load_image
from xraycompare.core.io.pyramid import ImagePyramid
from xraycompare.core.synthetic import BoneChange, FollowupSpec, simulate_followup
from xraycompare.core.types import COMPARISON_MODES, EXPOSURE_METHODS

CR_HAND = REPO.parent / "shared" / "data" / "dicom" / "pylibjpeg-data" / "cr_right_hand_pa.dcm"


def before_film() -> tuple[XrayImage, str]:
    if CR_HAND.exists():
        return load_image(CR_HAND), "real CR hand 2500×2048 (12-bit)"
    import cv2

    rng = np.random.default_rng(0)
    noise = cv2.GaussianBlur(rng.normal(0, 1, (2500, 2048)).astype(np.float32), (0, 0), 25)
    pixels = np.clip(2048 + 6000 * noise, 0, 4095).astype(np.uint16)
    film = XrayImage(
        pixels=pixels,
        bits_stored=12,
        photometric="MONOCHROME2",
        invert=False,
        default_window=Window(2048.0, 4096.0),
        default_window_source="auto",
        info=ImageInfo(format="synthetic"),
    )
    return film, "synthetic 2500×2048 (../shared/data absent)"


def timed(fn: Callable[[], object], repeat: int) -> list[float]:
    out = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t)
    return out


def ms(values: list[float], q: float | None = None) -> str:
    v = statistics.median(values) if q is None else float(np.percentile(values, q))
    return f"{1000 * v:7.2f}"


def view_path(shape: tuple[int, int], size: tuple[int, int], frames: int) -> list[np.ndarray]:
    """device -> before matrices of a pan-and-zoom session: fit, 1:1 and 4× zoom."""
    h, w = shape
    vw, vh = size
    fit = 0.96 * min(vw / w, vh / h)
    out = []
    for k in range(frames):
        t = k / max(1, frames - 1)
        zoom = [fit, 1.0, 4.0][k % 3] * (1 + 0.05 * np.sin(7 * t))  # hold each, jitter a bit
        cx = w / 2 + 0.3 * w * np.sin(2 * np.pi * t)
        cy = h / 2 + 0.3 * h * np.cos(2 * np.pi * t)
        s = 1 / zoom
        out.append(np.array([[s, 0, cx - s * vw / 2], [0, s, cy - s * vh / 2], [0, 0, 1.0]]))
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="800x1000", help="frame WIDTHxHEIGHT in device px")
    parser.add_argument("--frames", type=int, default=90, help="frames per mode")
    args = parser.parse_args()
    size = tuple(int(v) for v in args.size.lower().split("x"))
    assert len(size) == 2

    before, source = before_film()
    m = similarity(scale=1.03, angle_deg=4.0, tx=30.0, ty=-20.0, center=(1024.0, 1250.0))
    changes = (BoneChange(900, 1100, 40), BoneChange(1200, 700, 30, depth=-0.6))
    spec = FollowupSpec(
        matrix=m, gain=0.9, offset=-0.02, gamma=0.9, noise_sd=0.01, changes=changes, seed=1
    )
    after = replace(before, pixels=simulate_followup(before.pixels, spec), source=None)
    print(f"pair: {source}; after made by simulate_followup; frame {size[0]}×{size[1]} px")

    print("\n== once per film / per alignment (off the UI thread) ==")
    pyr_t = timed(lambda: ImagePyramid(before.pixels), 5)
    print(f"build one pyramid                     median {ms(pyr_t)} ms")
    bp, ap = ImagePyramid(before.pixels), ImagePyramid(after.pixels)
    sample_t = timed(lambda: sample_exposure(before, after, m, after_pyramid=ap), 5)
    samples = sample_exposure(before, after, m, after_pyramid=ap)
    print(f"sample both films inside the hand     median {ms(sample_t)} ms "
          f"({samples.before.size} pairs at 512 px)")  # fmt: skip
    matches = {}
    for method in EXPOSURE_METHODS:
        fit_t = timed(lambda method=method: match_exposure(samples, method=method), 5)
        matches[method] = match_exposure(samples, method=method)
        mt = matches[method]
        print(f"fit {method:10s}                        median {ms(fit_t)} ms   {mt.label}; "
              f"residual {mt.residual:.1f}, ± range {mt.difference_range:.0f}")  # fmt: skip
    prep_t = timed(lambda: prepare_pair(before, after, m, match=matches["linear"],
                                        before_pyramid=bp, after_pyramid=ap), 9)  # fmt: skip
    print(f"prepare pair (window / match change)  median {ms(prep_t)} ms")

    pair = prepare_pair(before, after, m, match=matches["linear"], before_pyramid=bp,
                        after_pyramid=ap)  # fmt: skip
    path = view_path(before.shape, size, args.frames)
    print(f"\n== per frame, {args.frames} frames per mode along a pan/zoom path (ms) ==")
    print(f"{'mode':14s} {'median':>7s} {'p95':>7s} {'max':>7s}   {'fit':>7s} {'1:1':>7s} "
          f"{'4x':>7s}   first frame")  # fmt: skip
    variants = [(mode, ComparisonSettings(mode=mode, reveal_center=(size[0] / 2, size[1] / 2)))
                for mode in COMPARISON_MODES]  # fmt: skip
    variants.append(("|difference|", ComparisonSettings(absolute_difference=True)))
    for name, settings in variants:
        t0 = time.perf_counter()
        pair.render(path[0], size, settings=settings)
        first = time.perf_counter() - t0
        times = []
        for d in path:
            t = time.perf_counter()
            pair.render(d, size, settings=settings)
            times.append(time.perf_counter() - t)
        by_zoom = [ms(times[k::3]) for k in range(3)]
        print(f"{name:14s} {ms(times)} {ms(times, 95)} {1000 * max(times):7.2f}   "
              f"{by_zoom[0]} {by_zoom[1]} {by_zoom[2]}   {1000 * first:7.2f}")  # fmt: skip

    print("\n== full resolution in the before frame (exports, headless) ==")
    for mode in ("difference", "overlay", "checkerboard"):
        settings = ComparisonSettings(mode=mode)
        full_t = timed(
            lambda settings=settings: comparison_image(
                before, after, m, settings=settings, match=matches["linear"]
            ),
            3,
        )
        print(f"comparison_image {mode:12s}         median {ms(full_t)} ms")
    bar_t = timed(lambda: colour_bar(DIFFERENCE, limit=137.0, length=400, title="a - b"), 9)
    print(f"colour bar 400 px with labels         median {ms(bar_t)} ms")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\npeak RSS of this process: {peak:.0f} MB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
