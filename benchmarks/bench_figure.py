"""Publication figures: how long a print-size figure takes, by stage and by format.

Run: ``python benchmarks/bench_figure.py [--repeat 3] [--width-mm 180] [--dpi 600]``.
The pair is the bundled demo project (the real 2500×2048 CR hand and its simulated
follow-up, its alignment, windows and regions). Prints figures; asserts nothing. Target
(issue 12): a 180 mm, 600 dpi, three-panel TIFF in under 3 s. "First" is the first figure
after opening the project (the exposure match is fitted, the pyramids are built); "again"
is the median of the repeats with those ready, as when an author changes an option.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="figures per measurement")
    parser.add_argument("--width-mm", type=float, default=180.0)
    parser.add_argument("--dpi", type=int, default=600)
    args = parser.parse_args()

    started = time.perf_counter()
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    from xraycompare.core.figures import FigureSpec, render_figure, write_figure
    from xraycompare.core.figures.drawing import build_figure, figure_context
    from xraycompare.core.figures.marks import figure_marks
    from xraycompare.core.figures.output import encode_raster
    from xraycompare.core.figures.panels import figure_source, render_panel
    from xraycompare.core.project.opening import open_pair
    from xraycompare.resources import demo_project

    imported = time.perf_counter() - started
    started = time.perf_counter()
    document = open_pair([demo_project()]).document
    opened = time.perf_counter() - started
    print(f"import (matplotlib included) {imported:6.2f} s; open the demo project {opened:6.2f} s")

    spec = FigureSpec(
        layout="before-after-difference", width_mm=args.width_mm, dpi=args.dpi, format="tiff"
    )
    folder = Path(tempfile.mkdtemp(prefix="bench_figure_"))

    def timed(call) -> float:
        t = time.perf_counter()
        call()
        return time.perf_counter() - t

    def write(fmt: str, suffix: str):
        options = {**spec.to_dict(), "format": fmt}
        return write_figure(document, FigureSpec.from_dict(options), folder / f"figure.{suffix}")

    first = timed(lambda: write("tiff", "tif"))
    again = [timed(lambda: write("tiff", "tif")) for _ in range(args.repeat)]
    written = write("tiff", "tif")
    layout = written.layout
    size_mb = written.path.stat().st_size / 1e6
    print(
        f"\n{args.width_mm:g} mm, {args.dpi} dpi, three panels (before | after | difference): "
        f"{layout.width_px} × {layout.height_px} px, TIFF (LZW) {size_mb:.1f} MB"
    )
    verdict = "meets" if statistics.median(again) < 3.0 else "MISSES"
    print(f"  TIFF, first after opening  {first:6.2f} s")
    median = statistics.median(again)
    print(f"  TIFF, again (median of {args.repeat}) {median:6.2f} s  ({verdict} the 3 s target)")

    # Where the time goes (warm): prepare, panels, drawing, encoding.
    source = figure_source(document, spec)
    panels = layout.panels
    t_panels = timed(lambda: [render_panel(source, p, spec) for p in panels])
    images = [render_panel(source, p, spec) for p in panels]
    marks = figure_marks(document, source, spec, layout, images)
    rgb = render_figure(document, spec).image

    def draw():
        with figure_context():
            FigureCanvasAgg(build_figure(layout, images, marks, raster=True)).draw()

    t_draw = timed(draw)
    t_tiff = timed(lambda: encode_raster(rgb, "tiff", args.dpi))
    t_png = timed(lambda: encode_raster(rgb, "png", args.dpi))
    print(
        f"  stages: panels {t_panels:5.2f} s, labels and marks {t_draw:5.2f} s, "
        f"TIFF encoding {t_tiff:5.2f} s (PNG encoding {t_png:5.2f} s)"
    )

    print("\nformats (same figure, warm)")
    for fmt, suffix in (("png", "png"), ("tiff", "tif"), ("pdf", "pdf"), ("svg", "svg")):
        seconds = timed(lambda f=fmt, x=suffix: write(f, x))
        size = (folder / f"figure.{suffix}").stat().st_size / 1e6
        print(f"  {fmt:5s} {seconds:6.2f} s  {size:6.1f} MB")

    print("\npreview (the same figure at screen resolution, warm)")
    for dpi in (72, 100, 150):
        seconds = statistics.median(
            timed(lambda d=dpi: render_figure(document, spec, preview_dpi=d))
            for _ in range(args.repeat)
        )
        print(f"  {dpi:4d} dpi  {1000 * seconds:7.1f} ms")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\npeak memory (RSS) of this run: {peak:.0f} MB")
    for path in folder.iterdir():
        path.unlink()
    folder.rmdir()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
