"""Which of two films is the earlier one, whatever order they were given in.

Two files picked together in a dialog, dropped together or named on the command line come
in no reliable order; DICOM study dates decide, and without dates the order given is kept
(:func:`~xraycompare.core.io.film_labels.date_warning` says so on screen).
"""

from __future__ import annotations

from xraycompare.core.io.film_labels import study_date
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
    if a is not None and b is not None and b < a:
        return second, first, True
    return first, second, False
