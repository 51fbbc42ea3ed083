"""What a comparison is made with: the recorded difference settings and a mode's options."""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

from xraycompare.core.compare import compositing
from xraycompare.core.compare.colormaps import ABSOLUTE, COLORMAPS, RGB, Colormap
from xraycompare.core.types import (
    COMPARISON_MODES,
    DIFFERENCE_FILTERS,
    EXPOSURE_METHODS,
    FILMS,
    OUTSIDE_HAND,
    ComparisonMode,
    DifferenceFilter,
    ExposureMethod,
    Film,
    OutsideHand,
)


@dataclass(frozen=True)
class DifferenceSettings:
    """How the comparison views match the films and scale their difference.

    Recorded in the project so a difference figure can be remade and disclosed:
    ``exposure_method`` is ``"none"``, ``"linear"`` or ``"histogram"``; ``exposure_gain``
    and ``exposure_offset`` are the fitted linear match (None until fitted, and for the
    other methods); ``difference_range`` is the ± range of the colour map in before modality
    units (None: the range suggested by the exposure match); ``absolute`` shows
    |after − before|. ``difference_filter`` (``"none"``, ``"smooth"``, ``"tolerant"``) and
    ``filter_radius`` (before pixels) quieten speckle from sub-pixel misregistration, and
    ``outside_hand`` (``"dim"`` or ``"show"``) says whether the air around the hand shows
    the before film dimmed or the difference colours (see :mod:`.quieting`).
    """

    exposure_method: ExposureMethod = "linear"
    exposure_gain: float | None = None
    exposure_offset: float | None = None
    difference_range: float | None = None
    absolute: bool = False
    difference_filter: DifferenceFilter = "none"
    filter_radius: float = 1.0
    outside_hand: OutsideHand = "dim"

    def __post_init__(self) -> None:
        if self.exposure_method not in EXPOSURE_METHODS:
            raise ValueError(f"unknown exposure matching method {self.exposure_method!r}")
        r = self.difference_range
        if r is not None and not (math.isfinite(r) and r > 0):
            raise ValueError(f"difference range must be positive, got {r}")
        _check_quieting(self.difference_filter, self.filter_radius, self.outside_hand)

    def refitted(self) -> DifferenceSettings:
        """These choices without what was fitted to one pair (the match and the range)."""
        return replace(self, exposure_gain=None, exposure_offset=None, difference_range=None)


@dataclass(frozen=True)
class ComparisonSettings:
    """Everything a comparison mode needs besides the two films.

    Positions (``reveal_center``, ``swipe_position``) and ``reveal_size`` are in frame
    (device) pixels, pixel centres at integers; ``tile_size`` is in before pixels, so tiles
    stay on the anatomy. ``difference_range`` is ± in before modality units; None uses the
    exposure match's suggestion (a robust percentile of |difference| inside the hand).
    """

    mode: ComparisonMode = "difference"
    blend_weight: float = 0.5
    tile_size: float = 64.0
    reveal_center: tuple[float, float] | None = None
    reveal_size: float = 160.0
    swipe_position: float | None = None
    swipe_orientation: compositing.SwipeOrientation = "vertical"
    flicker_phase: Film = "after"
    difference_range: float | None = None
    absolute_difference: bool = False
    colormap: str = "difference"
    no_data: RGB = (0, 0, 0)
    difference_filter: DifferenceFilter = "none"
    filter_radius: float = 1.0
    outside_hand: OutsideHand = "show"

    def __post_init__(self) -> None:
        if self.mode not in COMPARISON_MODES:
            raise ValueError(f"unknown comparison mode {self.mode!r}")
        if not 0.0 <= self.blend_weight <= 1.0:
            raise ValueError(f"blend weight must be in [0, 1], got {self.blend_weight}")
        if not (math.isfinite(self.tile_size) and self.tile_size > 0):
            raise ValueError(f"tile size must be positive, got {self.tile_size}")
        if self.difference_range is not None and not (
            math.isfinite(self.difference_range) and self.difference_range > 0
        ):
            raise ValueError(f"difference range must be positive, got {self.difference_range}")
        if self.colormap not in COLORMAPS:
            raise ValueError(f"unknown colour map {self.colormap!r}")
        if self.flicker_phase not in FILMS:
            raise ValueError(f"flicker phase must be before or after, got {self.flicker_phase}")
        _check_quieting(self.difference_filter, self.filter_radius, self.outside_hand)

    def using(self, difference: DifferenceSettings) -> ComparisonSettings:
        """These settings with the difference choices recorded in a project."""
        return replace(
            self,
            difference_range=difference.difference_range,
            absolute_difference=difference.absolute,
            difference_filter=difference.difference_filter,
            filter_radius=difference.filter_radius,
            outside_hand=difference.outside_hand,
        )

    @property
    def difference_colormap(self) -> Colormap:
        """The map the difference mode uses (sequential for the absolute difference)."""
        if self.absolute_difference and COLORMAPS[self.colormap].diverging:
            return ABSOLUTE
        return COLORMAPS[self.colormap]


def _check_quieting(method: str, radius: float, outside: str) -> None:
    if method not in DIFFERENCE_FILTERS:
        raise ValueError(f"unknown difference filter {method!r}")
    if not (math.isfinite(radius) and 0 < radius <= 10):
        raise ValueError(f"the filter radius must be in (0, 10] pixels, got {radius}")
    if outside not in OUTSIDE_HAND:
        raise ValueError(f"outside the hand must be one of {OUTSIDE_HAND}, got {outside!r}")
