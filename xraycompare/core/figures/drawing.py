"""Drawing a figure's panels and marks with matplotlib, one code path for every format.

matplotlib draws the same figure to a raster (Agg, for PNG and TIFF) and to PDF and SVG
without Qt, with its own copy of the DejaVu Sans fonts, so letters look the same on every
machine and in every format. In PDF the fonts are embedded as TrueType (text stays text,
selectable and editable, as journals ask; no Type 3 fonts) and SVG keeps ``<text>``
elements. Images are never resampled by matplotlib: a raster figure copies each panel's
pixels onto the canvas as they are (:class:`PanelPixels`); a vector figure embeds each panel
at the film's own resolution (``interpolation="none"``, and no compositing of images).

Each panel has an invisible Axes whose data coordinates are the panel's pixels (centres at
integers), so marks are placed in pixels and sized in points.
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
from matplotlib.axes import Axes
from matplotlib.backend_bases import RendererBase
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.patches import Circle, FancyArrowPatch, Polygon, Rectangle
from matplotlib.text import Text

from xraycompare.core.figures.layout import FigureLayout, mm_to_px
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
COLOUR_BAR_MM = (1.6, 18.0)  # thickness and longest length
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
        Each panel's RGB pixels: exactly its box size when ``raster``, else any size
        covering the panel's region (the film's resolution).
    marks
        What to draw on each panel.
    raster
        Place images pixel for pixel (PNG, TIFF, previews) or embed them (PDF, SVG).
    """
    width, height, dpi = layout.width_px, layout.height_px, layout.dpi
    fig = Figure(figsize=(width / dpi, height / dpi), dpi=dpi, facecolor="white")
    for image, m in zip(images, marks, strict=True):
        x, y, w, h = m.panel.box
        ax = fig.add_axes((x / width, 1.0 - (y + h) / height, w / width, h / height))
        ax.set_axis_off()
        if raster:
            fig.add_artist(PanelPixels(image, x, height - y - h))
        else:
            ax.imshow(image, extent=(-0.5, w - 0.5, h - 0.5, -0.5), interpolation="none")
        _draw_marks(ax, m, dpi)
        ax.set_xlim(-0.5, w - 0.5)
        ax.set_ylim(h - 0.5, -0.5)
        ax.set_aspect("auto")
    return fig


class PanelPixels(Artist):
    """A panel's RGB pixels copied onto a raster canvas at (x, y from the bottom).

    ``figimage`` would run matplotlib's resampler even at one to one (most of the time of
    a 600 dpi figure); the renderer's own ``draw_image`` copies the pixels unchanged.
    """

    def __init__(self, rgb: np.ndarray, x: int, y: int) -> None:
        super().__init__()
        # the renderer's rows run bottom up
        self._rgba = cv2.cvtColor(np.ascontiguousarray(rgb[::-1]), cv2.COLOR_RGB2RGBA)
        self._x, self._y = x, y
        self.set_zorder(-1)  # under every panel's marks

    def draw(self, renderer: RendererBase) -> None:
        if not self.get_visible():
            return
        gc = renderer.new_gc()
        renderer.draw_image(gc, self._x, self._y, self._rgba)
        gc.restore()


def _colours(dark: bool) -> tuple[str, str]:
    """(text, backing) colours: black on light parts of a panel, white on dark ones."""
    return ("black", "white") if dark else ("white", "black")


def _draw_marks(ax: Axes, m: PanelMarks, dpi: float) -> None:
    px_per_pt = dpi / 72.0
    pad = mm_to_px(PAD_MM, dpi)
    fg, bg = _colours(m.dark_text)
    for points, closed in m.outlines:
        if len(points) == 1:
            patch = Circle(points[0], radius=mm_to_px(0.8, dpi), fill=False)
        else:
            patch = Polygon(points, closed=closed, fill=False)
        patch.set(edgecolor=OUTLINE_COLOUR, linewidth=LINE_PT, zorder=2)
        ax.add_patch(patch)
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
        ax.add_patch(arrow)
    label_box = {"boxstyle": "square,pad=0.25", "facecolor": bg, "edgecolor": "none", "alpha": 0.6}
    for (x, y), text in m.labels:
        ax.text(
            x,
            y,
            text,
            color=fg,
            va="top",
            ha="left",
            fontproperties=font(SMALL_PT),
            bbox=label_box,
            clip_on=True,
            zorder=4,
        )
    for (x0, y0, x1, y1), letter in m.insets:
        ax.add_patch(
            Rectangle((x0, y0), x1 - x0, y1 - y0, fill=False, edgecolor=fg, linewidth=LINE_PT)
        )
        ax.text(
            x0 + 2 * px_per_pt,
            y0 + 2 * px_per_pt,
            letter,
            color=fg,
            va="top",
            ha="left",
            fontproperties=font(SMALL_PT + 1, bold=True),
            clip_on=True,
        )
    corner = _colours(m.dark_corner)[0]
    if m.scale_bar is not None:
        _draw_scale_bar(ax, m, corner, pad, dpi)
    if m.colour_bar is not None:
        _draw_colour_bar(ax, m.colour_bar, m.panel.size, corner, pad, dpi)
    _draw_title(ax, m, _colours(m.dark_title)[0], pad, px_per_pt)


def _draw_title(ax: Axes, m: PanelMarks, fg: str, pad: float, px_per_pt: float) -> None:
    """The panel letter, then its caption on the same baseline."""
    baseline = pad + CAP_HEIGHT * LETTER_PT * px_per_pt
    letter: Text | None = None
    if m.letter:
        letter = ax.text(
            pad,
            baseline,
            m.letter,
            color=fg,
            va="baseline",
            ha="left",
            fontproperties=font(LETTER_PT, bold=True),
            zorder=5,
        )
    if not m.caption:
        return
    style = {"color": fg, "va": "baseline", "ha": "left", "fontproperties": font(CAPTION_PT)}
    if letter is None:
        ax.text(pad, baseline, m.caption, zorder=5, **style)
    else:
        ax.annotate(
            m.caption,
            xy=(1.0, baseline),
            xycoords=(letter, "data"),
            xytext=(0.5 * CAPTION_PT, 0.0),
            textcoords="offset points",
            annotation_clip=False,
            zorder=5,
            **style,
        )


def _draw_scale_bar(ax: Axes, m: PanelMarks, fg: str, pad: float, dpi: float) -> None:
    bar = m.scale_bar
    assert bar is not None
    w, h = m.panel.size
    thickness = mm_to_px(SCALE_BAR_MM, dpi)
    right, bottom = w - 0.5 - pad, h - 0.5 - pad
    ax.add_patch(
        Rectangle(
            (right - bar.length_px, bottom - thickness),
            bar.length_px,
            thickness,
            facecolor=fg,
            edgecolor="none",
            snap=False,
            zorder=4,
        )
    )
    ax.text(
        right,
        bottom - thickness - 0.2 * pad,
        bar.label,
        color=fg,
        ha="right",
        va="bottom",
        fontproperties=font(SMALL_PT),
        zorder=4,
    )


def _draw_colour_bar(
    ax: Axes, bar: ColourBarMarks, size: tuple[int, int], fg: str, pad: float, dpi: float
) -> None:
    w, h = size
    thickness, longest = (mm_to_px(v, dpi) for v in COLOUR_BAR_MM)
    length = min(longest, 0.45 * h)
    x1, y1 = w - 0.5 - pad, h - 0.5 - pad
    x0, y0 = x1 - thickness, y1 - length
    gradient = np.ascontiguousarray(bar.colormap.colours[::-1, None, :])  # high values on top
    ax.imshow(gradient, extent=(x0, x1, y1, y0), interpolation="nearest", zorder=4)
    ax.add_patch(
        Rectangle((x0, y0), thickness, length, fill=False, edgecolor=fg, linewidth=0.5, zorder=5)
    )
    tick = 1.5 * dpi / 72.0
    for value, label in bar.ticks:
        y = y1 - (value - bar.low) / (bar.high - bar.low) * length
        ax.plot([x0 - tick, x0], [y, y], color=fg, linewidth=0.5, zorder=5)
        ax.text(
            x0 - 1.6 * tick,
            y,
            label,
            color=fg,
            ha="right",
            va="center",
            fontproperties=font(SMALL_PT),
            zorder=5,
        )
    ax.text(
        x1,
        y0 - 0.3 * pad,
        bar.title,
        color=fg,
        ha="right",
        va="bottom",
        fontproperties=font(SMALL_PT),
        zorder=5,
    )
