"""The quiz: the pair's regions hidden, then revealed one finding at a time or all at once.

A :class:`Quiz` is the set of region ids still hidden; an empty set is "no quiz". Starting a
quiz hides the regions there are (:func:`hiding`); a region drawn during the quiz shows at
once. A finding is a region with its linked counterpart on the other film, so a reveal
shows both (:func:`next_to_reveal`), the one in view first.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from xraycompare.core.annotations.regions import Region
from xraycompare.core.geometry import IDENTITY, transform_points
from xraycompare.core.types import Film

Box = tuple[float, float, float, float]  # x, y, width, height in the before frame


@dataclass(frozen=True)
class Quiz:
    """The ids of the regions hidden until revealed (none: no quiz, all regions shown)."""

    hidden: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        ids = frozenset(self.hidden)
        if not all(isinstance(i, str) and i for i in ids):
            raise ValueError("hidden regions are named by their ids (non-empty text)")
        object.__setattr__(self, "hidden", ids)

    @property
    def active(self) -> bool:
        return bool(self.hidden)

    def hides(self, region_id: str) -> bool:
        return region_id in self.hidden

    def revealing(self, ids: Iterable[str]) -> Quiz:
        """The quiz with ``ids`` shown."""
        return Quiz(self.hidden - frozenset(ids))

    def kept(self, existing: Iterable[str]) -> Quiz:
        """The quiz without the ids of regions that no longer exist (what a file keeps)."""
        return Quiz(self.hidden & frozenset(existing))


def hiding(regions: Iterable[Region]) -> Quiz:
    """A quiz that hides every one of ``regions``."""
    return Quiz(frozenset(r.id for r in regions))


def region_centre(region: Region, to_before: np.ndarray = IDENTITY) -> tuple[float, float]:
    """Where a region is, in the before frame: the middle of its outline's extent."""
    points = transform_points(to_before, region.outline(samples=32))
    low, high = points.min(axis=0), points.max(axis=0)
    return float((low[0] + high[0]) / 2), float((low[1] + high[1]) / 2)


def next_to_reveal(
    regions: Sequence[Region],
    quiz: Quiz,
    *,
    to_before: Mapping[Film, np.ndarray] | None = None,
    view_box: Box | None = None,
) -> tuple[str, ...]:
    """The ids to reveal next: a hidden finding and its hidden counterpart.

    Parameters
    ----------
    regions
        The pair's regions, in the order they were drawn.
    quiz
        What is hidden.
    to_before
        Film -> matrix mapping that film's pixels into the before frame (identity when
        missing), to tell which regions are in view.
    view_box
        The part of the before frame on screen, (x, y, width, height). The hidden region
        nearest its middle comes first; without one in view (or without a box), the first
        hidden region drawn.

    Returns
    -------
    tuple of str
        The region ids, in drawing order; empty when nothing is hidden.
    """
    hidden = [r for r in regions if quiz.hides(r.id)]
    if not hidden:
        return ()
    chosen = hidden[0]
    if view_box is not None:
        x, y, w, h = view_box
        mid = (x + w / 2, y + h / 2)
        best = math.inf
        for region in hidden:
            cx, cy = region_centre(region, (to_before or {}).get(region.film, IDENTITY))
            if x <= cx <= x + w and y <= cy <= y + h:
                distance = math.hypot(cx - mid[0], cy - mid[1])
                if distance < best:
                    chosen, best = region, distance
    return tuple(r.id for r in hidden if r.lineage_id == chosen.lineage_id)
