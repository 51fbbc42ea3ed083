"""Perceptually uniform colour maps for difference images, and a colour bar to read them.

The maps are built here from CIELAB, not copied: each is a polyline of Lab control points
resampled to equal steps of arc length, so every step between neighbouring entries has the
same colour difference (ΔE*ab) and a jump in colour always means the same jump in value.
Diverging maps have an odd number of entries, so zero falls exactly on the neutral centre.
Blue against orange is read by the common colour-vision deficiencies (unlike red/green), and
lightness alone still shows the magnitude when the figure is printed in grey.

Every map has ``COLOURS`` = 255 entries; as an OpenCV table (:meth:`Colormap.cv_table`)
entry 255 is reserved for "no data", so one ``cv2.applyColorMap`` colours a whole frame.

Why not colorcet or cmap (weighed for the restructure): their CET and Crameri maps follow
the same principle, but come as 256-entry 8-bit tables (no exact neutral centre on an odd
entry, and uneven steps where 8-bit rounding repeats colours), and importing them costs
0.4 s (cmap) to 1.3 s (colorcet) against milliseconds to build these three maps here.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Literal

import cv2
import numpy as np
from skimage import color

COLOURS = 255  # odd: index 127 is the exact centre of a diverging map
CENTRE = COLOURS // 2
NO_DATA_INDEX = 255

Orientation = Literal["vertical", "horizontal"]
RGB = tuple[int, int, int]


@dataclass(frozen=True, eq=False)
class Colormap:
    """A colour map: ``colours[i]`` (uint8 RGB) shows the i-th of :data:`COLOURS` levels.

    A diverging map shows ``-r .. +r`` with zero at index :data:`CENTRE`; a sequential map
    shows ``0 .. r``.
    """

    name: str
    label: str
    colours: np.ndarray = field(repr=False)
    diverging: bool = False

    def __post_init__(self) -> None:
        table = np.ascontiguousarray(self.colours, dtype=np.uint8)
        if table.shape != (COLOURS, 3):
            raise ValueError(f"a colour map needs ({COLOURS}, 3) colours, got {table.shape}")
        table.flags.writeable = False
        object.__setattr__(self, "colours", table)

    @property
    def centre(self) -> RGB:
        """The colour of zero for a diverging map (of the lowest value for a sequential one)."""
        r, g, b = self.colours[CENTRE if self.diverging else 0]
        return int(r), int(g), int(b)

    def cv_table(self, no_data: RGB = (0, 0, 0)) -> np.ndarray:
        """(256, 1, 3) uint8 table for ``cv2.applyColorMap``; index 255 is ``no_data``."""
        table = np.empty((256, 1, 3), dtype=np.uint8)
        table[:COLOURS, 0] = self.colours
        table[NO_DATA_INDEX, 0] = no_data
        return table

    def indices(self, values: np.ndarray, *, limit: float) -> np.ndarray:
        """Map values to colour indices: ``±limit`` (diverging) or ``0..limit`` to the ends."""
        if not (math.isfinite(limit) and limit > 0):
            raise ValueError(f"the colour range must be positive, got {limit}")
        v = np.asarray(values, dtype=np.float32)
        if self.diverging:
            # rounded after the shift, as cv2.addWeighted does (ties to even alike)
            index = np.rint(v * np.float32(CENTRE / limit) + CENTRE)
        else:
            index = np.rint(v * np.float32((COLOURS - 1) / limit))
        return np.clip(index, 0, COLOURS - 1).astype(np.uint8)

    def apply(self, values: np.ndarray, *, limit: float) -> np.ndarray:
        """Colour an array of values (any shape) into uint8 RGB (shape + (3,))."""
        return self.colours[self.indices(values, limit=limit)]


def lab_colormap(
    name: str, label: str, points: list[tuple[float, float, float]], *, diverging: bool
) -> Colormap:
    """A map through CIELAB control points, resampled to equal ΔE*ab steps.

    For a diverging map ``points`` runs from the negative end through the centre to the
    positive end and each half is resampled separately, so the centre stays exact.
    """
    lab = np.asarray(points, dtype=np.float64)
    if diverging:
        mid = len(lab) // 2
        low = _equal_steps(lab[: mid + 1][::-1], CENTRE + 1)[::-1]
        high = _equal_steps(lab[mid:], CENTRE + 1)
        path = np.vstack([low, high[1:]])
    else:
        path = _equal_steps(lab, COLOURS)
    rgb = color.lab2rgb(path[None])[0]
    return Colormap(name, label, np.rint(rgb * 255).astype(np.uint8), diverging)


def _equal_steps(points: np.ndarray, count: int) -> np.ndarray:
    """Resample a polyline (N, 3) into ``count`` points equally spaced along its length."""
    steps = np.linalg.norm(np.diff(points, axis=0), axis=1)
    along = np.concatenate([[0.0], np.cumsum(steps)])
    target = np.linspace(0.0, along[-1], count)
    return np.stack([np.interp(target, along, points[:, k]) for k in range(3)], axis=1)


def _lch(lightness: float, chroma: float, hue_deg: float) -> tuple[float, float, float]:
    h = math.radians(hue_deg)
    return (lightness, chroma * math.cos(h), chroma * math.sin(h))


# Dark centre for the screen: radiographs are read in dim rooms next to dark-background
# films, so "no change" stays dark and only change lights up (blue: after darker, i.e. less
# bone; orange: after brighter, more bone). Both arms rise to the same lightness and chroma,
# so equal |difference| looks equally strong on either side. All points are inside sRGB.
DIFFERENCE = lab_colormap(
    "difference",
    "blue - dark - orange (diverging)",
    [_lch(68, 46, 265), _lch(15, 0, 0), _lch(68, 46, 60)],
    diverging=True,
)
# Light centre for print, where a dark panel on white paper reads badly.
DIFFERENCE_LIGHT = lab_colormap(
    "difference-light",
    "blue - white - red (diverging)",
    [_lch(45, 42, 270), _lch(96, 0, 0), _lch(45, 42, 40)],
    diverging=True,
)
# |difference|: black through purple and orange to pale yellow, lightness rising steadily.
ABSOLUTE = lab_colormap(
    "absolute",
    "black - purple - yellow (sequential)",
    [(2, 0, 0), (30, 38, -42), (62, 42, 58), (94, -16, 60)],
    diverging=False,
)

COLORMAPS: dict[str, Colormap] = {cm.name: cm for cm in (DIFFERENCE, DIFFERENCE_LIGHT, ABSOLUTE)}


@dataclass(frozen=True)
class Tick:
    """A labelled value on a colour bar; ``position`` is in pixels along the gradient."""

    value: float
    position: float
    label: str


@dataclass(frozen=True, eq=False)
class ColourBar:
    """A rendered colour bar and where its gradient and ticks lie in ``image``.

    ``box`` is (x, y, width, height) of the gradient in ``image``; tick positions count
    from the gradient's low end (bottom for vertical bars, left for horizontal ones).
    """

    image: np.ndarray
    box: tuple[int, int, int, int]
    ticks: tuple[Tick, ...]
    low: float
    high: float
    orientation: Orientation


def colour_bar(
    colormap: Colormap,
    *,
    limit: float,
    length: int = 256,
    thickness: int = 16,
    orientation: Orientation = "vertical",
    tick_count: int = 5,
    title: str | None = None,
    labels: bool = True,
    foreground: RGB = (255, 255, 255),
    background: RGB = (0, 0, 0),
    font_scale: float = 0.4,
) -> ColourBar:
    """Render a colour bar with tick marks and values as an RGB array.

    Parameters
    ----------
    colormap
        The map shown.
    limit
        The range: ``-limit .. +limit`` for a diverging map, ``0 .. limit`` otherwise.
    length, thickness
        Size of the gradient in pixels (along and across).
    orientation
        ``"vertical"`` (high values at the top) or ``"horizontal"`` (high on the right).
    tick_count
        About how many ticks; steps are 1, 2, 2.5 or 5 × 10^k, and zero is always a tick of
        a diverging map.
    title
        A line drawn above (vertical) or below (horizontal) the bar, e.g. the units.
    labels
        Draw tick marks and values (OpenCV Hershey font, ASCII) around the gradient; when
        False the image is the gradient alone and callers draw ``ticks`` themselves.
    foreground, background
        Text and margin colours.
    font_scale
        OpenCV font scale of the labels.

    Returns
    -------
    ColourBar
        The image (H, W, 3) uint8 and the tick positions and labels (with a true minus sign).
    """
    low, high = (-limit, limit) if colormap.diverging else (0.0, limit)
    values = np.linspace(low, high, max(2, int(length)), dtype=np.float64)
    strip = colormap.apply(values, limit=limit)  # (length, 3), low first
    ticks = tuple(
        Tick(v, (v - low) / (high - low) * (len(values) - 1), _format(v, step))
        for v, step in _nice_ticks(low, high, tick_count)
    )
    if orientation == "vertical":
        gradient = np.repeat(strip[::-1, None, :], thickness, axis=1)
    else:
        gradient = np.repeat(strip[None, :, :], thickness, axis=0)
    gradient = np.ascontiguousarray(gradient)
    if not labels:
        h, w = gradient.shape[:2]
        return ColourBar(gradient, (0, 0, w, h), ticks, low, high, orientation)
    image, box = _labelled(gradient, ticks, title, orientation, foreground, background, font_scale)
    return ColourBar(image, box, ticks, low, high, orientation)


def _labelled(
    gradient: np.ndarray,
    ticks: tuple[Tick, ...],
    title: str | None,
    orientation: Orientation,
    foreground: RGB,
    background: RGB,
    font_scale: float,
) -> tuple[np.ndarray, tuple[int, int, int, int]]:
    font, stroke = cv2.FONT_HERSHEY_SIMPLEX, 1
    texts = [_ascii(t.label) for t in ticks]
    sizes = [cv2.getTextSize(s, font, font_scale, stroke)[0] for s in texts]
    text_w = max((w for w, _ in sizes), default=0)
    text_h = max((h for _, h in sizes), default=0)
    title_text = _ascii(title) if title else ""
    title_w, title_h = cv2.getTextSize(title_text or " ", font, font_scale, stroke)[0]
    gh, gw = gradient.shape[:2]
    mark, pad = 4, 4
    if orientation == "vertical":
        top = pad + (title_h + 2 * pad if title_text else text_h // 2 + 1)
        width = max(pad + gw + mark + 2 + text_w + pad, title_w + 2 * pad)
        height = top + gh + text_h // 2 + pad + 1
        box = (pad, top, gw, gh)
    else:
        left = max(pad, sizes[0][0] // 2 + 1 if sizes else pad)
        right = max(pad, sizes[-1][0] // 2 + 1 if sizes else pad)
        width = max(left + gw + right, title_w + 2 * pad)
        height = pad + gh + mark + 2 + text_h + pad + (title_h + pad if title_text else 0)
        box = (left, pad, gw, gh)
    image = np.empty((height, width, 3), dtype=np.uint8)
    image[:] = background
    x, y, _, _ = box
    image[y : y + gh, x : x + gw] = gradient
    for tick, text, (tw, th) in zip(ticks, texts, sizes, strict=True):
        p = round(tick.position)
        if orientation == "vertical":
            row = y + gh - 1 - p
            cv2.line(image, (x + gw, row), (x + gw + mark, row), foreground, 1)
            org = (x + gw + mark + 2, row + th // 2)
        else:
            col = x + p
            cv2.line(image, (col, y + gh), (col, y + gh + mark), foreground, 1)
            org = (col - tw // 2, y + gh + mark + 2 + th)
        cv2.putText(image, text, org, font, font_scale, foreground, stroke, cv2.LINE_AA)
    if title_text:
        org = (pad, pad + title_h) if orientation == "vertical" else (pad, height - pad)
        cv2.putText(image, title_text, org, font, font_scale, foreground, stroke, cv2.LINE_AA)
    return image, box


def _nice_ticks(low: float, high: float, count: int) -> list[tuple[float, float]]:
    """(value, step) of round tick values in [low, high], about ``count`` of them."""
    span = high - low
    if not span > 0:
        return [(low, 1.0)]
    magnitude = 10.0 ** math.floor(math.log10(span / max(1, count - 1)))

    def ticks(step: float) -> range:
        return range(math.ceil(low / step - 1e-9), math.floor(high / step + 1e-9) + 1)

    steps = [m * magnitude for m in (0.5, 1, 2, 2.5, 5, 10)]
    step = min(steps, key=lambda s: (abs(len(ticks(s)) - count), -s))
    return [(k * step if k else 0.0, step) for k in ticks(step)]


def _format(value: float, step: float) -> str:
    """A tick label with the decimals the step needs and a true minus sign."""
    fraction = f"{step:.6f}".rstrip("0").split(".")[1]
    text = f"{value:.{len(fraction)}f}"
    return text.replace("-", "\u2212") if value < 0 else text


def _ascii(text: str | None) -> str:
    """OpenCV's Hershey fonts are ASCII only."""
    if not text:
        return ""
    text = text.replace("\u2212", "-").replace("\u2013", "-").replace("\u00b1", "+/-")
    return text.encode("ascii", "replace").decode("ascii")
