"""The parts the registration's robustness rests on, on the small real hand (always runs):
what is taken for labels and bands, the hand's rigid part, distinct feature hypotheses,
the score, and the synthetic hazards the benchmark builds its cases from."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from xraycompare.core import synthetic_hazards as hz
from xraycompare.core.geometry import similarity
from xraycompare.core.io.hand_mask import foreground_mask
from xraycompare.core.registration import anatomy
from xraycompare.core.registration.candidates import feature_hypotheses
from xraycompare.core.registration.scoring import Scorer

from .test_registration import load_hand


@pytest.fixture(scope="module")
def hand() -> np.ndarray:
    return load_hand()


def test_labels_and_bands_are_artefacts_bones_are_not(hand):
    """On the hand at twice its size (what a registration's 600 px copy of an ordinary
    film looks like): a label box full of text and a lead marker are found, bones not."""
    hand = cv2.resize(hand, None, fx=2, fy=2, interpolation=cv2.INTER_CUBIC)
    rng = np.random.default_rng(0)
    mask = foreground_mask(hand)
    film, box = hz.add_label_box(hand, rng, avoid=mask)
    film = hz.add_lead_marker(film, rng, avoid=mask)
    found = anatomy.artefacts(film.astype(np.float32), mask)
    assert found[box].mean() > 0.95  # the label box, whole
    # the marker: pixels at the film's ceiling that the clean film does not have
    marker = (film == 255) & (hand < 250)
    assert found[marker].mean() > 0.95
    bones = mask & (hand > np.percentile(hand[mask], 80)) & ~box
    assert found[bones].mean() < 0.05
    # a blanked collimation band along a side is "blank": the film shows nothing there
    banded = hand.copy()
    banded[:, :120] = 0
    assert anatomy.blank(banded.astype(np.float32))[:, 10:110].mean() > 0.9


def test_the_rigid_part_is_the_palm_not_the_fingers(hand):
    mask = foreground_mask(hand)
    rigid = anatomy.rigid_part(mask)
    assert rigid.sum() > 0.3 * mask.sum() and not (rigid & ~mask).any()
    ys = np.nonzero(mask)[0]
    tips = mask & (np.arange(hand.shape[0])[:, None] < np.percentile(ys, 15))  # fingertips
    palm = (slice(300, 360), slice(120, 220))  # the metacarpals and carpus of this film
    assert rigid[tips].mean() < 0.1
    assert rigid[palm].mean() > 0.9


def test_feature_hypotheses_keep_distinct_explanations_best_first():
    """Matches from the hand (60, one transform) and from a label (25, another): both
    come back, the hand's first, each with its own inliers."""
    rng = np.random.default_rng(1)
    hand_a = rng.uniform(0, 1000, (60, 2))
    hand_m = np.asarray(similarity(angle_deg=30, scale=1.1, tx=40, ty=-20))
    label_a = rng.uniform(0, 300, (25, 2))
    label_m = np.asarray(similarity(tx=5, ty=3))
    after = np.vstack([hand_a, label_a, rng.uniform(0, 1000, (30, 2))])
    before = np.vstack(
        [
            hand_a @ hand_m[:2, :2].T + hand_m[:2, 2],
            label_a @ label_m[:2, :2].T + label_m[:2, 2],
            rng.uniform(0, 1000, (30, 2)),  # outliers
        ]
    )
    found = feature_hypotheses(
        after, before, np.ones(len(after)), threshold=2.0, scale_range=(0.5, 2.0)
    )
    assert len(found) >= 2
    (m1, n1), (m2, n2) = found[:2]
    assert np.allclose(m1, hand_m, atol=1e-6) and n1 == 60
    assert np.allclose(m2, label_m, atol=1e-6) and n2 == 25
    # a scale outside the range is never proposed
    narrow = feature_hypotheses(
        after, before, np.ones(len(after)), threshold=2.0, scale_range=(0.5, 1.05)
    )
    assert all(abs(np.sqrt(np.linalg.det(m[:2, :2])) - 1.1) > 0.01 for m, _ in narrow)


def test_the_score_prefers_the_right_transform_over_a_shifted_one(hand):
    mask = foreground_mask(hand)
    nothing = np.zeros(hand.shape, bool)
    after = np.roll(hand, (6, -9), axis=(0, 1))
    scorer = Scorer(
        hand.astype(np.float32),
        after.astype(np.float32),
        full_shapes=(hand.shape, after.shape),
        before_hand=mask,
        before_rigid=anatomy.rigid_part(mask),
        before_artefacts=nothing,
        after_artefacts=nothing,
    )
    right = np.array([[1.0, 0, 9], [0, 1.0, -6], [0, 0, 1]])  # after -> before
    good, off = scorer.score(right), scorer.score(np.eye(3))
    assert good.ncc > 0.9 > off.ncc + 0.3 and good.value > off.value
    # the best shift of a start finds the right one back (within a pixel of the grid)
    moved, peak = scorer.best_shift(np.eye(3))
    assert np.abs(moved[:2, 2] - right[:2, 2]).max() < 2.0 and peak > 0.5


def test_hazards_are_seeded_keep_the_dtype_and_never_touch_the_input(hand):
    keep = hand.copy()
    a = hz.burn_text(hand, np.random.default_rng(3))
    b = hz.burn_text(hand, np.random.default_rng(3))
    assert np.array_equal(a, b) and a.dtype == hand.dtype and not np.array_equal(a, hand)
    wide = hand.astype(np.uint16) * 16
    edged, covered = hz.add_plate_edges(wide, np.random.default_rng(4))
    assert edged.dtype == np.uint16 and covered.shape == hand.shape
    other, cover = hz.add_other_hand(hand, hand, foreground_mask(hand), np.random.default_rng(5))
    assert cover.any() and (other.astype(int) >= hand.astype(int)).all()  # attenuation adds
    clean, blobs = hz.cut_markers(a, foreground_mask(hand))
    assert clean.shape == hand.shape and all(b.values.shape == b.alpha.shape for b in blobs)
    assert np.array_equal(hand, keep)
