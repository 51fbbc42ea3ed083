"""The hand mask: the whole hand (dark fingertips too), never bands, markers or air ramps."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from xraycompare.core.io.hand_mask import foreground_mask, sample_pixels

from .conftest import TEST_DATA


@pytest.fixture(scope="module")
def hand() -> np.ndarray:
    return cv2.imread(str(TEST_DATA / "cr_hand_small.png"), cv2.IMREAD_UNCHANGED)


def _phantom(rng: np.random.Generator) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """A film-like phantom: a hand with five fingers over air with a strong heel-effect ramp,
    a white collimation band on top, a burnt-in marker in the air, faint fingertips."""
    h, w = 400, 320
    yy = np.mgrid[0:h, 0:w][0].astype(np.float32)
    air = 40 + 60 * np.exp(-(yy - 30) / 60)  # the air is much brighter near the top
    img = air.copy()
    tissue = np.zeros((h, w), np.uint8)
    cv2.ellipse(tissue, (160, 300), (80, 70), 0, 0, 360, 1, -1)  # palm
    cv2.rectangle(tissue, (120, 330), (200, h - 1), 1, -1)  # wrist, to the edge
    for x in (90, 125, 160, 195, 230):
        cv2.line(tissue, (160, 290), (x, 120), 1, 22)  # fingers
    tips = np.zeros_like(tissue)
    for x in (90, 125, 160, 195, 230):
        cv2.circle(tips, (x, 120), 12, 1, -1)
    soft = tissue.astype(bool)
    img[soft] += 25
    bones = np.zeros_like(tissue)
    for x in (90, 125, 160, 195, 230):  # metacarpals and phalanges, then the forearm bones
        cv2.line(bones, (150 + (x - 160) // 4, 330), (x, 128), 1, 8)
    for x in (140, 180):
        cv2.line(bones, (x, 335), (x, h - 1), 1, 14)
    img[bones.astype(bool)] += 60
    img[:24] = 255  # unexposed film under the collimator
    cv2.rectangle(img, (260, 200), (290, 230), 255, 3)  # a lead marker, saturated
    img += rng.normal(0, 1.5, img.shape).astype(np.float32)
    parts = {"tissue": soft, "tips": tips.astype(bool), "band": np.zeros((h, w), bool)}
    parts["band"][:24] = True
    parts["marker"] = np.zeros((h, w), bool)
    parts["marker"][198:233, 258:293] = True
    return np.clip(img, 0, 255).astype(np.uint8), parts


def test_phantom_hand_is_found_and_nothing_else():
    img, parts = _phantom(np.random.default_rng(0))
    mask = foreground_mask(img)
    assert mask.shape == img.shape and mask.dtype == bool
    tissue = parts["tissue"] & ~parts["band"]
    assert mask[tissue].mean() > 0.93
    assert mask[parts["tips"]].mean() > 0.8  # faint fingertips stay in
    assert not mask[parts["band"]].any()
    assert mask[parts["marker"]].mean() < 0.05
    air = ~cv2.dilate(parts["tissue"].astype(np.uint8), np.ones((9, 9), np.uint8)).astype(bool)
    assert mask[air & ~parts["band"]].mean() < 0.02  # the bright ramp under the band too


def test_polarity_flag_inverts():
    img, _ = _phantom(np.random.default_rng(1))
    direct = foreground_mask(img)
    inverted = foreground_mask(255 - img.astype(np.int32), invert=True)
    assert (direct == inverted).mean() > 0.99


def test_real_hand_mask_covers_the_hand_not_the_air_or_marker(hand):
    mask = foreground_mask(hand)
    # a point on the middle finger, on the palm and on the wrist; air beside the fingers;
    # the circled R marker (top right); the blanked margin at the top
    for x, y in ((192, 110), (190, 240), (200, 420)):
        assert mask[y, x], (x, y)
    for x, y in ((40, 150), (330, 250), (300, 35), (200, 5)):
        assert not mask[y, x], (x, y)
    assert 0.25 < mask.mean() < 0.5


def test_degenerate_inputs():
    assert foreground_mask(np.zeros((50, 60))).all()  # nothing stands out: all in
    assert foreground_mask(np.random.default_rng(0).random((20, 30))).shape == (20, 30)
    with pytest.raises(ValueError):
        foreground_mask(np.zeros((0, 10)))


def test_sample_pixels_keeps_dtype_and_bounds(hand):
    big = cv2.resize(hand, (1100, 1342), interpolation=cv2.INTER_LINEAR).astype(np.uint16) * 16
    small = sample_pixels(big, max_side=512)
    assert max(small.shape) == 512 and small.dtype == np.uint16
    assert sample_pixels(hand, max_side=1024) is hand


@pytest.mark.parametrize(
    "name", ["IMG0000030", "IMG0000101", "IMG0000122", "IMG0000235", "IMG0000252", "IMG0002311"]
)
def test_fracatlas_films_keep_logos_and_bands_out(shared_data, name):
    """Real films with a clinic logo next to the forearm, collimation bands, air ramps."""
    from xraycompare.core.io.loading import load_image

    pixels = load_image(shared_data / "fracatlas" / "images" / f"{name}.jpg").pixels
    sample = sample_pixels(pixels, max_side=1024)
    mask = foreground_mask(sample)
    assert 0.08 < mask.mean() < 0.35
    # the saturated logo and letters (255 on these films) sit in the air: never in the mask
    lead = cv2.dilate((sample >= 250).astype(np.uint8), np.ones((3, 3), np.uint8)).astype(bool)
    count, labels, stats, _ = cv2.connectedComponentsWithStats(lead.astype(np.uint8), 8)
    for i in range(1, count):
        if 30 < stats[i, cv2.CC_STAT_AREA] < 0.01 * mask.size:  # logo-sized, not a band
            assert mask[labels == i].mean() < 0.2
    # the first and last rows (bands, film edges) are not hand except where the forearm is
    assert mask[0].mean() < 0.45 and mask[-1].mean() < 0.45
