"""Automatic registration recovers known transforms of a real hand film (tests/data)."""

from __future__ import annotations

import threading
from dataclasses import replace

import cv2
import numpy as np
import pytest

from xraycompare.core.geometry import similarity, transform_points
from xraycompare.core.io.hand_mask import foreground_mask
from xraycompare.core.io.loading import load_image
from xraycompare.core.registration import (
    Registration,
    RegistrationCancelled,
    RegistrationError,
    evaluate_quality,
    register,
    warp_to_before,
)
from xraycompare.core.synthetic import BoneChange, FollowupSpec, simulate_followup

from .conftest import TEST_DATA

HAND = TEST_DATA / "cr_hand_small.png"


def load_hand() -> np.ndarray:
    """The real CR hand, 448 x 367, 8-bit, bone bright."""
    pixels = cv2.imread(str(HAND), cv2.IMREAD_UNCHANGED)
    assert pixels is not None and pixels.shape == (448, 367)
    return pixels


def points_inside(hand: np.ndarray, *, n: int = 150, margin: int = 9, seed: int = 0):
    """``n`` points at least ``margin // 2`` px inside the hand, where errors are measured."""
    mask = cv2.erode(foreground_mask(hand).astype(np.uint8), np.ones((margin, margin), np.uint8))
    ys, xs = np.nonzero(mask)
    pick = np.random.default_rng(seed).choice(len(xs), n, replace=False)
    return np.stack([xs[pick], ys[pick]], axis=1).astype(np.float64)


@pytest.fixture(scope="module")
def hand() -> np.ndarray:
    return load_hand()


@pytest.fixture(scope="module")
def hand_points(hand) -> np.ndarray:
    return points_inside(hand)


def _follow_up(hand, matrix, **kwargs) -> np.ndarray:
    """An after film: the transform plus exposure, blur, noise, a marker and bone change."""
    spec = FollowupSpec(
        matrix=matrix,
        gamma=kwargs.pop("gamma", 1.3),
        gain=0.9,
        blur_sigma=0.7,
        noise_sd=0.01,
        changes=(BoneChange(180, 250, 6), BoneChange(200, 150, 5, depth=-0.6)),
        markers=((20, 40, "L"),),
        border="air",
        seed=1,
        **kwargs,
    )
    return simulate_followup(hand, spec)


def _tre(result_matrix, true_matrix, points, after_shape) -> np.ndarray:
    """Errors (before pixels) at before points visible in the after film."""
    in_after = transform_points(np.linalg.inv(true_matrix), points)
    h, w = after_shape
    ok = (in_after >= 0).all(axis=1) & (in_after[:, 0] <= w - 1) & (in_after[:, 1] <= h - 1)
    back = transform_points(np.asarray(result_matrix), in_after[ok])
    return np.linalg.norm(back - points[ok], axis=1)


def _center(hand) -> tuple[float, float]:
    return ((hand.shape[1] - 1) / 2, (hand.shape[0] - 1) / 2)


def test_rigid_recovered_despite_exposure_noise_marker_and_erosions(hand, hand_points):
    truth = np.asarray(similarity(angle_deg=8, center=_center(hand), tx=12, ty=-7))
    after = _follow_up(hand, truth)
    result = register(hand, after, model="rigid")
    assert isinstance(result, Registration)
    assert result.model == "rigid" and not result.mirrored and result.warning is None
    assert result.status == "ok" and result.reason is None
    err = _tre(result.matrix, truth, hand_points, after.shape)
    assert err.mean() < 0.25 and err.max() < 0.6
    assert np.isclose(np.linalg.det(result.matrix[:2, :2]), 1.0, atol=1e-9)  # no scale
    assert not result.matrix.flags.writeable
    q = result.quality
    assert q.ncc_final > 0.9 > q.ncc_initial and q.overlap > 0.85 and q.mi_final > 0.3


def test_film_stored_upside_down_with_magnification(hand, hand_points):
    truth = np.asarray(similarity(angle_deg=180, scale=1.1, center=_center(hand), tx=5, ty=9))
    after = _follow_up(hand, truth)
    result = register(hand, after)
    assert result.model == "similarity"
    assert _tre(result.matrix, truth, hand_points, after.shape).mean() < 0.3


def test_sideways_film_on_a_different_canvas(hand, hand_points):
    truth = np.asarray(similarity(angle_deg=90, scale=0.9, center=_center(hand), tx=5, ty=9))
    shape = (hand.shape[1] - 10, hand.shape[0] + 20)
    after = _follow_up(hand, truth, out_shape=shape)
    assert after.shape == shape
    result = register(hand, after)
    assert _tre(result.matrix, truth, hand_points, after.shape).mean() < 0.3


def test_affine_scale_and_shear(hand, hand_points):
    shear = np.array([[1.1, 0.04, -20.0], [0.0, 0.92, 15.0], [0.0, 0.0, 1.0]])
    truth = np.asarray(similarity(angle_deg=-5, center=_center(hand))) @ shear
    after = _follow_up(hand, truth)
    result = register(hand, after, model="affine")
    assert _tre(result.matrix, truth, hand_points, after.shape).mean() < 0.3
    # the similarity model cannot represent the shear: it does measurably worse
    similar = register(hand, after, model="similarity")
    assert _tre(similar.matrix, truth, hand_points, after.shape).mean() > 1.0


def test_mirrored_film_is_reported_not_fitted(hand, hand_points):
    truth = np.asarray(similarity(angle_deg=20, center=_center(hand), tx=5, ty=9))
    after = _follow_up(np.ascontiguousarray(hand[:, ::-1]), truth)
    result = register(hand, after)
    assert result.mirrored and result.status == "poor"
    assert result.warning is not None and "mirror" in result.warning
    assert np.linalg.det(result.matrix[:2, :2]) > 0  # the returned matrix is proper
    # the flip is available for a user who confirms it, and it is the right one
    flip = np.array([[-1.0, 0.0, hand.shape[1] - 1.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]])
    reflected = result.reflected_matrix
    assert reflected is not None and np.linalg.det(reflected[:2, :2]) < 0
    assert _tre(reflected, flip @ truth, hand_points, after.shape).mean() < 0.3


def test_an_ordinary_pair_is_not_called_mirrored(hand):
    after = _follow_up(hand, np.asarray(similarity(angle_deg=3, center=_center(hand))))
    result = register(hand, after)
    assert not result.mirrored and result.reflected_matrix is None


def test_xray_image_polarity_is_honoured(tmp_path, hand, hand_points):
    """A MONOCHROME1-like film (bone stored dark) aligns with a bone-bright one."""
    truth = np.asarray(similarity(angle_deg=-6, center=_center(hand), tx=-8, ty=4))
    after = _follow_up(hand, truth, gamma=1.0)
    path = tmp_path / "after.png"
    cv2.imwrite(str(path), after)
    image = load_image(path)
    stored_dark = replace(image, pixels=(255 - image.pixels).astype(np.uint8), invert=True)
    result = register(hand, stored_dark)
    assert _tre(result.matrix, truth, hand_points, after.shape).mean() < 0.3


def test_initial_matrix_is_refined(hand, hand_points):
    """A rough start (landmarks, say) is refined to the exact alignment ("Refine")."""
    truth = np.asarray(similarity(angle_deg=4, center=_center(hand), tx=6, ty=3))
    after = _follow_up(hand, truth)
    rough = np.asarray(similarity(angle_deg=1.5, center=_center(hand), tx=3, ty=-2)) @ truth
    assert _tre(rough, truth, hand_points, after.shape).mean() > 3
    result = register(hand, after, initial=rough)
    assert _tre(result.matrix, truth, hand_points, after.shape).mean() < 0.3


def test_roi_alignment_keeps_the_global_outside_and_reports_the_roi(hand):
    truth = np.asarray(similarity(angle_deg=4, center=_center(hand), tx=6, ty=3))
    after = _follow_up(hand, truth)
    roi = (120.0, 100.0, 140.0, 180.0)
    result = register(hand, after, roi=roi, model="rigid")
    assert result.roi == roi
    pts = np.array([[150.0, 150.0], [220.0, 250.0]])
    err = _tre(result.matrix, truth, pts, after.shape)
    assert err.max() < 0.5


def test_quality_figures_and_warping(hand):
    truth = np.asarray(similarity(angle_deg=10, center=_center(hand), tx=10))
    after = _follow_up(hand, truth)
    good = evaluate_quality(hand, after, truth)
    bad = evaluate_quality(hand, after, np.eye(3))
    assert good.ncc_final > 0.9 and good.ncc_final > bad.ncc_final + 0.3
    assert good.mi_final > bad.mi_final and good.overlap > bad.overlap
    assert set(good.as_dict()) == {"ncc_initial", "ncc_final", "mi_final", "overlap"}
    warped = warp_to_before(after, truth, hand.shape)
    assert warped.shape == hand.shape and warped.dtype == after.dtype
    # after (x, y) lands on before (x + 5, y - 3): pixels move by exactly that much
    shifted = warp_to_before(hand, np.array([[1, 0, 5], [0, 1, -3], [0, 0, 1.0]]), hand.shape)
    assert np.array_equal(shifted[:-3, 5:], hand[3:, :-5])
    assert not shifted[:, :5].any()  # no after film there
    assert np.array_equal(warp_to_before(hand, np.eye(3), hand.shape), hand)


def test_blank_or_tiny_films_raise_a_readable_error(hand):
    with pytest.raises(RegistrationError, match="blank"):
        register(hand, np.full((300, 300), 7, np.uint8))
    with pytest.raises(RegistrationError, match="too small"):
        register(hand, np.zeros((20, 20), np.uint8))
    with pytest.raises(ValueError, match="model"):
        register(hand, hand, model="elastic")


def test_noise_without_a_hand_fails_or_warns(hand):
    """Nothing to align: either a RegistrationError or a warning, never silent success."""
    noise = np.random.default_rng(3).integers(0, 255, hand.shape, dtype=np.uint8)
    try:
        result = register(hand, noise)
    except RegistrationError:
        return
    assert result.warning is not None


def test_cancellation_stops_at_the_first_true(hand):
    """should_stop is polled all along; the first True cancels at once."""
    after = _follow_up(hand, np.asarray(similarity(angle_deg=3, center=_center(hand))))
    polls = []
    register(hand, after, should_stop=lambda: polls.append(1) or False)
    total = len(polls)
    assert total >= 8  # polled in every stage, not just at the start
    for stop_at in (1, total // 2, total - 3):
        calls = []

        def should_stop(calls=calls, stop_at=stop_at):
            calls.append(1)
            return len(calls) >= stop_at

        with pytest.raises(RegistrationCancelled):
            register(hand, after, should_stop=should_stop)
        assert len(calls) == stop_at


def test_cancel_from_another_thread(hand):
    after = _follow_up(hand, np.asarray(similarity(angle_deg=3, center=_center(hand))))
    stop = threading.Event()
    outcome = {}

    def work():
        try:
            register(hand, after, should_stop=stop.is_set, progress=lambda f, m: stop.set())
        except RegistrationCancelled:
            outcome["cancelled"] = True

    thread = threading.Thread(target=work)
    thread.start()
    thread.join(timeout=30)
    assert not thread.is_alive() and outcome.get("cancelled")


def test_progress_goes_from_zero_to_one_with_messages(hand):
    after = _follow_up(hand, np.asarray(similarity(angle_deg=3, center=_center(hand))))
    seen = []
    register(hand, after, progress=lambda f, m: seen.append((f, m)))
    fractions = [f for f, _ in seen]
    assert fractions[0] == 0.0 and fractions[-1] == 1.0
    assert fractions == sorted(fractions)
    assert all(isinstance(m, str) and m for _, m in seen)


def test_quality_of_images_follows_the_pair_asked_about(tmp_path, hand):
    """Repeated evaluations (live nudges) reuse work but never mix up pairs."""
    truth = np.asarray(similarity(angle_deg=10, center=_center(hand), tx=10))
    paths = []
    for name, pixels in (("b", hand), ("a", _follow_up(hand, truth)), ("c", hand[:, ::-1])):
        paths.append(tmp_path / f"{name}.png")
        cv2.imwrite(str(paths[-1]), np.ascontiguousarray(pixels))
    before, after, other = (load_image(p) for p in paths)
    first = evaluate_quality(before, after, truth)
    assert evaluate_quality(before, after, truth) == first
    assert evaluate_quality(before.pixels, after.pixels, truth) == first
    assert evaluate_quality(before, other, np.eye(3)).ncc_final < 0.9 < first.ncc_final
    assert evaluate_quality(before, after, truth) == first
