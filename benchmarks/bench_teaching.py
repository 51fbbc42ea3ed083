"""Teaching exports: animated GIF/MP4 export time, and splitting a side-by-side figure.

Run: ``python benchmarks/bench_teaching.py [--repeat 3]``. The pair is the bundled demo
project (the real 2500×2048 CR hand and its simulated follow-up, aligned and matched as
saved). Figures to split are composed from the FracAtlas films in ../shared/data (CC BY 4.0,
Abedeen et al. 2023) when present, and from the repo's small CR hand otherwise. Prints
tables; asserts nothing. Target (issue 13): a 10-second, 800-px-wide MP4 of the flicker in
under 5 s.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import cv2
import numpy as np

from tests.core.figure_composer import compose_figure, shrink_to
from xraycompare.core.animation import AnimationSettings, document_comparison, export_animation
from xraycompare.core.figure_split import find_split
from xraycompare.core.project.opening import open_pair
from xraycompare.resources import demo_project

FRACATLAS = REPO.parent / "shared" / "data" / "fracatlas" / "images"


def timed(work: Callable[[], object], repeat: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = work()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def bench_exports(repeat: int) -> None:
    start = time.perf_counter()
    pair = document_comparison(open_pair([demo_project()]).document)
    print(f"demo project opened and prepared in {time.perf_counter() - start:.2f} s\n")
    print(f"{'export':<36} {'seconds':>8} {'frames':>7} {'size':>11} {'MB':>6}")
    cases = [
        ("flicker MP4, 10 s, 800 px (target)", "mp4", AnimationSettings(width=800, duration=10)),
        ("swipe MP4, 12 s (3 cycles), 800 px", "mp4", AnimationSettings("swipe", width=800)),
        ("blend MP4, 12 s (3 cycles), 800 px", "mp4", AnimationSettings("blend", width=800)),
        ("flicker GIF, 1 cycle, 800 px", "gif", AnimationSettings(width=800)),
        ("swipe GIF, 4 s at 10 fps, 800 px", "gif", AnimationSettings("swipe", width=800)),
        ("blend GIF, 4 s at 10 fps, 600 px", "gif", AnimationSettings("blend", width=600)),
    ]
    with tempfile.TemporaryDirectory() as folder:
        for label, ext, settings in cases:
            out = Path(folder) / f"out.{ext}"
            seconds, plan = timed(
                lambda o=out, s=settings: export_animation(pair, o, settings=s), repeat
            )
            size = f"{plan.size[0]}×{plan.size[1]}"  # type: ignore[attr-defined]
            mb = out.stat().st_size / 1e6
            frames = plan.frame_count  # type: ignore[attr-defined]
            print(f"{label:<36} {seconds:8.2f} {frames:7d} {size:>11} {mb:6.2f}")


def _films() -> tuple[list[np.ndarray], str]:
    if FRACATLAS.is_dir():
        names = ("IMG0000045.jpg", "IMG0000049.jpg", "IMG0000235.jpg", "IMG0002364.jpg")
        films = [cv2.imread(str(FRACATLAS / n), cv2.IMREAD_GRAYSCALE) for n in names]
        return films, "FracAtlas films"
    hand = cv2.imread(str(REPO / "tests" / "data" / "cr_hand_small.png"), cv2.IMREAD_GRAYSCALE)
    return [hand, hand[:, ::-1], hand[::-1], hand], "the repo's small CR hand (no shared data)"


def bench_split(repeat: int) -> None:
    films, source = _films()
    print(f"\nsplitting figures composed from {source}")
    print(f"{'figure':<46} {'pixels':>11} {'ms':>7} {'error px':>9}")
    cases = [
        ("two 500-px films, 12-px white gutter, JPEG 85", 500, {"gutter": 12, "jpeg_quality": 85}),
        (
            "two 1000-px films, 30-px black gutter, captions",
            1000,
            {"gutter": 30, "canvas": 0, "captions": True, "letters": True},
        ),
        (
            "two 2000-px films, 4-px grey gutter, JPEG 90",
            2000,
            {"gutter": 4, "canvas": 128, "jpeg_quality": 90},
        ),
    ]
    for label, longest, layout in cases:
        figure = compose_figure(
            shrink_to(films[0], longest), shrink_to(films[1], longest * 4 // 5), **layout
        )
        seconds, split = timed(lambda f=figure: find_split(f.image), repeat)
        error = "none found"
        if split is not None:
            error = str(
                max(
                    max(abs(a - b) for a, b in zip(found, truth, strict=True))
                    for found, truth in ((split.before, figure.before), (split.after, figure.after))
                )
            )
        h, w = figure.image.shape
        print(f"{label:<46} {f'{w}×{h}':>11} {seconds * 1000:7.0f} {error:>9}")
    single = films[2]
    seconds, split = timed(lambda: find_split(single), repeat)
    h, w = single.shape
    found = "split!" if split is not None else "none"
    print(
        f"{'a single film (no split expected)':<46} {f'{w}×{h}':>11} {seconds * 1000:7.0f} "
        f"{found:>9}"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="runs per case (median shown)")
    args = parser.parse_args()
    bench_exports(args.repeat)
    bench_split(args.repeat)
    return 0


if __name__ == "__main__":
    sys.exit(main())
