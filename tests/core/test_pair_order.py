"""Films picked or dropped together are put in time order by their study dates."""

from __future__ import annotations

import numpy as np

from xraycompare.core.io.image import ImageInfo, PatientIdentity, Window, XrayImage
from xraycompare.core.io.pair_order import in_time_order


def film(date: str | None) -> XrayImage:
    return XrayImage(
        pixels=np.zeros((8, 8), np.uint8),
        bits_stored=8,
        photometric="MONOCHROME2",
        invert=False,
        default_window=Window(128, 256),
        default_window_source="auto",
        info=ImageInfo(format="DICOM"),
        identity=PatientIdentity(study_date=date),
    )


def test_a_later_first_film_is_swapped():
    old, new = film("20110218"), film("20180218")
    assert in_time_order(new, old) == (old, new, True)
    assert in_time_order(old, new) == (old, new, False)


def test_without_dates_the_given_order_is_kept():
    a, b = film(None), film("20180218")
    assert in_time_order(b, a) == (b, a, False)
    assert in_time_order(film("garbage!"), film("20010101"))[2] is False
