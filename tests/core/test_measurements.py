"""Region measurements against shapes of known size, with and without a pixel spacing."""

from __future__ import annotations

import math

import numpy as np
import pytest

from xraycompare.core.annotations.measurements import (
    lineage_changes,
    measure_region,
    measure_regions,
    measurement_change,
)
from xraycompare.core.annotations.regions import Region, ellipse_points, rectangle_points
from xraycompare.core.geometry import similarity
from xraycompare.core.io.image import ImageInfo, Window, XrayImage


def film(pixels: np.ndarray, spacing=None, calibration="none", **kw) -> XrayImage:
    return XrayImage(
        pixels=pixels, bits_stored=12, photometric="MONOCHROME2", invert=False,
        default_window=Window(2048, 4096), default_window_source="file",
        info=ImageInfo("test"), spacing_mm=spacing, calibration=calibration, **kw,
    )  # fmt: skip


def test_rectangle_area_perimeter_diameter_in_mm_with_anisotropic_spacing():
    # 40 × 20 pixels at 0.1 mm across (columns) and 0.2 mm down (rows) = 4 mm × 4 mm
    image = film(np.zeros((100, 120), np.uint16), spacing=(0.2, 0.1), calibration="calibrated")
    r = Region.create("before", "rectangle", rectangle_points(10, 10, 50, 30))
    m = measure_region(image, r)
    assert (m.length_unit, m.area_unit, m.calibration_label) == ("mm", "mm²", "calibrated")
    assert m.area == pytest.approx(16.0, rel=1e-6)
    assert m.perimeter == pytest.approx(16.0, rel=1e-6)
    assert m.longest_diameter == pytest.approx(math.hypot(4, 4), rel=1e-6)


def test_ellipse_area_is_exact_and_circle_perimeter_close():
    r = Region.create("after", "ellipse", ellipse_points(200, 150, 30, 30, 17))
    m = measure_region(None, r, spacing_mm=(0.115, 0.115), calibration="detector")
    radius_mm = 30 * 0.115
    assert m.area == pytest.approx(math.pi * radius_mm**2, rel=1e-9)
    assert m.perimeter == pytest.approx(2 * math.pi * radius_mm, rel=1e-3)
    assert m.longest_diameter == pytest.approx(2 * radius_mm, rel=1e-3)
    assert m.calibration_label == "at detector"
    assert not m.has_pixels and m.mean is None


def test_no_millimetres_without_a_valid_spacing():
    r = Region.create("before", "polygon", ((0, 0), (10, 0), (0, 10)))
    m = measure_region(film(np.zeros((20, 20), np.uint16)), r)
    assert (m.length_unit, m.area_unit, m.calibration) == ("px", "px²", "none")
    assert m.area == pytest.approx(50.0)
    for bad in [(0.0, 0.1), (float("nan"), 0.1), (-0.1, 0.1), None]:
        m = measure_region(None, r, spacing_mm=bad, calibration="calibrated")
        assert m.area_unit == "px²" and m.calibration == "none"


def test_mean_and_sd_are_of_modality_values_of_pixels_centred_inside():
    pixels = np.zeros((50, 60), np.uint16)
    pixels[10:20, 20:30] = np.arange(100, dtype=np.uint16).reshape(10, 10)
    image = film(pixels, rescale_slope=2.0, rescale_intercept=-100.0)
    # corners on pixel edges: exactly the 10 × 10 block of centres 20..29, 10..19 inside
    r = Region.create("before", "rectangle", rectangle_points(19.5, 9.5, 29.5, 19.5))
    m = measure_region(image, r)
    values = np.arange(100) * 2.0 - 100.0
    assert m.pixel_count == 100
    assert m.mean == pytest.approx(values.mean())
    assert m.sd == pytest.approx(values.std(ddof=1))


def test_length_calliper_and_arrow_measure_length_points_and_text_nothing():
    length = Region.create("before", "length", ((0, 0), (30, 40)))
    m = measure_region(None, length, spacing_mm=(0.5, 0.5), calibration="user")
    assert m.length == pytest.approx(25.0) and m.area is None
    point = measure_region(None, Region.create("before", "point", ((1, 1),)))
    assert point.area is None and point.length is None


def test_lineage_change_in_mm_and_in_aligned_pixels():
    b = Region.create("before", "rectangle", rectangle_points(0, 0, 10, 10))
    a = Region.create("after", "rectangle", rectangle_points(0, 0, 20, 10), lineage_id=b.lineage_id)
    images = {
        "before": film(np.zeros((30, 30), np.uint16), spacing=(0.1, 0.1), calibration="calibrated"),
        "after": film(np.zeros((30, 30), np.uint16), spacing=(0.1, 0.1), calibration="detector"),
    }
    ms = measure_regions([b, a], images)
    change = lineage_changes([b, a], ms)[b.lineage_id]
    assert change.area_change == pytest.approx(1.0)  # 1 mm² -> 2 mm²
    assert change.area_change_percent == pytest.approx(100.0)
    assert "calibrations differ" in change.warning
    # uncalibrated: the after film is at half the scale, the alignment says so
    pb, pa = measure_region(None, b), measure_region(None, a)
    half = similarity(scale=0.5)
    aligned = measurement_change(b.lineage_id, pb, pa, matrix=half)
    assert aligned.area_change == pytest.approx(50 - 100)  # 200 px² after = 50 before-px²
    assert aligned.area_unit == "px² (before film)"
    # one calibrated, one not: sizes are not compared
    mixed = measurement_change(b.lineage_id, ms[b.id], pa)
    assert mixed.area_change is None and "not comparable" in mixed.warning


def test_magnification_the_spacing_misses_is_flagged():
    # the after film shows the hand 5 % larger (further from the cassette), same spacing
    b = Region.create("before", "rectangle", rectangle_points(0, 0, 100, 100))
    a = Region.create(
        "after", "rectangle", rectangle_points(0, 0, 105, 105), lineage_id=b.lineage_id
    )
    ms = measure_regions([b, a], {}, calibrations={"before": ((0.1, 0.1), "detector"),
                                                   "after": ((0.1, 0.1), "detector")})  # fmt: skip
    change = lineage_changes([b, a], ms, matrix=similarity(scale=1 / 1.05))[b.lineage_id]
    assert change.area_change_percent == pytest.approx(10.25)
    assert "+5.0 % magnification" in change.warning
    same = lineage_changes([b, a], ms, matrix=similarity(scale=1.0))[b.lineage_id]
    assert same.warning == ""
