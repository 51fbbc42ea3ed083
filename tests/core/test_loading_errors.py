"""Bad input always raises ImageLoadError naming the file and the reason, never anything else."""

from __future__ import annotations

import io
import os
import random
import struct
import zipfile
import zlib
from pathlib import Path

import numpy as np
import pytest

from xraycompare.core.io.image import ImageLoadError, XrayImage
from xraycompare.core.io.loading import load_image


def assert_load_error(path: Path, *words: str) -> ImageLoadError:
    with pytest.raises(ImageLoadError) as caught:
        load_image(path)
    error = caught.value
    assert error.path == Path(path)
    assert Path(path).name in str(error)
    assert error.reason.strip()
    for word in words:
        assert word in error.reason, (word, error.reason)
    return error


def png_with_header(width: int, height: int) -> bytes:
    """A PNG whose IHDR claims ``width``×``height`` (valid CRC) followed by a scrap of data."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        )

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    idat = zlib.compress(b"\x00" * 64)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


def test_missing_file(tmp_path: Path):
    assert_load_error(tmp_path / "nowhere.dcm", "no such file")


def test_directory(tmp_path: Path):
    assert_load_error(tmp_path, "folder")


def test_empty_file(tmp_path: Path):
    path = tmp_path / "empty.png"
    path.write_bytes(b"")
    assert_load_error(path, "empty")


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes here")
def test_named_pipe_is_not_read(tmp_path: Path):
    path = tmp_path / "pipe.dcm"
    os.mkfifo(path)
    assert_load_error(path, "not a regular file")


def test_text_file(tmp_path: Path):
    path = tmp_path / "notes.dcm"
    path.write_text("Patient was seen today. Hand X-ray ordered.\n" * 20)
    assert_load_error(path, "not a supported image")


def test_zip_file(tmp_path: Path, test_data: Path):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.write(test_data / "grey8.png", "grey8.png")
    path = tmp_path / "films.zip"
    path.write_bytes(buffer.getvalue())
    assert_load_error(path, "not a supported image")


def test_png_claiming_100000_square_is_refused(tmp_path: Path):
    path = tmp_path / "bomb.png"
    path.write_bytes(png_with_header(100_000, 100_000))
    assert_load_error(path, "absurd image size")


def test_png_with_a_sane_header_and_broken_data(tmp_path: Path):
    path = tmp_path / "broken.png"
    path.write_bytes(png_with_header(640, 480))
    assert_load_error(path, "PNG")


@pytest.mark.parametrize(
    "name", ["dx_mono2_12bit.dcm", "cr_j2k_mono1.dcm", "grey8.png", "grey8.jpg", "grey16.tif"]
)
def test_truncated_files(tmp_path: Path, test_data: Path, name: str):
    data = (test_data / name).read_bytes()
    path = tmp_path / name
    path.write_bytes(data[: len(data) * 2 // 3])
    assert_load_error(path)


def test_dicom_header_only(tmp_path: Path, test_data: Path):
    data = (test_data / "dx_mono2_12bit.dcm").read_bytes()
    path = tmp_path / "header.dcm"
    path.write_bytes(data[:200])
    assert_load_error(path)


def test_fuzzed_files_load_or_raise_image_load_error(tmp_path: Path, test_data: Path):
    """Truncations at many offsets and random byte flips: a film or one clear error."""
    rng = random.Random(20240611)
    names = [
        "dx_mono2_12bit.dcm",
        "cr_signed_rescale.dcm",
        "cr_voi_lut_sequence.dcm",
        "cr_rle.dcm",
        "cr_j2k_mono1.dcm",
        "cr_jpegls.dcm",
        "cr_jpeg_baseline.dcm",
        "cr_multiframe.dcm",
        "grey12_in_16.png",
        "grey8.jpg",
        "exif_orientation6.jpg",
        "multipage.tif",
        "grey8.bmp",
    ]
    outcomes = {"film": 0, "error": 0}
    for name in names:
        data = (test_data / name).read_bytes()
        variants = [data[:cut] for cut in sorted(rng.sample(range(1, len(data)), 20))]
        for _ in range(20):
            flipped = bytearray(data)
            for _ in range(rng.choice((1, 4, 16))):
                flipped[rng.randrange(len(flipped))] = rng.randrange(256)
            variants.append(bytes(flipped))
        for i, variant in enumerate(variants):
            path = tmp_path / f"{i}_{name}"
            path.write_bytes(variant)
            try:
                image = load_image(path)
            except ImageLoadError as error:
                assert error.path == path and error.reason
                outcomes["error"] += 1
            else:
                assert isinstance(image, XrayImage)
                assert image.pixels.ndim == 2 and image.pixels.size > 0
                outcomes["film"] += 1
            path.unlink()
    # Both outcomes occur: flips in pixel data still give films, cuts give errors.
    assert outcomes["film"] > 20 and outcomes["error"] > 100, outcomes


def test_loader_bugs_still_surface_as_image_load_error(
    tmp_path: Path, test_data: Path, monkeypatch
):
    from xraycompare.core.io import raster

    def broken(*args, **kwargs):
        raise KeyError("unexpected")

    monkeypatch.setattr(raster, "load_raster", broken)
    path = tmp_path / "grey8.png"
    path.write_bytes((test_data / "grey8.png").read_bytes())
    assert_load_error(path, "KeyError")


def test_error_names_the_file_and_reason_in_its_message(tmp_path: Path):
    path = tmp_path / "x.png"
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 10)
    error = assert_load_error(path)
    assert str(error).startswith("x.png: ")


def test_grey_content_of_a_loaded_film_is_not_mutable(test_data: Path):
    image = load_image(test_data / "grey8.png")
    with pytest.raises(ValueError):
        image.pixels[0, 0] = np.uint8(1)


@pytest.mark.parametrize("keep", [200, 330])
def test_a_jpeg_cut_off_early_is_explained_in_plain_words(tmp_path, keep):
    data = (Path(__file__).parents[1] / "data" / "grey8.jpg").read_bytes()
    path = tmp_path / "cut.jpg"
    path.write_bytes(data[:keep])
    error = assert_load_error(path)
    assert "cut off" in error.reason or "truncated" in error.reason
    assert "Truncated File Read" not in error.reason  # no decoder jargon
