"""What a film is called on screen: "Before" / "After", its modality, year and the interval.

File and folder names are identifiers as much as a DICOM patient name (films are often named
after the patient), so a film is shown by its role in the pair, never by its file name,
unless the user asked to see patient identifiers. The study year and the interval between
the two studies ("+7 y 2 m") are what a reader needs to judge change over time, except in
a blinded reading, where they would tell which film is the later one: then the films are
"A" and "B" (see :meth:`~xraycompare.core.document.Document.film_title`) and no year,
interval or name is shown (``blinded=True``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from xraycompare.core.io.image import XrayImage
from xraycompare.core.types import FILM_TITLES, Film

BLINDED_NOTE = "blinded reading"


def study_date(image: XrayImage | None) -> date | None:
    """The film's DICOM StudyDate (YYYYMMDD), when it is a real calendar date."""
    text = (image.identity.study_date or "").strip() if image is not None else ""
    if len(text) != 8 or not text.isdigit():
        return None
    try:
        return date(int(text[:4]), int(text[4:6]), int(text[6:]))
    except ValueError:
        return None


@dataclass(frozen=True)
class Interval:
    """Whole years and months from the before study to the after study (may be negative)."""

    years: int
    months: int

    @property
    def total_months(self) -> int:
        return 12 * self.years + self.months

    def __str__(self) -> str:
        total = self.total_months
        sign = "+" if total >= 0 else "−"
        years, months = divmod(abs(total), 12)
        if years and months:
            return f"{sign}{years} y {months} m"
        if years:
            return f"{sign}{years} y"
        return f"{sign}{months} m"


def interval(before: XrayImage | None, after: XrayImage | None) -> Interval | None:
    """The time between the studies, when both films have a study date."""
    a, b = study_date(before), study_date(after)
    if a is None or b is None:
        return None
    months = (b.year - a.year) * 12 + (b.month - a.month) - (1 if b.day < a.day else 0)
    sign = -1 if months < 0 else 1
    years, rest = divmod(abs(months), 12)
    return Interval(sign * years, sign * rest)


def date_warning(before: XrayImage | None, after: XrayImage | None) -> str | None:
    """A warning when the time order cannot be trusted: dates missing, equal or reversed."""
    if before is None or after is None:
        return None
    a, b = study_date(before), study_date(after)
    if a is None or b is None:
        which = "Neither film has a" if a is None and b is None else "One film has no"
        return f"{which} study date: check that Before is the earlier film."
    if a == b:
        return "Both films have the same study date: check which one is Before."
    if b < a:
        return "The Before film was taken after the After film (its study date is later)."
    return None


def film_subtitle(
    image: XrayImage | None,
    film: Film,
    *,
    other: XrayImage | None = None,
    show_identifiers: bool = False,
    blinded: bool = False,
) -> str:
    """The line under a film's title: "CR · 2018", "CR · 2025 · +7 y 2 m" for the after film.

    The file name is added only when ``show_identifiers`` is set; while ``blinded`` the line
    says only that (the modality, too, can tell an older film from a newer one).
    """
    if image is None:
        return ""
    if blinded:
        return BLINDED_NOTE
    parts = [image.info.modality or image.info.format]
    when = study_date(image)
    if when is not None:
        parts.append(str(when.year))
    if film == "after" and other is not None:
        gap = interval(other, image)
        if gap is not None:
            parts.append(str(gap))
    if show_identifiers:
        parts.append(image.name)
    return " · ".join(p for p in parts if p)


def film_name(image: XrayImage | None, film: Film, *, show_identifiers: bool = False) -> str:
    """A film in a sentence: its file name when identifiers are shown, else its role."""
    if show_identifiers and image is not None and image.source is not None:
        return image.name
    return f"the {FILM_TITLES[film]} film"


def pair_caption(
    before: XrayImage | None,
    after: XrayImage | None,
    *,
    show_identifiers: bool = False,
    blinded: bool = False,
) -> str:
    """The pair in a line (the window title): "Before ↔ After, +7 y 2 m", or the file names;
    "A ↔ B, blinded reading" while ``blinded``."""
    if before is None and after is None:
        return ""
    if blinded:
        return f"A ↔ B, {BLINDED_NOTE}"
    if show_identifiers:
        return " ↔ ".join(i.name for i in (before, after) if i is not None)
    shown = [FILM_TITLES[f] for f, i in (("before", before), ("after", after)) if i is not None]
    text = " ↔ ".join(shown)
    gap = interval(before, after)
    return f"{text}, {gap}" if gap is not None else text
