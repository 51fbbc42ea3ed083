"""The films of a figure: large content components, and their edges to the pixel.

Within the content mask (:mod:`.canvas`), each film is one large connected component
(its air is never flat canvas), while captions, panel letters and arrows are small ones:
a film's box is the bounding box of the large components on its side of the gutter.
Boxes found on a reduced copy of a large figure, or padded by JPEG ringing, are then
refined on the full-resolution figure: each edge moves to the first line that differs from
the canvas colour by more than JPEG ringing does (or by half the film's own level, when
the film is that close to the canvas).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import cv2
import numpy as np

from xraycompare.core.figure_split.canvas import ringing_allowance

_SIGNIFICANT = 0.15  # a film component holds at least this share of the largest one's pixels
_MIN_EXTENT = 0.03  # ... and spans at least this share of the figure along both axes


class Box(NamedTuple):
    """A pixel box: columns ``x .. x + width - 1`` and rows ``y .. y + height - 1``."""

    x: int
    y: int
    width: int
    height: int

    @property
    def right(self) -> int:
        """One past the last column."""
        return self.x + self.width

    @property
    def bottom(self) -> int:
        """One past the last row."""
        return self.y + self.height

    @property
    def area(self) -> int:
        return self.width * self.height

    def slices(self) -> tuple[slice, slice]:
        """``image[box.slices()]`` is the box's pixels."""
        return slice(self.y, self.bottom), slice(self.x, self.right)

    def scaled(self, factor: int, shape: tuple[int, int]) -> Box:
        """The box on a figure ``factor`` times larger (of ``shape``), clipped to it."""
        h, w = shape
        x0, y0 = min(w - 1, self.x * factor), min(h - 1, self.y * factor)
        x1, y1 = min(w, self.right * factor), min(h, self.bottom * factor)
        return Box(x0, y0, max(1, x1 - x0), max(1, y1 - y0))


def union(boxes: list[Box]) -> Box:
    """The smallest box holding all of ``boxes``."""
    x0, y0 = min(b.x for b in boxes), min(b.y for b in boxes)
    x1, y1 = max(b.right for b in boxes), max(b.bottom for b in boxes)
    return Box(x0, y0, x1 - x0, y1 - y0)


@dataclass(frozen=True)
class Component:
    """A large piece of content: its box and its pixel count."""

    box: Box
    pixels: int
    label: int


def film_components(content: np.ndarray) -> list[Component]:
    """The content components large enough to be (part of) a film, largest first."""
    return _components(content)[0]


@dataclass(frozen=True)
class FilmBox:
    """Where a film is on one side of the gutter, and how much it looks like a film.

    ``solidity`` in [0, 1]: a film is a solid rectangle, filled and with straight, whole
    edges; a hand cut out of its own flat air (a film's background taken for the canvas)
    fills its box poorly and touches it at a few points only.
    """

    box: Box
    solidity: float


def film_box(content: np.ndarray) -> FilmBox | None:
    """The film in one side's content mask, or None when it holds no film-sized content.

    The box holds the side's film components; lines at its ends that the components cover
    only sparsely (a panel letter or caption that JPEG ringing joined to the film) are
    trimmed off.
    """
    found, labels = _components(content)
    if not found:
        return None
    box = union([c.box for c in found])
    mask = np.isin(labels[box.slices()], [c.label for c in found])
    rows = _dense_span(mask.mean(axis=1))
    cols = _dense_span(mask[rows].mean(axis=0))
    x, y = box.x + cols.start, box.y + rows.start
    inside = mask[rows, cols]
    edges = sorted(
        float(e.mean()) for e in (inside[:3], inside[-3:], inside[:, :3], inside[:, -3:])
    )
    # one edge may be poor: a film's own border can have the canvas colour
    solidity = min(
        np.clip((float(inside.mean()) - 0.5) / 0.35, 0, 1),
        np.clip((edges[1] - 0.5) / 0.4, 0, 1),
    )
    return FilmBox(Box(x, y, inside.shape[1], inside.shape[0]), float(solidity))


def _components(content: np.ndarray) -> tuple[list[Component], np.ndarray]:
    _, labels, stats, _ = cv2.connectedComponentsWithStats(content.astype(np.uint8), connectivity=8)
    h, w = content.shape
    found = [
        Component(Box(int(s[0]), int(s[1]), int(s[2]), int(s[3])), int(s[4]), i + 1)
        for i, s in enumerate(stats[1:])
        if s[2] >= _MIN_EXTENT * w and s[3] >= _MIN_EXTENT * h
    ]
    if not found:
        return [], labels
    largest = max(c.pixels for c in found)
    kept = sorted((c for c in found if c.pixels >= _SIGNIFICANT * largest), key=lambda c: -c.pixels)
    return kept, labels


def _dense_span(coverage: np.ndarray) -> slice:
    """The lines from the first to the last whose coverage reaches half the typical one."""
    dense = np.nonzero(coverage >= 0.5 * float(np.median(coverage)))[0]
    if len(dense) == 0:
        return slice(0, len(coverage))
    return slice(int(dense[0]), int(dense[-1]) + 1)


def refine_box(
    distance: np.ndarray,
    box: Box,
    *,
    tolerance: float,
    outward: int,
    inward: int,
    limit: Box,
) -> Box:
    """Move each edge of ``box`` to the film's true edge against the canvas ``colour``.

    Parameters
    ----------
    distance
        ``|figure - canvas colour|`` at full resolution (0-255 scale).
    box
        The film's approximate box: at most ``outward`` pixels inside the truth (found on a
        reduced copy) and at most ``inward`` outside it (JPEG ringing counted as film).
    outward, inward
        How far an edge may move out of and into the box.
    limit
        The box may not grow beyond this one (its side of the gutter).
    tolerance
        The canvas's own tolerance (:func:`.canvas.canvas_tolerance`).

    Returns
    -------
    Box
        The refined box; an edge where the film barely differs from the canvas (its own
        border has the canvas colour) stays where it was.
    """
    # JPEG rings around the canvas colour by a few levels; a film's border that differs
    # from the canvas by more than that (a grey collimation band) is film
    ringing = ringing_allowance(tolerance)
    reach = (outward, inward)
    x0 = _edge(distance, box.x, (box.y, box.bottom), reach, ringing, axis=1, step=1)
    x1 = _edge(distance, box.right - 1, (box.y, box.bottom), reach, ringing, axis=1, step=-1)
    y0 = _edge(distance, box.y, (x0, x1 + 1), reach, ringing, axis=0, step=1)
    y1 = _edge(distance, box.bottom - 1, (x0, x1 + 1), reach, ringing, axis=0, step=-1)
    x1, y1 = x1 + 1, y1 + 1
    x0, x1 = max(limit.x, x0), min(limit.right, x1)
    y0, y1 = max(limit.y, y0), min(limit.bottom, y1)
    if x1 - x0 < box.width // 2 or y1 - y0 < box.height // 2:
        return box  # a refinement that loses half the film found something else
    return Box(x0, y0, x1 - x0, y1 - y0)


def _edge(
    distance: np.ndarray,
    at: int,
    span: tuple[int, int],
    reach: tuple[int, int],
    ringing: float,
    *,
    axis: int,
    step: int,
) -> int:
    """The first line, from outside in, clearly unlike the canvas: the film's edge.

    A line is film when its median distance from the canvas colour reaches half the level
    inside the film, or ``ringing`` when that is lower.

    ``at`` is the box's outermost line along ``axis`` (1: columns, 0: rows), ``span`` the
    box's extent across, ``step`` +1 or -1 (the inward direction).
    """
    outward, inward = reach
    n = distance.shape[1] if axis == 1 else distance.shape[0]
    lines = np.arange(at - step * outward, at + step * (2 * inward + 8), step)
    lines = lines[(lines >= 0) & (lines < n)]
    lo, hi = span
    if len(lines) < outward + inward + 4 or hi - lo < 4:
        return at
    # the middle half across: the corners may hold a frame or a neighbour's caption
    quarter = (hi - lo) // 4
    middle = slice(lo + quarter, hi - quarter)
    block = distance[middle, :][:, lines] if axis == 1 else distance[lines, :][:, middle].T
    profile = np.median(block, axis=0)
    window = np.abs(lines - at) <= np.where(step * (lines - at) < 0, outward, inward)
    deeper = profile[~window & (step * (lines - at) > 0)]
    inside = float(np.median(deeper)) if len(deeper) else 0.0
    threshold = min(inside / 2, ringing)
    if inside < 2 * threshold:
        return at  # the film is too like the canvas here to place its edge better
    hits = np.nonzero(window & (profile >= threshold))[0]
    return int(lines[hits[0]]) if len(hits) else at
