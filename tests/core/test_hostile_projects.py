"""Hostile project files (issue 11, items 1, 4, 5, 6, 9): a project never chooses where the
app writes, every crafted value is a plain exit 2, and nothing costs minutes or gigabytes."""

from __future__ import annotations

import json
import math
import os
import time
from pathlib import Path

import numpy as np
import pytest
from skimage.draw import polygon as skimage_polygon

from tests.core import hostile
from xraycompare.cli import main
from xraycompare.core.annotations.measurements import inside_pixels, measure_regions
from xraycompare.core.annotations.regions import Region
from xraycompare.core.document import Document
from xraycompare.core.project import file as pf
from xraycompare.core.project import images as project_images
from xraycompare.core.project.structs import json_schema


@pytest.fixture
def films(tmp_path) -> dict:
    """The demo project pointing at two small films made in tmp_path."""
    return hostile.small_films(tmp_path, hostile.demo_project())


def annotations(capsys, project: Path, out: Path, fmt: str = "geojson") -> tuple[int, str]:
    code = main(["annotations", str(project), "--format", fmt, "--out", str(out)])
    return code, capsys.readouterr().err


def one_line_refusal(code: int, err: str, where: str = "") -> None:
    assert code == 2, err
    assert err.startswith("xraycompare annotations: ") and err.count("\n") == 1, err
    assert where in err


# -- item 1: a project never chooses where Save writes ----------------------------------------
def test_a_recovery_block_in_a_normal_project_never_redirects_save(tmp_path, films):
    victim = tmp_path / "precious.txt"
    victim.write_text("keep me")
    films["recovery"] = {"project_path": str(victim), "saved_at": "", "pid": 1}
    project = hostile.write_project(tmp_path / "case.xrc.json", films)
    data = pf.read_project(project)
    assert data.recovery is None
    found = pf.resolve_images(data)
    document = Document()
    pf.apply_project(document, data, found["before"].image, found["after"].image)
    assert document.project_path == project
    pf.save_project(document, document.project_path)
    assert victim.read_text() == "keep me" and not victim.with_name("precious.txt.bak").exists()


def test_a_recovery_file_recovers_only_a_real_project_it_is_named_for(tmp_path, films):
    project = hostile.write_project(tmp_path / "case.xrc.json", films)
    document = Document()
    data = pf.read_project(project)
    found = pf.resolve_images(data)
    pf.apply_project(document, data, found["before"].image, found["after"].image)
    recovery_dir = tmp_path / "recovery"
    recovery = pf.recovery_path_for(project, directory=recovery_dir)
    pf.write_recovery(document, recovery)
    assert pf.read_recovery(recovery).recovery.project_path == str(project.resolve())
    (info,) = pf.find_recoveries(recovery_dir)
    assert info.project_path == project.resolve()

    obj = json.loads(recovery.read_text("utf-8"))
    victim = tmp_path / "precious.xrc.json"
    victim.write_text("not a project")
    for target in (victim, tmp_path / "notes.txt", "relative.xrc.json", recovery):
        obj["recovery"]["project_path"] = str(target)
        recovery.write_text(json.dumps(obj), "utf-8")
        data = pf.read_recovery(recovery)
        assert data.recovery.project_path is None, target
        reopened = Document()
        pf.apply_project(reopened, data, None, None)
        assert reopened.project_path is None  # Save asks where to write
    # a real project, but not the one this file's name belongs to
    other = hostile.write_project(tmp_path / "other.xrc.json", films)
    obj["recovery"]["project_path"] = str(other)
    recovery.write_text(json.dumps(obj), "utf-8")
    assert pf.read_recovery(recovery).recovery.project_path is None


# -- item 4: measuring costs the outline, not vertices × box pixels ----------------------------
def test_inside_pixels_match_pixel_centres_inside_the_polygon():
    rng = np.random.default_rng(3)
    for _ in range(200):
        n = int(rng.integers(3, 30))
        outline = rng.uniform(-15, 95, (n, 2))  # often self-intersecting, often clipped
        (row, col), mask = inside_pixels(outline, (70, 80))
        ours = np.zeros((70, 80), bool)
        ours[row : row + mask.shape[0], col : col + mask.shape[1]] = mask
        expected = np.zeros((70, 80), bool)
        rr, cc = skimage_polygon(outline[:, 1], outline[:, 0], shape=(70, 80))
        expected[rr, cc] = True
        assert np.array_equal(ours, expected)


def test_a_region_of_ten_thousand_vertices_exports_with_its_values(tmp_path, films, capsys):
    films["regions"][0]["points"] = hostile.star_points(10_000)
    project = hostile.write_project(tmp_path / "many.xrc.json", films)
    code, err = annotations(capsys, project, tmp_path / "out")
    assert code == 0, err
    feature = json.loads((tmp_path / "out" / "many_before.geojson").read_text())["features"][0]
    measured = feature["properties"]["measurements"]
    assert measured["Num pixels"] > 250_000 and "Mean" in measured


def test_more_vertices_than_a_region_may_hold_is_refused_in_words(tmp_path, films, capsys):
    films["regions"][0]["points"] = hostile.star_points(10_001)
    project = hostile.write_project(tmp_path / "huge.xrc.json", films)
    code, err = annotations(capsys, project, tmp_path / "out")
    one_line_refusal(code, err, "regions[0].points: expected a list of at most 10000 items")
    assert not (tmp_path / "out").exists()


def test_a_zigzag_outline_keeps_its_sizes_but_skips_the_values(tmp_path, films):
    zigzag = [(x, 400.0 if i % 2 else 1199.0) for i, x in enumerate(np.linspace(800, 1590, 5000))]
    region = Region.create("before", "polygon", zigzag)
    image = pf.resolve_images(pf.parse_project(films, path=tmp_path / "p.xrc.json"))["before"]
    (m,) = measure_regions([region], {"before": image.image}).values()
    assert m.area is not None and m.longest_diameter > 700 and m.pixel_count is None


# -- items 5 and 6: crafted values are plain exit-2 refusals -----------------------------------
def _mutate(obj: dict, where: str, value) -> dict:
    target = obj
    keys = [int(k) if k.isdigit() else k for k in where.split(".")]
    for key in keys[:-1]:
        target = target[key]
    target[keys[-1]] = value
    return obj


@pytest.mark.parametrize(
    ("where", "value", "said"),
    [
        ("alignment.global.matrix", [[0, 0, 0], [0, 0, 0], [0, 0, 1]], "cannot be inverted"),
        ("regions.0.points.0", [1e308, 2.0], "regions[0].points[0][0]"),
        ("regions.0.points.0", [10**400, 2.0], "far too large"),
        ("regions.0.note", "\ud800 lone surrogate", "not valid JSON"),
        ("regions.0.note", "nul \x00 inside", "control characters"),
        ("images.before.path", "film\x00.png", "images.before.path"),
        ("images.before.path", "x" * 5000, "at most 4096 characters"),
        ("display.before.window", {"center": 1e308, "width": 1.0}, "display.before.window"),
        ("view.zoom", -1, "view.zoom"),
        ("regions.0.kind", "erosionX", "one of 'erosion', 'narrowing', 'other'"),
    ],
)  # fmt: skip
def test_crafted_values_are_refused_with_where_and_why(tmp_path, films, capsys, where, value, said):
    project = hostile.write_project(tmp_path / "crafted.xrc.json", _mutate(films, where, value))
    code, err = annotations(capsys, project, tmp_path / "out")
    one_line_refusal(code, err, said)
    assert not (tmp_path / "out").exists()


def test_an_image_path_too_long_for_the_system_is_a_missing_film(tmp_path, films, capsys):
    films["images"]["before"]["path"] = "/".join(["y" * 250] * 10)  # ENAMETOOLONG on open
    project = hostile.write_project(tmp_path / "long.xrc.json", films)
    code, err = annotations(capsys, project, tmp_path / "out")
    assert code == 0 and "was not found" in err


@pytest.mark.parametrize("case", ["over the size cap", "huge but under the cap", "deep", "lists"])
def test_oversized_projects_are_refused_fast(tmp_path, capsys, case):
    path = tmp_path / "big.xrc.json"
    if case == "over the size cap":
        hostile.bulky_project(path, 40)
    elif case == "huge but under the cap":
        hostile.bulky_project(path, 30)
    elif case == "deep":
        hostile.deep_project(path)
    else:
        path.write_bytes(b'{"format": "xraycompare-project", "x": ' + b"[" * 1_100_000 + b"}")
    started = time.perf_counter()
    code, err = annotations(capsys, path, tmp_path / "out")
    elapsed = time.perf_counter() - started
    if case == "huge but under the cap":
        assert code == 0, err  # unknown keys are skipped, whatever they hold
    else:
        assert code == 2 and err.count("\n") == 1, err
    assert elapsed < 30  # a hang guard, not a timing target (see bench_hostile.py)


def test_exports_never_hold_nan_or_infinity(tmp_path):
    from xraycompare.core.annotations.formats import csv_export, geojson
    from xraycompare.core.annotations.measurements import RegionMeasurement

    m = RegionMeasurement("r", "before", "polygon", "none", "px", "px²", area=math.inf, mean=1.0)
    assert geojson.measurement_values(m) == {"Mean": 1.0}
    assert csv_export._number(math.nan) == "" and csv_export._number(math.inf) == ""
    with pytest.raises(ValueError):
        geojson.write_geojson(tmp_path / "x.geojson", {"bad": math.nan})
    assert not (tmp_path / "x.geojson").exists()


# -- item 9: names are literal ------------------------------------------------------------------
def test_an_image_name_like_a_pattern_is_looked_up_literally(tmp_path, films, monkeypatch):
    for i in range(3):
        sub = tmp_path / f"folder{i}" / "deeper"
        sub.mkdir(parents=True)
        (sub / f"other{i}.png").write_bytes((tmp_path / "film_before.png").read_bytes())
    films["images"]["before"]["path"] = "*"
    films["images"]["after"]["path"] = "../*/deeper/*"
    loads = []
    original = project_images.load_image
    monkeypatch.setattr(project_images, "load_image", lambda p: loads.append(p) or original(p))
    found = pf.resolve_images(pf.parse_project(films, path=tmp_path / "p.xrc.json"))
    assert {r.status for r in found.values()} == {"missing"} and loads == []
    (tmp_path / "folder1" / "*").write_bytes((tmp_path / "film_before.png").read_bytes())
    found = pf.resolve_images(pf.parse_project(films, path=tmp_path / "p.xrc.json"))
    assert found["before"].status == "moved" and found["before"].path.name == "*"
    assert set(loads) == {tmp_path / "folder1" / "*"}  # only the file literally named "*"


def test_a_moved_film_is_found_by_hash_without_decoding_its_namesakes(tmp_path, films, monkeypatch):
    project = hostile.write_project(tmp_path / "p.xrc.json", films)
    real = tmp_path / "film_before.png"
    for i in range(5):  # same name, other content: hashed, never decoded
        (tmp_path / f"f{i}").mkdir()
        (tmp_path / f"f{i}" / "film_before.png").write_bytes(b"\x89PNG not this one")
    (tmp_path / "f9").mkdir()
    real.rename(tmp_path / "f9" / "film_before.png")
    loads = []
    original = project_images.load_image
    monkeypatch.setattr(project_images, "load_image", lambda p: loads.append(p) or original(p))
    found = pf.resolve_images(pf.read_project(project))
    decoded = [p for p in loads if "before" in p.name]
    assert found["before"].status == "moved" and decoded == [tmp_path / "f9" / "film_before.png"]


def test_headless_resolution_does_not_search(tmp_path, films):
    project = hostile.write_project(tmp_path / "p.xrc.json", films)
    (tmp_path / "moved").mkdir()
    (tmp_path / "film_after.png").rename(tmp_path / "moved" / "film_after.png")
    data = pf.read_project(project)
    assert pf.resolve_images(data)["after"].status == "moved"
    assert pf.resolve_images(data, search=False)["after"].status == "missing"


def test_the_project_format_has_a_json_schema():
    schema = json_schema()
    text = json.dumps(schema)
    for key in ("regions", "lineage_id", "pane_offsets", "spacing_mm", "exposure_method"):
        assert key in text
    assert os.linesep not in json.dumps(schema["$ref"])
