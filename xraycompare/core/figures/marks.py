"""What is drawn over each panel, as plain values in the panel's pixel coordinates.

Letters, captions, the project's arrows, text labels and outlines, inset outlines, the scale
bar and the colour bar are decided here, before any drawing library is involved, so tests
can check them and every output format draws the same marks. Regions are mapped from their
own film to the before frame (through the alignment the after panel uses) and then into
the panel; those wholly outside a panel are left out.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from xraycompare.core.annotations.regions import Region
from xraycompare.core.compare.colormaps import Colormap, colour_bar
from xraycompare.core.document import Document
from xraycompare.core.figures.labels import ScaleBar, film_captions, panel_caption, scale_bar
from xraycompare.core.figures.layout import FigureLayout, PanelLayout, mm_to_px
from xraycompare.core.figures.panels import FigureSource
from xraycompare.core.figures.spec import FigureSpec
from xraycompare.core.geometry import IDENTITY, transform_points
from xraycompare.core.types import FILMS

Point = tuple[float, float]
DARK_BACKGROUND = 128.0  # mean luminance below which text on a panel is white
TITLE_AREA_MM = (40.0, 6.0)  # where the letter and caption go (top left)
CORNER_AREA_MM = (40.0, 25.0)  # where the scale bar or colour bar goes (bottom right)


@dataclass(frozen=True, eq=False)
class ColourBarMarks:
    """A difference panel's colour bar: the map, its range and the labelled ticks."""

    colormap: Colormap
    low: float
    high: float
    ticks: tuple[tuple[float, str], ...]
    title: str


@dataclass(frozen=True, eq=False)
class PanelMarks:
    """Everything drawn on one panel; points and boxes in panel pixels (centres at integers).

    ``outlines`` are (N, 2) arrays with whether they close; ``insets`` are (x0, y0, x1, y1)
    boxes with the letter of the panel that shows them enlarged. Text and lines are dark
    where the panel is light underneath: ``dark_title`` (top left: letter and caption),
    ``dark_corner`` (bottom right: scale bar, colour bar), ``dark_text`` (the rest).
    """

    panel: PanelLayout
    letter: str | None = None
    caption: str | None = None
    dark_text: bool = False
    dark_title: bool = False
    dark_corner: bool = False
    arrows: tuple[tuple[Point, Point], ...] = ()
    labels: tuple[tuple[Point, str], ...] = ()
    outlines: tuple[tuple[np.ndarray, bool], ...] = ()
    insets: tuple[tuple[tuple[float, float, float, float], str], ...] = ()
    scale_bar: ScaleBar | None = None
    colour_bar: ColourBarMarks | None = None


def figure_marks(
    document: Document,
    source: FigureSource,
    spec: FigureSpec,
    layout: FigureLayout,
    images: list[np.ndarray],
) -> tuple[PanelMarks, ...]:
    """The marks of every panel of ``layout`` (``images`` decide the text colour)."""
    films = film_captions(source.before, source.after)
    title = tuple(mm_to_px(v, layout.dpi) for v in TITLE_AREA_MM)
    corner = tuple(mm_to_px(v, layout.dpi) for v in CORNER_AREA_MM)
    out = []
    for panel, image in zip(layout.panels, images, strict=True):
        w, h = panel.size
        marks = PanelMarks(
            panel,
            letter=panel.letter if spec.letters else None,
            caption=panel_caption(panel.content, films) if spec.captions else None,
            dark_text=_is_light(image, panel, (0.0, 0.0, w, h)),
            dark_title=_is_light(image, panel, (0.0, 0.0, *title)),
            dark_corner=_is_light(image, panel, (w - corner[0], h - corner[1], w, h)),
            scale_bar=(
                scale_bar(panel, source.before)
                if spec.scale_bar and panel.content == "before"
                else None
            ),
            colour_bar=_colour_bar(source, spec) if panel.content == "difference" else None,
        )
        if panel.content in FILMS:
            marks = _with_regions(marks, document, source, spec)
            if panel.inset is None:
                marks = _with_insets(marks, layout)
        out.append(marks)
    return tuple(out)


def _is_light(
    image: np.ndarray, panel: PanelLayout, area: tuple[float, float, float, float]
) -> bool:
    """True when a panel is light on average in ``area`` (x0, y0, x1, y1 panel pixels).

    ``image`` is the panel's raster at any resolution; the area is scaled to it.
    """
    h, w = image.shape[:2]
    sx, sy = w / panel.size[0], h / panel.size[1]
    x0, y0, x1, y1 = area
    cols = slice(max(0, int(x0 * sx)), max(1, min(w, int(np.ceil(x1 * sx)))))
    rows = slice(max(0, int(y0 * sy)), max(1, min(h, int(np.ceil(y1 * sy)))))
    step = max(1, int(max(h, w) // 256))  # a sample is enough for a mean
    patch = image[rows, cols, :3][::step, ::step].reshape(-1, 3).astype(np.float32)
    luminance = patch @ np.array([0.2126, 0.7152, 0.0722], np.float32)
    return float(luminance.mean()) >= DARK_BACKGROUND


def _colour_bar(source: FigureSource, spec: FigureSpec) -> ColourBarMarks | None:
    if not spec.colour_bar:
        return None
    settings = source.difference_settings(spec)
    colormap = settings.difference_colormap
    limit = float(settings.difference_range or source.pair.difference_range)
    bar = colour_bar(colormap, limit=limit, length=2, thickness=1, labels=False, tick_count=3)
    title = "|After − Before|" if settings.absolute_difference else "After − Before"
    return ColourBarMarks(
        colormap, bar.low, bar.high, tuple((t.value, t.label) for t in bar.ticks), title
    )


def _with_regions(
    marks: PanelMarks, document: Document, source: FigureSource, spec: FigureSpec
) -> PanelMarks:
    panel = marks.panel
    to_before = IDENTITY if panel.content == "before" else source.after_to_before
    arrows, labels, outlines = [], [], []
    for region in document.annotations.on_film(panel.content):  # type: ignore[arg-type]
        points = panel.to_panel(transform_points(to_before, _shape(region)))
        if not _touches(points, panel):
            continue
        if region.geometry == "arrow":
            if spec.arrows:
                arrows.append((tuple(points[0]), tuple(points[1])))
        elif region.geometry == "text":
            if spec.text_labels:
                labels.append((tuple(points[0]), region.label))
        elif spec.outlines:
            outlines.append((points, region.is_closed))
    return replace(marks, arrows=tuple(arrows), labels=tuple(labels), outlines=tuple(outlines))


def _shape(region: Region) -> np.ndarray:
    """The region's points to draw: the sampled outline of an ellipse, else its points."""
    return region.outline(samples=96) if region.geometry == "ellipse" else region.points_array()


def _touches(points: np.ndarray, panel: PanelLayout) -> bool:
    w, h = panel.size
    (x0, y0), (x1, y1) = points.min(axis=0), points.max(axis=0)
    return bool(x1 >= -0.5 and y1 >= -0.5 and x0 <= w - 0.5 and y0 <= h - 0.5)


def _with_insets(marks: PanelMarks, layout: FigureLayout) -> PanelMarks:
    """Outline, on a full panel, each inset shown enlarged from the same film."""
    panel = marks.panel
    boxes = []
    for other in layout.panels:
        if other.inset is None or other.content != panel.content:
            continue
        x, y, w, h = other.crop
        # the outer edges of the inset's first and last pixels
        edges = np.array([[x - 0.5, y - 0.5], [x + w - 0.5, y + h - 0.5]])
        (x0, y0), (x1, y1) = panel.to_panel(edges)
        boxes.append(((float(x0), float(y0), float(x1), float(y1)), other.letter))
    return replace(marks, insets=tuple(boxes))
