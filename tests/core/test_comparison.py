"""The comparison modes give exact, predictable pixels on small arrays."""

from __future__ import annotations

import numpy as np
import pytest

from xraycompare.core.compare import compositing
from xraycompare.core.compare.colormaps import ABSOLUTE, DIFFERENCE, DIFFERENCE_LIGHT
from xraycompare.core.compare.comparison import render_comparison
from xraycompare.core.compare.settings import ComparisonSettings
from xraycompare.core.types import COMPARISON_MODES

GREY = np.uint8


def flat(value: int, shape: tuple[int, int] = (4, 6)) -> np.ndarray:
    return np.full(shape, value, dtype=np.uint8)


def ramp(shape: tuple[int, int] = (4, 6), start: int = 10) -> np.ndarray:
    return (np.arange(shape[0] * shape[1]).reshape(shape) + start).astype(np.uint8)


# -- difference ----------------------------------------------------------------------------
def test_zero_difference_is_exactly_the_centre_colour() -> None:
    values = np.linspace(-500, 3000, 24, dtype=np.float32).reshape(4, 6)
    rgb = compositing.difference_image(values, values.copy(), limit=7.0)
    assert rgb.shape == (4, 6, 3) and rgb.dtype == np.uint8
    assert np.all(rgb == np.array(DIFFERENCE.centre, dtype=np.uint8))


def test_after_brighter_takes_the_positive_side_colour() -> None:
    before = np.zeros((1, 5), np.float32)
    after = np.float32([[-10, -4, 0, 4, 10]])
    rgb = compositing.difference_image(before, after, limit=10.0).astype(int)
    assert tuple(rgb[0, 2]) == DIFFERENCE.centre
    assert tuple(rgb[0, 4]) == tuple(DIFFERENCE.colours[-1])  # +limit: the orange end
    assert tuple(rgb[0, 0]) == tuple(DIFFERENCE.colours[0])  # -limit: the blue end
    assert rgb[0, 3, 0] > rgb[0, 3, 2]  # brighter after: warm
    assert rgb[0, 1, 2] > rgb[0, 1, 0]  # darker after: cool
    # 0.4 of the range lands 0.4 of the way along each arm: 127 ± rint(50.8)
    assert tuple(rgb[0, 3]) == tuple(DIFFERENCE.colours[127 + 51])
    assert tuple(rgb[0, 1]) == tuple(DIFFERENCE.colours[127 - 51])
    assert np.array_equal(rgb, DIFFERENCE.apply(after - before, limit=10.0))


def test_difference_saturates_beyond_the_range() -> None:
    before = np.zeros((1, 3), np.float32)
    after = np.float32([[-1e6, 1e6, 25]])
    rgb = compositing.difference_image(before, after, limit=25.0)
    assert tuple(rgb[0, 0]) == tuple(DIFFERENCE.colours[0])
    assert tuple(rgb[0, 1]) == tuple(DIFFERENCE.colours[-1])
    assert tuple(rgb[0, 2]) == tuple(DIFFERENCE.colours[-1])


def test_absolute_difference_uses_the_sequential_map_for_both_signs() -> None:
    before = np.full((1, 4), 100.0, np.float32)
    after = np.float32([[100, 90, 110, 200]])
    rgb = compositing.difference_image(before, after, limit=20.0, absolute=True, colormap=ABSOLUTE)
    assert tuple(rgb[0, 0]) == tuple(ABSOLUTE.colours[0])
    assert np.array_equal(rgb[0, 1], rgb[0, 2])  # ±10 look the same
    assert tuple(rgb[0, 1]) == tuple(ABSOLUTE.colours[127])
    assert tuple(rgb[0, 3]) == tuple(ABSOLUTE.colours[-1])


def test_difference_outside_either_film_is_no_data() -> None:
    before = np.zeros((2, 2), np.float32)
    after = np.ones((2, 2), np.float32)
    valid = np.array([[True, False], [True, True]])
    rgb = compositing.difference_image(before, after, limit=2.5, valid=valid, no_data=(9, 8, 7))
    assert tuple(rgb[0, 1]) == (9, 8, 7)
    assert tuple(rgb[0, 0]) == tuple(DIFFERENCE.colours[127 + 51])
    with pytest.raises(ValueError):
        compositing.difference_image(before, after, limit=0.0)


def test_the_light_map_is_selectable_and_still_zero_centred() -> None:
    settings = ComparisonSettings(
        mode="difference", colormap="difference-light", difference_range=3
    )
    values = np.zeros((2, 3), np.float32)
    rgb = render_comparison(
        None, None, settings=settings, before_values=values, after_values=values
    )
    assert np.all(rgb == np.array(DIFFERENCE_LIGHT.centre, np.uint8))
    absolute = ComparisonSettings(mode="difference", absolute_difference=True)
    assert absolute.difference_colormap is ABSOLUTE


# -- overlay -------------------------------------------------------------------------------
def test_overlay_is_grey_where_the_films_agree() -> None:
    image = ramp()
    rgb = compositing.overlay(image, image.copy())
    assert np.array_equal(rgb[..., 0], image)
    assert np.array_equal(rgb[..., 1], image)
    assert np.array_equal(rgb[..., 2], image)


def test_overlay_is_magenta_where_after_is_brighter_and_green_where_before_is() -> None:
    before = np.uint8([[100, 200]])
    after = np.uint8([[200, 100]])
    rgb = compositing.overlay(before, after)
    assert tuple(rgb[0, 0]) == (200, 100, 200)  # magenta: after brighter
    assert tuple(rgb[0, 1]) == (100, 200, 100)  # green: before brighter


def test_overlay_shows_a_film_alone_where_the_other_is_missing() -> None:
    before, after = flat(120, (1, 3)), flat(80, (1, 3))
    bv = np.array([[True, False, False]])
    av = np.array([[False, True, False]])
    rgb = compositing.overlay(before, after, before_valid=bv, after_valid=av, no_data=(1, 2, 3))
    assert tuple(rgb[0, 0]) == (0, 120, 0)
    assert tuple(rgb[0, 1]) == (80, 0, 80)
    assert tuple(rgb[0, 2]) == (1, 2, 3)


# -- blend -------------------------------------------------------------------------------
def test_blend_weights() -> None:
    before, after = flat(100), flat(201)
    assert np.all(compositing.blend(before, after, weight=0.0) == 100)
    assert np.all(compositing.blend(before, after, weight=1.0) == 201)
    half = compositing.blend(before, after, weight=0.5)
    assert np.all(np.abs(half.astype(int) - 150.5) <= 0.5)
    quarter = compositing.blend(before, after, weight=0.25)
    assert np.all(quarter == 125)  # 0.75 * 100 + 0.25 * 201 = 125.25
    with pytest.raises(ValueError):
        compositing.blend(before, after, weight=1.5)


def test_blend_shows_the_present_film_where_one_is_missing() -> None:
    before, after = flat(100, (1, 3)), flat(200, (1, 3))
    bv = np.array([[True, False, False]])
    av = np.array([[False, True, False]])
    rgb = compositing.blend(before, after, weight=0.5, before_valid=bv, after_valid=av)
    assert rgb[0, :, 0].tolist() == [100, 200, 0]


# -- checkerboard --------------------------------------------------------------------------
def test_checkerboard_tiles_in_before_pixels_start_with_before() -> None:
    before, after = flat(0, (8, 12)), flat(255, (8, 12))
    rgb = compositing.checkerboard(before, after, tile_size=4)
    shows_after = rgb[..., 0] == 255
    expected = ((np.arange(8)[:, None] // 4 + np.arange(12)[None, :] // 4) % 2).astype(bool)
    assert np.array_equal(shows_after, expected)
    assert (
        not shows_after[0, 0] and shows_after[0, 4] and shows_after[4, 0] and not shows_after[4, 4]
    )


def test_checkerboard_tiles_stay_on_the_anatomy_when_panning_and_zooming() -> None:
    tile = 10.0
    # frame pixel (x, y) shows before pixel (0.5 x + 13, 0.5 y + 7): zoomed in 2x and panned
    d = np.array([[0.5, 0, 13.0], [0, 0.5, 7.0], [0, 0, 1]])
    parity = compositing.tile_parity((40, 40), tile_size=tile, device_to_before=d)
    ys, xs = np.mgrid[0:40, 0:40]
    bx, by = 0.5 * xs + 13, 0.5 * ys + 7
    expected = ((np.floor((bx + 0.5) / tile) + np.floor((by + 0.5) / tile)) % 2).astype(bool)
    assert np.array_equal(parity, expected)
    # a rotated view takes the general path and agrees with the same formula
    c, s = np.cos(0.3), np.sin(0.3)
    r = np.array([[c, -s, 20.0], [s, c, -5.0], [0, 0, 1]])
    parity = compositing.tile_parity((30, 30), tile_size=tile, device_to_before=r)
    ys, xs = np.mgrid[0:30, 0:30]
    bx, by = c * xs - s * ys + 20, s * xs + c * ys - 5
    expected = ((np.floor((bx + 0.5) / tile) + np.floor((by + 0.5) / tile)) % 2).astype(bool)
    assert np.array_equal(parity, expected)


def test_reveal_square_shows_the_other_film() -> None:
    before, after = flat(0, (20, 20)), flat(255, (20, 20))
    plain = compositing.checkerboard(before, after, tile_size=100)  # one tile: all before
    assert np.all(plain == 0)
    rgb = compositing.checkerboard(
        before, after, tile_size=100, reveal_center=(10.0, 5.0), reveal_size=4.0
    )
    shows_after = rgb[..., 0] == 255
    expected = np.zeros((20, 20), bool)
    expected[3:8, 8:13] = True  # pixel centres within ±2 of (10, 5)
    assert np.array_equal(shows_after, expected)


def test_checkerboard_shows_no_data_where_the_tiles_film_is_missing() -> None:
    before, after = flat(50, (4, 4)), flat(200, (4, 4))
    av = np.zeros((4, 4), bool)
    rgb = compositing.checkerboard(before, after, tile_size=2, after_valid=av, no_data=(5, 5, 5))
    assert np.all(rgb[0:2, 0:2] == 50) and np.all(rgb[0:2, 2:4] == 5)


# -- swipe and flicker ---------------------------------------------------------------------
def test_vertical_swipe_puts_before_left_of_the_divider() -> None:
    before, after = flat(10, (3, 8)), flat(240, (3, 8))
    rgb = compositing.swipe(before, after, position=2.5)
    assert rgb[0, :, 0].tolist() == [10, 10, 10, 240, 240, 240, 240, 240]
    middle = compositing.swipe(before, after)
    assert middle[0, :, 0].tolist() == [10] * 4 + [240] * 4
    assert np.all(compositing.swipe(before, after, position=-3)[..., 0] == 240)
    assert np.all(compositing.swipe(before, after, position=99)[..., 0] == 10)


def test_horizontal_swipe_puts_before_above_the_divider() -> None:
    before, after = flat(10, (6, 3)), flat(240, (6, 3))
    rgb = compositing.swipe(before, after, position=1.0, orientation="horizontal")
    assert rgb[:, 0, 0].tolist() == [10, 240, 240, 240, 240, 240]


def test_flicker_shows_the_chosen_film() -> None:
    before, after = ramp(), ramp(start=100)
    for phase, film in (("before", before), ("after", after)):
        settings = ComparisonSettings(mode="flicker", flicker_phase=phase)
        rgb = render_comparison(before, after, settings=settings)
        assert np.array_equal(rgb[..., 1], film) and np.array_equal(rgb[..., 0], film)


# -- the entry point -----------------------------------------------------------------------
def test_every_mode_renders_rgb_and_leaves_its_inputs_alone() -> None:
    before, after = ramp((16, 16)), ramp((16, 16), start=40)
    values_b, values_a = before.astype(np.float32), after.astype(np.float32)
    copies = [a.copy() for a in (before, after, values_b, values_a)]
    for mode in COMPARISON_MODES:
        settings = ComparisonSettings(mode=mode, difference_range=50.0, reveal_center=(3, 3))
        rgb = render_comparison(
            before, after, settings=settings, before_values=values_b, after_values=values_a
        )
        assert rgb.shape == (16, 16, 3) and rgb.dtype == np.uint8 and rgb.flags.c_contiguous
    for original, copy in zip((before, after, values_b, values_a), copies, strict=True):
        assert np.array_equal(original, copy)


def test_settings_are_validated() -> None:
    with pytest.raises(ValueError):
        ComparisonSettings(mode="side-by-side")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        ComparisonSettings(blend_weight=-0.1)
    with pytest.raises(ValueError):
        ComparisonSettings(tile_size=0)
    with pytest.raises(ValueError):
        ComparisonSettings(difference_range=float("nan"))
    with pytest.raises(ValueError):
        ComparisonSettings(colormap="jet")
    with pytest.raises(ValueError, match="difference"):
        render_comparison(flat(1), flat(1), settings=ComparisonSettings(mode="difference"))
