"""Comparison frames drawn from the pyramids agree with the full-resolution images."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import cv2
import numpy as np
import pytest

from xraycompare.core.compare.colormaps import DIFFERENCE
from xraycompare.core.compare.comparison import comparison_image, prepare_pair, render_comparison
from xraycompare.core.compare.exposure import identity_match
from xraycompare.core.compare.frames import frame_valid_mask, sample_frame
from xraycompare.core.compare.settings import ComparisonSettings
from xraycompare.core.geometry import IDENTITY, translation
from xraycompare.core.io.display import DisplaySettings, display_lut
from xraycompare.core.io.image import ImageInfo, Window, XrayImage
from xraycompare.core.io.pyramid import ImagePyramid
from xraycompare.core.types import COMPARISON_MODES

SHARED = Path(__file__).resolve().parents[2] / ".." / "shared" / "data"
CR_HAND = SHARED / "dicom" / "pylibjpeg-data" / "cr_right_hand_pa.dcm"


def hand(h: int = 200, w: int = 160, seed: int = 0) -> np.ndarray:
    """Bone-bright 12-bit film: air, a tissue block with three bones, smooth texture."""
    rng = np.random.default_rng(seed)
    values = np.full((h, w), 300.0)
    values[30:190, 25:135] = 1400.0
    for x in (45, 75, 105):
        values[40:180, x : x + 12] = 2600.0
    values += cv2.GaussianBlur(rng.normal(0, 1, (h, w)), (0, 0), 3) * 200
    return np.clip(np.rint(cv2.GaussianBlur(values, (0, 0), 1.0)), 0, 4095).astype(np.uint16)


def film(pixels: np.ndarray, *, invert: bool = False) -> XrayImage:
    return XrayImage(
        pixels=pixels,
        bits_stored=12,
        photometric="MONOCHROME1" if invert else "MONOCHROME2",
        invert=invert,
        default_window=Window(1500.0, 2800.0),
        default_window_source="auto",
        info=ImageInfo(format="test"),
    )


def shifted(pixels: np.ndarray, dx: int, dy: int) -> np.ndarray:
    """After film whose pixel (x, y) shows before (x + dx, y + dy); edges padded with air."""
    out = np.full_like(pixels, 300)
    h, w = pixels.shape
    out[max(0, -dy) : h - max(0, dy), max(0, -dx) : w - max(0, dx)] = pixels[
        max(0, dy) : h - max(0, -dy), max(0, dx) : w - max(0, -dx)
    ]
    return out


def test_full_resolution_image_is_the_composition_of_both_displayed_films() -> None:
    before = film(hand())
    after = film(hand(seed=1))
    match = identity_match(after)
    settings = ComparisonSettings(mode="overlay")
    rgb = comparison_image(before, after, IDENTITY, settings=settings, match=match)
    display_b = display_lut(before).apply(before.pixels)
    display_a = display_lut(after, before.default_window).apply(after.pixels)
    assert np.array_equal(rgb, render_comparison(display_b, display_a, settings=settings))


def test_an_aligned_identical_film_shows_no_change_and_no_data_off_the_after_film() -> None:
    base = hand()
    before, after = film(base), film(shifted(base, 7, -5))
    m = translation(7.0, -5.0)  # after (x, y) -> before (x + 7, y - 5)
    settings = ComparisonSettings(mode="difference", difference_range=100.0, no_data=(1, 2, 3))
    rgb = comparison_image(before, after, m, settings=settings, match=identity_match(after))
    centre = np.all(rgb == np.array(DIFFERENCE.centre, np.uint8), axis=2)
    no_data = np.all(rgb == np.array([1, 2, 3], np.uint8), axis=2)
    # after pixel x in [0, 159] shows before x + 7: before columns 0..6 are off it, and
    # likewise before rows 195..199 (one pixel of slack at each edge)
    assert centre[:194, 8:].all()
    assert no_data[:, :6].all() and no_data[196:, :].all()
    overlay = comparison_image(
        before, after, m, settings=ComparisonSettings(mode="overlay"), match=identity_match(after)
    )
    inner = overlay[:194, 8:]
    assert np.array_equal(inner[..., 0], inner[..., 1])  # grey: the films agree


def test_a_frame_is_a_crop_of_the_full_resolution_image_with_tiles_fixed_on_the_anatomy() -> None:
    base = hand()
    before, after = film(base), film(shifted(base, 3, 2) + 40)
    m = translation(3.0, 2.0)
    pair = prepare_pair(before, after, m)
    x0, y0, w, h = 21, 13, 90, 120
    for mode in ("difference", "overlay", "blend", "checkerboard"):
        settings = ComparisonSettings(mode=mode, tile_size=16, blend_weight=0.3)
        full = pair.render(IDENTITY, (before.width, before.height), settings=settings)
        frame = pair.render(translation(x0, y0), (w, h), settings=settings)
        assert np.array_equal(frame, full[y0 : y0 + h, x0 : x0 + w]), mode


def test_difference_is_positive_where_the_after_film_looks_brighter_even_for_monochrome1() -> None:
    base = hand()
    gained = base.astype(np.int32)
    gained[90:110, 75:87] += 400  # more bone in the after film
    for invert in (False, True):
        to_stored = (lambda v: 4095 - v) if invert else (lambda v: v)
        before = film(to_stored(base.astype(np.int32)).astype(np.uint16), invert=invert)
        after = film(to_stored(gained).astype(np.uint16), invert=invert)
        pair = prepare_pair(before, after, IDENTITY, match=identity_match(after))
        assert pair.polarity == (-1.0 if invert else 1.0)
        settings = ComparisonSettings(mode="difference", difference_range=400.0)
        rgb = pair.render(IDENTITY, (before.width, before.height), settings=settings)
        assert tuple(rgb[100, 80]) == tuple(DIFFERENCE.colours[-1]), invert  # orange end
        assert tuple(rgb[20, 20]) == DIFFERENCE.centre


def test_linked_window_shows_the_matched_after_film_like_the_before_film() -> None:
    base = hand()
    before = film(base)
    after = film(np.clip(np.rint(0.6 * base + 500), 0, 4095).astype(np.uint16))
    settings = ComparisonSettings(mode="flicker", flicker_phase="after")
    window = DisplaySettings(window=Window(1800.0, 2400.0))
    linked = comparison_image(before, after, IDENTITY, settings=settings, before_display=window)
    shown_before = comparison_image(
        before,
        after,
        IDENTITY,
        settings=replace(settings, flicker_phase="before"),
        before_display=window,
    )
    assert np.abs(linked.astype(int) - shown_before.astype(int)).max() <= 2
    unlinked = comparison_image(
        before, after, IDENTITY, settings=settings, before_display=window, link_window=False
    )
    assert np.array_equal(unlinked[..., 0], display_lut(after).apply(after.pixels))


def test_every_mode_renders_a_frame_off_the_film_edges() -> None:
    before, after = film(hand()), film(hand(seed=2))
    pair = prepare_pair(before, after, translation(4.0, 4.0))
    zoomed_out = np.array([[2.5, 0, -60.0], [0, 2.5, -40.0], [0, 0, 1]])
    for mode in COMPARISON_MODES:
        rgb = pair.render(zoomed_out, (120, 110), settings=ComparisonSettings(mode=mode))
        assert rgb.shape == (110, 120, 3)
        assert np.all(rgb[0, 0] == 0) and np.all(rgb[-1, -1] == 0)  # off both films: no data
        assert rgb[50, 50].any() or mode == "difference"  # on the films: something shown


def test_frame_valid_mask_skips_frames_on_the_film_and_outlines_others() -> None:
    pyramid = ImagePyramid(hand())
    assert frame_valid_mask(pyramid.shape, translation(10, 10), (50, 50)) is None
    zoomed_out = np.array([[2.0, 0, -30.0], [0, 2.0, -25.0], [0, 0, 1]])
    mask = frame_valid_mask(pyramid.shape, zoomed_out, (120, 130))
    exact = pyramid.valid_mask(zoomed_out, (120, 130))
    assert mask is not None and mask.shape == exact.shape
    disagree = mask != exact
    edge = cv2.morphologyEx(exact.astype(np.uint8), cv2.MORPH_GRADIENT, np.ones((3, 3))) > 0
    assert np.all(edge[disagree])  # at most half a pixel off along the outline


def test_projective_alignment_samples_like_the_affine_one() -> None:
    pyramid = ImagePyramid(hand())
    m = np.array([[0.9, 0.1, 5.0], [-0.1, 0.9, 20.0], [0, 0, 1]])
    affine = sample_frame(pyramid, m, (100, 90))
    scaled = sample_frame(pyramid, 2.0 * m, (100, 90))  # same map, written projectively
    assert np.abs(affine.astype(int) - scaled.astype(int)).max() <= 1
    assert frame_valid_mask(pyramid.shape, 2.0 * m, (100, 90)) is None


@pytest.mark.shared_data
@pytest.mark.skipif(not CR_HAND.exists(), reason="needs ../shared/data")
def test_real_cr_hand_erosion_shows_on_the_negative_side() -> None:
    from xraycompare.core.geometry import similarity
    from xraycompare.core.io.loading import load_image
    from xraycompare.core.synthetic import BoneChange, FollowupSpec, simulate_followup

    image = load_image(CR_HAND)
    m = similarity(scale=1.02, angle_deg=3.0, tx=25.0, ty=-15.0, center=(1024.0, 1250.0))
    changes = (BoneChange(900, 1100, 40, depth=0.8), BoneChange(1200, 700, 30, depth=-0.6))
    spec = FollowupSpec(matrix=m, gain=1.1, offset=0.03, noise_sd=0.005, changes=changes)
    after = replace(image, pixels=simulate_followup(image.pixels, spec), source=None)
    pair = prepare_pair(image, after, m)
    # a 1:1 frame around each change
    for (x, y), side in (((900, 1100), slice(0, 100)), ((1200, 700), slice(155, 255))):
        frame = pair.render(translation(x - 50, y - 50), (101, 101), settings=ComparisonSettings())
        spot = frame[46:55, 46:55].reshape(-1, 3)
        index = np.array(
            [np.argmin(np.abs(DIFFERENCE.colours.astype(int) - c).sum(1)) for c in spot]
        )
        assert np.all((index >= side.start) & (index < side.stop)), (x, y)


def test_a_match_fitted_for_another_after_film_is_refused() -> None:
    before = film(hand())
    eight_bit = XrayImage(
        pixels=np.zeros((4, 4), np.uint8),
        bits_stored=8,
        photometric="MONOCHROME2",
        invert=False,
        default_window=Window(128.0, 256.0),
        default_window_source="auto",
        info=ImageInfo(format="test"),
    )
    with pytest.raises(ValueError, match="another after film"):
        prepare_pair(before, before, IDENTITY, match=identity_match(eight_bit))
