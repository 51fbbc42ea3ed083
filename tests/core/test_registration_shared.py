"""Registration on the real films in ../shared/data (skipped when it is absent)."""

from __future__ import annotations

import numpy as np
import pytest

from xraycompare.core.geometry import decompose, similarity, transform_points
from xraycompare.core.io.loading import load_image
from xraycompare.core.registration import register
from xraycompare.core.synthetic import (
    Finger,
    FingerMove,
    FollowupSpec,
    followup_truth,
    simulate_followup,
)


def test_real_same_hand_pair_aligns(shared_data):
    """FracAtlas IMG0001565 / IMG0001567: one hand imaged twice, about 2 degrees apart."""
    folder = shared_data / "fracatlas" / "images"
    before = load_image(folder / "IMG0001565.jpg")
    after = load_image(folder / "IMG0001567.jpg")
    result = register(before, after, model="rigid")
    d = decompose(result.matrix)
    assert 1.0 < d["rotation_deg"] < 3.5
    assert abs(d["tx"] + 11) < 6 and abs(d["ty"] - 20) < 6
    q = result.quality
    assert q.ncc_final > q.ncc_initial + 0.1 and q.overlap > 0.8
    assert not result.mirrored and result.warning is None


@pytest.fixture(scope="module")
def cr_hand():
    from pathlib import Path

    path = Path(__file__).resolve().parents[2].parent / "shared" / "data"
    path = path / "dicom" / "pylibjpeg-data" / "cr_right_hand_pa.dcm"
    if not path.is_file():
        pytest.skip("../shared/data is not present")
    return load_image(path)


def test_full_size_cr_dicom_any_rotation(cr_hand):
    """The 2500 x 2048 CR hand turned 135 degrees and magnified 1.2 times."""
    pixels = cr_hand.pixels
    h, w = pixels.shape
    truth = np.asarray(
        similarity(angle_deg=135, scale=1.2, center=((w - 1) / 2, (h - 1) / 2), tx=40, ty=-30)
    )
    after = simulate_followup(
        pixels, FollowupSpec(matrix=truth, gamma=0.8, noise_sd=0.01, border="air")
    )
    result = register(cr_hand, after)
    pts = np.array([[1100.0, 1500.0], [900.0, 900.0], [1400.0, 2000.0], [700.0, 1500.0]])
    in_after = transform_points(np.linalg.inv(truth), pts)
    err = np.linalg.norm(transform_points(result.matrix, in_after) - pts, axis=1)
    assert err.max() < 0.3


def test_one_finger_aligned_locally(cr_hand):
    """The middle finger turned 8 degrees about its MCP joint: the global alignment is off
    there by tens of pixels, the local one by well under a pixel."""
    pixels = cr_hand.pixels
    middle = Finger(mcp=(1100, 1280), tip=(1090, 420), half_width=75)
    index = Finger(mcp=(910, 1260), tip=(752, 540), half_width=75)
    truth = np.asarray(similarity(angle_deg=5, center=(1024, 1250), tx=20, ty=10))
    spec = FollowupSpec(
        matrix=truth,
        posture=(FingerMove(middle, 8.0), FingerMove(index, -6.0)),
        noise_sd=0.01,
        border="air",
    )
    after = simulate_followup(pixels, spec)
    global_reg = register(cr_hand, after)
    # points along the turned middle finger (in the after film)
    a = np.radians(8.0)
    rot = np.array([[np.cos(a), np.sin(a)], [-np.sin(a), np.cos(a)]])
    along = np.linspace(150, 800, 12)
    in_before = np.array(middle.mcp) + along[:, None] * (rot @ np.array([-10.0, -860.0]) / 860.1)
    in_after = transform_points(np.linalg.inv(truth), in_before)
    expected = followup_truth(spec, in_after)
    off = np.linalg.norm(transform_points(global_reg.matrix, in_after) - expected, axis=1)
    assert off.mean() > 5
    local = register(
        cr_hand, after, model="rigid", roi=(980, 380, 260, 960), initial=global_reg.matrix
    )
    err = np.linalg.norm(transform_points(local.matrix, in_after) - expected, axis=1)
    assert err.max() < 1.0
    assert local.roi == (980.0, 380.0, 260.0, 960.0)


def test_films_of_two_different_people_are_not_passed_off_as_aligned(shared_data):
    folder = shared_data / "fracatlas" / "images"
    result = register(load_image(folder / "IMG0000030.jpg"), load_image(folder / "IMG0000035.jpg"))
    assert result.warning is not None and "same hand" in result.warning
    assert result.status == "failed" and result.reason == result.warning


def _fracatlas(shared_data, name: str, scale: float = 0.5):
    import cv2

    pixels = load_image(shared_data / "fracatlas" / "images" / f"{name}.jpg").pixels
    return cv2.resize(pixels, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)


def _palm_points(pixels, n=150, seed=0):
    import cv2

    from xraycompare.core.io.hand_mask import foreground_mask, sample_pixels

    mask = foreground_mask(sample_pixels(pixels, max_side=512))
    mask = cv2.erode(mask.astype(np.uint8), np.ones((9, 9), np.uint8))
    ys, xs = np.nonzero(mask)
    f = pixels.shape[0] / mask.shape[0]
    pick = np.random.default_rng(seed).choice(len(xs), n, replace=False)
    return np.stack([xs[pick], ys[pick]], axis=1) * f


@pytest.mark.parametrize(
    ("name", "angle", "seed"),
    [("IMG0000235", 140.0, 1), ("IMG0000111", -35.0, 2), ("IMG0002313", 75.0, 3)],
)
def test_real_films_with_ordinary_follow_up_trouble(shared_data, name, angle, seed):
    """Real films (an adult's, a child's) turned, with labels, a stamp on both films,
    lead markers, plate edges and bands, a strong gamma, blur, noise, low contrast and the
    other hand partly in view: the known transform comes back, and the result says ok."""
    from xraycompare.core import synthetic_hazards as hz

    rng = np.random.default_rng(seed)
    before = hz.lower_contrast(_fracatlas(shared_data, name), 0.4)
    h, w = before.shape
    truth = np.asarray(
        similarity(angle_deg=angle, scale=1.1, center=((w - 1) / 2, (h - 1) / 2), tx=30, ty=-20)
    )
    after = simulate_followup(
        before,
        FollowupSpec(matrix=truth, gamma=1.8, blur_sigma=1.2, noise_sd=0.02, border="air"),
    )
    after, _ = hz.add_other_hand(after, after, np.ones((8, 8), bool), rng)
    films = []
    for film in (before, after):
        film = hz.burn_text(film, rng, count=4)
        film = hz.add_lead_marker(film, rng)
        film, _ = hz.add_label_box(film, np.random.default_rng(seed + 50), like=before.shape)
        film, _ = hz.add_plate_edges(film, rng)
        films.append(film)
    result = register(films[0], films[1])
    pts = _palm_points(before)
    in_after = transform_points(np.linalg.inv(truth), pts)
    err = np.linalg.norm(transform_points(result.matrix, in_after) - pts, axis=1)
    assert np.median(err) < 1.0
    assert result.status != "failed"


def test_unrelated_real_films_are_flagged(shared_data):
    """Different people's hands, and a wrist against a hand (mirrored too)."""
    hand = _fracatlas(shared_data, "IMG0000101")
    wrist = _fracatlas(shared_data, "IMG0000045")[:600]  # the forearm and wrist only
    for before, after in ((hand, wrist), (hand, np.ascontiguousarray(wrist[:, ::-1]))):
        result = register(before, after)
        assert result.status in ("poor", "failed"), result.details
        assert result.reason


# IMG0000235's index to ring fingers (MCP joint, tip) at full size, read off the film
_FINGERS_235 = (((1140, 1217), (1017, 1817)), ((1300, 1200), (1307, 1900)),
                ((1460, 1183), (1527, 1833)))  # fmt: skip


def test_a_joint_is_aligned_within_half_a_pixel_after_the_fingers_moved(shared_data):
    """The square around the middle finger's PIP joint reaches halfway to the neighbouring
    PIP joints, whose fingers turned the other way: the joint itself comes within 0.5 px
    (it slid 60 px onto a neighbour before the local refinement started at a finer level)."""
    pixels = _fracatlas(shared_data, "IMG0000235", scale=1.0)
    fingers = [Finger(mcp, tip, 45) for mcp, tip in _FINGERS_235]
    moves = (FingerMove(fingers[0], -6.7), FingerMove(fingers[1], 8.7), FingerMove(fingers[2], 9.4))
    h, w = pixels.shape
    truth = np.asarray(similarity(angle_deg=4, center=((w - 1) / 2, (h - 1) / 2), tx=25, ty=-15))
    spec = FollowupSpec(matrix=truth, posture=moves, gamma=1.2, noise_sd=0.01, border="air")
    after = simulate_followup(pixels, spec)
    pips = [np.add(f.mcp, 0.48 * np.subtract(f.tip, f.mcp)) for f in fingers]
    side = float(min(np.linalg.norm(pips[1] - pips[0]), np.linalg.norm(pips[1] - pips[2])))
    roi = (pips[1][0] - side / 2, pips[1][1] - side / 2, side, side)
    global_reg = register(pixels, after)
    local = register(pixels, after, model="rigid", roi=roi, initial=global_reg.matrix)
    # points on the moved joint, in the after film, and where they truly are in the before
    a = np.radians(8.7)
    rot = np.array([[np.cos(a), np.sin(a)], [-np.sin(a), np.cos(a)]])
    centre = np.asarray(fingers[1].mcp) + rot @ (pips[1] - fingers[1].mcp)
    ring = np.random.default_rng(0).uniform(-18, 18, (60, 2))
    in_after = transform_points(np.linalg.inv(truth), centre + ring)
    expected = followup_truth(spec, in_after)
    off = np.linalg.norm(transform_points(global_reg.matrix, in_after) - expected, axis=1)
    err = np.linalg.norm(transform_points(local.matrix, in_after) - expected, axis=1)
    assert off.mean() > 10
    assert err.mean() < 0.5 and local.status == "ok"
