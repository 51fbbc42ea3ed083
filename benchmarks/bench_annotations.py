"""Annotation speed with many regions: save, read, measure, export, and panning in the GUI.

Run: ``python benchmarks/bench_annotations.py [BEFORE AFTER] [--regions 500] [--no-qt]``
(default: the real 2500×2048 CR hand from ../shared/data for both films, else a synthetic
12-bit film). Prints figures; asserts nothing. Targets (issue 5): with 500 regions on a
pair, a save under 200 ms and panning under 16 ms per frame (both panes repainted); the
GUI part compares frames with the region items shown and hidden, so their own cost shows.
"""

from __future__ import annotations

import argparse
import math
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from xraycompare.core.annotations.formats import csv_export, geojson
from xraycompare.core.annotations.measurements import lineage_changes, measure_regions
from xraycompare.core.annotations.propagation import propagate
from xraycompare.core.annotations.regions import (
    Region,
    ellipse_points,
    rectangle_points,
)
from xraycompare.core.document import Document
from xraycompare.core.geometry import similarity
from xraycompare.core.io.loading import load_image
from xraycompare.core.project.file import read_project, save_project
from xraycompare.core.registration.alignment import Alignment

CR_HAND = REPO.parent / "shared" / "data" / "dicom" / "pylibjpeg-data" / "cr_right_hand_pa.dcm"
SITES = ("MCP2", "MCP3", "PIP2", "PIP3", "PIP4", "PIP5")


def timed(fn: Callable[[], object], repeat: int = 7) -> list[float]:
    out = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t)
    return out


def report(name: str, values: list[float]) -> None:
    values = sorted(values)
    print(f"{name:38s} median {1000 * statistics.median(values):8.1f} ms   "
          f"best {1000 * values[0]:8.1f} ms   worst {1000 * values[-1]:8.1f} ms")  # fmt: skip


def synthetic_films(folder: Path) -> tuple[Path, Path]:
    import cv2

    rng = np.random.default_rng(0)
    paths = []
    for name in ("before.png", "after.png"):
        pixels = (rng.random((2500, 2048)) * 4095).astype(np.uint16)
        cv2.imwrite(str(folder / name), pixels)
        paths.append(folder / name)
    return paths[0], paths[1]


def populate(doc: Document, count: int, shape: tuple[int, int]) -> None:
    """``count`` regions: half drawn on the before film, each propagated to the after film."""
    rng = np.random.default_rng(1)
    h, w = shape
    matrix = doc.alignment_matrix
    for i in range(count // 2):
        x, y = rng.uniform(100, w - 100), rng.uniform(100, h - 100)
        kind = i % 4
        if kind == 0:
            t = np.linspace(0, 2 * math.pi, 40, endpoint=False)
            pts = np.c_[x + 25 * np.cos(t), y + 18 * np.sin(t)] + rng.normal(0, 1, (40, 2))
            r = Region.create(
                "before",
                "freehand",
                pts,
                kind="erosion",
                site=SITES[i % 6],
                laterality="right",
                score=int(i % 6),
            )
        elif kind == 1:
            r = Region.create(
                "before",
                "ellipse",
                ellipse_points(x, y, 20, 12, i % 180),
                kind="erosion",
                site=SITES[i % 6],
                score=2,
                status="stable",
            )
        elif kind == 2:
            r = Region.create(
                "before",
                "rectangle",
                rectangle_points(x, y, x + 40, y + 25),
                kind="narrowing",
                site="MCP2",
                score=1,
            )
        else:
            r = Region.create("before", "length", ((x, y), (x + 30, y + 10)))
        doc.annotations.add(r)
        doc.annotations.add(propagate(r, matrix))  # fmt: skip


def percentiles(name: str, values: list[float]) -> None:
    values = sorted(values)
    p95 = values[min(len(values) - 1, int(round(0.95 * (len(values) - 1))))]
    print(f"{name:38s} median {1000 * statistics.median(values):8.2f} ms   "
          f"p95 {1000 * p95:8.2f} ms   worst {1000 * values[-1]:8.2f} ms")  # fmt: skip


def qt_part(doc: Document, folder: Path, frames: int) -> None:
    """The same pair and regions in the main window: pan frames, and a save from the GUI."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    os.environ.setdefault("XRAYCOMPARE_RECOVERY_DIR", str(folder / "recovery"))
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(folder))
    from xraycompare.qt.app import make_application
    from xraycompare.qt.main_window import MainWindow

    app = make_application()
    window = MainWindow(auto_register=False, persist_layout=False)
    window.resize(1600, 1000)
    window.show()
    regions, alignment = doc.annotations.regions(), doc.global_alignment
    window.document.set_pair(doc.before, doc.after)
    window.document.set_global_alignment(alignment)
    window.document.annotations.reset(regions)
    app.processEvents()
    panes = list(window.panes.values())
    size = panes[0].viewport_size()
    items = sum(len(layer.regions) for layer in window.region_layers.values())
    print(f"\n== GUI: {items} region items, both panes {int(size[0])}x{int(size[1])} ==")
    controller = window.controller

    def pan_frames() -> list[float]:
        times = []
        for i in range(frames):
            step = 4.0 if (i // 20) % 2 == 0 else -4.0  # back and forth: the film stays
            t = time.perf_counter()
            controller.pan("before", step, step / 2, size)
            for pane in panes:
                pane.viewport().repaint()
            times.append(time.perf_counter() - t)
        QApplication.processEvents()
        return times

    for label, zoom in (("fit", None), ("100 %", 1.0), ("400 %", 4.0)):
        controller.fit()
        if zoom is not None:
            controller.set_zoom(zoom, size)
        window.regions.set_visible(True)
        percentiles(f"pan at {label}, regions shown", pan_frames())
        window.regions.set_visible(False)
        percentiles(f"pan at {label}, regions hidden", pan_frames())
    window.regions.set_visible(True)
    controller.fit()
    window.regions.selection.set(r.id for r in regions[:50])
    percentiles("pan at fit, 50 regions selected", pan_frames())
    window.regions.selection.clear()
    project = folder / "gui.xrc.json"
    report("save from the GUI (File > Save)", timed(lambda: window.project.save_to(project)))
    t = time.perf_counter()
    window.document.annotations.reset(())
    window.document.annotations.reset(regions)
    report("rebuild all region items", [time.perf_counter() - t])
    window.undo_stack.setClean()
    window.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("films", nargs="*", type=Path)
    parser.add_argument("--regions", type=int, default=500)
    parser.add_argument("--frames", type=int, default=120)
    parser.add_argument("--no-qt", action="store_true", help="core figures only")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="bench-annotations-"))
    if len(args.films) == 2:
        before_path, after_path = args.films
    elif CR_HAND.is_file():
        before_path = after_path = CR_HAND
    else:
        before_path, after_path = synthetic_films(folder)
    before, after = load_image(before_path), load_image(after_path)
    print(f"films: {before_path.name} {before.shape}, {after_path.name} {after.shape}; "
          f"{args.regions} regions")  # fmt: skip
    doc = Document()
    doc.set_pair(before, after)
    doc.set_global_alignment(Alignment("g", similarity(angle_deg=3, tx=12, ty=-7, scale=1.02)))
    t = time.perf_counter()
    populate(doc, args.regions, before.shape)
    report("add + propagate (all regions)", [time.perf_counter() - t])

    project = folder / "bench.xrc.json"
    report("save_project", timed(lambda: save_project(doc, project)))
    print(f"{'':38s} file size {project.stat().st_size / 1024:.0f} KiB")
    report("read_project (validated)", timed(lambda: read_project(project)))
    regions = doc.annotations.regions()
    images = {"before": before, "after": after}
    report("measure all (with pixels)", timed(lambda: measure_regions(regions, images), 3))
    report("measure all (geometry only)", timed(lambda: measure_regions(regions, {}), 3))
    ms = measure_regions(regions, images)
    changes = lineage_changes(regions, ms)
    report("GeoJSON (both films, in memory)", timed(lambda: [
        geojson.to_geojson(regions, film=f, measurements=ms, changes=changes)
        for f in ("before", "after")
    ], 3))  # fmt: skip
    report("regions CSV", timed(
        lambda: csv_export.write_regions_csv(folder / "r.csv", regions, ms, changes), 3
    ))  # fmt: skip
    if not args.no_qt:
        qt_part(doc, folder, args.frames)


if __name__ == "__main__":
    main()
