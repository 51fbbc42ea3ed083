"""Bookmarked views for a teaching tour: where to look, how, through which alignment, and why.

A :class:`Bookmark` is a view the teacher saved (the centre and zoom in the before frame,
the view mode and the alignment in use) with a caption the class reads while it is shown.
A tour steps through the pair's bookmarks in order. Bookmarks live in the before frame like
the shared view, so swapping the films maps them (:meth:`Bookmark.swapped`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from xraycompare.core.geometry import transform_point
from xraycompare.core.registration.alignment import GLOBAL
from xraycompare.core.types import VIEW_MODES, ViewMode

MAX_BOOKMARKS = 500
MAX_CAPTION = 1_000


@dataclass(frozen=True)
class Bookmark:
    """One saved view. ``center`` and ``zoom`` are both None for "fit the film".

    ``zoom`` is logical screen pixels per before pixel, as in the Document's view;
    ``alignment`` names the alignment the view uses (``"Global"`` or a local one's name).
    ValueError says what is wrong.
    """

    name: str
    caption: str = ""
    center: tuple[float, float] | None = None
    zoom: float | None = None
    mode: ViewMode = "side-by-side"
    alignment: str = GLOBAL

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name.strip():
            raise ValueError("a bookmark needs a name")
        if not isinstance(self.caption, str) or len(self.caption) > MAX_CAPTION:
            raise ValueError(f"a caption is text of at most {MAX_CAPTION} characters")
        if (self.center is None) != (self.zoom is None):
            raise ValueError("a bookmark has both a centre and a zoom, or neither (fit)")
        if self.center is not None:
            x, y = (float(v) for v in self.center)
            if not (math.isfinite(x) and math.isfinite(y)):
                raise ValueError("a bookmark's centre must be two finite numbers")
            object.__setattr__(self, "center", (x, y))
        if self.zoom is not None:
            zoom = float(self.zoom)
            if not (math.isfinite(zoom) and zoom > 0):
                raise ValueError(f"a bookmark's zoom must be above 0, not {self.zoom}")
            object.__setattr__(self, "zoom", zoom)
        if self.mode not in VIEW_MODES:
            raise ValueError(f"unknown view mode {self.mode!r}")
        if not isinstance(self.alignment, str) or not self.alignment:
            raise ValueError("a bookmark names the alignment it uses")

    @property
    def is_fit(self) -> bool:
        return self.center is None

    def swapped(self, to_new_before: np.ndarray) -> Bookmark:
        """The same view after the films were swapped: the centre mapped into the new
        before frame and the zoom kept on screen (``to_new_before`` maps the old before
        frame into the new one)."""
        if self.center is None or self.zoom is None:
            return self
        m = np.asarray(to_new_before, dtype=np.float64)
        scale = math.sqrt(abs(float(np.linalg.det(m[:2, :2])))) or 1.0
        return replace(self, center=transform_point(m, *self.center), zoom=self.zoom / scale)


Tour = tuple[Bookmark, ...]


def unique_name(bookmarks: Tour, base: str) -> str:
    """``base``, or ``base 2``, ``base 3``... when a bookmark already has that name."""
    taken = {b.name for b in bookmarks}
    if base not in taken:
        return base
    n = 2
    while f"{base} {n}" in taken:
        n += 1
    return f"{base} {n}"


def replaced(bookmarks: Tour, index: int, **changes: object) -> Tour:
    """The bookmarks with the one at ``index`` changed (its name or caption, say)."""
    changed = replace(bookmarks[index], **changes)  # type: ignore[arg-type]
    return (*bookmarks[:index], changed, *bookmarks[index + 1 :])


def removed(bookmarks: Tour, index: int) -> Tour:
    return (*bookmarks[:index], *bookmarks[index + 1 :])


def moved(bookmarks: Tour, index: int, to: int) -> Tour:
    """The bookmark at ``index`` moved to position ``to`` of the tour (clamped)."""
    items = list(bookmarks)
    item = items.pop(index)
    items.insert(max(0, min(to, len(items))), item)
    return tuple(items)


JOINT_FIELD = 2.4  # a joint's view spans this many joint spacings: the joint and its neighbours


def joint_tour(
    joints: Sequence[tuple[str, tuple[float, float]]],
    *,
    view_size: tuple[float, float],
    mode: ViewMode = "side-by-side",
) -> Tour:
    """One bookmark per joint, in the order given, each centred on its joint.

    Parameters
    ----------
    joints
        (name, (x, y) in the before frame) per joint, in tour order ("MCP1 right", …).
    view_size
        The view's size in logical screen pixels: the zoom makes each view span
        :data:`JOINT_FIELD` times the typical distance between neighbouring joints, so a
        child's hand and an adult's are shown alike.
    mode
        The view mode of every stop.

    Returns
    -------
    tuple of Bookmark
        Empty without joints; a single joint is shown at the zoom of a 200-pixel field.
    """
    if not joints:
        return ()
    xy = np.array([p for _name, p in joints], dtype=np.float64)
    spacing = 200.0 / JOINT_FIELD
    if len(xy) > 1:
        gaps = np.hypot(*(xy[:, None, :] - xy[None, :, :]).transpose(2, 0, 1))
        np.fill_diagonal(gaps, np.inf)
        spacing = float(np.median(gaps.min(axis=1))) or spacing
    zoom = min(view_size) / (JOINT_FIELD * spacing)
    tour: list[Bookmark] = []
    for name, (x, y) in joints:
        tour.append(Bookmark(unique_name(tuple(tour), name), "", (float(x), float(y)), zoom, mode))
    return tuple(tour)
