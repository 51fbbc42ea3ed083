"""Splitting a published side-by-side figure into a before and an after film."""

from xraycompare.core.figure_split.films import FILM_NAMES, figure_pixels, write_split_films
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
    "FILM_NAMES",
    "SPLIT_DIRECTIONS",
    "Box",
    "FigureSplit",
    "SplitDirection",
    "apply_split",
    "figure_pixels",
    "find_split",
    "split_at",
    "write_split_films",
]
