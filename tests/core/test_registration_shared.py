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
