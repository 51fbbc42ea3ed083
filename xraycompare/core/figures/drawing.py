"""Drawing a figure's panels and marks with matplotlib, one code path for every format.

matplotlib draws the same figure to a raster (Agg, for PNG and TIFF) and to PDF and SVG
without Qt, with its own copy of the DejaVu Sans fonts, so letters look the same on every
machine and in every format. In PDF the fonts are embedded as TrueType (text stays text,
selectable and editable, as journals ask; no Type 3 fonts) and SVG keeps ``<text>``
elements. Images are never resampled by matplotlib (:class:`Pixels`): a raster figure
copies each panel's pixels onto the canvas as they are; a vector figure embeds each panel
at the film's own resolution with a transform, as ``imshow(interpolation="none")`` does.

Marks are placed in each panel's pixel coordinates (centres at integers) through a
:class:`PanelPen`, sized in points and clipped to the panel; no Axes are made (each costs
tens of milliseconds, and a preview redraws often).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import cv2
import matplotlib
import numpy as np
from matplotlib import patheffects
from matplotlib.artist import Artist
from matplotlib.backend_bases import RendererBase
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.lines import Line2D
from matplotlib.patches import Circle, FancyArrowPatch, Polygon, Rectangle
from matplotlib.text import Annotation, Text
from matplotlib.transforms import Affine2D, Bbox, TransformedBbox

from xraycompare.core.figures.layout import (
    COLOUR_BAR_STRIP_MM,
    GAP_MM,
    FigureLayout,
    PanelLayout,
    mm_to_px,
)
from xraycompare.core.figures.marks import ColourBarMarks, PanelMarks

_FONTS = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
REGULAR_FONT = _FONTS / "DejaVuSans.ttf"  # the copy matplotlib ships, not a system font
BOLD_FONT = _FONTS / "DejaVuSans-Bold.ttf"
CAP_HEIGHT = 0.73  # DejaVu Sans capital height per em

# Sizes at print size: sans-serif, at least 7 pt (journals ask for 6-8 pt or more).
LETTER_PT = 10.0
CAPTION_PT = 8.0
SMALL_PT = 7.0
PAD_MM = 1.5  # marks keep this far from a panel's edges
LINE_PT = 0.75
ARROW_PT = 1.2
SCALE_BAR_MM = 0.6  # bar thickness
COLOUR_BAR_MM = (1.6, 36.0)  # thickness and longest length
OUTLINE_COLOUR = "#ffd400"

# Settings that make output repeatable and honest whatever the user's matplotlibrc says.
RC = {
    "pdf.fonttype": 42,
    "svg.fonttype": "none",
    "svg.hashsalt": "xraycompare",  # fixed ids: the same figure gives the same SVG bytes
    "svg.image_inline": True,
    "image.composite_image": False,  # never merge (and resample) a panel with another image
    "text.usetex": False,
    "text.parse_math": False,  # a label "$120 saved" is text, not mathematics
    "text.antialiased": True,
    "lines.antialiased": True,
    "patch.antialiased": True,
    "axes.unicode_minus": True,
    "path.simplify": False,
    "savefig.facecolor": "white",
    "savefig.edgecolor": "white",
    "savefig.bbox": None,
    "savefig.pad_inches": 0.0,
    "savefig.transparent": False,
}
_LOCK = threading.RLock()  # rcParams are global: one figure at a time (nesting allowed)


@contextmanager
def figure_context() -> Iterator[None]:
    """Build and save figures inside this: the fixed settings, one thread at a time."""
    with _LOCK, matplotlib.rc_context(RC):
        yield


def font(size: float, *, bold: bool = False) -> FontProperties:
    """The bundled DejaVu Sans; SVG names it with sans-serif fallbacks and its weight."""
    return FontProperties(
        family=["DejaVu Sans", "sans-serif"],
        weight="bold" if bold else "normal",
        size=size,
        fname=BOLD_FONT if bold else REGULAR_FONT,
    )


def build_figure(
    layout: FigureLayout,
    images: list[np.ndarray],
    marks: tuple[PanelMarks, ...],
    *,
    raster: bool,
) -> Figure:
    """The matplotlib Figure of a laid-out figure (call inside :func:`figure_context`).

    Parameters
    ----------
    layout
        Panel boxes in figure pixels at ``layout.dpi``.
    images
        Each panel's RGB pixels: exactly its box size for a raster, else any size covering
        the panel's region (the film's resolution).
    marks
        What to draw on each panel.
    raster
        Whether the figure is drawn on a raster canvas (PNG, TIFF, previews) or saved as
        PDF or SVG; the figure is the same, this only checks the images' sizes.
    """
    width, height, dpi = layout.width_px, layout.height_px, layout.dpi
    fig = Figure(figsize=(width / dpi, height / dpi), dpi=dpi, facecolor="white")
    for image, m in zip(images, marks, strict=True):
        if raster and image.shape[:2] != (m.panel.box[3], m.panel.box[2]):
            raise ValueError(f"panel {m.panel.letter}: a raster panel must fill its box")
        pen = PanelPen(fig, layout, m.panel)
        w, h = m.panel.size
        pen.pixels(image, (-0.5, -0.5, w - 0.5, h - 0.5), zorder=0)
        _draw_marks(pen, m, dpi)
    return fig


class Pixels(Artist):
    """RGB pixels shown in a box of the figure, never resampled by matplotlib.

    On a raster canvas the pixels are copied unchanged (scaled to the box by nearest
    neighbour only when their size differs, as for a colour bar's gradient); ``figimage``
    would run matplotlib's resampler even at one to one. PDF and SVG embed them at their own
    resolution with a transform onto the box, as ``imshow(interpolation="none")`` does.

    ``box`` is (x, y, w, h) in pixels from the top left of a figure of ``size`` (w, h).
    """

    def __init__(
        self, rgb: np.ndarray, box: tuple[float, float, float, float], size: tuple[int, int]
    ) -> None:
        super().__init__()
        self._rgba = cv2.cvtColor(np.ascontiguousarray(rgb), cv2.COLOR_RGB2RGBA)
        x, y, w, h = box
        width, height = size
        # corners as figure fractions: display units differ by backend (pixels, points)
        self._corners = ((x / width, 1 - (y + h) / height), ((x + w) / width, 1 - y / height))

    def draw(self, renderer: RendererBase) -> None:
        if not self.get_visible() or self.figure is None:
            return
        (left, bottom), (right, top) = self.figure.transFigure.transform(self._corners)
        gc = renderer.new_gc()
        if renderer.option_scale_image():  # PDF, SVG: the pixels as they are, transformed
            rows, cols = self._rgba.shape[:2]
            onto_box = (
                Affine2D()
                .scale(cols, rows)  # the unit square onto the pixels, top row first
                .translate(0, -rows)
                .scale(1, -1)
                .scale((right - left) / cols, (top - bottom) / rows)
                .translate(left, bottom)
            )
            renderer.draw_image(gc, 0, 0, self._rgba, onto_box)
        else:  # a raster canvas: whole pixels, rows bottom up
            x0, y0, x1, y1 = (round(v) for v in (left, bottom, right, top))
            rgba = self._rgba
            size = (max(1, x1 - x0), max(1, y1 - y0))
            if rgba.shape[1::-1] != size:
                rgba = cv2.resize(rgba, size, interpolation=cv2.INTER_NEAREST)
            renderer.draw_image(gc, x0, y0, np.ascontiguousarray(rgba[::-1]))
        gc.restore()


class PanelPen:
    """Draws on one panel in its pixel coordinates (centres at integers), clipped to it."""

    def __init__(self, fig: Figure, layout: FigureLayout, panel: PanelLayout) -> None:
        x, y, w, h = panel.box
        width, height = layout.width_px, layout.height_px
        self.fig, self.panel, self.size = fig, panel, (width, height)
        self.origin = (x + 0.5, y + 0.5)  # panel (0, 0) in figure pixels from the top left
        self.transform = (
            Affine2D().translate(*self.origin).scale(1 / width, -1 / height).translate(0, 1)
            + fig.transFigure
        )
        fraction = Bbox.from_bounds(x / width, 1 - (y + h) / height, w / width, h / height)
        self.clip = TransformedBbox(fraction, fig.transFigure)

    def add(self, artist: Artist, *, transform: bool = True, clip: bool = True) -> Artist:
        """Add ``artist`` placed in panel pixels (unless ``transform`` is False), clipped."""
        if transform:
            artist.set_transform(self.transform)
        if clip:
            artist.set_clip_box(self.clip)
        artist.set_clip_on(clip)
        self.fig.add_artist(artist)
        return artist

    def text(self, x: float, y: float, text: str, **style) -> Text:
        return self.add(Text(x, y, text, **style))  # type: ignore[return-value]

    def pixels(
        self, rgb: np.ndarray, box: tuple[float, float, float, float], *, clip: bool = True, **style
    ) -> None:
        """``rgb`` shown in the panel box (x0, y0, x1, y1) (its outer edges)."""
        x0, y0, x1, y1 = box
        ox, oy = self.origin
        artist = Pixels(rgb, (ox + x0, oy + y0, x1 - x0, y1 - y0), self.size)
        artist.set(**style)
        self.add(artist, transform=False, clip=clip)


def _colours(dark: bool) -> tuple[str, str]:
    """(text, backing) colours: black on light parts of a panel, white on dark ones."""
    return ("black", "white") if dark else ("white", "black")


def _draw_marks(pen: PanelPen, m: PanelMarks, dpi: float) -> None:
    px_per_pt = dpi / 72.0
    pad = mm_to_px(PAD_MM, dpi)
    fg, bg = _colours(m.dark_text)
    for points, closed in m.outlines:
        if len(points) == 1:
            patch = Circle(points[0], radius=mm_to_px(0.8, dpi), fill=False)
        else:
            patch = Polygon(points, closed=closed, fill=False)
        patch.set(edgecolor=OUTLINE_COLOUR, linewidth=LINE_PT, zorder=2)
        pen.add(patch)
    halo = [patheffects.withStroke(linewidth=ARROW_PT + 1.5, foreground=bg)]
    for tail, head in m.arrows:
        arrow = FancyArrowPatch(
            tail,
            head,
            arrowstyle="-|>,head_length=0.5,head_width=0.25",
            mutation_scale=14.0,
            shrinkA=0.0,
            shrinkB=0.0,
            linewidth=ARROW_PT,
            color=fg,
            path_effects=halo,
            zorder=3,
        )
        pen.add(arrow)
    label_box = {"boxstyle": "square,pad=0.25", "facecolor": bg, "edgecolor": "none", "alpha": 0.6}
    small = {"va": "top", "ha": "left", "fontproperties": font(SMALL_PT), "zorder": 4}
    for (x, y), text in m.labels:
        pen.text(x, y, text, color=fg, bbox=label_box, **small)
    for (x0, y0, x1, y1), letter in m.insets:
        pen.add(Rectangle((x0, y0), x1 - x0, y1 - y0, fill=False, edgecolor=fg, linewidth=LINE_PT))
        inset_letter = {**small, "fontproperties": font(SMALL_PT + 1, bold=True)}
        pen.text(x0 + 2 * px_per_pt, y0 + 2 * px_per_pt, letter, color=fg, **inset_letter)
    corner = _colours(m.dark_corner)[0]
    if m.scale_bar is not None:
        _draw_scale_bar(pen, m, corner, pad, dpi)
    if m.colour_bar is not None:
        _draw_colour_bar(pen, m.colour_bar, dpi)
    _draw_title(pen, m, _colours(m.dark_title)[0], pad, px_per_pt)


def _draw_title(pen: PanelPen, m: PanelMarks, fg: str, pad: float, px_per_pt: float) -> None:
    """The panel letter, then its caption on the same baseline."""
    baseline = pad + CAP_HEIGHT * LETTER_PT * px_per_pt
    style = {"color": fg, "va": "baseline", "ha": "left", "zorder": 5}
    letter = None
    if m.letter:
        letter = pen.text(
            pad, baseline, m.letter, fontproperties=font(LETTER_PT, bold=True), **style
        )
    if not m.caption:
        return
    style["fontproperties"] = font(CAPTION_PT)
    if letter is None:
        pen.text(pad, baseline, m.caption, **style)
        return
    caption = Annotation(
        m.caption,
        xy=(1.0, baseline),
        xycoords=(letter, pen.transform),  # right of the letter, on its baseline
        xytext=(0.5 * CAPTION_PT, 0.0),
        textcoords="offset points",
        annotation_clip=False,
        **style,
    )
    pen.add(caption, transform=False)


def _draw_scale_bar(pen: PanelPen, m: PanelMarks, fg: str, pad: float, dpi: float) -> None:
    bar = m.scale_bar
    assert bar is not None
    w, h = m.panel.size
    thickness = mm_to_px(SCALE_BAR_MM, dpi)
    right, bottom = w - 0.5 - pad, h - 0.5 - pad
    left, top = right - bar.length_px, bottom - thickness
    # no snapping to whole pixels: the bar is exactly its length, its ends antialiased
    pen.add(
        Rectangle(
            (left, top),
            bar.length_px,
            thickness,
            facecolor=fg,
            edgecolor="none",
            snap=False,
            zorder=4,
        )
    )
    label = {"color": fg, "ha": "right", "va": "bottom", "zorder": 4}
    pen.text(right, top - 0.2 * pad, bar.label, fontproperties=font(SMALL_PT), **label)


def _draw_colour_bar(pen: PanelPen, bar: ColourBarMarks, dpi: float) -> None:
    """The bar in the strip right of the panel: gradient, ticks and values, then the title."""
    w, h = pen.panel.size
    gap, thickness = mm_to_px(GAP_MM, dpi), mm_to_px(COLOUR_BAR_MM[0], dpi)
    length = min(mm_to_px(COLOUR_BAR_MM[1], dpi), 0.6 * h)
    x0 = w - 0.5 + 1.5 * gap
    x1 = x0 + thickness
    y0 = (h - 1) / 2 - length / 2
    y1 = y0 + length
    gradient = np.ascontiguousarray(bar.colormap.colours[::-1, None, :])  # high values on top
    pen.pixels(gradient, (x0, y0, x1, y1), zorder=4, clip=False)
    frame = Rectangle((x0, y0), thickness, length, fill=False, edgecolor="black", linewidth=0.5)
    pen.add(frame, clip=False)
    tick = 1.5 * dpi / 72.0
    label = {"color": "black", "fontproperties": font(SMALL_PT), "zorder": 5}
    for value, text in bar.ticks:
        y = y1 - (value - bar.low) / (bar.high - bar.low) * length
        pen.add(Line2D([x1, x1 + tick], [y, y], color="black", linewidth=0.5), clip=False)
        pen.add(Text(x1 + 1.6 * tick, y, text, ha="left", va="center", **label), clip=False)
    # read upwards, centred on the bar, against the strip's right edge
    right = w - 0.5 + mm_to_px(COLOUR_BAR_STRIP_MM, dpi) - 0.5 * gap
    title = Text(
        right,
        (y0 + y1) / 2,
        bar.title,
        ha="center",
        va="bottom",
        rotation=90,
        rotation_mode="anchor",
        **label,
    )
    pen.add(title, clip=False)
