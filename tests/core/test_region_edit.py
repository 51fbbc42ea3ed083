"""Editing regions without Qt: freehand smoothing, handles, hit tests, snapping."""

from __future__ import annotations

import math

import numpy as np
import pytest

from xraycompare.core.annotations.editing import (
    centroid,
    delete_vertex,
    distance,
    handles,
    hit_test,
    insert_vertex,
    move_handle,
    smooth_outline,
    snap_point,
)
from xraycompare.core.annotations.export import safe_image_name
from xraycompare.core.annotations.regions import Region, ellipse_points, rectangle_points
from xraycompare.core.geometry import similarity, transform_points
from xraycompare.core.io.image import PatientIdentity


def test_freehand_smoothing_keeps_the_shape_and_drops_jitter():
    rng = np.random.default_rng(3)
    t = np.linspace(0, 2 * math.pi, 300, endpoint=False)
    trace = np.c_[500 + 30 * np.cos(t), 400 + 20 * np.sin(t)] + rng.normal(0, 0.7, (300, 2))
    outline = np.array(smooth_outline(trace, sigma=2.0, tolerance=0.3))
    assert 8 <= len(outline) < 120
    region = Region.create("before", "freehand", outline)
    x, y = outline.T
    area = abs(np.dot(x, np.roll(y, -1)) - np.dot(y, np.roll(x, -1))) / 2  # shoelace
    assert area == pytest.approx(math.pi * 30 * 20, rel=0.05)
    assert np.allclose(centroid(region), (500, 400), atol=0.5)


def test_a_scribble_that_encloses_nothing_is_refused():
    with pytest.raises(ValueError):
        smooth_outline([(0, 0), (10, 0), (20, 0), (10, 0)])


def test_rectangle_corner_drag_keeps_right_angles_when_turned():
    corners = transform_points(similarity(angle_deg=30), np.array(rectangle_points(0, 0, 40, 20)))
    region = Region.create("before", "rectangle", corners)
    moved = move_handle(region, 2, (50, 60))
    pts = moved.points_array()
    assert np.allclose(pts[0], corners[0])  # the opposite corner stays
    assert np.allclose(pts[2], (50, 60))
    edges = np.diff(np.vstack([pts, pts[:1]]), axis=0)
    for a, b in zip(edges, np.roll(edges, -1, 0), strict=True):
        assert abs(np.dot(a, b)) < 1e-9 * (np.dot(a, a) + np.dot(b, b))


def test_ellipse_axis_drag_keeps_the_opposite_end_and_turns_the_other_axis():
    region = Region.create("before", "ellipse", ellipse_points(100, 100, 30, 10))
    assert np.allclose(handles(region), [(130, 100), (100, 110), (70, 100), (100, 90)])
    moved = move_handle(region, 0, (70 + 80 * math.cos(0.3), 100 + 80 * math.sin(0.3)))
    c, p1, p2 = moved.points_array()
    assert np.allclose(c - (p1 - c), (70, 100))  # the other end of that axis stayed
    assert np.hypot(*(p1 - c)) == pytest.approx(40)
    assert np.hypot(*(p2 - c)) == pytest.approx(10)
    assert abs(np.dot(p1 - c, p2 - c)) < 1e-9  # still perpendicular


def test_vertices_are_inserted_on_the_nearest_edge_and_deleted_down_to_three():
    square = Region.create("before", "polygon", rectangle_points(0, 0, 10, 10))
    assert insert_vertex(square, (5, 30), tolerance=2) is None
    five = insert_vertex(square, (5, 0.5), tolerance=2)
    assert five.points[1] == (5.0, 0.0) and len(five.points) == 5
    three = delete_vertex(delete_vertex(five, 1), 0)
    assert len(three.points) == 3
    assert delete_vertex(three, 0) is None  # a triangle keeps its vertices


def test_hit_test_prefers_an_outline_near_the_click_then_the_smallest_region_around_it():
    big = Region.create("before", "rectangle", rectangle_points(0, 0, 100, 100))
    small = Region.create("before", "ellipse", ellipse_points(50, 50, 10, 10))
    arrow = Region.create("before", "arrow", [(0, 200), (50, 200)])
    regions = [big, small, arrow]
    assert hit_test(regions, (50, 52), tolerance=2) == small.id
    assert hit_test(regions, (20, 20), tolerance=2) == big.id
    assert hit_test(regions, (100.5, 30), tolerance=2) == big.id
    assert hit_test(regions, (25, 201), tolerance=2) == arrow.id
    assert hit_test(regions, (300, 300), tolerance=2) is None
    assert distance(arrow, (25, 204)) == (4.0, False)


def test_snap_point_moves_only_within_tolerance():
    region = Region.create("before", "point", [(10, 10)])
    assert snap_point([region], (11, 11), tolerance=2) == (10.0, 10.0)
    assert snap_point([region], (15, 15), tolerance=2) == (15.0, 15.0)


def test_export_names_holding_a_patient_identifier_are_left_out():
    class Film:
        identity = PatientIdentity(name="DOE^JANE", patient_id="12345678")

    assert safe_image_name("doe_jane_hand.dcm", Film()) is None
    assert safe_image_name("scan_12345678.dcm", Film()) is None
    assert safe_image_name("IM0001.dcm", Film()) == "IM0001.dcm"
    assert safe_image_name("before.png", None) == "before.png"
