"""Hostile and odd image files (issue 11, items 2, 3, 8, 12): refused before decoding, in
words, or opened; never a decoder allocating gigabytes, never an internal error."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
import tifffile

from tests.core import hostile
from xraycompare.cli import main
from xraycompare.core.io import dicom, pixels
from xraycompare.core.io.image import ImageLoadError
from xraycompare.core.io.loading import load_image


def refused(path: Path) -> str:
    with pytest.raises(ImageLoadError) as caught:
        load_image(path)
    assert caught.value.path == path
    return caught.value.reason


@pytest.mark.parametrize(
    ("source", "codec"),
    [("cr_jpegls.dcm", "JPEG-LS"), ("cr_jpeg_baseline.dcm", "JPEG"),
     ("cr_j2k_mono1.dcm", "JPEG 2000")],
)  # fmt: skip
def test_a_frame_header_that_lies_about_its_size_is_refused_before_decoding(
    tmp_path, no_decoding, source, codec
):
    path = hostile.lying_frame(tmp_path / source, source, 60000, 60000)
    reason = refused(path)
    assert f"the {codec} frame says it is 60000×60000" in reason and "64×80" in reason


def test_a_frame_header_one_pixel_off_is_refused_too(tmp_path):
    path = hostile.lying_frame(tmp_path / "off.dcm", "cr_jpegls.dcm", 64, 81)
    assert "64×81" in refused(path)


def test_honest_compressed_frames_still_decode(test_data):
    for name in ("cr_jpegls.dcm", "cr_jpeg_baseline.dcm", "cr_j2k_mono1.dcm", "cr_rle.dcm"):
        assert load_image(test_data / name).shape == (80, 64)


def test_a_small_tiff_that_decodes_to_gigabytes_is_refused_from_its_header(tmp_path, no_decoding):
    path = hostile.tiff_bomb(tmp_path / "bomb.tif", side=13000)
    assert path.stat().st_size < 200_000
    reason = refused(path)
    assert "13000×13000" in reason and "GB of memory" in reason


def test_the_tiff_bomb_is_a_real_image_when_small(tmp_path):
    """The same construction at 300² decodes: the refusal above is about size alone."""
    image = load_image(hostile.tiff_bomb(tmp_path / "small.tif", side=300))
    assert image.shape == (300, 300)


def test_budget_counts_colour_and_float_conversions(tmp_path):
    grey16 = pixels.work_bytes(4000, 5000, samples=1, itemsize=2, exact=True)
    rgb16 = pixels.work_bytes(4000, 5000, samples=3, itemsize=2, exact=True)
    float32 = pixels.work_bytes(4000, 5000, samples=1, itemsize=4, exact=False)
    assert grey16 < float32 < rgb16
    pixels.check_budget(tmp_path / "x", 4000, 5000, samples=1, itemsize=2, exact=True)


def test_a_deflated_dicom_that_inflates_without_end_is_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(dicom, "MAX_INFLATED_BYTES", 8 << 20)  # small files, same path
    path = hostile.deflate_bomb(tmp_path / "deflated.dcm", 24 << 20)
    assert path.stat().st_size < 100_000
    assert "inflate to more than 8 MB" in refused(path)


@pytest.mark.parametrize("index", range(5))
def test_tiny_valid_images_open(tmp_path, index):
    path = hostile.tiny_pngs(tmp_path)[index]
    image = load_image(path)
    assert image.pixels.size >= 1 and image.default_window.width > 0
    assert main(["info", str(path)]) == 0
    assert main(["render", str(path), "--out", str(tmp_path / "out.png")]) == 0


def test_a_float64_tiff_opens_and_is_not_called_corrupt(tmp_path):
    values = np.linspace(-3.5, 1e6, 64 * 80).reshape(64, 80)
    values[0, 0] = np.nan
    tifffile.imwrite(tmp_path / "f64.tif", values)
    image = load_image(tmp_path / "f64.tif")
    assert image.shape == (64, 80) and image.pixels.dtype == np.uint16
    assert int(image.pixels[-1, -1]) == 65535 and int(image.pixels[0, 1]) < 10


def test_a_tiff_of_complex_numbers_is_named_unsupported(tmp_path):
    tifffile.imwrite(tmp_path / "c.tif", np.zeros((8, 8), np.complex64))
    reason = refused(tmp_path / "c.tif")
    assert "unsupported TIFF sample format" in reason and "corrupt" not in reason


def test_a_broken_jpeg2000_stream_says_what_failed_without_plugin_prefixes(tmp_path, test_data):
    raw = bytearray((test_data / "cr_j2k_mono1.dcm").read_bytes())
    at = bytes(raw).find(b"\xff\x4f\xff\x51")
    raw[at + 60 : at + 100] = b"\xaa" * 40  # after SIZ: the header agrees, the data do not
    (tmp_path / "j2k.dcm").write_bytes(bytes(raw))
    reason = refused(tmp_path / "j2k.dcm")
    assert "cannot be decoded" in reason
    assert "pylibjpeg:" not in reason and not reason.rstrip().endswith(":")


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="no symbolic links here")
def test_a_link_loop_is_called_a_link_loop(tmp_path):
    (tmp_path / "a.png").symlink_to(tmp_path / "b.png")
    (tmp_path / "b.png").symlink_to(tmp_path / "a.png")
    assert "link loop" in refused(tmp_path / "a.png")


def test_window_values_no_film_has_are_refused_by_render(tmp_path, test_data, capsys):
    out = tmp_path / "w.png"
    args = ["render", str(test_data / "grey8.png"), "--out", str(out), "--window"]
    assert main([*args, "1e308", "1e308"]) == 2
    assert "beyond" in capsys.readouterr().err and not out.exists()
    assert main([*args, "1e6", "10"]) == 0  # allowed, but the user is told why it is black
    assert "misses every value of the film" in capsys.readouterr().err
