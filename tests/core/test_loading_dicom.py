"""DICOM loading on the small generated files: depth, polarity, LUTs, windows, calibration."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pydicom
import pytest

from tests.core.conftest import bone_and_air_means, phantom_dicom_names
from xraycompare.core.io.display import render_display
from xraycompare.core.io.image import ImageLoadError
from xraycompare.core.io.loading import load_image

DICOM_FILES = phantom_dicom_names()


def stored(path: Path) -> np.ndarray:
    return pydicom.dcmread(path).pixel_array


@pytest.mark.parametrize("name", DICOM_FILES)
def test_every_test_dicom_shows_bone_white_and_air_dark(test_data: Path, name: str):
    image = load_image(test_data / name)
    assert image.shape == (80, 64)
    bone, air = bone_and_air_means(render_display(image))
    assert bone > 200 and air < 80, (name, bone, air)


def test_12bit_data_keep_full_depth_and_metadata(test_data: Path):
    path = test_data / "dx_mono2_12bit.dcm"
    image = load_image(path)
    assert image.pixels.dtype == np.uint16
    assert image.bits_stored == 12
    np.testing.assert_array_equal(image.pixels, stored(path))  # not quantised to 8 bits
    assert image.pixels.max() > 255
    assert not image.pixels.flags.writeable
    assert image.photometric == "MONOCHROME2" and not image.invert
    assert image.info.modality == "DX"
    assert image.info.body_part == "HAND"
    assert image.info.laterality == "R"
    assert image.info.transfer_syntax == "Explicit VR Little Endian"
    assert (image.default_window.center, image.default_window.width) == (2000.0, 3600.0)
    assert image.default_window_source == "file"
    # PixelSpacing wins over ImagerPixelSpacing, in (row, col) order.
    assert image.spacing_mm == (0.1, 0.125)
    assert image.calibration == "calibrated"
    assert image.identity.name == "Test^Phantom"  # kept, but apart from the shareable info
    assert image.content_hash and len(image.content_hash) == 64


def test_monochrome1_is_inverted_once(test_data: Path):
    image = load_image(test_data / "cr_mono1_10bit.dcm")
    assert image.photometric == "MONOCHROME1" and image.invert
    assert image.bits_stored == 10
    assert image.calibration == "detector" and image.spacing_mm == (0.15, 0.15)
    flipped = render_display(image, inverted=True)  # the user's flip shows bone dark
    bone, air = bone_and_air_means(flipped)
    assert bone < air


@pytest.mark.parametrize("name", ["dx_mono1_inverse.dcm", "cr_mono2_inverse.dcm"])
def test_presentation_lut_inverse_is_one_inversion(test_data: Path, name: str):
    image = load_image(test_data / name)
    assert image.invert
    plain = render_display(image)
    # One inversion: the display is exactly the un-inverted table turned upside down.
    np.testing.assert_array_equal(plain, 255 - render_display(image, inverted=True))


def test_signed_data_with_rescale(test_data: Path, recipe):
    image = load_image(test_data / "cr_signed_rescale.dcm")
    assert image.pixels.dtype == np.int16 and image.pixels.min() < 0
    assert (image.rescale_slope, image.rescale_intercept) == (2.0, 3000.0)
    expected = np.rint(recipe.phantom(4095))
    np.testing.assert_allclose(image.modality_values(), expected, atol=1.0)
    assert (image.default_window.center, image.default_window.width) == (1900.0, 3800.0)


def test_modality_lut_sequence(test_data: Path):
    image = load_image(test_data / "cr_modality_lut_sequence.dcm")
    assert image.modality_lut is not None
    np.testing.assert_array_equal(
        image.modality_values(), image.pixels.astype(np.float32) * 3 + 100
    )
    assert image.default_window.center == 3170.0


def test_voi_lut_sequence_is_the_default_display(test_data: Path):
    image = load_image(test_data / "cr_voi_lut_sequence.dcm")
    assert image.default_voi_lut_index == 0
    assert image.default_window_source == "file"
    assert [p.label for p in image.presets] == ["SQRT CURVE"]
    expected = np.rint(np.sqrt(image.pixels / 4095.0) * 255)
    np.testing.assert_allclose(render_display(image), expected, atol=1)
    # An explicit window replaces the table.
    lo, hi = image.default_window.low, image.default_window.high
    assert 0 <= lo < hi <= 4095


def test_sigmoid_window(test_data: Path):
    image = load_image(test_data / "cr_sigmoid.dcm")
    window = image.default_window
    assert window.function == "SIGMOID" and (window.center, window.width) == (2000.0, 2500.0)
    values = image.pixels.astype(np.float64)
    expected = 255 / (1 + np.exp(-4 * (values - 2000) / 2500))
    np.testing.assert_allclose(render_display(image), expected, atol=1)


@pytest.mark.parametrize("function", ["LINEAR", "LINEAR_EXACT", "SIGMOID", "BOGUS"])
def test_voi_lut_function_is_read(tmp_path: Path, recipe, function: str):
    path = _variant(tmp_path, recipe, "function.dcm", VOILUTFunction=function)
    expected = "LINEAR" if function == "BOGUS" else function
    assert load_image(path).default_window.function == expected


def test_several_windows_become_presets_with_explanations(test_data: Path):
    image = load_image(test_data / "cr_multi_window.dcm")
    assert [p.label for p in image.presets] == ["SOFT TISSUE", "BONE"]
    assert [(p.window.center, p.window.width) for p in image.presets] == [
        (2000.0, 3600.0),
        (3000.0, 1500.0),
    ]
    assert image.default_window == image.presets[0].window


def test_multiframe_opens_the_first_frame_with_a_notice(test_data: Path):
    image = load_image(test_data / "cr_multiframe.dcm")
    np.testing.assert_array_equal(image.pixels, stored(test_data / "cr_multiframe.dcm")[0])
    assert image.info.number_of_frames == 3
    assert any("first frame" in notice for notice in image.notices)


def test_rgb_secondary_capture_of_grey_reads_as_grey(test_data: Path):
    image = load_image(test_data / "sc_rgb_grey.dcm")
    assert image.pixels.ndim == 2 and image.pixels.dtype == np.uint8
    np.testing.assert_array_equal(image.pixels, stored(test_data / "sc_rgb_grey.dcm")[..., 0])
    assert image.photometric == "MONOCHROME2"


@pytest.mark.parametrize(
    ("name", "syntax"),
    [
        ("cr_rle.dcm", "RLE Lossless"),
        ("cr_j2k_mono1.dcm", "JPEG 2000 Image Compression (Lossless Only)"),
        ("cr_jpegls.dcm", "JPEG-LS Lossless Image Compression"),
    ],
)
def test_lossless_compressed_files_decode_exactly(test_data: Path, recipe, name: str, syntax):
    image = load_image(test_data / name)
    assert image.info.transfer_syntax == syntax
    truth = np.rint(recipe.phantom(4095)).astype(np.uint16)
    if image.photometric == "MONOCHROME1":
        truth = 4095 - truth
    np.testing.assert_array_equal(image.pixels, truth)


def test_jpeg_baseline_dicom(test_data: Path, recipe):
    image = load_image(test_data / "cr_jpeg_baseline.dcm")
    assert image.info.transfer_syntax == "JPEG Baseline (Process 1)"
    truth = np.rint(recipe.phantom(255))
    assert np.abs(image.pixels - truth).mean() < 2


def _variant(tmp_path: Path, recipe, name: str, **changes) -> Path:
    """The dx_mono2_12bit dataset with elements set (None deletes), saved to tmp_path."""
    ds = recipe.dicom_files()["dx_mono2_12bit.dcm"]
    for keyword, value in changes.items():
        if value is None:
            if keyword in ds:
                delattr(ds, keyword)
        else:
            setattr(ds, keyword, value)
    path = tmp_path / name
    ds.save_as(path, enforce_file_format=True)
    return path


@pytest.mark.parametrize(
    ("pixel", "imager", "expected", "calibration"),
    [
        ([0.1, 0.125], [0.11, 0.13], (0.1, 0.125), "calibrated"),
        (None, [0.11, 0.13], (0.11, 0.13), "detector"),
        ([0.0, 0.0], None, None, "none"),
        ([0.0, 0.0], [0.11, 0.13], (0.11, 0.13), "detector"),
        ([-0.1, 0.1], None, None, "none"),
        ([0.1], None, None, "none"),
        ([float("nan"), 0.1], None, None, "none"),
        (None, None, None, "none"),
    ],
)
def test_calibration_never_comes_from_an_invalid_spacing(
    tmp_path: Path, recipe, pixel, imager, expected, calibration
):
    path = _variant(tmp_path, recipe, "spacing.dcm", PixelSpacing=pixel, ImagerPixelSpacing=imager)
    image = load_image(path)
    assert image.calibration == calibration
    assert image.spacing_mm == expected


def test_malformed_spacing_text_means_pixels_only(tmp_path: Path, recipe):
    path = _variant(tmp_path, recipe, "malformed.dcm", ImagerPixelSpacing=None)
    raw = path.read_bytes()
    # Overwrite the PixelSpacing value bytes ("0.1\0.125" is 8 bytes) with text.
    start = raw.index(b"0.1\\0.125")
    path.write_bytes(raw[:start] + b"abc\\def " + raw[start + 8 :])
    image = load_image(path)
    assert image.calibration == "none" and image.spacing_mm is None


def test_a_window_that_misses_the_data_falls_back_to_automatic(tmp_path: Path, recipe):
    path = _variant(tmp_path, recipe, "far.dcm", WindowCenter="60000", WindowWidth="10")
    image = load_image(path)
    assert image.default_window_source == "auto"
    assert any("window" in notice for notice in image.notices)
    bone, air = bone_and_air_means(render_display(image))
    assert bone > 200 and air < 60


def test_dicom_without_preamble_or_file_meta_loads(tmp_path: Path, recipe):
    ds = recipe.dicom_files()["dx_mono2_12bit.dcm"]
    ds.file_meta = pydicom.dataset.FileMetaDataset()
    path = tmp_path / "acr_nema_style"
    pydicom.dcmwrite(path, ds, implicit_vr=True, little_endian=True, enforce_file_format=False)
    assert path.read_bytes()[:2] == b"\x08\x00"
    image = load_image(path)
    np.testing.assert_array_equal(
        image.pixels, recipe.dicom_files()["dx_mono2_12bit.dcm"].pixel_array
    )


def test_unsupported_transfer_syntax_is_named(tmp_path: Path, recipe):
    ds = recipe.dicom_files()["cr_rle.dcm"]
    ds.file_meta.TransferSyntaxUID = "1.2.840.10008.1.2.4.100"  # MPEG2: no decoder
    path = tmp_path / "mpeg2.dcm"
    ds.save_as(path)
    with pytest.raises(ImageLoadError) as caught:
        load_image(path)
    assert "unsupported transfer syntax" in caught.value.reason
    assert "MPEG2" in caught.value.reason


def test_absurd_size_in_header_is_refused_before_decoding(tmp_path: Path, recipe):
    path = _variant(tmp_path, recipe, "huge.dcm", Rows=60000, Columns=60000)
    with pytest.raises(ImageLoadError) as caught:
        load_image(path)
    assert "60000×60000" in caught.value.reason


def test_palette_colour_of_grey_reads_as_grey(tmp_path: Path, recipe):
    ds = recipe.dicom_files()["cr_multiframe.dcm"]  # 8-bit phantom frames
    ds.PixelData = ds.pixel_array[0].tobytes()
    ds.NumberOfFrames = 1
    ds.PhotometricInterpretation = "PALETTE COLOR"
    ramp = (np.arange(256, dtype="<u2") * 257).tobytes()
    for colour in ("Red", "Green", "Blue"):
        setattr(ds, f"{colour}PaletteColorLookupTableDescriptor", [256, 0, 16])
        setattr(ds, f"{colour}PaletteColorLookupTableData", ramp)
    path = tmp_path / "palette.dcm"
    ds.save_as(path)
    image = load_image(path)
    assert image.pixels.ndim == 2 and image.photometric == "MONOCHROME2"
    bone, air = bone_and_air_means(render_display(image))
    assert bone > 200 and air < 80


def test_float_pixel_data_keep_their_file_window(tmp_path: Path, recipe):
    ds = recipe.dicom_files()["dx_mono2_12bit.dcm"]
    values = (recipe.phantom(1.0) * 2.0 - 0.5).astype("<f4")  # -0.5 .. 1.5 floats
    del ds.PixelData
    for keyword in ("BitsStored", "HighBit", "PixelRepresentation"):
        delattr(ds, keyword)
    ds.BitsAllocated = 32
    ds.FloatPixelData = values.tobytes()
    ds.WindowCenter, ds.WindowWidth = "0.5", "2.0"
    path = tmp_path / "float.dcm"
    ds.save_as(path)
    image = load_image(path)
    assert image.pixels.dtype == np.uint16
    np.testing.assert_allclose(image.modality_values(), values, atol=2.0 / 65535)
    assert image.default_window_source == "file" and image.default_window.center == 0.5
    assert any("scaled" in notice for notice in image.notices)


def test_ybr_jpeg_secondary_capture_reads_as_grey(tmp_path: Path, recipe):
    import io

    from PIL import Image
    from pydicom.encaps import encapsulate
    from pydicom.uid import JPEGBaseline8Bit

    grey = np.rint(recipe.phantom(255)).astype(np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(np.dstack([grey] * 3)).save(buffer, "JPEG", quality=95)  # YCbCr inside
    ds = recipe.dicom_files()["sc_rgb_grey.dcm"]
    ds.PixelData = encapsulate([buffer.getvalue()])
    ds["PixelData"].VR = "OB"
    ds.file_meta.TransferSyntaxUID = JPEGBaseline8Bit
    ds.PhotometricInterpretation = "YBR_FULL_422"
    path = tmp_path / "ybr.dcm"
    ds.save_as(path)
    image = load_image(path)
    assert image.pixels.ndim == 2 and image.photometric == "MONOCHROME2"
    assert np.abs(image.pixels.astype(int) - grey).mean() < 3
