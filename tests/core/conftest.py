"""Fixtures for the core tests: the small generated files in tests/data and their recipe."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[2]
TEST_DATA = REPO / "tests" / "data"
RECIPE_SCRIPT = REPO / "scripts" / "make_test_data.py"


def _load_recipe() -> ModuleType:
    spec = importlib.util.spec_from_file_location("make_test_data", RECIPE_SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


RECIPE = _load_recipe()


@pytest.fixture(scope="session")
def recipe() -> ModuleType:
    """``scripts/make_test_data.py``: the phantom, its region boxes and the DICOM builders."""
    return RECIPE


@pytest.fixture(scope="session")
def test_data() -> Path:
    """``tests/data``: small generated radiographs (see scripts/make_test_data.py)."""
    return TEST_DATA


def bone_and_air_means(display: np.ndarray) -> tuple[float, float]:
    """Mean display value over the phantom's bone box and its air box."""
    return (
        float(display[RECIPE.BONE_BOX].mean()),
        float(display[RECIPE.AIR_BOX].mean()),
    )


def phantom_dicom_names() -> list[str]:
    """The DICOM files in tests/data made from the phantom (others may hold other images)."""
    import pydicom

    names = []
    for path in sorted(TEST_DATA.glob("*.dcm")):
        header = pydicom.dcmread(path, stop_before_pixels=True)
        if header.get("PatientID") == "PHANTOM-001":
            names.append(path.name)
    return names


def phantom_raster_names() -> list[str]:
    """The PNG/JPEG/TIFF/BMP phantom files that scripts/make_test_data.py writes."""
    return sorted(name for name in RECIPE.raster_files() if (TEST_DATA / name).exists())


@pytest.fixture
def no_decoding(monkeypatch):
    """Fail the test if any pixel decoder is reached (pydicom, OpenCV, Pillow, tifffile):
    for refusals that must come from a file's headers alone."""

    def forbidden(*args, **kwargs):
        raise AssertionError("the pixels were decoded")

    import cv2
    import pydicom.pixels
    import tifffile
    from PIL import ImageFile

    monkeypatch.setattr(pydicom.pixels, "pixel_array", forbidden)
    monkeypatch.setattr(cv2, "imdecode", forbidden)
    monkeypatch.setattr(ImageFile.ImageFile, "load", forbidden)
    monkeypatch.setattr(tifffile.TiffPage, "asarray", forbidden)


def saved_pair(tmp_path: Path, matrix: np.ndarray):
    """A Document with the small real hand saved twice as PNG files in ``tmp_path`` (a
    project needs films on disk) and aligned by ``matrix``."""
    import cv2

    from xraycompare.core.document import Document
    from xraycompare.core.io.loading import load_image
    from xraycompare.core.registration.alignment import Alignment

    hand = cv2.imread(str(TEST_DATA / "cr_hand_small.png"), cv2.IMREAD_UNCHANGED)
    for name in ("before.png", "after.png"):
        cv2.imwrite(str(tmp_path / name), hand)
    doc = Document()
    doc.set_pair(load_image(tmp_path / "before.png"), load_image(tmp_path / "after.png"))
    doc.set_global_alignment(Alignment("Global", matrix))
    return doc
