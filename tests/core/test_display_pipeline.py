"""The display pipeline: modality -> VOI -> polarity, exact on small arrays."""

from __future__ import annotations

import numpy as np
import pytest

from xraycompare.core.io.display import auto_window, display_lut, render_display, voi_transform
from xraycompare.core.io.image import ImageInfo, LookupTable, Window, WindowPreset, XrayImage


def film(pixels, *, bits: int = 12, invert: bool = False, window=None, **extra) -> XrayImage:
    pixels = np.asarray(pixels)
    return XrayImage(
        pixels=pixels,
        bits_stored=bits,
        photometric="MONOCHROME1" if invert else "MONOCHROME2",
        invert=invert,
        default_window=window or Window(2048, 4096),
        default_window_source="file",
        info=ImageInfo(format="DICOM"),
        **extra,
    )


def test_linear_window_follows_the_dicom_formula():
    # PS3.3 C.11.2.1.2.1: below c - 0.5 - (w-1)/2 -> 0, above c - 0.5 + (w-1)/2 -> 1.
    window = Window(100, 11)
    x = np.array([94, 94.5, 99.5, 104.5, 105], dtype=np.float32)
    np.testing.assert_allclose(voi_transform(x, window), [0, 0, 0.5, 1, 1], atol=1e-6)


def test_linear_exact_and_sigmoid():
    exact = voi_transform(np.array([90, 100, 110], np.float32), Window(100, 20, "LINEAR_EXACT"))
    np.testing.assert_allclose(exact, [0, 0.5, 1])
    sigmoid = voi_transform(np.array([100, 110], np.float32), Window(100, 20, "SIGMOID"))
    np.testing.assert_allclose(sigmoid, [0.5, 1 / (1 + np.exp(-2))], rtol=1e-6)


def test_window_of_width_one_is_a_threshold():
    out = voi_transform(np.array([99, 100, 101], np.float32), Window(100, 1))
    np.testing.assert_array_equal(out, [0, 1, 1])


@pytest.mark.parametrize("bad", [(0, 0), (1, -5), (float("nan"), 10), (1, float("inf"))])
def test_invalid_windows_are_refused(bad):
    with pytest.raises(ValueError):
        Window(*bad)


def test_table_covers_every_stored_value_and_keeps_full_depth():
    image = film(np.array([[0, 1000, 1001, 4095]], np.uint16))
    lut = display_lut(image, Window(1000.5, 4, "LINEAR_EXACT"))
    assert lut.offset == 0 and len(lut.table) == 4096
    shown = lut.apply(image.pixels)
    # 1000 and 1001 stay distinct: nothing was squeezed into 8 bits before the window.
    assert shown[0, 1] < shown[0, 2]
    assert shown[0, 0] == 0 and shown[0, 3] == 255


def test_monochrome1_is_inverted_last():
    pixels = np.array([[0, 2048, 4095]], np.uint16)
    plain = render_display(film(pixels))
    inverted = render_display(film(pixels, invert=True))
    np.testing.assert_array_equal(inverted, 255 - plain)
    # The user's flip on a MONOCHROME1 film undoes the file's inversion: one flip each.
    np.testing.assert_array_equal(render_display(film(pixels, invert=True), inverted=True), plain)


def test_rescale_applies_before_the_window():
    pixels = np.array([[-1000, 0, 1000]], np.int16)
    image = film(pixels, rescale_slope=0.5, rescale_intercept=500, window=Window(500, 1001))
    np.testing.assert_array_equal(image.modality_values(), [[0, 500, 1000]])
    np.testing.assert_array_equal(render_display(image), [[0, 128, 255]])


def test_signed_stored_values_are_all_covered():
    image = film(np.array([[-2048, 0, 2047]], np.int16), window=Window(0, 4096))
    lut = display_lut(image)
    assert lut.offset == -2048 and len(lut.table) == 4096
    shown = render_display(image)
    assert shown[0, 0] == 0 and shown[0, 2] == 255 and 126 <= shown[0, 1] <= 129


def test_modality_lut_replaces_rescale():
    table = np.arange(16, dtype=np.float32) * 10
    image = film(
        np.array([[0, 5, 15]], np.uint16),
        bits=4,
        modality_lut=LookupTable(0, table, 16),
        window=Window(75.5, 150),
    )
    np.testing.assert_array_equal(image.modality_values(), [[0, 50, 150]])
    shown = render_display(image)
    assert shown[0, 0] == 0 and shown[0, 2] == 255


def test_voi_lut_table_and_default_voi_lut():
    table = np.linspace(0, 255, 256).astype(np.float32)[::-1]  # a falling table
    luts = (LookupTable(0, table, 8, "FALLING"),)
    presets = (WindowPreset("FALLING", voi_lut_index=0),)
    pixels = np.array([[0, 255]], np.uint8)
    image = film(pixels, bits=8, voi_luts=luts, presets=presets, window=Window(128, 256))
    np.testing.assert_array_equal(render_display(image, voi_lut_index=0), [[255, 0]])
    np.testing.assert_array_equal(render_display(image), [[0, 255]])  # window is default
    with_lut_default = film(
        pixels,
        bits=8,
        voi_luts=luts,
        presets=presets,
        window=Window(128, 256),
        default_voi_lut_index=0,
    )
    np.testing.assert_array_equal(render_display(with_lut_default), [[255, 0]])
    # An explicit window still wins over the default table.
    np.testing.assert_array_equal(render_display(with_lut_default, Window(128, 256)), [[0, 255]])


def test_default_voi_lut_index_must_exist():
    with pytest.raises(ValueError):
        film(np.zeros((2, 2), np.uint16), default_voi_lut_index=0)


def test_values_beyond_bits_stored_are_still_mapped():
    # A header that understates the depth must not clip real data onto one grey.
    image = film(np.array([[0, 200, 400]], np.uint16), bits=8, window=Window(200, 401))
    shown = render_display(image)
    assert shown[0, 0] < shown[0, 1] < shown[0, 2]


def test_rendering_never_mutates_and_is_uint8():
    pixels = np.array([[0, 4095], [100, 200]], np.uint16)
    image = film(pixels)
    before = image.pixels.copy()
    shown = render_display(image, Window(100, 50), inverted=True)
    assert shown.dtype == np.uint8 and shown.shape == pixels.shape
    np.testing.assert_array_equal(image.pixels, before)
    assert not image.pixels.flags.writeable


def test_auto_window_uses_percentiles_inside_the_mask():
    rng = np.random.default_rng(0)
    pixels = np.full((100, 100), 50, np.uint16)  # air
    pixels[20:80, 20:80] = rng.integers(1000, 3000, (60, 60))  # the hand
    mask = np.zeros(pixels.shape, bool)
    mask[20:80, 20:80] = True
    window = auto_window(film(pixels), mask=mask)
    assert 990 < window.low < 1050 and 2950 < window.high < 3010


def test_auto_window_on_a_flat_film_is_valid():
    window = auto_window(film(np.full((10, 10), 7, np.uint16)))
    assert window.width > 0
