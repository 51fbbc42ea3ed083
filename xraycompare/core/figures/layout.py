"""Where every panel of a figure goes, in whole pixels at the figure's resolution.

A figure is a grid of panels. Each row is scaled so its panels, all of one height, fill the
figure's width (``GAP_MM`` between them, and a strip on the right for a difference panel's
colour bar); the full panels of a row share one crop, so they
share one scale exactly. A panel maps its own pixels to the before frame with one uniform
scale (print pixels per before pixel), so the shown region is the crop to within half a
print pixel at either side. Vector formats use the same layout, 1 pixel = 72 / dpi points.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal, get_args

import numpy as np

from xraycompare.core.figures.spec import Box, FigureError, FigureSpec

PanelContent = Literal["before", "after", "difference", "overlay", "blend"]
PANEL_CONTENTS: tuple[PanelContent, ...] = get_args(PanelContent)
GAP_MM = 1.0  # white space between panels (journals ask for a thin, even gutter)
COLOUR_BAR_STRIP_MM = 15.0  # right of the panels: the colour bar, its values and its title
MAX_PIXELS = 100_000_000  # four full journal pages at 600 dpi; more is a mistake, not a figure
MM_PER_INCH = 25.4


@dataclass(frozen=True)
class PanelLayout:
    """One panel: what it shows, the before-frame region, and its box in the figure.

    ``box`` is (x, y, w, h) in figure pixels (top-left origin); ``scale`` is figure pixels
    per before pixel; ``crop`` is the before-frame region the box shows, (x, y, w, h) with
    x, y the first pixel's centre (as the spec's rectangles). ``inset`` is None for a
    full panel, else the index of the inset shown.
    """

    letter: str
    content: PanelContent
    crop: Box
    box: tuple[int, int, int, int]
    scale: float
    row: int
    column: int
    inset: int | None = None

    @property
    def size(self) -> tuple[int, int]:
        """(width, height) in figure pixels."""
        return self.box[2], self.box[3]

    def frame_to_before(self, size: tuple[int, int] | None = None) -> np.ndarray:
        """3×3 map from the pixels of a raster of ``size`` covering the panel to before pixels.

        ``size`` None is the panel's own figure pixels; a different size (the film's
        resolution, for PDF and SVG) covers the same before-frame region.
        """
        w, h = self.size if size is None else size
        x, y, cw, ch = self.crop
        sx, sy = cw / w, ch / h
        return np.array(
            [[sx, 0.0, x - 0.5 + 0.5 * sx], [0.0, sy, y - 0.5 + 0.5 * sy], [0.0, 0.0, 1.0]]
        )

    def to_panel(self, points: np.ndarray) -> np.ndarray:
        """Before-frame (N, 2) points -> panel pixel coordinates (pixel centres at integers)."""
        x, y, _, _ = self.crop
        p = np.asarray(points, dtype=np.float64).reshape(-1, 2)
        return (p - [x - 0.5, y - 0.5]) * self.scale - 0.5

    def to_before(self, px: float, py: float) -> tuple[float, float]:
        """A panel pixel position -> before-frame coordinates."""
        x, y, _, _ = self.crop
        return (x - 0.5 + (px + 0.5) / self.scale, y - 0.5 + (py + 0.5) / self.scale)


@dataclass(frozen=True)
class FigureLayout:
    """Every panel of a figure and the figure's size in pixels at ``dpi``."""

    width_px: int
    height_px: int
    dpi: float
    panels: tuple[PanelLayout, ...]

    @property
    def width_mm(self) -> float:
        return self.width_px / self.dpi * MM_PER_INCH

    @property
    def height_mm(self) -> float:
        return self.height_px / self.dpi * MM_PER_INCH

    def check_raster_size(self) -> None:
        """Raise FigureError when a raster of this layout would be absurdly large."""
        if self.width_px * self.height_px > MAX_PIXELS:
            raise FigureError(
                f"the figure would be {self.width_px} × {self.height_px} pixels; "
                "lower the width or the resolution"
            )

    def panel_at(self, x: float, y: float) -> PanelLayout | None:
        """The panel under figure pixel (x, y) (a preview click), or None in a gutter."""
        for panel in self.panels:
            bx, by, bw, bh = panel.box
            if bx - 0.5 <= x < bx + bw - 0.5 and by - 0.5 <= y < by + bh - 0.5:
                return panel
        return None


def mm_to_px(mm: float, dpi: float) -> float:
    return mm / MM_PER_INCH * dpi


def panel_grid(spec: FigureSpec, crop: Box, insets: tuple[Box, ...]) -> list[list[tuple]]:
    """Rows of (content, crop, inset index) in reading order, before any scaling."""
    films: list[PanelContent] = ["before", "after"]
    if spec.layout == "grid-insets":
        rows = [[(f, crop, None) for f in films]]
        rows += [[(f, box, i) for f in films] for i, box in enumerate(insets)]
    else:
        row = [(f, crop, None) for f in films]
        if spec.comparison is not None:
            row.append((spec.comparison, crop, None))
        rows = [row]
    if spec.orientation == "vertical":
        rows = [list(column) for column in zip(*rows, strict=True)]
    return rows


def figure_layout(
    spec: FigureSpec,
    crop: Box,
    insets: tuple[Box, ...] = (),
    *,
    dpi: float | None = None,
) -> FigureLayout:
    """Lay out the spec's panels at ``dpi`` (default the spec's).

    Parameters
    ----------
    spec
        The figure's options (layout, orientation, width).
    crop, insets
        The full panels' region and the insets, in before pixels (already on the film).
    dpi
        Resolution of the layout: the spec's for the file, lower for a quick preview.

    Returns
    -------
    FigureLayout

    Raises
    ------
    FigureError
        A panel would be less than one pixel high.
    """
    dpi = float(spec.dpi if dpi is None else dpi)
    width = round(mm_to_px(spec.width_mm, dpi))
    gap = round(mm_to_px(GAP_MM, dpi))
    # the difference panel's colour bar sits beside the panels, never over the films; every
    # row keeps the strip, so every panel keeps one scale
    has_bar = spec.comparison == "difference" and spec.colour_bar
    reserved = round(mm_to_px(COLOUR_BAR_STRIP_MM, dpi)) if has_bar else 0
    rows = panel_grid(spec, crop, tuple(insets))
    panels: list[PanelLayout] = []
    top = 0
    for r, row in enumerate(rows):
        boxes, height = _fill_row([cell[1] for cell in row], width - reserved, gap)
        for c, ((content, box, inset), (left, w)) in enumerate(zip(row, boxes, strict=True)):
            x, y, cw, ch = box
            scale = height / ch
            # whole pixels: the width shown differs from the crop's by up to half a pixel;
            # the difference is split between both sides
            shown = (x - (w / scale - cw) / 2, y, w / scale, ch)
            letter = _letter(len(panels))
            panels.append(
                PanelLayout(letter, content, shown, (left, top, w, height), scale, r, c, inset)
            )
        top += height + gap
    return FigureLayout(width, top - gap, dpi, tuple(panels))


def _fill_row(crops: list[Box], width: int, gap: int) -> tuple[list[tuple[int, int]], int]:
    """(left, width) of each panel and the row's height: one height, widths filling the row."""
    available = width - gap * (len(crops) - 1)
    aspects = [w / h for _, _, w, h in crops]
    height = math.floor(available / sum(aspects))
    while height >= 1:
        widths = [max(1, round(height * a)) for a in aspects]
        if sum(widths) <= available:
            break
        height -= 1
    if height < 1:
        raise FigureError("the figure is too narrow for its panels; widen it")
    left = (available - sum(widths)) // 2  # any spare pixel or two: centre the row
    boxes = []
    for w in widths:
        boxes.append((left, w))
        left += w + gap
    return boxes, height


def _letter(index: int) -> str:
    """A, B, ..., Z, AA, AB, ..."""
    text = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        text = chr(ord("A") + rest) + text
    return text
