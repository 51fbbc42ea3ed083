"""The project file records how the difference was made: exposure method, fit, range."""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np
import pytest

from xraycompare.core.compare.settings import DifferenceSettings
from xraycompare.core.document import Document
from xraycompare.core.io.loading import load_image
from xraycompare.core.project import file as pf


def pair_document(folder: Path) -> Document:
    rng = np.random.default_rng(3)
    paths = []
    for name in ("baseline.png", "year7.png"):
        path = folder / name
        cv2.imwrite(str(path), (rng.random((40, 50)) * 4000).astype(np.uint16))
        paths.append(path)
    doc = Document()
    doc.set_pair(load_image(paths[0]), load_image(paths[1]))
    return doc


def test_difference_settings_round_trip(tmp_path):
    doc = pair_document(tmp_path)
    settings = DifferenceSettings(
        exposure_method="linear",
        exposure_gain=1.07,
        exposure_offset=-41.5,
        difference_range=120.0,
        absolute=True,
        difference_filter="tolerant",
        filter_radius=1.5,
        outside_hand="show",
    )
    doc.set_difference(settings)
    path = tmp_path / "case.xrc.json"
    pf.save_project(doc, path)
    written = json.loads(path.read_text())["display"]["difference"]
    assert written["exposure_method"] == "linear" and written["range"] == 120.0
    assert written["exposure_gain"] == 1.07 and written["exposure_offset"] == -41.5
    assert (written["filter"], written["filter_radius"], written["outside_hand"]) == (
        "tolerant",
        1.5,
        "show",
    )

    data = pf.read_project(path)
    assert data.difference == settings
    reopened = Document()
    pf.apply_project(reopened, data, doc.before, doc.after)
    assert reopened.difference == settings


def test_files_without_difference_settings_open_with_the_defaults(tmp_path):
    doc = pair_document(tmp_path)
    path = tmp_path / "old.xrc.json"
    pf.save_project(doc, path)
    raw = json.loads(path.read_text())
    del raw["display"]["difference"]  # as written before the field existed
    path.write_text(json.dumps(raw))
    assert pf.read_project(path).difference == DifferenceSettings()


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("exposure_method", "gamma"),
        ("range", -5.0),
        ("range", "wide"),
        ("absolute", 1),
        ("filter", "median"),
        ("filter_radius", 0),
        ("filter_radius", 50),
        ("outside_hand", "hide"),
    ],
)
def test_bad_difference_settings_are_refused_with_where(tmp_path, field, value):
    doc = pair_document(tmp_path)
    path = tmp_path / "bad.xrc.json"
    pf.save_project(doc, path)
    raw = json.loads(path.read_text())
    raw["display"]["difference"][field] = value
    path.write_text(json.dumps(raw))
    with pytest.raises(pf.ProjectFileError, match=r"display\.difference"):
        pf.read_project(path)


def test_a_new_pair_keeps_the_method_and_forgets_the_fit(tmp_path):
    doc = pair_document(tmp_path)
    doc.set_difference(
        DifferenceSettings(
            "histogram",
            difference_range=80.0,
            exposure_gain=1.1,
            absolute=True,
            difference_filter="smooth",
        )
    )
    doc.set_pair(doc.after, doc.before)
    assert doc.difference == DifferenceSettings(
        "histogram", absolute=True, difference_filter="smooth"
    )
