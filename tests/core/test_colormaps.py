"""Difference colour maps are zero-centred and perceptually even; colour bars read right."""

from __future__ import annotations

import numpy as np
import pytest
from skimage import color

from xraycompare.core.compare.colormaps import (
    ABSOLUTE,
    CENTRE,
    COLOURS,
    DIFFERENCE,
    DIFFERENCE_LIGHT,
    NO_DATA_INDEX,
    colour_bar,
    lab_colormap,
)


def lab(rgb: np.ndarray) -> np.ndarray:
    return color.rgb2lab(rgb.reshape(1, -1, 3).astype(np.float64) / 255.0)[0]


@pytest.mark.parametrize("cmap", [DIFFERENCE, DIFFERENCE_LIGHT])
def test_diverging_maps_put_zero_on_a_neutral_centre(cmap) -> None:
    assert COLOURS % 2 == 1 and CENTRE == COLOURS // 2
    r, g, b = cmap.centre
    assert r == g == b  # neutral grey: zero change has no hue
    assert tuple(cmap.apply(np.float32([0.0]), limit=5.0)[0]) == cmap.centre
    assert tuple(cmap.apply(np.float32([-0.0]), limit=1e-3)[0]) == cmap.centre
    low, high = cmap.colours[0].astype(int), cmap.colours[-1].astype(int)
    assert low[2] > low[0]  # negative end is blue
    assert high[0] > high[2]  # positive end is red/orange


@pytest.mark.parametrize("cmap", [DIFFERENCE, DIFFERENCE_LIGHT])
def test_diverging_arms_are_symmetric_and_monotonic_in_lightness(cmap) -> None:
    lightness = lab(cmap.colours)[:, 0]
    k = np.arange(1, CENTRE + 1)
    assert np.allclose(lightness[CENTRE + k], lightness[CENTRE - k], atol=1.0)
    arm = lightness[CENTRE:]
    steps = np.diff(arm)
    assert np.all(steps > 0) or np.all(steps < 0)


@pytest.mark.parametrize("cmap", [DIFFERENCE, DIFFERENCE_LIGHT])
def test_diverging_maps_change_evenly(cmap) -> None:
    # Each arm is a straight line in CIELAB walked at constant speed: equal ΔE*ab over any
    # 16 consecutive entries (16 entries average out the rounding to 8 bits).
    values = lab(cmap.colours)
    for arm in (values[: CENTRE + 1], values[CENTRE:]):
        spans = np.linalg.norm(arm[16:] - arm[:-16], axis=1)
        assert spans.max() < 1.15 * spans.min()


def test_lab_colormap_spaces_a_bent_path_evenly() -> None:
    # Two legs of ΔE 60 and 30: the bend falls two thirds of the way along the map.
    points = [(20.0, 0.0, 0.0), (80.0, 0.0, 0.0), (80.0, 30.0, 0.0)]
    cmap = lab_colormap("test", "test", points, diverging=False)
    values = lab(cmap.colours)
    bend = round((COLOURS - 1) * 60 / 90)
    assert values[bend] == pytest.approx(points[1], abs=1.0)
    for leg in (values[: bend + 1], values[bend:]):
        spans = np.linalg.norm(leg[32:] - leg[:-32], axis=1)  # grey rounds coarsely
        assert spans.max() < 1.15 * spans.min()
        assert spans.mean() == pytest.approx(32 * 90 / (COLOURS - 1), rel=0.05)


def test_absolute_map_rises_in_lightness() -> None:
    lightness = lab(ABSOLUTE.colours)[:, 0]
    assert np.all(np.diff(lightness) > 0)
    assert not ABSOLUTE.diverging


def test_values_map_to_indices_with_saturation() -> None:
    idx = DIFFERENCE.indices(np.float32([-20, -10, -4, 0, 4, 10, 20]), limit=10.0)
    assert idx.tolist() == [0, 0, 76, 127, 178, 254, 254]  # 127 ± rint(0.4 * 127)
    idx = ABSOLUTE.indices(np.float32([0, 5, 10, 99]), limit=10.0)
    assert idx.tolist() == [0, 127, 254, 254]
    with pytest.raises(ValueError):
        DIFFERENCE.indices(np.float32([1]), limit=0.0)


def test_opencv_table_reserves_the_last_entry_for_no_data() -> None:
    table = DIFFERENCE.cv_table((1, 2, 3))
    assert table.shape == (256, 1, 3)
    assert tuple(table[NO_DATA_INDEX, 0]) == (1, 2, 3)
    assert np.array_equal(table[:COLOURS, 0], DIFFERENCE.colours)
    assert not DIFFERENCE.colours.flags.writeable


def test_vertical_colour_bar_runs_from_low_at_the_bottom_to_high_at_the_top() -> None:
    bar = colour_bar(DIFFERENCE, limit=137.0, length=255, thickness=10, labels=False)
    assert bar.image.shape == (255, 10, 3)
    assert bar.low == -137.0 and bar.high == 137.0
    column = bar.image[:, 5]
    assert tuple(column[0]) == tuple(DIFFERENCE.colours[-1])  # top: +limit
    assert tuple(column[-1]) == tuple(DIFFERENCE.colours[0])  # bottom: -limit
    assert tuple(column[127]) == DIFFERENCE.centre  # middle row: zero
    values = [t.value for t in bar.ticks]
    assert values == [-100.0, -50.0, 0.0, 50.0, 100.0]
    positions = [t.position for t in bar.ticks]
    assert np.all(np.diff(positions) > 0)
    zero = bar.ticks[2]
    assert zero.position == pytest.approx(127.0)
    assert [t.label for t in bar.ticks][:2] == ["\u2212100", "\u221250"]


def test_sequential_colour_bar_is_monotonic_in_lightness() -> None:
    bar = colour_bar(ABSOLUTE, limit=0.8, length=200, thickness=8, orientation="horizontal")
    x, y, w, h = bar.box
    assert (w, h) == (200, 8)
    row = bar.image[y + h // 2, x : x + w]
    assert np.all(np.diff(lab(row)[:, 0]) >= -0.01)
    assert [t.label for t in bar.ticks] == ["0.0", "0.2", "0.4", "0.6", "0.8"]
    assert bar.ticks[-1].position == pytest.approx(199.0)


def test_labelled_bar_has_the_gradient_inside_and_text_beside_it() -> None:
    plain = colour_bar(DIFFERENCE, limit=2.5, length=120, thickness=12, labels=False)
    bar = colour_bar(DIFFERENCE, limit=2.5, length=120, thickness=12, title="after - before")
    x, y, w, h = bar.box
    assert np.array_equal(bar.image[y : y + h, x : x + w], plain.image)
    right = bar.image[:, x + w + 1 :]
    assert right.size and (right == 255).any()  # tick marks and labels drawn in white
    assert bar.image.dtype == np.uint8 and bar.image.shape[2] == 3
