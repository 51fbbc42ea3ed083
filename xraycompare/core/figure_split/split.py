"""Splitting a published side-by-side figure into a before and an after film.

Papers show follow-up as one image: two panels left/right or top/bottom, a white or black
gutter between them, panel letters or "Before"/"After" captions, sometimes a frame.
:func:`find_split` finds the gutter and each film's box (captions and letters outside the
films left out); :func:`split_at` does the same for a gutter the user placed;
:func:`apply_split` crops the films. The left (or top) panel is the before film, as papers
lay them out. The films carry no calibration: a figure's pixels have no known size.

Direction names follow Qt splitters and ``numpy.hstack``: ``"horizontal"`` is panels side
by side (left | right), ``"vertical"`` panels stacked (top / bottom).
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from typing import Literal, get_args

import cv2
import numpy as np

from xraycompare.core.figure_split.canvas import (
    COLOUR_TOLERANCE,
    as_grey8,
    canvas_colours,
    canvas_mask,
    canvas_tolerance,
    content_without_lines,
    flat_mask,
    ringing_allowance,
)
from xraycompare.core.figure_split.panels import Box, film_box, film_components, refine_box

SplitDirection = Literal["horizontal", "vertical"]
SPLIT_DIRECTIONS: tuple[SplitDirection, ...] = get_args(SplitDirection)

_WORK_SIDE = 1600  # figures larger than this are analysed on a reduced copy
_MIN_BALANCE = 0.1  # the smaller film holds at least this share of the larger one's area
_MIN_OVERLAP = 0.5  # side-by-side films share at least half of the shorter one's rows
_MIN_CONFIDENCE = 0.5
_MIN_FILM_SIDE = 48  # pixels; a smaller panel is a logo or an inset, not a film to compare
_LINE_THICKNESS = 0.02  # frames and rules are thinner than this share of the figure
_LINE_LENGTH = 0.25  # ... and longer than this share


@dataclass(frozen=True)
class FigureSplit:
    """Where the two films of a figure are, in the figure's pixels.

    ``before`` and ``after`` are the films' boxes (captions and letters outside them left
    out); ``gutter`` is the band between them across the whole figure; ``canvas`` the
    gutter's grey level (0-255 scale); ``confidence`` in [0, 1] how clearly the gutter
    separates the films (the share of it that is plain canvas, less when the films differ
    much in size).
    """

    direction: SplitDirection
    before: Box
    after: Box
    gutter: Box
    canvas: float
    confidence: float

    def as_json(self) -> dict[str, object]:
        """The command's JSON contract: direction and the two boxes as [x, y, w, h]."""
        return {
            "direction": self.direction,
            "before": list(self.before),
            "after": list(self.after),
        }


@dataclass(frozen=True, eq=False)
class _Analysis:
    """A figure prepared for splitting, turned so that the split is left | right."""

    grey: np.ndarray  # full resolution, 0-255 float32
    work: np.ndarray  # reduced by ``factor``
    factor: int
    flat: np.ndarray

    def turned(self) -> _Analysis:
        """The same figure transposed: a top / bottom split becomes left | right."""
        return _Analysis(self.grey.T, self.work.T, self.factor, self.flat.T)

    def canvases(self, colours: list[float] | None = None) -> list[_Canvas]:
        """The canvas candidates; colours with a film's noise are no layout's canvas."""
        found = canvas_colours(self.work, self.flat) if colours is None else colours
        made = [self._canvas(c) for c in found]
        return [c for c in made if c.tolerance < COLOUR_TOLERANCE] if colours is None else made

    def _canvas(self, colour: float) -> _Canvas:
        h, w = self.work.shape
        tolerance = canvas_tolerance(self.work, self.flat, colour)
        canvas = canvas_mask(self.work, self.flat, colour, tolerance)
        content = content_without_lines(
            ~canvas,
            thickness=self.frame_width // self.factor,
            length=max(8, math.ceil(_LINE_LENGTH * min(h, w))),
        )
        distance = np.abs(self.grey - np.float32(colour))
        return _Canvas(colour, tolerance, content, distance)

    @property
    def frame_width(self) -> int:
        """The thickest line counted as layout (a frame or rule), in full pixels."""
        return max(3, math.ceil(_LINE_THICKNESS * min(self.grey.shape)))


@dataclass(frozen=True, eq=False)
class _Canvas:
    """One candidate canvas colour: what is content against it, and how far from it."""

    colour: float
    tolerance: float
    content: np.ndarray  # reduced figure, frames and rules removed
    distance: np.ndarray  # full resolution |grey - colour|


def find_split(
    image: np.ndarray, *, direction: SplitDirection | Literal["auto"] = "auto"
) -> FigureSplit | None:
    """Find the gutter of a two-panel figure and the box of each film.

    Parameters
    ----------
    image
        The figure: (H, W) grey of any integer or float type, or (H, W, 3) RGB.
    direction
        ``"horizontal"`` (left | right), ``"vertical"`` (top / bottom) or ``"auto"``.

    Returns
    -------
    FigureSplit or None
        None when no two films separated by a plain gutter are found (a single radiograph,
        panels without a gutter).
    """
    if direction != "auto" and direction not in SPLIT_DIRECTIONS:
        raise ValueError(f"unknown split direction {direction!r}")
    analysis = _analyse(image)
    best: FigureSplit | None = None
    for d in SPLIT_DIRECTIONS if direction == "auto" else (direction,):
        turned = analysis if d == "horizontal" else analysis.turned()
        for canvas in turned.canvases():
            for line in _candidate_lines(turned, canvas):
                found = _split_on(turned, canvas, line, d)
                if found is not None and (best is None or found.confidence > best.confidence):
                    best = found
    return best if best is not None and best.confidence >= _MIN_CONFIDENCE else None


def split_at(
    image: np.ndarray, *, direction: SplitDirection, position: float
) -> FigureSplit | None:
    """The films on either side of a gutter the user placed (an import preview's handle).

    Parameters
    ----------
    image
        The figure, as for :func:`find_split`.
    direction
        ``"horizontal"``: ``position`` is a column; ``"vertical"``: a row.
    position
        The dividing line in figure pixels; each side's film is looked for on its side only.

    Returns
    -------
    FigureSplit or None
        None when a side holds no film-sized content.
    """
    if direction not in SPLIT_DIRECTIONS:
        raise ValueError(f"unknown split direction {direction!r}")
    analysis = _analyse(image)
    turned = analysis if direction == "horizontal" else analysis.turned()
    line = int(np.clip(position // turned.factor, 1, turned.work.shape[1] - 2))
    canvases = turned.canvases() or turned.canvases([float(np.median(turned.work))])
    found = [_split_on(turned, canvas, line, direction) for canvas in canvases]
    kept = [f for f in found if f is not None]
    return max(kept, key=lambda f: f.confidence) if kept else None


def apply_split(image: np.ndarray, split: FigureSplit) -> tuple[np.ndarray, np.ndarray]:
    """The before and the after film cropped from the figure (new arrays, same type)."""
    a = np.asarray(image)
    h, w = a.shape[:2]
    for box in (split.before, split.after):
        if box.x < 0 or box.y < 0 or box.right > w or box.bottom > h or box.area <= 0:
            raise ValueError(f"the box {tuple(box)} does not fit a {w}×{h} figure")
    return a[split.before.slices()].copy(), a[split.after.slices()].copy()


def _analyse(image: np.ndarray) -> _Analysis:
    grey = as_grey8(image)
    factor = max(1, math.ceil(max(grey.shape) / _WORK_SIDE))
    work = grey
    if factor > 1:
        h, w = grey.shape
        size = (max(1, w // factor), max(1, h // factor))
        work = cv2.resize(grey[: size[1] * factor, : size[0] * factor], size, cv2.INTER_AREA)
    return _Analysis(grey, work, factor, flat_mask(work))


def _candidate_lines(analysis: _Analysis, canvas: _Canvas) -> list[int]:
    """Columns (reduced figure) where a gutter may run.

    The middles of the gaps between film components, and of the runs of columns that are
    canvas nearly all the way down (a gutter so thin that JPEG ringing joins the films'
    components still looks like canvas, within the ringing allowance).
    """
    ordered = sorted(film_components(canvas.content), key=lambda c: c.box.x)
    lines = []
    reach = -1
    for c, following in itertools.pairwise(ordered):
        reach = max(reach, c.box.right)
        if following.box.x >= reach:
            lines.append((reach + following.box.x) // 2)
    near = np.abs(analysis.work - np.float32(canvas.colour)) <= ringing_allowance(canvas.tolerance)
    plain = np.concatenate(([False], near.mean(axis=0) >= 0.9, [False]))
    edges = np.flatnonzero(np.diff(plain.astype(np.int8)))
    w = analysis.work.shape[1]
    for start, stop in zip(edges[::2], edges[1::2], strict=True):
        if start > 0 and stop < w and all(abs(line - (start + stop) // 2) > 2 for line in lines):
            lines.append(int(start + stop) // 2)
    return lines


def _split_on(
    analysis: _Analysis, canvas: _Canvas, line: int, direction: SplitDirection
) -> FigureSplit | None:
    """The films left and right of column ``line`` (reduced figure), scored; None if none."""
    left, right = canvas.content.copy(), canvas.content.copy()
    left[:, line:] = False
    right[:, : line + 1] = False
    found = [film_box(left), film_box(right)]
    if found[0] is None or found[1] is None:
        return None
    a, b = found[0].box, found[1].box
    if min(a.width, a.height, b.width, b.height) * analysis.factor < _MIN_FILM_SIDE:
        return None
    balance = min(a.area, b.area) / max(a.area, b.area)
    overlap = min(a.bottom, b.bottom) - max(a.y, b.y)
    if balance < _MIN_BALANCE or overlap < _MIN_OVERLAP * min(a.height, b.height):
        return None
    grey, f = analysis.grey, analysis.factor
    h, w = grey.shape
    cut = line * f + f // 2
    sides = (Box(0, 0, cut, h), Box(cut + 1, 0, w - cut - 1, h))
    before, after = (
        refine_box(
            canvas.distance,
            box.scaled(f, (h, w)),
            tolerance=canvas.tolerance,
            outward=f + 1,
            inward=8 + 2 * f,
            limit=side,
        )
        for box, side in zip((a, b), sides, strict=True)
    )
    plain = _plainness(canvas, before, after)
    solidity = min(found[0].solidity, found[1].solidity)
    confidence = plain * solidity * min(1.0, balance / 0.25)
    gutter = Box(before.right, 0, max(0, after.x - before.right), h)
    if direction == "vertical":
        before, after, gutter = (Box(b.y, b.x, b.height, b.width) for b in (before, after, gutter))
    return FigureSplit(
        direction, before, after, gutter, round(canvas.colour, 1), round(confidence, 3)
    )


def _plainness(canvas: _Canvas, before: Box, after: Box) -> float:
    """The share of the gutter between two films that looks like canvas, not film."""
    d = canvas.distance
    rows = slice(min(before.y, after.y), max(before.bottom, after.bottom))
    band = d[rows, before.right : after.x]
    if band.size == 0:
        return 0.0
    strips = [
        d[before.slices()[0], max(before.x, before.right - 25) : before.right - 5],
        d[after.slices()[0], after.x + 5 : min(after.right, after.x + 25)],
    ]
    levels = [float(np.median(s)) for s in strips if s.size]
    film_level = min(levels) if levels else 0.0
    return float((band <= max(canvas.tolerance, film_level / 2)).mean())
