"""Splitting a published side-by-side figure into a before and an after film."""

from xraycompare.core.figure_split.panels import Box
from xraycompare.core.figure_split.split import (
    SPLIT_DIRECTIONS,
    FigureSplit,
    SplitDirection,
    apply_split,
    find_split,
    split_at,
)

__all__ = [
    "SPLIT_DIRECTIONS",
    "Box",
    "FigureSplit",
    "SplitDirection",
    "apply_split",
    "find_split",
    "split_at",
]
