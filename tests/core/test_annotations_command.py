"""``xraycompare annotations``: one file per film with measurements; bad projects write nothing."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import cv2
import numpy as np
import pytest

from xraycompare.cli import main
from xraycompare.core.annotations.regions import Region, rectangle_points
from xraycompare.core.document import Document
from xraycompare.core.io.loading import load_image
from xraycompare.core.project.file import save_project


@pytest.fixture
def project(tmp_path) -> Path:
    films = []
    for name, seed in (("b.png", 1), ("a.png", 2)):
        pixels = (np.random.default_rng(seed).random((40, 50)) * 255).astype(np.uint8)
        cv2.imwrite(str(tmp_path / name), pixels)
        films.append(load_image(tmp_path / name))
    doc = Document()
    doc.set_pair(*films)
    b = Region.create(
        "before",
        "rectangle",
        rectangle_points(4.5, 4.5, 14.5, 9.5),
        kind="erosion",
        site="PIP3",
        laterality="left",
        score=2,
        note="=evil()",
    )
    doc.annotations.add(b)
    doc.annotations.add(
        Region.create(
            "after",
            "rectangle",
            rectangle_points(4.5, 4.5, 19.5, 9.5),
            kind="erosion",
            site="PIP3",
            laterality="left",
            score=3,
            lineage_id=b.lineage_id,
        )
    )
    doc.annotations.add(Region.create("after", "text", ((1, 1),), label="Year 7"))
    doc.scores.set("before", "left", "narrowing", "RC", 2)  # fmt: skip
    path = tmp_path / "case.xrc.json"
    save_project(doc, path)
    return path


def run(*args) -> int:
    return main(["annotations", *map(str, args)])


def test_geojson_one_file_per_film_with_measurements(project, tmp_path, capsys):
    out = tmp_path / "out"
    assert run(project, "--format", "geojson", "--out", out) == 0
    assert sorted(p.name for p in out.iterdir()) == ["case_after.geojson", "case_before.geojson"]
    before = json.loads((out / "case_before.geojson").read_text("utf-8"))
    after = json.loads((out / "case_after.geojson").read_text("utf-8"))
    assert len(before["features"]) == 1 and len(after["features"]) == 2
    m = before["features"][0]["properties"]["measurements"]
    assert m["Area px^2"] == pytest.approx(50) and m["Num pixels"] == 50 and "Mean" in m
    assert after["features"][0]["properties"]["measurements"]["Area change %"] == pytest.approx(50)
    assert capsys.readouterr().err == ""


def test_labelme_and_csv_outputs(project, tmp_path):
    out = tmp_path / "out"
    assert run(project, "--format", "labelme", "--out", out) == 0
    doc = json.loads((out / "case_before.json").read_text("utf-8"))
    assert doc["imageData"] is None and doc["imagePath"] == "../b.png"
    assert (doc["imageHeight"], doc["imageWidth"]) == (40, 50)
    assert run(project, "--format", "csv", "--out", out) == 0
    rows = list(
        csv.DictReader(io.StringIO((out / "case_before_regions.csv").read_text("utf-8-sig")))
    )
    assert len(rows) == 1 and rows[0]["note"] == "'=evil()" and rows[0]["pixel_count"] == "50"
    scores = list(csv.DictReader(io.StringIO((out / "case_scores.csv").read_text("utf-8-sig"))))
    rc = next(r for r in scores if (r["hand"], r["kind"], r["site"]) == ("left", "narrowing", "RC"))
    assert rc["before"] == "2" and rc["before_source"] == "direct"


def test_missing_films_still_export_geometry_and_say_so(project, tmp_path, capsys):
    (tmp_path / "b.png").unlink()
    out = tmp_path / "out"
    assert run(project, "--format", "geojson", "--out", out) == 0
    err = capsys.readouterr().err
    assert "b.png was not found" in err and "without the values inside" in err
    feature = json.loads((out / "case_before.geojson").read_text("utf-8"))["features"][0]
    assert feature["properties"]["measurements"] == {
        "Area px^2": pytest.approx(50), "Perimeter px": pytest.approx(30),
        "Max diameter px": pytest.approx(np.hypot(10, 5)),
    }  # fmt: skip


@pytest.mark.parametrize("damage", ["missing", "corrupt", "truncated", "future", "not-json"])
def test_bad_projects_exit_2_and_write_nothing(project, tmp_path, capsys, damage):
    text = project.read_text("utf-8")
    if damage == "missing":
        project.unlink()
    elif damage == "corrupt":
        project.write_bytes(b"\x00\x01garbage" * 10)
    elif damage == "truncated":
        project.write_text(text[: len(text) // 2], "utf-8")
    elif damage == "future":
        project.write_text(text.replace('"version": 1', '"version": 7', 1), "utf-8")
    else:
        project.write_text("[]", "utf-8")
    out = tmp_path / "out"
    assert run(project, "--format", "csv", "--out", out) == 2
    err = capsys.readouterr().err
    assert err.startswith("xraycompare annotations: case.xrc.json: ") and len(err) > 45
    assert not out.exists()


def test_out_that_is_a_file_is_refused(project, tmp_path):
    target = tmp_path / "file.txt"
    target.write_text("keep")
    assert run(project, "--out", target) == 2
    assert target.read_text() == "keep"
