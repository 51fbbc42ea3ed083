"""The window a joint's local alignment uses, from a region at that joint."""

from __future__ import annotations

import numpy as np
import pytest

from xraycompare.core.annotations.regions import Region, ellipse_points
from xraycompare.core.geometry import IDENTITY, invert, similarity
from xraycompare.core.io.image import ImageInfo, Window, XrayImage
from xraycompare.core.registration.alignment import joint_roi


def film(shape=(2000, 1600), spacing=(0.1, 0.1)) -> XrayImage:
    return XrayImage(
        pixels=np.zeros(shape, np.uint16),
        bits_stored=12,
        photometric="MONOCHROME2",
        invert=False,
        default_window=Window(2048, 4096),
        default_window_source="file",
        info=ImageInfo(format="DICOM"),
        spacing_mm=spacing,
        calibration="calibrated" if spacing else "none",
    )


def erosion(film_name="before", centre=(800.0, 900.0), r=20.0) -> Region:
    return Region.create(
        film_name, "ellipse", ellipse_points(*centre, r, r), site="PIP3", kind="erosion"
    )


def test_window_is_centred_on_the_region_and_30_mm_across_when_calibrated():
    x, y, w, h = joint_roi(erosion().outline(samples=32), IDENTITY, film())
    assert (w, h) == pytest.approx((300.0, 300.0))  # 30 mm at 0.1 mm per pixel
    assert (x + w / 2, y + h / 2) == pytest.approx((800.0, 900.0), abs=1e-6)


def test_window_without_calibration_is_a_fraction_of_the_film_and_grows_with_the_region():
    small = joint_roi(erosion(r=5.0).outline(samples=32), IDENTITY, film(spacing=None))
    big = joint_roi(erosion(r=100.0).outline(samples=32), IDENTITY, film(spacing=None))
    assert small[2] == pytest.approx(0.12 * 1600)
    assert big[2] == pytest.approx(600.0, rel=0.02)  # three times the region's extent


def test_a_region_on_the_after_film_is_placed_through_the_alignment():
    m = similarity(angle_deg=5.0, tx=40.0, ty=-25.0, center=(800.0, 1000.0))  # after -> before
    after_centre = tuple(invert(m)[:2] @ np.array([800.0, 900.0, 1.0]))
    x, y, w, h = joint_roi(erosion("after", after_centre).outline(samples=32), m, film())
    assert (x + w / 2, y + h / 2) == pytest.approx((800.0, 900.0), abs=0.5)


def test_window_stays_on_the_film_at_its_edge():
    x, y, _w, h = joint_roi(erosion(centre=(10.0, 1990.0)).outline(samples=32), IDENTITY, film())
    assert x == 0.0 and y + h == pytest.approx(2000.0)
