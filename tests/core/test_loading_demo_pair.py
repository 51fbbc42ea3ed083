"""The bundled demo pair: both films load as the app expects and the recorded truth holds."""

from __future__ import annotations

import json

import cv2
import numpy as np
import pytest

from tests.core.conftest import REPO
from xraycompare.core.io.display import render_display
from xraycompare.core.io.hand_mask import sample_pixels
from xraycompare.core.io.loading import load_image

ASSETS = REPO / "assets"
pytestmark = pytest.mark.skipif(
    not (ASSETS / "demo_after.dcm").exists(), reason="the demo pair is not in assets/"
)


@pytest.fixture(scope="module")
def pair():
    return load_image(ASSETS / "demo_before.dcm"), load_image(ASSETS / "demo_after.dcm")


def test_demo_films_are_12bit_calibrated_hands(pair):
    for image in pair:
        assert image.shape == (2500, 2048)
        assert image.bits_stored == 12 and image.pixels.dtype == np.uint16
        assert image.calibration == "calibrated" and image.spacing_mm == (0.115, 0.115)
        assert image.info.transfer_syntax == "JPEG 2000 Image Compression (Lossless Only)"
        assert not image.invert
    before, after = pair
    assert before.identity.patient_id == after.identity.patient_id  # the same patient
    assert after.identity.study_date == "20180218" and before.identity.study_date == "20110218"


def test_demo_after_says_it_is_simulated():
    import pydicom

    ds = pydicom.dcmread(ASSETS / "demo_after.dcm", stop_before_pixels=True)
    assert "SIMULATED" in ds.SeriesDescription
    before = pydicom.dcmread(ASSETS / "demo_before.dcm", stop_before_pixels=True)
    for keyword in ("StudyInstanceUID", "SeriesInstanceUID", "SOPInstanceUID"):
        assert ds.get(keyword) != before.get(keyword)


def test_the_recorded_matrix_aligns_the_pair(pair):
    before, after = pair
    truth = json.loads((ASSETS / "demo_truth.json").read_text())
    before_to_after = np.array(truth["before_to_after"])
    np.testing.assert_allclose(
        np.array(truth["after_to_before"]) @ before_to_after, np.eye(3), atol=1e-7
    )
    # Warp the after film into the before frame at a quarter of the size (area-averaged).
    b = sample_pixels(render_display(before), max_side=640).astype(np.float32)
    a = sample_pixels(render_display(after), max_side=640).astype(np.float32)
    f = b.shape[1] / before.width
    scale = np.diag([f, f, 1.0])
    small = scale @ before_to_after @ np.linalg.inv(scale)
    warped = cv2.warpAffine(a, small[:2], b.shape[::-1], flags=cv2.WARP_INVERSE_MAP)
    exposed = (b > 10) & (warped > 10)

    def correlation(x, y):
        return float(np.corrcoef(x[exposed], y[exposed])[0, 1])

    assert correlation(b, warped) > 0.98
    assert correlation(b, a) < 0.9  # the pair really is out of register before that
