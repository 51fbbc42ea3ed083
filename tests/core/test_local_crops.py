"""A region's local alignment on small crops from a known start (what the joint gallery runs
for every joint): as exact as ``register`` with a region, never a crash on a crop cut short
by the film's edge, and it stops when asked.
"""

from __future__ import annotations

import numpy as np
import pytest

from xraycompare.core.geometry import compose, similarity, transform_points
from xraycompare.core.progress import Cancelled
from xraycompare.core.registration import register
from xraycompare.core.registration.local import align_crops
from xraycompare.core.synthetic import FollowupSpec, simulate_followup

from .test_registration import load_hand

ROI = (150.0, 60.0, 90.0, 90.0)  # (x, y, w, h): the middle finger's PIP joint and around
CENTRE = np.array([[ROI[0] + ROI[2] / 2, ROI[1] + ROI[3] / 2]])


@pytest.fixture(scope="module")
def pair():
    """The small real hand, a follow-up through a known transform, and a start 3-4 px off."""
    hand = load_hand()
    truth = np.asarray(similarity(angle_deg=5.0, center=(180.0, 220.0), tx=7.0, ty=-4.0))
    spec = FollowupSpec(matrix=truth, gamma=1.2, noise_sd=0.01, seed=11)
    after = simulate_followup(hand, spec)
    start = np.asarray(compose(similarity(angle_deg=2.0, center=CENTRE[0], tx=3.0, ty=-2.0), truth))
    return hand, after, truth, start


def _error_at_centre(matrix: np.ndarray, truth: np.ndarray) -> float:
    """How far (before px) ``matrix`` puts the after anatomy the truth shows at the centre."""
    in_after = transform_points(np.linalg.inv(truth), CENTRE)
    return float(np.linalg.norm(transform_points(matrix, in_after)[0] - CENTRE[0]))


def test_the_region_is_aligned_as_exactly_as_register_aligns_it(pair):
    hand, after, truth, start = pair
    assert _error_at_centre(start, truth) > 3.0
    fit = align_crops(hand, after, start, ROI)
    assert fit.chosen == "refined" and fit.score > fit.start_score
    assert _error_at_centre(fit.matrix, truth) < 0.5
    full = register(hand, after, roi=ROI, initial=start, model="rigid")
    assert _error_at_centre(fit.matrix, truth) <= _error_at_centre(full.matrix, truth) + 0.2


@pytest.mark.parametrize("shape", [(8, 8), (8, 40), (30, 20), (200, 160)])
def test_a_blank_or_tiny_crop_keeps_the_start(shape):
    """A tile at the film's edge leaves crops a few pixels wide, or nothing but air."""
    rng = np.random.default_rng(0)
    start = np.asarray(similarity(angle_deg=1.0, tx=2.0))
    roi = (1.0, 1.0, shape[1] - 2.0, shape[0] - 2.0)
    blank = np.full(shape, 7.0, np.float32)
    fit = align_crops(blank, blank, start, roi)
    assert np.allclose(fit.matrix, start, atol=1e-6)
    if min(shape) < 48:  # too small for any structure to move it
        noise = rng.normal(size=shape).astype(np.float32)
        fit = align_crops(noise, noise, start, roi, mask=np.zeros(shape, bool))
        assert np.all(np.isfinite(fit.matrix))


def test_a_stop_request_ends_the_alignment(pair):
    hand, after, _, start = pair

    def stop() -> None:
        raise Cancelled

    with pytest.raises(Cancelled):
        align_crops(hand, after, start, ROI, check_stop=stop)
