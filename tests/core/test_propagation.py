"""A region carried to the other film lands where the alignment says, as a linked copy."""

from __future__ import annotations

import numpy as np
import pytest

from xraycompare.core.annotations.propagation import propagate
from xraycompare.core.annotations.regions import (
    AnnotationSet,
    Region,
    ellipse_points,
    rectangle_points,
)
from xraycompare.core.geometry import as_matrix, invert, similarity, transform_points

# after -> before: rotate 7°, scale 1.08, shift; plus an affine shear for the ellipse case
MATRIX = similarity(scale=1.08, angle_deg=7.0, tx=31.5, ty=-12.25, center=(400, 300))
SHEAR = as_matrix([[1.05, 0.12, 3.0], [-0.04, 0.93, 8.0], [0, 0, 1]])


@pytest.mark.parametrize(
    ("geometry", "points"),
    [
        ("polygon", ((100, 100), (140, 96), (150, 133), (104, 140))),
        ("rectangle", rectangle_points(200, 210, 260, 240)),
        ("point", ((321.5, 222.25),)),
        ("arrow", ((10, 20), (60, 80))),
        ("length", ((500, 400), (530, 410))),
    ],
)
@pytest.mark.parametrize("film", ["before", "after"])
def test_vertices_land_within_half_a_pixel(geometry, points, film):
    region = Region.create(film, geometry, points, kind="other")
    counterpart = propagate(region, MATRIX)
    to_other = MATRIX if film == "after" else invert(MATRIX)
    expected = transform_points(to_other, np.asarray(points, dtype=float))
    assert np.abs(counterpart.points_array() - expected).max() < 0.5
    assert counterpart.film != region.film
    assert counterpart.id != region.id and counterpart.lineage_id == region.lineage_id
    # and back again: the round trip returns to the start
    back = propagate(counterpart, MATRIX)
    assert np.abs(back.points_array() - region.points_array()).max() < 1e-6


def test_ellipse_outline_maps_exactly_through_an_affine():
    region = Region.create("after", "ellipse", ellipse_points(300, 200, 25, 12, 20))
    counterpart = propagate(region, SHEAR)
    expected = transform_points(SHEAR, region.outline(samples=64))
    assert np.abs(counterpart.outline(samples=64) - expected).max() < 0.5


def test_counterpart_keeps_site_but_not_the_reading():
    region = Region.create(
        "before", "polygon", ((0, 0), (9, 0), (0, 9)), kind="erosion", site="PIP4",
        laterality="right", score=3, status="new", note="margin", label="E1",
    )  # fmt: skip
    counterpart = propagate(region, MATRIX)
    assert (counterpart.site, counterpart.laterality, counterpart.kind) == (
        "PIP4",
        "right",
        "erosion",
    )
    assert counterpart.label == "E1"
    assert counterpart.score is None and counterpart.status is None and counterpart.note == ""
    regions = AnnotationSet([region])
    regions.add(counterpart)
    assert regions.counterpart(region) == counterpart
