"""Annotation core speed with many regions: save, read, measure, export.

Run: ``python benchmarks/bench_annotations.py [BEFORE AFTER] [--regions 500]`` (default:
the real 2500×2048 CR hand from ../shared/data for both films, else a synthetic
12-bit film). Prints figures; asserts nothing. Target (issue 5): a save with 500 regions on
a pair under 200 ms. (Panning with 500 region items is a Qt figure, measured elsewhere.)
"""

from __future__ import annotations

import argparse
import math
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from xraycompare.core.annotations import Region, ellipse_points, rectangle_points  # noqa: E402
from xraycompare.core.document import Alignment, Document  # noqa: E402
from xraycompare.core.formats import csv_export, geojson  # noqa: E402
from xraycompare.core.geometry import similarity  # noqa: E402
from xraycompare.core.imaging import load_image  # noqa: E402
from xraycompare.core.measurements import lineage_changes, measure_regions  # noqa: E402
from xraycompare.core.project_file import read_project, save_project  # noqa: E402
from xraycompare.core.propagation import propagate  # noqa: E402

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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("films", nargs="*", type=Path)
    parser.add_argument("--regions", type=int, default=500)
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


if __name__ == "__main__":
    main()
