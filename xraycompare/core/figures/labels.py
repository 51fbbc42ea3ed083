"""The words and the scale bar on a figure: captions from the interval, never the dates.

Journals want "Baseline" and "Year 7", not the study dates (which identify a patient), so a
caption is the interval between the two films' study dates; films without dates are
"Before" and "After". A scale bar is a round length in mm, drawn only on a calibrated film
and labelled with its calibration type.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from xraycompare.core.figures.layout import PanelContent, PanelLayout
from xraycompare.core.io.film_labels import study_date
from xraycompare.core.io.image import XrayImage
from xraycompare.core.types import CALIBRATION_LABELS, FILM_TITLES, Calibration

COMPARISON_CAPTIONS: dict[str, str] = {
    "difference": "Difference",
    "overlay": "Overlay",
    "blend": "Blend",
}
NICE_LENGTHS_MM = (0.2, 0.5, 1.0, 2.0, 5.0, 10.0, 20.0, 50.0, 100.0, 200.0, 500.0)
SCALE_BAR_FRACTION = 0.3  # the bar is the longest round length up to this share of a panel


def film_captions(before: XrayImage, after: XrayImage) -> tuple[str, str]:
    """("Baseline", "Year 7") from the films' study dates; ("Before", "After") without them.

    The interval is rounded to whole years from 12 months on, to months from 4 weeks on,
    else days. Dates that are missing, invalid or out of order give the plain titles.
    """
    first, second = study_date(before), study_date(after)
    if first is None or second is None or second <= first:
        return FILM_TITLES["before"], FILM_TITLES["after"]
    return "Baseline", interval_caption((second - first).days)


def interval_caption(days: int) -> str:
    """ "Day 10", "Month 6", "Year 7" for a positive number of days."""
    if days < 28:
        return f"Day {days}"
    months = _round_half_up(days / 30.4375)
    if months < 12:
        return f"Month {months}"
    return f"Year {_round_half_up(days / 365.25)}"


def panel_caption(content: PanelContent, films: tuple[str, str]) -> str:
    """The caption of a panel showing ``content``, given the two films' captions."""
    if content == "before":
        return films[0]
    if content == "after":
        return films[1]
    return COMPARISON_CAPTIONS[content]


@dataclass(frozen=True)
class ScaleBar:
    """A scale bar on a panel: ``length_px`` figure pixels stand for ``length_mm``."""

    length_mm: float
    length_px: float
    calibration: Calibration
    spacing_mm: float  # horizontal pixel spacing of the before film

    @property
    def label(self) -> str:
        """ "10 mm (calibrated)", "5 mm (at detector)", ..."""
        return f"{self.length_mm:g} mm ({CALIBRATION_LABELS[self.calibration]})"


def scale_bar(panel: PanelLayout, before: XrayImage) -> ScaleBar | None:
    """The scale bar of a panel showing the before frame, or None for a pixel-only film.

    The length is the longest round value (1, 2, 5 × 10^k mm) up to 30 % of the
    panel's width; the panel's scale makes it ``length_mm / spacing * scale`` pixels, with
    the before film's horizontal (column) spacing, as the bar is horizontal.
    """
    if before.spacing_mm is None or before.calibration == "none":
        return None
    spacing = float(before.spacing_mm[1])
    if not (math.isfinite(spacing) and spacing > 0):
        return None
    panel_mm = panel.crop[2] * spacing
    fitting = [v for v in NICE_LENGTHS_MM if v <= SCALE_BAR_FRACTION * panel_mm]
    length = fitting[-1] if fitting else NICE_LENGTHS_MM[0]
    return ScaleBar(length, length / spacing * panel.scale, before.calibration, spacing)


def _round_half_up(value: float) -> int:
    return int(math.floor(value + 0.5))
