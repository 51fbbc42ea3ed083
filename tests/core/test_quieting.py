"""The difference shows change: registration speckle quietened on request, the air dimmed."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import cv2
import numpy as np
import pytest

from tests.core.test_comparison_pair import film, hand
from xraycompare.core.compare.comparison import film_hand_weight, prepare_pair
from xraycompare.core.compare.exposure import identity_match, sampling_mask
from xraycompare.core.compare.quieting import hand_weight, quieted
from xraycompare.core.compare.settings import ComparisonSettings, DifferenceSettings
from xraycompare.core.geometry import IDENTITY
from xraycompare.core.io.loading import load_image

DATA = Path(__file__).resolve().parents[1] / "data"


def sub_pixel_shift(values: np.ndarray, dx: float) -> np.ndarray:
    m = np.float32([[1, 0, dx], [0, 1, 0]])
    return cv2.warpAffine(values, m, values.shape[::-1], borderMode=cv2.BORDER_REPLICATE)


def bone_edges(h: int = 120, w: int = 120) -> np.ndarray:
    """Float values: bright bars (cortex) with sharp edges on a darker field."""
    v = np.full((h, w), 1000.0, np.float32)
    v[:, 30:50] = 3000.0
    v[:, 70:74] = 3000.0
    return cv2.GaussianBlur(v, (0, 0), 0.7)


def erosion(values: np.ndarray) -> np.ndarray:
    """An 8 px wide loss of bone in the wide bar."""
    out = values.copy()
    cv2.circle(out, (40, 60), 4, 1200.0, -1)
    return out


def test_tolerant_difference_hides_a_half_pixel_shift_and_keeps_an_erosion():
    before = bone_edges()
    after = erosion(sub_pixel_shift(before, 0.6))
    raw = after - before
    b, a = quieted(before, after, method="tolerant", radius=1.0)
    tolerant = a - b
    seam = np.s_[:, 60:80]  # the narrow bar's edges: only the shift differs here
    assert np.abs(raw[seam]).max() > 500  # a bright seam along each edge
    assert np.abs(tolerant[seam]).max() < 0.05 * np.abs(raw[seam]).max()
    # the erosion keeps its sign and most of its depth
    assert tolerant[60, 40] < -0.7 * 1800
    assert np.sign(tolerant[58:63, 38:43]).max() <= 0


def test_smoothing_lowers_the_seam_and_keeps_the_erosion_sign():
    before = bone_edges()
    after = erosion(sub_pixel_shift(before, 0.6))
    b, a = quieted(before, after, method="smooth", radius=1.0)
    seam = np.s_[:, 60:80]
    assert np.abs((a - b)[seam]).max() < 0.6 * np.abs((after - before)[seam]).max()
    assert (a - b)[60, 40] < -900


def test_no_filter_and_tiny_radii_return_the_values_unchanged():
    before, after = bone_edges(), erosion(bone_edges())
    for method, radius in (("none", 2.0), ("tolerant", 0.3), ("smooth", 0.2)):
        b, a = quieted(before, after, method=method, radius=radius)
        assert b is before and a is after


def difference_frame(before, after, settings, device_to_before=IDENTITY, size=None):
    pair = prepare_pair(before, after, IDENTITY, match=identity_match(after))
    size = size or (before.width, before.height)
    return pair.render(device_to_before, size, settings=settings)


def test_outside_the_hand_is_the_dimmed_before_film_not_colour():
    real = load_image(DATA / "cr_hand_small.png")  # a real CR hand (see tests/data/README.md)
    pixels = real.pixels.astype(np.int32)
    mask = sampling_mask(real)
    drifted = np.where(mask, pixels, pixels + 40)  # the air got brighter, the hand did not
    after = replace(real, pixels=np.clip(drifted, 0, 255).astype(np.uint8))
    base = ComparisonSettings(mode="difference", difference_range=30.0)
    shown = difference_frame(real, after, base)
    dimmed = difference_frame(real, after, replace(base, outside_hand="dim"))
    air = np.s_[60:100, 20:60]
    palm = np.s_[290:310, 180:200]
    assert not mask[air].any() and mask[palm].all()
    assert np.ptp(shown[air].astype(int), axis=-1).min() > 60  # saturated colour in the air
    assert np.ptp(dimmed[air].astype(int), axis=-1).max() <= 2  # grey there now
    np.testing.assert_array_equal(dimmed[palm], shown[palm])  # the hand keeps its colours


def test_the_hand_weight_is_feathered_once_per_film_and_shared_read_only():
    """A pair is prepared again at every window/level step: the feathering is not redone."""
    real = load_image(DATA / "cr_hand_small.png")
    first = prepare_pair(real, real, IDENTITY, match=identity_match(real))
    again = prepare_pair(real, real, IDENTITY, match=identity_match(real))
    assert again.hand_weight is first.hand_weight and not first.hand_weight.flags.writeable
    assert film_hand_weight(real) is first.hand_weight  # the app makes it off the GUI thread
    np.testing.assert_array_equal(first.hand_weight, hand_weight(sampling_mask(real)))
    own = np.zeros_like(sampling_mask(real))
    own[10:20, 10:20] = True  # a mask given by the caller is used, not the film's
    given = prepare_pair(real, real, IDENTITY, match=identity_match(real), before_hand=own)
    np.testing.assert_array_equal(given.hand_weight, hand_weight(own))
    other = replace(real, pixels=real.pixels.copy())  # another film: its own weight
    assert prepare_pair(other, other, IDENTITY).hand_weight is not first.hand_weight


def test_the_filter_radius_is_in_film_pixels_whatever_the_zoom():
    pixels = hand()
    moved = np.roll(pixels, 1, axis=1)  # a one-pixel misregistration everywhere
    before, after = film(pixels), film(moved)
    settings = ComparisonSettings(
        mode="difference", difference_range=300.0, difference_filter="tolerant"
    )
    zoom = 4.0  # 400 %: a device pixel is a quarter of a film pixel
    d = np.array([[1 / zoom, 0, 40.0], [0, 1 / zoom, 60.0], [0, 0, 1]])
    frame = difference_frame(before, after, settings, d, (160, 160))
    raw = difference_frame(
        before, after, replace(settings, difference_filter="none"), d, (160, 160)
    )
    centre = np.array(ComparisonSettings().difference_colormap.centre)
    off = lambda img: np.abs(img.astype(int) - centre).sum(axis=-1)  # noqa: E731
    assert off(raw).max() > 100  # the bone edges light up without the filter
    assert np.percentile(off(frame), 99) < 0.25 * np.percentile(off(raw), 99)


def test_settings_are_checked():
    with pytest.raises(ValueError, match="filter"):
        DifferenceSettings(difference_filter="median")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="radius"):
        DifferenceSettings(filter_radius=0.0)
    with pytest.raises(ValueError, match="outside"):
        ComparisonSettings(outside_hand="hide")  # type: ignore[arg-type]
    chosen = DifferenceSettings(absolute=True, difference_filter="smooth", filter_radius=2)
    used = ComparisonSettings().using(chosen)
    assert (used.absolute_difference, used.difference_filter, used.filter_radius) == (
        True,
        "smooth",
        2,
    )


def test_a_figure_discloses_how_the_difference_was_quietened():
    from xraycompare.core.figures.provenance import quieting_sentences

    plain = ComparisonSettings(mode="difference")
    assert quieting_sentences(plain) == ()
    told = " ".join(
        quieting_sentences(
            replace(plain, difference_filter="tolerant", filter_radius=1.0, outside_hand="dim")
        )
    )
    assert "edge-tolerant" in told and "±1 pixel" in told and "faintly" in told
    assert "σ 2 pixels" in " ".join(
        quieting_sentences(replace(plain, difference_filter="smooth", filter_radius=2.0))
    )
