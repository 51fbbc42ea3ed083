"""Which of two films is the earlier one, when the user did not say.

Two files picked together in a dialog or dropped together come in no reliable order;
DICOM study dates (or, failing those, content dates) decide, and without dates the order
given is kept. The dates are used here only, never shown or exported.
"""

from __future__ import annotations

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
    a, b = _date(first), _date(second)
    if a and b and b < a:
        return second, first, True
    return first, second, False


def _date(image: XrayImage) -> str | None:
    """YYYYMMDD of the study, when it is a plausible DICOM date."""
    text = (image.identity.study_date or "").strip()
    return text if len(text) == 8 and text.isdigit() else None
