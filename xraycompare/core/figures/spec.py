"""What a figure is made of: one frozen, serialisable :class:`FigureSpec`.

Everything that decides a figure's pixels is here, so the same spec on the same document
gives the same file, the spec can be kept in settings or a project, and an export dialog is
a form over its fields. Rectangles (``crop``, ``insets``) are (x, y, w, h) in *before*
pixels: the pixels x .. x + w - 1 and y .. y + h - 1 (pixel centres at integers), whatever
the film shown in a panel.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path
from typing import Any, Literal, get_args

from xraycompare.core.compare.colormaps import COLORMAPS
from xraycompare.core.types import INTERPOLATIONS, Interpolation

Layout = Literal[
    "before-after",
    "before-after-difference",
    "before-after-overlay",
    "before-after-blend",
    "grid-insets",
]
LAYOUTS: tuple[Layout, ...] = get_args(Layout)
# The layouts of the `figure` command (a contract); blend is offered by the app only.
COMMAND_LAYOUTS: tuple[Layout, ...] = (
    "before-after",
    "before-after-difference",
    "before-after-overlay",
    "grid-insets",
)

FigureFormat = Literal["png", "tiff", "pdf", "svg"]
FORMATS: tuple[FigureFormat, ...] = get_args(FigureFormat)
RASTER_FORMATS: frozenset[str] = frozenset({"png", "tiff"})
EXTENSIONS: dict[str, FigureFormat] = {
    ".png": "png",
    ".tif": "tiff",
    ".tiff": "tiff",
    ".pdf": "pdf",
    ".svg": "svg",
}

Orientation = Literal["horizontal", "vertical"]
ORIENTATIONS: tuple[Orientation, ...] = get_args(Orientation)
WindowChoice = Literal["shared", "each"]  # one window for both films, or each film's own
WINDOW_CHOICES: tuple[WindowChoice, ...] = get_args(WindowChoice)

# Journal column widths and resolutions (single, one and a half, double column).
WIDTH_PRESETS_MM: tuple[float, ...] = (85.0, 120.0, 180.0)
DPI_PRESETS: tuple[int, ...] = (300, 600)
MIN_WIDTH_MM, MAX_WIDTH_MM = 20.0, 1000.0
MIN_DPI, MAX_DPI = 50, 2400

Box = tuple[float, float, float, float]
_SWITCHES = (
    "letters",
    "captions",
    "arrows",
    "text_labels",
    "outlines",
    "scale_bar",
    "colour_bar",
    "unaligned",
)


class FigureError(Exception):
    """A figure cannot be made as asked; the message says why in the user's words."""


@dataclass(frozen=True)
class FigureSpec:
    """The options of one figure. Construction validates; ValueError says what is wrong.

    Attributes
    ----------
    layout
        Panels: ``before-after``; ``before-after-difference`` / ``-overlay`` / ``-blend`` (a
        third, comparison panel); ``grid-insets`` (before and after, then one row of
        zoomed before and after panels per inset).
    width_mm, dpi
        Printed width of the whole figure and its resolution (raster formats; for PDF and
        SVG the resolution only decides the layout's rounding and the upsampling check).
    format
        ``png``, ``tiff`` (LZW), ``pdf`` or ``svg``.
    crop
        The region every full panel shows, in before pixels; None: the whole before film.
    insets
        Regions shown enlarged by ``grid-insets`` (outlined and lettered on the full panels).
    orientation
        ``horizontal`` (panels side by side) or ``vertical`` (stacked).
    letters, captions
        Panel letters (A, B, ...) and captions ("Baseline", "Year 7", "Difference").
    arrows, text_labels, outlines
        The project's arrows, text labels and region outlines, each on or off.
    scale_bar, colour_bar
        A scale bar in mm (calibrated films only) and the difference panel's colour bar.
    alignment
        The alignment the after panel is resampled through: a local alignment's name or
        ``"Global"``; None: the document's active alignment.
    unaligned
        Show the after film without any alignment.
    window
        ``shared``: both films through the before film's window after exposure matching;
        ``each``: each film through its own window.
    interpolation
        ``nearest``, ``linear`` or ``cubic``, for every panel.
    colormap
        The difference panel's colour map (a light centre prints best).
    """

    layout: Layout = "before-after"
    width_mm: float = 180.0
    dpi: int = 600
    format: FigureFormat = "tiff"
    crop: Box | None = None
    insets: tuple[Box, ...] = ()
    orientation: Orientation = "horizontal"
    letters: bool = True
    captions: bool = True
    arrows: bool = True
    text_labels: bool = True
    outlines: bool = True
    scale_bar: bool = True
    colour_bar: bool = True
    alignment: str | None = None
    unaligned: bool = False
    window: WindowChoice = "shared"
    interpolation: Interpolation = "linear"
    colormap: str = "difference-light"

    def __post_init__(self) -> None:
        _choice("layout", self.layout, LAYOUTS)
        _choice("format", self.format, FORMATS)
        _choice("orientation", self.orientation, ORIENTATIONS)
        _choice("window", self.window, WINDOW_CHOICES)
        _choice("interpolation", self.interpolation, INTERPOLATIONS)
        _choice("colormap", self.colormap, tuple(COLORMAPS))
        width = _number("width_mm", self.width_mm)
        if not MIN_WIDTH_MM <= width <= MAX_WIDTH_MM:
            raise ValueError(f"the width must be {MIN_WIDTH_MM:g} to {MAX_WIDTH_MM:g} mm")
        if isinstance(self.dpi, bool) or not isinstance(self.dpi, int | float):
            raise ValueError(f"dpi must be a whole number, not {self.dpi!r}")
        if self.dpi != int(self.dpi) or not MIN_DPI <= self.dpi <= MAX_DPI:
            raise ValueError(f"the resolution must be a whole {MIN_DPI} to {MAX_DPI} dpi")
        object.__setattr__(self, "width_mm", width)
        object.__setattr__(self, "dpi", int(self.dpi))
        if self.crop is not None:
            object.__setattr__(self, "crop", _box("crop", self.crop))
        if isinstance(self.insets, str | bytes | Mapping):
            raise ValueError("insets must be a list of (x, y, w, h) rectangles")
        insets = tuple(_box(f"inset {i + 1}", b) for i, b in enumerate(self.insets))
        object.__setattr__(self, "insets", insets)
        if self.layout == "grid-insets" and not insets:
            raise ValueError("the grid-insets layout needs at least one inset")
        for name in _SWITCHES:
            if not isinstance(getattr(self, name), bool):
                raise ValueError(f"{name} must be true or false")
        if self.alignment is not None and not isinstance(self.alignment, str):
            raise ValueError("alignment must be an alignment's name or None")

    @property
    def is_raster(self) -> bool:
        return self.format in RASTER_FORMATS

    @property
    def comparison(self) -> str | None:
        """The third panel's mode (``difference``, ``overlay``, ``blend``), if any."""
        prefix = "before-after-"
        return self.layout[len(prefix) :] if self.layout.startswith(prefix) else None

    def without_annotations(self) -> FigureSpec:
        """The same figure without the project's arrows, text labels and outlines."""
        return replace(self, arrows=False, text_labels=False, outlines=False)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready values (lists for rectangles)."""
        data = asdict(self)
        data["crop"] = None if self.crop is None else list(self.crop)
        data["insets"] = [list(b) for b in self.insets]
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> FigureSpec:
        """A spec from :meth:`to_dict` values; unknown keys are refused (ValueError)."""
        if not isinstance(data, Mapping):
            raise ValueError("a figure spec must be an object")
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ValueError(f"unknown figure option(s): {', '.join(unknown)}")
        values = dict(data)
        if values.get("crop") is not None:
            values["crop"] = tuple(values["crop"])
        if "insets" in values:
            values["insets"] = tuple(tuple(b) for b in values["insets"])
        return cls(**values)


def format_for_path(path: str | Path) -> FigureFormat:
    """The figure format named by a file's extension (.png .tif .tiff .pdf .svg).

    Raises
    ------
    FigureError
        Any other extension.
    """
    suffix = Path(path).suffix.lower()
    if suffix not in EXTENSIONS:
        raise FigureError(
            f"{Path(path).name}: the figure format comes from the extension; use "
            + ", ".join(EXTENSIONS)
        )
    return EXTENSIONS[suffix]


def sidecar_path(out: str | Path) -> Path:
    """Where a figure's provenance goes: ``OUT`` with its extension replaced."""
    return Path(out).with_suffix(".provenance.json")


def _choice(name: str, value: object, allowed: tuple[str, ...]) -> None:
    if value not in allowed:
        raise ValueError(f"{name} must be one of {', '.join(allowed)}, not {value!r}")


def _number(name: str, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"{name} must be a number, not {value!r}")
    if not math.isfinite(value):
        raise ValueError(f"{name} must be a finite number")
    return float(value)


def _box(name: str, box: object) -> Box:
    if isinstance(box, str | bytes) or not hasattr(box, "__len__") or len(box) != 4:  # type: ignore[arg-type]
        raise ValueError(f"the {name} must be four numbers: x y w h")
    x, y, w, h = (_number(name, v) for v in box)  # type: ignore[union-attr]
    if w <= 0 or h <= 0:
        raise ValueError(f"the {name} needs a positive width and height")
    return (x, y, w, h)
