"""Every real radiograph in ../shared/data loads and shows bone white, air dark (skipped if absent).

DICOM polarity is checked against boxes picked by eye on each film (a bright body or bone
region and a dark air or lung region, as fractions of height and width), so the check does
not depend on the code under test. The FracAtlas JPEGs are checked with the hand mask.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from tests.conftest import SHARED_DATA
from xraycompare.core.io.display import render_display
from xraycompare.core.io.hand_mask import foreground_mask, sample_pixels
from xraycompare.core.io.image import ImageLoadError
from xraycompare.core.io.loading import load_image

# file -> ((y0, y1, x0, x1) of a region that must look bright, ... of one that must look dark)
POLARITY_BOXES = {
    "highdicom/dx_image.dcm": ((0.55, 0.75, 0.6, 0.9), (0.0, 0.08, 0.05, 0.45)),  # belly / air
    "nema-wg04/RG1_J2KI.dcm": ((0.35, 0.6, 0.45, 0.55), (0.2, 0.35, 0.2, 0.3)),  # spine / lung
    "nema-wg04/RG2_JPLL.dcm": ((0.05, 0.25, 0.12, 0.35), (0.7, 0.9, 0.15, 0.4)),  # pelvis / air
    "nema-wg04/RG3_J2KR.dcm": ((0.3, 0.5, 0.45, 0.55), (0.3, 0.5, 0.3, 0.4)),  # tibia / air
    "nema-wg04/RG3_JLSL.dcm": ((0.3, 0.5, 0.45, 0.55), (0.3, 0.5, 0.3, 0.4)),
    "nema-wg04/RG3_UNC.dcm": ((0.3, 0.5, 0.45, 0.55), (0.3, 0.5, 0.3, 0.4)),
    "pylibjpeg-data/cr_hip_jpeg12.dcm": ((0.05, 0.25, 0.12, 0.35), (0.7, 0.9, 0.15, 0.4)),
    "pylibjpeg-data/cr_right_hand_pa.dcm": ((0.75, 0.8, 0.4, 0.6), (0.3, 0.5, 0.0, 0.1)),
    "pylibjpeg-data/dx_chest.dcm": ((0.8, 1.0, 0.4, 0.6), (0.3, 0.5, 0.15, 0.3)),  # belly / lung
}
UNDECODABLE = "nema-wg04/RG3_JPLY.dcm"
FRACATLAS = (
    sorted(p.name for p in (SHARED_DATA / "fracatlas" / "images").glob("*.jpg"))
    if SHARED_DATA.is_dir()
    else []
)


def box_mean(display: np.ndarray, box: tuple[float, float, float, float]) -> float:
    h, w = display.shape
    y0, y1, x0, x1 = box
    return float(display[int(y0 * h) : int(y1 * h), int(x0 * w) : int(x1 * w)].mean())


def test_the_polarity_table_covers_every_dicom_file(shared_data: Path):
    present = {str(p.relative_to(shared_data / "dicom")) for p in shared_data.glob("dicom/*/*.dcm")}
    assert present == set(POLARITY_BOXES) | {UNDECODABLE}


@pytest.mark.parametrize("name", sorted(POLARITY_BOXES))
def test_real_dicom_shows_bone_white_and_air_dark(shared_data: Path, name: str):
    image = load_image(shared_data / "dicom" / name)
    display = render_display(image)
    bright_box, dark_box = POLARITY_BOXES[name]
    bright, dark = box_mean(display, bright_box), box_mean(display, dark_box)
    assert bright > dark + 40, (name, bright, dark)
    assert image.pixels.dtype in (np.uint8, np.uint16)


def test_undecodable_jpeg_gives_a_clear_error(shared_data: Path):
    path = shared_data / "dicom" / UNDECODABLE
    with pytest.raises(ImageLoadError) as caught:
        load_image(path)
    assert caught.value.path == path
    assert "cannot be decoded" in caught.value.reason
    assert "JPEG Extended" in caught.value.reason


def test_the_cr_hand(shared_data: Path):
    image = load_image(shared_data / "dicom/pylibjpeg-data/cr_right_hand_pa.dcm")
    assert image.shape == (2500, 2048)
    assert image.bits_stored == 12 and image.pixels.dtype == np.uint16
    assert image.pixels.max() > 255
    assert image.spacing_mm == (0.115, 0.115) and image.calibration == "calibrated"
    assert image.info.transfer_syntax == "JPEG 2000 Image Compression (Lossless Only)"
    assert image.info.body_part == "HAND"
    assert not image.invert


def test_dx_chest_is_monochrome1_with_inverse_shown_once(shared_data: Path):
    image = load_image(shared_data / "dicom/pylibjpeg-data/dx_chest.dcm")
    assert image.photometric == "MONOCHROME1" and image.invert
    assert image.info.laterality == "R"


@pytest.mark.parametrize(
    ("name", "calibration"),
    [
        ("nema-wg04/RG1_J2KI.dcm", "none"),  # PixelSpacing "0.000\0.000"
        ("nema-wg04/RG3_UNC.dcm", "none"),  # no spacing tags at all
        ("nema-wg04/RG2_JPLL.dcm", "calibrated"),
        ("highdicom/dx_image.dcm", "calibrated"),
    ],
)
def test_real_calibrations(shared_data: Path, name: str, calibration: str):
    image = load_image(shared_data / "dicom" / name)
    assert image.calibration == calibration
    assert (image.spacing_mm is None) == (calibration == "none")


def test_rg3_in_three_transfer_syntaxes_is_pixel_identical(shared_data: Path):
    base = shared_data / "dicom" / "nema-wg04"
    plain = load_image(base / "RG3_UNC.dcm")
    assert plain.bits_stored == 10
    for name in ("RG3_J2KR.dcm", "RG3_JLSL.dcm"):
        np.testing.assert_array_equal(load_image(base / name).pixels, plain.pixels)


def test_12bit_jpeg_extended_keeps_its_depth(shared_data: Path):
    image = load_image(shared_data / "dicom/pylibjpeg-data/cr_hip_jpeg12.dcm")
    assert image.pixels.dtype == np.uint16 and image.pixels.max() > 255
    assert image.bits_stored == 10


@pytest.mark.parametrize("name", FRACATLAS)
def test_fracatlas_films_show_the_hand_brighter_than_air(shared_data: Path, name: str):
    image = load_image(shared_data / "fracatlas" / "images" / name)
    assert image.pixels.ndim == 2 and image.pixels.dtype == np.uint8
    display = sample_pixels(render_display(image), max_side=512)
    mask = foreground_mask(
        image.modality_values(sample_pixels(image.pixels, max_side=512)), invert=image.invert
    )
    assert 0.02 < mask.mean() < 0.98, f"{name}: the hand mask is degenerate ({mask.mean():.2f})"
    inside, outside = float(display[mask].mean()), float(display[~mask].mean())
    assert inside > outside + 20, (name, inside, outside)


def test_fracatlas_pair_is_rgb_encoded_grey_read_as_grey(shared_data: Path):
    for name in ("IMG0001565.jpg", "IMG0001567.jpg"):
        image = load_image(shared_data / "fracatlas" / "images" / name)
        assert image.shape == (373, 454)
        assert not any("colour" in notice for notice in image.notices)


@pytest.mark.parametrize(
    "name", ["dicom/pylibjpeg-data/cr_hip_jpeg12.dcm", "fracatlas/images/IMG0001565.jpg"]
)
def test_truncated_real_files_raise_image_load_error(shared_data: Path, tmp_path: Path, name):
    data = (shared_data / name).read_bytes()
    for fraction in (0.1, 0.5, 0.9, 0.999):
        path = tmp_path / f"cut_{fraction}_{Path(name).name}"
        path.write_bytes(data[: int(len(data) * fraction)])
        with pytest.raises(ImageLoadError):
            load_image(path)
