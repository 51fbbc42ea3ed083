"""Comparison views in the real Qt window: frame times, mode switches, new alignments, memory.

Run: ``python benchmarks/bench_compare.py [--frames 60] [--size 1600x1000] [--no-core]``.
The pair is the bundled demo pair (the real 2500×2048 CR hand and its simulated follow-up),
aligned by its true matrix. Every figure is measured on the window as a user has it: the
main window offscreen, each frame a synchronous repaint of the panes shown. Prints tables;
asserts nothing. Targets (issue 4): a frame ≤ 16 ms (median and p95) while panning and
zooming; a mode switch ≤ 50 ms; the update after a new alignment ≤ 150 ms; peak RSS ≤ 600 MB
with every mode used. Finally runs ``bench_compare_core.py`` (the per-frame core alone, the
full-resolution exports) unless ``--no-core``.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import numpy as np

MODES = ("difference", "overlay", "blend", "checkerboard", "swipe", "flicker")


def stats(values: list[float]) -> str:
    v = sorted(values)
    p95 = v[min(len(v) - 1, int(round(0.95 * (len(v) - 1))))]
    return f"{1000 * statistics.median(v):7.2f} {1000 * p95:7.2f} {1000 * max(v):7.2f}"


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=60, help="frames per mode and gesture")
    parser.add_argument("--size", default="1600x1000", help="window WIDTHxHEIGHT")
    parser.add_argument("--no-core", action="store_true", help="skip bench_compare_core.py")
    args = parser.parse_args()
    width, height = (int(v) for v in args.size.lower().split("x"))

    from PySide6.QtWidgets import QApplication

    from xraycompare.core.document import ViewState
    from xraycompare.core.geometry import compose, similarity
    from xraycompare.core.registration.alignment import Alignment
    from xraycompare.qt.app import make_application
    from xraycompare.qt.main_window import MainWindow
    from xraycompare.resources import assets_dir, demo_pair

    app = make_application()
    window = MainWindow(auto_register=False, persist_layout=False)
    window.resize(width, height)
    window.show()
    before_path, after_path = demo_pair()
    loaded = {}
    window.pair_shown.connect(lambda: loaded.setdefault("ok", True))
    window.open_pair(before_path, after_path)
    while "ok" not in loaded:
        app.processEvents()
        time.sleep(0.001)
    truth = json.loads((assets_dir() / "demo_truth.json").read_text())
    matrix = np.array(truth["after_to_before"], dtype=float)
    doc, c = window.document, window.comparison

    def settle() -> None:
        while c.busy:
            app.processEvents()
            time.sleep(0.0005)
        app.processEvents()

    doc.set_global_alignment(Alignment("Global", matrix, method="automatic"))
    settle()
    before = doc.before
    print(f"pair: {before_path.name} + {after_path.name}, {before.width}×{before.height} px, "
          f"{before.pixels.dtype}; window {width}×{height}")  # fmt: skip

    def panes() -> list:
        shown = [*window.panes.values(), window.comparison_view]
        return [p for p in shown if not p.isHidden()]

    def repaint() -> None:
        for pane in panes():
            pane.viewport().repaint()

    def frames(step: Callable[[int], None], count: int) -> list[float]:
        out = []
        for i in range(count):
            t = time.perf_counter()
            step(i)
            repaint()
            out.append(time.perf_counter() - t)
        app.processEvents()
        return out

    def pan(i: int) -> None:
        size = panes()[0].viewport_size()
        step = 6.0 if (i // 15) % 2 == 0 else -6.0
        window.controller.pan("before", step, step / 2, size)

    def zoom(i: int) -> None:
        view = window.comparison_view if not window.comparison_view.isHidden() else None
        pane = view or window.panes["before"]
        size = pane.viewport_size()
        resolved = window.controller.resolved(size)
        factor = 1.06 if (i // 20) % 2 == 0 else 1 / 1.06
        window.controller.zoom("before", factor, resolved.center, size)

    def start(mode: str, zoom_level: float | None) -> None:
        window.set_mode(mode)
        if zoom_level is None:
            window.controller.fit()
        else:
            centre = (1250.0, 1100.0)  # the PIP joints of the demo's remodeling
            doc.set_view(ViewState(center=centre, zoom=zoom_level, mode=mode))
        app.processEvents()
        repaint()

    view = window.comparison_view
    for layout, label in (("one", "comparison pane alone"), ("three", "three panes")):
        window.comparison.set_layout(layout)
        start("difference", None)
        vw, vh = view.viewport_size()
        dpr = window.devicePixelRatioF()
        print(f"\n== frames while panning and zooming: {label} "
              f"(comparison viewport {vw:.0f}×{vh:.0f} logical px, dpr {dpr:g}) ==")  # fmt: skip
        print(f"{'mode':13s} {'gesture':12s} {'median':>7s} {'p95':>7s} {'max':>7s}   (ms)")
        for mode in MODES:
            doc.set_cursor((1250.0, 1100.0))  # the reveal square is live in checkerboard
            for gesture, zoom_level, step in (
                ("pan, fit", None, pan),
                ("pan, 100 %", 1.0, pan),
                ("pan, 400 %", 4.0, pan),
                ("wheel zoom", None, zoom),
            ):
                start(mode, zoom_level)
                times = frames(step, args.frames)
                print(f"{mode:13s} {gesture:12s} {stats(times)}")
        # the cursor moving: crosshair, reveal square, magnifier
        start("checkerboard", 1.0)
        cx, cy = 1250.0, 1100.0

        def cursor(i: int, cx: float = cx, cy: float = cy) -> None:
            doc.set_cursor((cx + 3 * (i % 40), cy + 2 * (i % 40)))

        print(f"{'checkerboard':13s} {'reveal move':12s} {stats(frames(cursor, args.frames))}")
        c.set_options(magnifier=True)
        pane = window.panes["before"] if layout == "three" else view
        film_xy = (cx, cy)

        def loupe(i: int, loupe=window.magnifier, pane=pane, xy=film_xy) -> None:
            loupe.follow(pane, (xy[0] + 2 * (i % 40), xy[1] + (i % 40)))
            loupe.repaint()

        print(f"{'magnifier':13s} {'follow':12s} {stats(frames(loupe, args.frames))}")
        c.set_options(magnifier=False)
        start("flicker", 1.0)

        def flick(i: int) -> None:
            c.flicker.set_phase("before" if i % 2 else "after")

        print(f"{'flicker':13s} {'alternate':12s} {stats(frames(flick, args.frames))}")

    print("\n== switching modes (action, then every pane shown repainted) ==")
    window.comparison.set_layout("three")
    start("side-by-side", None)
    switches: dict[str, list[float]] = {}
    order = ("side-by-side", *MODES)
    for _ in range(5):
        for mode in order:
            action = window.actions[f"mode_{mode.replace('-', '_')}"]
            t = time.perf_counter()
            action.trigger()
            app.processEvents()
            repaint()
            switches.setdefault(mode, []).append(time.perf_counter() - t)
    print(f"{'to mode':13s} {'median':>7s} {'p95':>7s} {'max':>7s}   (ms)")
    for mode, times in switches.items():
        print(f"{mode:13s} {stats(times)}")

    print("\n== a new alignment (nudge, local, undo): until the new match is on screen ==")
    window.set_mode("difference")
    start("difference", None)
    updates, first_frames = [], []
    for k in range(6):  # fewer than the alignments kept, so the last line is a cache hit
        turn = similarity(angle_deg=0.2 * (k + 1), center=(1024.0, 1250.0))
        t = time.perf_counter()
        doc.set_global_alignment(Alignment("Global", compose(turn, matrix), method="manual"))
        repaint()  # the new alignment at once, with the previous match
        first_frames.append(time.perf_counter() - t)
        settle()
        repaint()  # the new match
        updates.append(time.perf_counter() - t)
    print(f"{'':30s} {'median':>7s} {'p95':>7s} {'max':>7s}   (ms)")
    print(f"{'first frame, previous match':30s} {stats(first_frames)}")
    print(f"{'new exposure match shown':30s} {stats(updates)}")
    t = time.perf_counter()
    doc.set_global_alignment(Alignment("Global", matrix, method="automatic"))
    settle()
    repaint()
    print(f"{'back to a seen alignment':30s} {1000 * (time.perf_counter() - t):7.2f}")
    print(f"\npeak RSS with every mode used: {rss_mb():.0f} MB (target <= 600 MB)")
    window.undo_stack.setClean()
    window.close()
    QApplication.processEvents()

    if not args.no_core:
        print("\n== the core alone (benchmarks/bench_compare_core.py) ==", flush=True)
        subprocess.run([sys.executable, str(REPO / "benchmarks" / "bench_compare_core.py"),
                        "--frames", "45"], check=False)  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
