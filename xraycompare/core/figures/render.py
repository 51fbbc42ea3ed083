"""Making a figure: a quick raster for a preview, or the file and its provenance sidecar.

:func:`render_figure` returns the composed picture at any resolution (a dialog previews at
screen resolution and re-renders as options change: the prepared films are reused);
:func:`write_figure` writes the file and ``OUT.provenance.json``. Both take a Document and a
:class:`~xraycompare.core.figures.spec.FigureSpec` and never change either.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg

from xraycompare.core.annotations.regions import Region
from xraycompare.core.atomic import write_atomic_files
from xraycompare.core.document import Document
from xraycompare.core.figures.drawing import build_figure, figure_context
from xraycompare.core.figures.layout import FigureLayout, PanelLayout, figure_layout
from xraycompare.core.figures.marks import figure_marks
from xraycompare.core.figures.output import encode_raster, encode_vector
from xraycompare.core.figures.panels import (
    FigureSource,
    enlarged_panels,
    figure_source,
    render_panel,
)
from xraycompare.core.figures.provenance import Figures, provenance
from xraycompare.core.figures.spec import (
    Box,
    FigureError,
    FigureSpec,
    format_for_path,
    sidecar_path,
)
from xraycompare.core.io.calibration import calibration_warning
from xraycompare.core.progress import ProgressFn, Reporter, Stage, StopFn
from xraycompare.core.registration.alignment import joint_roi

PREPARE = Stage("Preparing the films", 0.25)
PANELS = Stage("Rendering the panels", 0.7)
DRAW = Stage("Drawing labels and marks", 0.85)
WRITE = Stage("Writing the figure", 1.0)
VECTOR_LAYOUT_DPI = 7200.0  # PDF and SVG: 1 layout pixel = 0.01 pt


@dataclass(frozen=True, eq=False)
class RenderedFigure:
    """A composed figure: ``image`` (H, W, 3) uint8 RGB at ``layout.dpi``."""

    image: np.ndarray
    layout: FigureLayout
    warnings: tuple[str, ...]


@dataclass(frozen=True, eq=False)
class WrittenFigure:
    """A figure file and its sidecar as written, with what the user should know."""

    path: Path
    sidecar: Path
    layout: FigureLayout
    warnings: tuple[str, ...]
    provenance: dict[str, Any]


def render_figure(
    document: Document,
    spec: FigureSpec,
    *,
    preview_dpi: float | None = None,
    progress: ProgressFn | None = None,
    should_stop: StopFn | None = None,
) -> RenderedFigure:
    """The figure as one RGB raster, as a PNG or TIFF of ``spec`` would hold it.

    Parameters
    ----------
    document
        The pair, its alignments, display settings and regions.
    spec
        The figure's options.
    preview_dpi
        Render at this resolution instead of ``spec.dpi`` (a live preview: about 100 dpi
        renders a 180 mm figure in well under a second once the films are prepared).
        Letters and lines keep their printed sizes, so the preview looks like the print.
    progress, should_stop
        Progress and cancellation callbacks (:mod:`xraycompare.core.progress`).

    Raises
    ------
    FigureError
        No pair, a crop off the film, an unknown alignment, or an absurd size.
    xraycompare.core.progress.Cancelled
        ``should_stop()`` returned True.
    """
    reporter = Reporter(progress, should_stop)
    made, images = _prepare(document, spec, preview_dpi or spec.dpi, reporter, raster=True)
    reporter.enter(DRAW)
    rgb = _draw_raster(made, images)
    reporter.done()
    return RenderedFigure(rgb, made.layout, made.warnings)


def write_figure(
    document: Document,
    spec: FigureSpec,
    out: str | Path,
    *,
    progress: ProgressFn | None = None,
    should_stop: StopFn | None = None,
) -> WrittenFigure:
    """Write the figure to ``out`` and its provenance to ``OUT.provenance.json``.

    Both files are written atomically, the figure first; nothing is written when the
    figure cannot be made. The format is ``spec.format``; ``out`` must carry one of its
    extensions.

    Raises
    ------
    FigureError
        As :func:`render_figure`, or ``out``'s extension names another format.
    xraycompare.core.atomic.AtomicWriteError
        A file cannot be written.
    """
    out = Path(out)
    if format_for_path(out) != spec.format:
        raise FigureError(f"{out.name}: the extension does not match the format {spec.format}")
    refuse_inputs(document, out)
    reporter = Reporter(progress, should_stop)
    made, images = _prepare(document, spec, spec.dpi, reporter, raster=spec.is_raster)
    reporter.enter(DRAW)
    if spec.is_raster:
        payload = encode_raster(_draw_raster(made, images), spec.format, spec.dpi)
    else:
        with figure_context():
            figure = build_figure(made.layout, images, made.marks, raster=False)
            payload = encode_vector(figure, spec.format)
    reporter.enter(WRITE)
    record = provenance(made, figure_sha256=hashlib.sha256(payload).hexdigest())
    sidecar = sidecar_path(out)
    text = _json(record)
    written, _ = write_atomic_files({out: payload, sidecar: text})  # the pair, or neither
    reporter.done()
    return WrittenFigure(written, sidecar, made.layout, made.warnings, record)


def refuse_inputs(document: Document, out: Path) -> None:
    """Never write a figure or its sidecar over one of the pair's films or its project.

    Raises
    ------
    FigureError
        ``out`` or its sidecar is the project file or one of the films.
    """
    inputs = [document.project_path]
    inputs += [image.source for image in (document.before, document.after) if image is not None]
    taken = {_same_file_key(p) for p in inputs if p is not None}
    for target in (out, sidecar_path(out)):
        if _same_file_key(target) in taken:
            raise FigureError(f"{target.name} is one of the inputs; choose another file name")


def _same_file_key(path: Path) -> Path:
    try:
        return path.resolve()
    except (OSError, RuntimeError):
        return path.absolute()


def _json(record: dict[str, Any]) -> bytes:
    """Indented JSON with each list of numbers (a matrix row, a box) on one line."""
    text = json.dumps(record, indent=1, ensure_ascii=False)
    numbers = re.compile(r"\[\s+(-?[\d.eE+-]+(?:,\s+-?[\d.eE+-]+)*)\s+\]")
    text = numbers.sub(lambda m: "[" + ", ".join(v.strip() for v in m[1].split(",")) + "]", text)
    return (text + "\n").encode("utf-8")


def inset_around(document: Document, region: Region) -> Box:
    """An inset (before pixels) around a region's joint: what picking a region offers."""
    if document.before is None:
        raise FigureError("open a pair first")
    return joint_roi(
        region.outline(samples=32), document.film_to_before(region.film), document.before
    )


def _prepare(
    document: Document, spec: FigureSpec, dpi: float, reporter: Reporter, *, raster: bool
) -> tuple[Figures, list[np.ndarray]]:
    reporter.enter(PREPARE)
    source = figure_source(document, spec)
    crop, insets, warnings = _regions_on_film(source, spec)
    # PDF and SVG are laid out on a fine grid (0.01 pt): each panel shows its crop exactly
    layout = figure_layout(spec, crop, insets, dpi=dpi if raster else VECTOR_LAYOUT_DPI)
    if raster:
        layout.check_raster_size()
    reporter.enter(PANELS)
    images = []
    for i, panel in enumerate(layout.panels):
        size = None if raster else _film_size(source, panel)
        images.append(render_panel(source, panel, spec, size))
        reporter.within((i + 1) / len(layout.panels))
    marks = figure_marks(document, source, spec, layout, images)
    # measured on the print's layout, so a preview warns about the print
    printed = figure_layout(spec, crop, insets) if raster else layout
    enlarged = enlarged_panels(source, printed.panels, layout_dpi=printed.dpi, print_dpi=spec.dpi)
    warnings += _warnings(source, spec, enlarged)
    return Figures(spec, source, layout, marks, enlarged, tuple(warnings)), images


def _draw_raster(made: Figures, images: list[np.ndarray]) -> np.ndarray:
    with figure_context():
        figure = build_figure(made.layout, images, made.marks, raster=True)
        canvas = FigureCanvasAgg(figure)
        canvas.draw()
        rgba = np.asarray(canvas.buffer_rgba())
        return np.ascontiguousarray(rgba[..., :3])


def _film_size(source: FigureSource, panel: PanelLayout) -> tuple[int, int]:
    """A panel's raster for PDF and SVG: one pixel per film pixel (the finer film's)."""
    per_before = 1.0
    if panel.content != "before":
        per_before = max(1.0, 1.0 / source.after_scale)
    _, _, w, h = panel.crop
    return max(1, round(w * per_before)), max(1, round(h * per_before))


def _regions_on_film(
    source: FigureSource, spec: FigureSpec
) -> tuple[Box, tuple[Box, ...], list[str]]:
    """The crop and insets kept on the before film; a warning for each that was clipped."""
    width, height = source.before.width, source.before.height
    warnings = []

    def clipped(name: str, box: Box) -> Box:
        x, y, w, h = box
        x0, y0 = max(x, 0.0), max(y, 0.0)
        x1, y1 = min(x + w, float(width)), min(y + h, float(height))
        if x1 - x0 < 1 or y1 - y0 < 1:
            raise FigureError(
                f"the {name} ({x:g}, {y:g}, {w:g} × {h:g}) lies outside the before film "
                f"({width} × {height} pixels)"
            )
        if (x0, y0, x1, y1) != (x, y, x + w, y + h):
            warnings.append(f"The {name} was cut to the before film's edges.")
        return (x0, y0, x1 - x0, y1 - y0)

    crop = (0.0, 0.0, float(width), float(height)) if spec.crop is None else spec.crop
    crop = clipped("crop", crop)
    insets = ()
    if spec.layout == "grid-insets":
        insets = tuple(clipped(f"inset {i + 1}", b) for i, b in enumerate(spec.insets))
    return crop, insets, warnings


def _warnings(source: FigureSource, spec: FigureSpec, enlarged: dict[str, float]) -> list[str]:
    out = []
    if spec.scale_bar and source.before.calibration == "none":
        out.append(
            "The before film has no pixel spacing (pixels only): no scale bar. "
            "Calibrate it from a known length to add one."
        )
    mismatch = calibration_warning(source.before, source.after)
    if mismatch:
        out.append(mismatch)
    if source.alignment is None and not spec.unaligned:
        out.append("The films are not aligned: the after panel shows the film as it is.")
    elif source.alignment is not None and source.alignment.warning:
        out.append(f"Alignment: {source.alignment.warning}")
    if enlarged:
        letters = ", ".join(sorted(enlarged))
        out.append(
            f"Panel{'s' if len(enlarged) > 1 else ''} {letters} enlarge"
            f"{'' if len(enlarged) > 1 else 's'} the film up to {max(enlarged.values()):.1f}× "
            f"beyond its resolution at {spec.dpi} dpi; choose a larger crop, a smaller "
            "width or a lower resolution to avoid it."
        )
    return out
