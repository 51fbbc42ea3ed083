"""Which of two films is the earlier one, when the user did not say.

Two files picked together in a dialog or dropped together come in no reliable order;
DICOM study dates (or, failing those, content dates) decide, and without dates the order
given is kept. The dates are used for order and intervals only ("Year 7" under a figure
panel), never shown or exported.
"""

from __future__ import annotations

from datetime import date

from xraycompare.core.io.image import XrayImage


def in_time_order(first: XrayImage, second: XrayImage) -> tuple[XrayImage, XrayImage, bool]:
    """(earlier, later, swapped): the films by study date; unchanged when dates are missing.

    Parameters
    ----------
    first, second
        The films in the order they arrived.

    Returns
    -------
    tuple
        The earlier film, the later film, and whether they were swapped.
    """
    a, b = study_date(first), study_date(second)
    if a and b and b < a:
        return second, first, True
    return first, second, False


def study_date(image: XrayImage) -> date | None:
    """The film's study date when it is a valid DICOM date (YYYYMMDD), else None."""
    text = (image.identity.study_date or "").strip()
    if len(text) != 8 or not text.isdigit():
        return None
    try:
        return date(int(text[:4]), int(text[4:6]), int(text[6:]))
    except ValueError:
        return None
