"""The joint gallery as a figure: one tile per site, labelled, PNG/TIFF/PDF at print size.

Each tile shows its joint before | after side by side, or one overlay or difference image;
every tile is rendered by the comparison views' own code
(:meth:`~xraycompare.core.compare.comparison.ComparisonPair.render`) through the tile's
alignment, so windows, exposure matching, the overlay's colours and the difference's colour
map are those of the main view and of figures (:mod:`xraycompare.core.figures`, whose
drawing, file writing and provenance are reused). Tiles sit in a grid with one column per
digit (:func:`~xraycompare.core.gallery.sites.grid_position`); each is labelled with its
site and, small, its correlation; a site not found is an empty tile saying "not found".

Nothing identifies the patient: the only words are site names, "Baseline" and "Year N"
(an interval, never a date; "Before" and "After" without dates) and figures of merit.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Literal, get_args

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from xraycompare import __version__
from xraycompare.core.atomic import write_atomic_files
from xraycompare.core.compare.colormaps import colour_bar
from xraycompare.core.compare.settings import ComparisonSettings
from xraycompare.core.document import Document
from xraycompare.core.figures.drawing import PanelPen, figure_context, font
from xraycompare.core.figures.labels import film_captions
from xraycompare.core.figures.layout import FigureLayout, PanelLayout, mm_to_px
from xraycompare.core.figures.output import encode_raster, encode_vector
from xraycompare.core.figures.panels import FigureSource, figure_source
from xraycompare.core.figures.provenance import input_record
from xraycompare.core.figures.render import WrittenFigure, refuse_inputs
from xraycompare.core.figures.spec import (
    MAX_DPI,
    MIN_DPI,
    FigureError,
    FigureSpec,
    format_for_path,
    sidecar_path,
)
from xraycompare.core.project.schema import dumps_readable
from xraycompare.core.registration.alignment import GLOBAL
from xraycompare.core.types import FILMS

from .sites import box_frame, grid_position, site_label
from .tiles import Gallery, GalleryTile

GalleryMode = Literal["side-by-side", "overlay", "difference"]
GALLERY_MODES: tuple[GalleryMode, ...] = get_args(GalleryMode)
FORMAT = "xraycompare-gallery-provenance"
VERSION = 1

COLUMNS = 5  # one per digit
MIN_WIDTH_MM, MAX_WIDTH_MM = 40.0, 1000.0  # five tiles side by side need some room
CELL_GAP_MM = 2.0  # between tiles
PAIR_GAP_MM = 0.5  # between a tile's before and after
LABEL_MM = 4.0  # the strip above a tile: site and correlation
HEADER_MM = 6.0  # the line above the grid saying what a tile shows
BAR_MM = (40.0, 1.6)  # the difference's colour bar: length, thickness
BAR_LINE_MM = 5.5  # the colour bar's line under the header
LABEL_PT, SMALL_PT = 8.0, 6.5
EMPTY_GREY = "#e6e6e6"


@dataclass(frozen=True, eq=False)
class RenderedGallery:
    """A composed gallery: ``image`` (H, W, 3) uint8 RGB at ``layout.dpi``.

    ``tile_boxes`` maps each site to the (x, y, w, h) figure-pixel boxes of its image(s):
    before and after side by side, else the one comparison image (a click on a preview
    finds its tile here).
    """

    image: np.ndarray
    layout: FigureLayout
    warnings: tuple[str, ...]
    tile_boxes: dict[str, tuple[tuple[int, int, int, int], ...]]


@dataclass(frozen=True)
class _Cell:
    """Where one tile goes: its label strip's left and baseline, and its image boxes."""

    tile: GalleryTile
    left: int
    baseline: float
    boxes: tuple[tuple[int, int, int, int], ...]  # (x, y, w, h) figure pixels per image


def check_options(mode: str, dpi: float, width_mm: float) -> None:
    """Raise FigureError, saying what is wrong, for a mode, resolution or width no gallery
    figure can have."""
    if mode not in GALLERY_MODES:
        raise FigureError(f"the mode must be one of {', '.join(GALLERY_MODES)}, not {mode!r}")
    if not (MIN_DPI <= dpi <= MAX_DPI):
        raise FigureError(f"the resolution must be {MIN_DPI} to {MAX_DPI} dpi, not {dpi:g}")
    if not (MIN_WIDTH_MM <= width_mm <= MAX_WIDTH_MM):
        raise FigureError(f"the width must be {MIN_WIDTH_MM:g} to {MAX_WIDTH_MM:g} mm")


def gallery_source(document: Document, *, colormap: str = "difference-light") -> FigureSource:
    """The pair ready for rendering tiles: windows, exposure match, difference range.

    The exposure match is fitted through the document's global alignment (as figures fit
    it), and reused by every tile. Cached while the document's films and settings stay.

    Raises
    ------
    FigureError
        The document has no pair or no global alignment.
    """
    if document.global_alignment is None:
        raise FigureError("align the pair first: the gallery's tiles start from its alignment")
    return figure_source(document, FigureSpec(alignment=GLOBAL, colormap=colormap))


def tile_images(
    source: FigureSource,
    tile: GalleryTile,
    mode: GalleryMode,
    size: tuple[int, int],
    *,
    colormap: str = "difference-light",
) -> list[np.ndarray]:
    """A tile's pixels at ``size`` (w, h): [before, after] side by side, else one image.

    Each is (h, w, 3) uint8 RGB through the display pipeline; the after film (and the
    overlay and difference) through the tile's own alignment. A gallery view calls this at
    screen size, a figure at print size.
    """
    if tile.matrix is None or tile.before_box is None:
        raise ValueError(f"{tile.site} was not found: its tile has no pixels")
    pair = replace(source.pair, after_to_before=tile.matrix)
    frame = box_frame(tile.before_box, size)
    if mode == "side-by-side":
        settings = [ComparisonSettings(mode="flicker", flicker_phase=f) for f in FILMS]
    elif mode == "overlay":
        settings = [ComparisonSettings(mode="overlay")]
    elif mode == "difference":
        settings = [source.difference_settings(FigureSpec(colormap=colormap))]
    else:
        raise ValueError(f"mode must be one of {', '.join(GALLERY_MODES)}, not {mode!r}")
    return [pair.render(frame, size, settings=s) for s in settings]


def render_gallery(
    document: Document,
    gallery: Gallery,
    *,
    mode: GalleryMode = "side-by-side",
    dpi: float = 300,
    width_mm: float = 180.0,
) -> RenderedGallery:
    """The gallery as one RGB raster, as its PNG or TIFF would hold it.

    Parameters
    ----------
    document
        The pair (films, global alignment, windows, difference settings).
    gallery
        From :func:`~xraycompare.core.gallery.build_gallery` on the document's films.
    mode
        ``side-by-side`` (before | after in each tile), ``overlay`` or ``difference``.
    dpi, width_mm
        Resolution and printed width.

    Raises
    ------
    FigureError
        No aligned pair, a bad mode, resolution or width, or an absurdly large raster.
    """
    made = _Made.prepare(document, gallery, mode, dpi, width_mm)
    made.layout.check_raster_size()
    images = made.images(vector=False)
    with figure_context():
        figure = made.figure(images)
        canvas = FigureCanvasAgg(figure)
        canvas.draw()
        rgb = np.ascontiguousarray(np.asarray(canvas.buffer_rgba())[..., :3])
    boxes = {cell.tile.site: cell.boxes for cell in made.cells}
    return RenderedGallery(rgb, made.layout, made.warnings, boxes)


def gallery_record(gallery: Gallery) -> bytes:
    """The gallery's JSON (every tile's box, alignment, quality, status) with the software
    that made it, as ``gallery --json`` and a batch write it."""
    record = {**gallery.as_json(), "software": f"xraycompare {__version__}"}
    return (dumps_readable(record) + "\n").encode("utf-8")


def write_gallery(
    document: Document,
    gallery: Gallery,
    out: str | Path,
    *,
    mode: GalleryMode = "side-by-side",
    dpi: int = 600,
    width_mm: float = 180.0,
) -> WrittenFigure:
    """Write the gallery to ``out`` (.png, .tif/.tiff, .pdf or .svg) and its provenance.

    Both files are written atomically, the figure first; nothing is written when the
    figure cannot be made. The provenance (``OUT.provenance.json``) records the inputs by
    content hash, every tile's box, alignment and quality, and a suggested legend.

    Raises
    ------
    FigureError
        As :func:`render_gallery`, an unknown extension, or ``out`` is one of the inputs.
    xraycompare.core.atomic.AtomicWriteError
        A file cannot be written.
    """
    out = Path(out)
    fmt = format_for_path(out)
    refuse_inputs(document, out)
    made = _Made.prepare(document, gallery, mode, dpi, width_mm)
    raster = fmt in ("png", "tiff")
    if raster:
        made.layout.check_raster_size()
    images = made.images(vector=not raster)
    with figure_context():
        figure = made.figure(images)
        if raster:
            canvas = FigureCanvasAgg(figure)
            canvas.draw()
            rgb = np.ascontiguousarray(np.asarray(canvas.buffer_rgba())[..., :3])
            payload = encode_raster(rgb, fmt, dpi)
        else:
            payload = encode_vector(figure, fmt)
    record = made.provenance(fmt, hashlib.sha256(payload).hexdigest())
    sidecar = sidecar_path(out)
    text = (dumps_readable(record) + "\n").encode("utf-8")
    written, _ = write_atomic_files({out: payload, sidecar: text})  # the pair, or neither
    return WrittenFigure(written, sidecar, made.layout, made.warnings, record)


@dataclass(frozen=True, eq=False)
class _Made:
    """A gallery laid out at a resolution, with what its tiles are rendered from."""

    gallery: Gallery
    source: FigureSource
    mode: GalleryMode
    layout: FigureLayout
    cells: tuple[_Cell, ...]
    header_baseline: float
    films: tuple[str, str]
    warnings: tuple[str, ...]

    @classmethod
    def prepare(
        cls, document: Document, gallery: Gallery, mode: str, dpi: float, width_mm: float
    ) -> _Made:
        check_options(mode, dpi, width_mm)
        source = gallery_source(document)
        layout, cells, header = _lay_out(gallery, mode, float(dpi), width_mm)  # type: ignore[arg-type]
        films = film_captions(source.before, source.after)
        return cls(gallery, source, mode, layout, cells, header, films, _warnings(gallery))  # type: ignore[arg-type]

    def images(self, *, vector: bool) -> list[list[np.ndarray]]:
        """Each found tile's images: figure pixels for a raster, film pixels for a vector."""
        out = []
        for cell in self.cells:
            if not cell.tile.found:
                out.append([])
                continue
            _, _, w, h = cell.boxes[0]
            if vector:
                n = round(self.gallery.tile_side)
                w = h = max(w, n)
            out.append(tile_images(self.source, cell.tile, self.mode, (w, h)))
        return out

    def figure(self, images: list[list[np.ndarray]]) -> Figure:
        """The matplotlib Figure (call inside figure_context)."""
        layout = self.layout
        fig = Figure(
            figsize=(layout.width_px / layout.dpi, layout.height_px / layout.dpi),
            dpi=layout.dpi,
            facecolor="white",
        )
        whole = layout.panels[0]
        pen = PanelPen(fig, layout, whole)
        grey = {"color": "#555555", "fontproperties": font(SMALL_PT)}
        pen.text(0, self.header_baseline, self._header(), va="baseline", ha="left", **grey)
        if self.mode == "difference":
            self._colour_bar(pen)
        for cell, pictures in zip(self.cells, images, strict=True):
            tile = cell.tile
            pen.text(
                cell.left,
                cell.baseline,
                site_label(tile.site),
                va="baseline",
                ha="left",
                color="black",
                fontproperties=font(LABEL_PT, bold=True),
            )
            right = cell.boxes[-1][0] + cell.boxes[-1][2] - 1
            pen.text(right, cell.baseline, _quality_text(tile), va="baseline", ha="right", **grey)
            for (x, y, w, h), picture in zip(cell.boxes, pictures or [None] * 2, strict=False):
                edges = (x - 0.5, y - 0.5, x + w - 0.5, y + h - 0.5)
                if picture is None:
                    pen.add(
                        Rectangle(edges[:2], w, h, facecolor=EMPTY_GREY, edgecolor="none", zorder=0)
                    )
                else:
                    pen.pixels(picture, edges, zorder=0)
            if not tile.found:
                x0, y0 = cell.boxes[0][:2]
                x1 = cell.boxes[-1][0] + cell.boxes[-1][2]
                mid = ((x0 + x1) / 2 - 0.5, y0 + cell.boxes[0][3] / 2 - 0.5)
                pen.text(*mid, "not found", va="center", ha="center", **grey)
        return fig

    def _header(self) -> str:
        before, after = self.films
        if self.mode == "side-by-side":
            what = f"{before} (left) | {after} (right)"
        elif self.mode == "overlay":
            what = f"{before} green, {after} magenta, grey where they agree"
        else:
            what = f"{after} − {before} after exposure matching"
        size = self.gallery.tile_mm
        across = f"{size:.0f} mm across" if size is not None else f"{self.gallery.tile_side:.0f} px"
        return f"Each joint: {what}; aligned on the joint; tiles {across}; r: tile correlation"

    def _colour_bar(self, pen: PanelPen) -> None:
        settings = self.source.difference_settings(FigureSpec())
        limit = float(settings.difference_range or self.source.pair.difference_range)
        colormap = settings.difference_colormap
        bar = colour_bar(colormap, limit=limit, length=2, thickness=1, labels=False, tick_count=3)
        dpi = self.layout.dpi
        length, thick = (mm_to_px(v, dpi) for v in BAR_MM)
        left = mm_to_px(3.0, dpi)  # room for the first value's minus sign
        top = mm_to_px(HEADER_MM, dpi)
        gradient = np.ascontiguousarray(colormap.colours[None, :, :])
        pen.pixels(gradient, (left, top, left + length, top + thick))
        label = {"color": "black", "fontproperties": font(SMALL_PT - 1)}
        for t in bar.ticks:
            x = left + (t.value - bar.low) / (bar.high - bar.low) * length
            pen.text(x, top + thick + mm_to_px(0.4, dpi), t.label, va="top", ha="center", **label)
        before, after = self.films
        title = f"|{after} − {before}|" if settings.absolute_difference else f"{after} − {before}"
        title += " (baseline film's units)"
        x = left + length + mm_to_px(2.0, dpi)
        pen.text(x, top + thick / 2, title, va="center", ha="left", **label)

    def provenance(self, fmt: str, sha256: str) -> dict[str, Any]:
        layout, g, source = self.layout, self.gallery, self.source
        return {
            "format": FORMAT,
            "version": VERSION,
            "software": {"name": "xraycompare", "version": __version__},
            "figure": {
                "sha256": sha256,
                "format": fmt,
                "mode": self.mode,
                "width_mm": round(layout.width_mm, 3),
                "height_mm": round(layout.height_mm, 3),
                "dpi": layout.dpi,
                "size_px": [layout.width_px, layout.height_px] if fmt in ("png", "tiff") else None,
            },
            "inputs": {"before": input_record(source.before), "after": input_record(source.after)},
            "gallery": g.as_json(),
            "exposure": {"method": source.match.method, "legend": source.match.legend},
            "warnings": list(self.warnings),
            "legend": self.legend(),
        }

    def legend(self) -> str:
        g = self.gallery
        size = f"{g.tile_mm:.1f} mm" if g.tile_mm is not None else f"{g.tile_side:.0f} pixels"
        text = (
            f"Joint gallery: each tile shows one joint, {size} across, in the baseline film's "
            "frame. The follow-up film was registered to the baseline film automatically "
            "(similarity transform of the whole hand), then again around each joint (a rigid "
            "correction inside the tile), and resampled into the tile with linear "
            "interpolation; r is the correlation of the two films inside the tile."
        )
        if self.mode != "side-by-side" or self.source.shared_window:
            text += " " + self.source.match.legend
        missing = g.missing()
        if missing:
            text += f" Not found on either film: {', '.join(missing)}."
        return text + f" Made with xraycompare {__version__}."


def _lay_out(
    gallery: Gallery, mode: GalleryMode, dpi: float, width_mm: float
) -> tuple[FigureLayout, tuple[_Cell, ...], float]:
    """The figure's size, each tile's cell, and the header's baseline (figure pixels)."""
    width = round(mm_to_px(width_mm, dpi))
    gap, pair_gap = round(mm_to_px(CELL_GAP_MM, dpi)), round(mm_to_px(PAIR_GAP_MM, dpi))
    label, header = mm_to_px(LABEL_MM, dpi), round(mm_to_px(HEADER_MM, dpi))
    if mode == "difference":
        header += round(mm_to_px(BAR_LINE_MM, dpi))  # the colour bar, its values and title
    cell_w = (width - (COLUMNS - 1) * gap) // COLUMNS
    pictures = 2 if mode == "side-by-side" else 1
    side = (cell_w - (pictures - 1) * pair_gap) // pictures
    if side < 8:
        raise FigureError("the figure is too narrow for its tiles; widen it")
    rows = sorted({grid_position(t.site)[0] for t in gallery.tiles})
    row_h = round(label) + side
    cells = []
    for tile in gallery.tiles:
        row, column = grid_position(tile.site)
        top = header + rows.index(row) * (row_h + gap)
        left = column * (cell_w + gap)
        boxes = tuple(
            (left + i * (side + pair_gap), top + round(label), side, side) for i in range(pictures)
        )
        cells.append(_Cell(tile, left, top + label - mm_to_px(1.0, dpi), boxes))
    height = header + len(rows) * row_h + (len(rows) - 1) * gap
    whole = PanelLayout("", "before", (0.0, 0.0, width, height), (0, 0, width, height), 1.0, 0, 0)
    return FigureLayout(width, height, dpi, (whole,)), tuple(cells), mm_to_px(4.0, dpi)


def _quality_text(tile: GalleryTile) -> str:
    if not tile.found or tile.quality is None:
        return ""
    ncc = tile.quality.ncc
    text = f"r {ncc:.2f}" if np.isfinite(ncc) else "r –"
    return text if tile.status == "ok" else f"{text} · {tile.status}"


def _warnings(gallery: Gallery) -> tuple[str, ...]:
    out = []
    if gallery.warning:
        out.append(f"Alignment: {gallery.warning}")
    missing = gallery.missing()
    if missing:
        out.append(f"Not found on either film: {', '.join(missing)} (empty tiles).")
    doubtful = [t.site for t in gallery.tiles if t.status in ("poor", "failed")]
    if doubtful:
        out.append(
            f"Poorly aligned tiles: {', '.join(doubtful)}; check these joints (place them on "
            "the after film if they are wrong)."
        )
    return tuple(out)
