"""Registration on ordinary follow-up trouble, on the small real hand (always runs).

Labels, stamps and lead markers must not capture the alignment, an unrelated pair must not
be passed off as aligned, and the result is never worse than the start.
"""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from xraycompare.core import synthetic_hazards as hz
from xraycompare.core.geometry import similarity, transform_points
from xraycompare.core.registration import pipeline as pl
from xraycompare.core.registration import refine as rr
from xraycompare.core.registration import register
from xraycompare.core.synthetic import FollowupSpec, simulate_followup

from .test_registration import load_hand, points_inside


@pytest.fixture(scope="module")
def hand() -> np.ndarray:
    return load_hand()


@pytest.fixture(scope="module")
def palm(hand) -> np.ndarray:
    return points_inside(hand, n=120, margin=15, seed=1)


def _error(result_matrix, truth, points) -> float:
    in_after = transform_points(np.linalg.inv(truth), points)
    return float(np.linalg.norm(transform_points(result_matrix, in_after) - points, axis=1).mean())


def _centre(hand):
    return ((hand.shape[1] - 1) / 2, (hand.shape[0] - 1) / 2)


def _follow_up(hand, truth, seed=0, **kwargs) -> np.ndarray:
    kwargs = {"gamma": 1.2, "noise_sd": 0.01, **kwargs}
    spec = FollowupSpec(matrix=truth, border="air", seed=seed, **kwargs)
    return simulate_followup(hand, spec)


def test_stamps_on_both_films_do_not_capture_the_alignment(hand, palm):
    """Two department stamps at the same places on both films, lead markers and burnt-in
    text: the stamps' features all agree with "no motion" (the old pipeline went there,
    39 px off), the hand's with the real one."""
    truth = np.asarray(similarity(angle_deg=14, center=_centre(hand), tx=14, ty=-10))
    after = _follow_up(hand, truth, blur_sigma=1.0)
    films = []
    for film, seed in ((hand, 3), (after, 40)):
        rng = np.random.default_rng(seed)
        film = hz.burn_text(film, rng, count=3)
        film = hz.add_lead_marker(film, rng)
        for stamp in (99, 100):
            film, _ = hz.add_label_box(film, np.random.default_rng(stamp), like=hand.shape)
        films.append(film)
    result = register(films[0], films[1])
    assert _error(result.matrix, truth, palm) < 0.5
    assert result.status == "ok" and result.reason is None


def test_a_marker_at_twice_the_size_never_sets_the_scale(hand, palm):
    """The same bold "R" burnt into both films at very different sizes: matching it means
    a x1.9 scale, which films of one hand never show."""
    truth = np.asarray(similarity(angle_deg=-8, center=_centre(hand), tx=-6, ty=9))
    after = _follow_up(hand, truth, gamma=0.8, blur_sigma=1.0)
    films = []
    for film, height, where in ((hand, 40, (20, 60)), (after, 76, (230, 380))):
        film = film.copy()
        ink = np.zeros(film.shape, np.uint8)
        cv2.putText(ink, "R", where, cv2.FONT_HERSHEY_DUPLEX, height / 22, 255, height // 6)
        film[ink > 0] = 255
        films.append(film)
    result = register(films[0], films[1])
    scale = np.sqrt(abs(np.linalg.det(result.matrix[:2, :2])))
    assert abs(scale - 1.0) < 0.01
    assert _error(result.matrix, truth, palm) < 0.5


def _scrambled(hand: np.ndarray, seed: int) -> np.ndarray:
    """Another "hand": the film's tiles shuffled (bone texture, nothing in its place)."""
    h, w = hand.shape
    t = 64
    tiles = [
        hand[y : y + t, x : x + t] for y in range(0, h - t + 1, t) for x in range(0, w - t + 1, t)
    ]
    order = np.random.default_rng(seed).permutation(len(tiles))
    out = hand.copy()
    k = 0
    for y in range(0, h - t + 1, t):
        for x in range(0, w - t + 1, t):
            out[y : y + t, x : x + t] = (
                np.rot90(tiles[order[k]], k % 4) if k % 2 else tiles[order[k]]
            )
            k += 1
    return out


def test_an_unrelated_pair_is_not_passed_off_as_aligned(hand):
    for seed in (1, 2):
        result = register(hand, _scrambled(hand, seed))
        assert result.status in ("poor", "failed")
        assert result.reason and "same hand" in result.reason
        assert result.warning == result.reason


def test_a_refinement_that_lowers_the_score_is_rejected(hand, palm, monkeypatch):
    """The final refinement is sent 25 px astray: the candidate it started from stays."""
    truth = np.asarray(similarity(angle_deg=20, center=_centre(hand), tx=8, ty=5))
    after = _follow_up(hand, truth)
    real = rr.refine

    def astray(*args, **kwargs):
        res = real(*args, **kwargs)
        if kwargs.get("target_points", 20000) == 20000:  # the final refinement only
            res.warp = res.warp @ np.array([[1, 0, 25.0], [0, 1, -18.0], [0, 0, 1]])
        return res

    monkeypatch.setattr(pl.rr, "refine", astray)
    result = register(hand, after)
    assert result.details.get("refinement_rejected") == 1.0
    assert _error(result.matrix, truth, palm) < 2.0


def test_never_worse_than_the_start(hand, palm):
    """Films already aligned, with decoys that agree on another motion: the result keeps
    the alignment they had."""
    truth = np.eye(3)
    after = _follow_up(hand, truth, seed=5)
    before = hand.copy()
    # the same text block at different places of the two films: its features all agree
    stamp = hz.add_label_box(np.zeros_like(hand), np.random.default_rng(7), like=(200, 200))[0]
    patch = stamp[:60, :120]
    before[:60, :120] = np.maximum(before[:60, :120], patch)
    after[300:360, 200:320] = np.maximum(after[300:360, 200:320], patch)
    result = register(before, after)
    assert _error(result.matrix, truth, palm) < 0.5
    assert result.details["score"] >= result.details["start_score"] - 0.02


def test_status_is_part_of_the_alignment_value(hand):
    from xraycompare.core.registration.alignment import alignment_from

    result = register(hand, _scrambled(hand, 3))
    alignment = alignment_from(result)
    assert alignment.status == result.status and alignment.reason == result.reason
    assert alignment.trusted == (result.status != "failed")
