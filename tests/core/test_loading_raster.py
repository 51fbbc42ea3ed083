"""PNG, JPEG, TIFF and BMP loading: depth, grey conversion, EXIF orientation, pages."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from tests.core.conftest import bone_and_air_means, phantom_raster_names
from xraycompare.core.io.display import render_display
from xraycompare.core.io.image import Window
from xraycompare.core.io.loading import load_image

RASTER_FILES = phantom_raster_names()


@pytest.mark.parametrize("name", RASTER_FILES)
def test_every_test_raster_shows_bone_white_and_air_dark(test_data: Path, name: str):
    image = load_image(test_data / name)
    assert image.shape == (80, 64)
    assert image.pixels.ndim == 2
    assert image.info.transfer_syntax is None
    assert image.calibration == "none" and image.spacing_mm is None
    bone, air = bone_and_air_means(render_display(image))
    assert bone > 200 and air < 60, (name, bone, air)


@pytest.mark.parametrize(("name", "fmt"), [("grey12_in_16.png", "PNG"), ("grey16.tif", "TIFF")])
def test_16bit_files_keep_their_depth(test_data: Path, recipe, name: str, fmt: str):
    image = load_image(test_data / name)
    assert image.info.format == fmt
    assert image.pixels.dtype == np.uint16
    assert image.bits_stored == 12  # 12-bit content in 16-bit words
    np.testing.assert_array_equal(image.pixels, np.rint(recipe.phantom(4095)).astype(np.uint16))


@pytest.mark.parametrize("name", ["rgb_grey.png", "rgba_grey.png", "grey8.bmp"])
def test_rgb_and_rgba_of_grey_become_the_same_grey(test_data: Path, name: str):
    grey = load_image(test_data / "grey8.png").pixels
    image = load_image(test_data / name)
    assert image.pixels.dtype == np.uint8
    np.testing.assert_array_equal(image.pixels, grey)
    assert not any("colour" in notice for notice in image.notices)


def test_colour_jpeg_of_grey_content_is_grey_without_a_notice(test_data: Path):
    image = load_image(test_data / "rgb_grey.jpg")
    reference = load_image(test_data / "grey8.jpg").pixels.astype(int)
    assert np.abs(image.pixels.astype(int) - reference).mean() < 3
    assert not any("colour" in notice for notice in image.notices)


def test_real_colour_is_converted_with_a_notice(tmp_path: Path):
    rgb = np.zeros((40, 30, 3), np.uint8)
    rgb[..., 0] = 200  # red
    rgb[10:30, 10:20] = (20, 180, 40)
    path = tmp_path / "colour.png"
    Image.fromarray(rgb).save(path)
    image = load_image(path)
    assert image.pixels.shape == (40, 30)
    assert any("colour" in notice for notice in image.notices)
    expected = np.rint(0.299 * 200).astype(np.uint8)
    assert abs(int(image.pixels[0, 0]) - int(expected)) <= 1


def test_exif_orientation_is_applied(test_data: Path):
    # The file stores the phantom turned 90° anticlockwise (64 rows × 80 columns) and says
    # "rotate 90° clockwise" in EXIF; the loaded film is upright like the plain JPEG.
    with Image.open(test_data / "exif_orientation6.jpg") as raw:
        assert raw.size == (80, 64) and raw.getexif()[0x0112] == 6
    image = load_image(test_data / "exif_orientation6.jpg")
    upright = load_image(test_data / "grey8.jpg").pixels.astype(int)
    assert image.shape == (80, 64)
    assert np.abs(image.pixels.astype(int) - upright).mean() < 3


@pytest.mark.parametrize("orientation", [2, 3, 4, 5, 7, 8])
def test_every_exif_orientation_comes_back_upright(tmp_path: Path, recipe, orientation: int):
    grey = np.rint(recipe.phantom(255)).astype(np.uint8)
    grey[:8, :8] = 255  # a corner mark so flips cannot hide
    upright = Image.fromarray(grey)
    stored = upright.transpose(
        {
            2: Image.Transpose.FLIP_LEFT_RIGHT,
            3: Image.Transpose.ROTATE_180,
            4: Image.Transpose.FLIP_TOP_BOTTOM,
            5: Image.Transpose.TRANSPOSE,
            7: Image.Transpose.TRANSVERSE,
            8: Image.Transpose.ROTATE_270,
        }[orientation]
    )
    exif = Image.Exif()
    exif[0x0112] = orientation
    path = tmp_path / f"o{orientation}.jpg"
    stored.save(path, quality=95, exif=exif.tobytes())
    image = load_image(path)
    assert image.shape == grey.shape
    assert np.abs(image.pixels.astype(int) - grey.astype(int)).mean() < 3


def test_multipage_tiff_opens_the_first_page_with_a_notice(test_data: Path):
    image = load_image(test_data / "multipage.tif")
    np.testing.assert_array_equal(image.pixels, load_image(test_data / "grey8.png").pixels)
    assert any("first page" in notice and "2 pages" in notice for notice in image.notices)


def test_16bit_value_differences_survive_windowing(tmp_path: Path):
    # Two neighbouring 16-bit values must stay apart under a narrow window: nothing is
    # squeezed into 8 bits before the window is applied.
    values = np.array([[1000, 1001, 1002, 1003]] * 4, dtype=np.uint16)
    path = tmp_path / "narrow.png"
    Image.fromarray(values).save(path)
    image = load_image(path)
    display = render_display(image, Window(1001.5, 4, "LINEAR_EXACT"))
    assert len(np.unique(display[0])) == 4


@pytest.mark.parametrize("orientation", [1, 6])
def test_planar_rgb_tiff_of_grey_is_read_correctly(tmp_path: Path, recipe, orientation: int):
    # Colour planes stored one after another (PlanarConfiguration 2): OpenCV returns noise
    # for these, so they go through tifffile, with the Orientation tag applied.
    import tifffile

    grey = np.rint(recipe.phantom(4095)).astype(np.uint16)
    stored = grey if orientation == 1 else np.ascontiguousarray(np.rot90(grey, 1))
    path = tmp_path / "planar.tif"
    tifffile.imwrite(
        path,
        np.stack([stored] * 3),
        photometric="rgb",
        planarconfig="separate",
        extratags=[(274, "H", 1, orientation, True)],
    )
    image = load_image(path)
    np.testing.assert_array_equal(image.pixels, grey)
