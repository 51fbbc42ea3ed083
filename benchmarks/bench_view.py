"""Open-and-view speed: load vs decode, first paint, synchronised pan/zoom, W/L, memory.

Run: ``python benchmarks/bench_view.py [BEFORE AFTER]`` (default: the bundled demo pair,
the real 2500×2048 CR hand and its simulated follow-up). Prints figures; asserts nothing.
Targets (issue 2): load ≤ 1.3× bare decode; pan/zoom and W/L frames ≤ 16 ms for both
panes; peak RSS ≤ 400 MB with the pair open. Issue 10: no event-loop stall over 50 ms.

The memory figure is the app's own: a fresh process opens the pair in one window, aligns it
and shows the difference, as a reader would. This process's peak is printed too, but it also
holds the decoders run here for the loading figures and a second window, so it says more
about the benchmark than about the app. The decoding worker processes are counted apart.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def _ms(values: list[float]) -> str:
    values = sorted(values)
    p95 = values[min(len(values) - 1, int(round(0.95 * (len(values) - 1))))]
    return f"median {1000 * statistics.median(values):6.2f} ms   p95 {1000 * p95:6.2f} ms"


def bare_decode_seconds(path: Path, repeat: int = 3) -> float:
    """The decoder alone: pydicom for DICOM, OpenCV for raster files."""
    import cv2
    import numpy as np
    import pydicom

    best = float("inf")
    for _ in range(repeat):
        t = time.perf_counter()
        if path.suffix.lower() in (".dcm", ".dicom"):
            pydicom.dcmread(path).pixel_array  # noqa: B018 - the decode is the point
        else:
            cv2.imdecode(np.fromfile(path, np.uint8), cv2.IMREAD_ANYDEPTH | cv2.IMREAD_ANYCOLOR)
        best = min(best, time.perf_counter() - t)
    return best


def load_seconds(path: Path, repeat: int = 3) -> float:
    from xraycompare.core.io.loading import load_image

    best = float("inf")
    for _ in range(repeat):
        t = time.perf_counter()
        load_image(path)
        best = min(best, time.perf_counter() - t)
    return best


def _until(app, condition, timeout: float = 60.0) -> None:
    end = time.perf_counter() + timeout
    while not condition() and time.perf_counter() < end:
        app.processEvents()
        time.sleep(0.001)


def responsiveness(app, window_class, before: Path, after: Path) -> dict[str, float]:
    """The longest event-loop stall while opening and aligning a pair, fitting the exposure
    match for the difference view, opening the demo project and saving it; what the GUI
    thread was doing in a stall over 50 ms is printed."""
    import tempfile

    from xraycompare.qt.heartbeat import Heartbeat
    from xraycompare.resources import demo_project

    window = window_class(persist_layout=False, interactive=False)  # no dialog may wait
    window.resize(1600, 1000)
    window.show()
    beat = Heartbeat(sample_stalls=True)
    out: dict[str, float] = {}
    ready = {"n": 0}
    window.ready.connect(lambda: ready.update(n=ready["n"] + 1))
    app.processEvents()
    time.sleep(2.0)  # the worker processes start with the window: let them warm up

    beat.start()
    window.open_pair(before, after)
    _until(app, lambda: ready["n"] >= 1)
    out["opening and aligning the pair"] = _stall(beat)
    beat.start()
    window.set_mode("difference")
    window.actions["nudge_right_10"].trigger()  # a new alignment: a new exposure fit
    _until(app, lambda: not window.comparison.busy)
    out["nudging: refitting the exposure match"] = _stall(beat)
    window.undo_stack.setClean()  # the nudge is not work to save
    beat.start()
    window.project.open_project(demo_project(), as_template=True)
    _until(app, lambda: ready["n"] >= 2)
    out["opening the demo project"] = _stall(beat)
    with tempfile.TemporaryDirectory() as folder:
        beat.start()
        window.project.save_to(Path(folder) / "demo.xrc.json")
        app.processEvents()
        out["saving the project"] = _stall(beat)
    beat.stop()
    window.undo_stack.setClean()
    window.close()
    return out


def _stall(beat) -> float:
    """The heartbeat's longest gap; where the GUI thread stood, when it was a stall."""
    if beat.worst > 0.05:
        print(beat.stall_report())
    return beat.worst


def _status_mb(pid: int | str = "self") -> dict[str, int]:
    """VmRSS and VmHWM (peak) of a process, in MB (Linux)."""
    figures = {}
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            key, _, value = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                figures[key] = int(value.split()[0]) // 1024
    return figures


def app_memory_child(before: Path, after: Path) -> int:
    """In a fresh process: the app with the pair open, aligned, difference shown; prints
    its own and its worker processes' memory as JSON."""
    import json

    from xraycompare.qt.app import make_application
    from xraycompare.qt.main_window import MainWindow
    from xraycompare.qt.workers import process_pool

    app = make_application()
    window = MainWindow(persist_layout=False, interactive=False)
    window.resize(1600, 1000)
    window.show()
    ready = {"n": 0}
    window.ready.connect(lambda: ready.update(n=1))
    window.open_pair(before, after)
    _until(app, lambda: ready["n"] >= 1)
    window.set_mode("difference")
    _until(app, lambda: not window.comparison.busy)
    for pane in (*window.panes.values(), window.comparison_view):
        pane.viewport().repaint()
    workers = [_status_mb(pid) for pid in process_pool()._processes]
    print(json.dumps({"app": _status_mb(), "workers": workers}))
    window.undo_stack.setClean()
    window.close()
    return 0


def app_memory(before: Path, after: Path) -> dict:
    import json
    import subprocess

    command = [sys.executable, __file__, "--app-memory", str(before), str(after)]
    out = subprocess.run(command, capture_output=True, text=True, check=True, timeout=600)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("before", nargs="?")
    parser.add_argument("after", nargs="?")
    parser.add_argument("--frames", type=int, default=120)
    parser.add_argument("--app-memory", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    from xraycompare.cli import share_malloc_arena
    from xraycompare.resources import demo_pair

    share_malloc_arena()  # as `xraycompare` itself does at start
    if args.app_memory:
        return app_memory_child(Path(args.before), Path(args.after))

    before, after = (Path(args.before), Path(args.after)) if args.after else demo_pair()
    if not before.exists() or not after.exists():
        print(f"missing films: {before}, {after}", file=sys.stderr)
        return 1

    print(f"films: {before.name}, {after.name}")
    print("\n== loading (best of 3) ==")
    for path in (before, after):
        decode, load = bare_decode_seconds(path), load_seconds(path)
        print(
            f"{path.name:28s} decode {1000 * decode:7.1f} ms   load {1000 * load:7.1f} ms"
            f"   ratio {load / decode:4.2f}x  (target <= 1.3x)"
        )

    from PySide6.QtWidgets import QApplication

    from xraycompare.qt.app import make_application
    from xraycompare.qt.main_window import MainWindow

    app = make_application()
    from xraycompare.qt.heartbeat import Heartbeat

    print("\n== the window answers while it works (longest event-loop stall) ==")
    for what, stalls in responsiveness(app, MainWindow, before, after).items():
        print(f"{what:44s} {1000 * stalls:6.0f} ms   (target <= 50 ms)")
    del Heartbeat

    t0 = time.perf_counter()
    window = MainWindow()
    window.resize(1600, 1000)
    window.show()
    done = {"shown": False}
    window.pair_shown.connect(lambda: done.update(shown=True))
    window.open_pair(before, after)
    while not done["shown"]:
        app.processEvents()
        time.sleep(0.001)
    for pane in window.panes.values():
        pane.viewport().repaint()
    first_paint = time.perf_counter() - t0
    print("\n== window ==")
    print(f"time to first painted window with the pair: {1000 * first_paint:.0f} ms")

    panes = list(window.panes.values())
    size = panes[0].viewport_size()
    controller = window.controller

    def frame() -> None:
        for pane in panes:
            pane.viewport().repaint()

    def timed(step) -> list[float]:
        times = []
        for i in range(args.frames):
            t = time.perf_counter()
            step(i)
            frame()
            times.append(time.perf_counter() - t)
        QApplication.processEvents()
        return times

    print(f"\n== synchronised frames, both panes ({int(size[0])}x{int(size[1])} each) ==")

    def pan_step(i: int) -> None:  # back and forth, so the film stays in view
        step = 4.0 if (i // 20) % 2 == 0 else -4.0
        controller.pan("before", step, step / 2, size)

    for label, zoom in (("fit", None), ("100 %", 1.0), ("400 %", 4.0)):
        controller.fit()
        if zoom is not None:
            controller.set_zoom(zoom, size)
        print(f"pan at {label:15s}", _ms(timed(pan_step)))
    controller.fit()
    first = window.document.before
    centre = ((first.width - 1) / 2, (first.height - 1) / 2)

    def zoom_step(i: int) -> None:
        factor = 1.05 if (i // 40) % 2 == 0 else 1 / 1.05
        controller.zoom("before", factor, centre, size)

    print("zoom steps (wheel)    ", _ms(timed(zoom_step)))
    controller.fit()
    sign = [1.0]

    def window_step(i: int) -> None:
        if i % 30 == 0:
            sign[0] = -sign[0]
        controller.adjust_window("before", 4 * sign[0], 3 * sign[0])

    print("window/level (linked) ", _ms(timed(window_step)))
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    window.undo_stack.setClean()
    window.close()
    memory = app_memory(before, after)
    app_figures = memory["app"]
    print(
        f"\npeak RSS of the app with the pair open: {app_figures['VmHWM']} MB"
        f" (target <= 400 MB; {app_figures['VmRSS']} MB once aligned and compared)"
    )
    for i, worker in enumerate(memory["workers"], start=1):
        print(f"  decoding worker process {i}: peak {worker['VmHWM']} MB, now {worker['VmRSS']} MB")
    print(f"this benchmark's process (decoders run here, two windows): peak {peak:.0f} MB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
