"""Project files: identical round trips, atomic saves, one error type for every bad file."""

from __future__ import annotations

import contextlib
import json
import os
import random
import signal
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import cv2
import numpy as np
import pytest

from xraycompare.core.annotations.regions import Region, ellipse_points, rectangle_points
from xraycompare.core.document import Document, ViewState
from xraycompare.core.geometry import similarity, translation
from xraycompare.core.io.display import DisplaySettings
from xraycompare.core.io.image import PatientIdentity, Window
from xraycompare.core.io.loading import load_image
from xraycompare.core.project import file as pf
from xraycompare.core.project.schema import project_to_dict
from xraycompare.core.registration.alignment import Alignment, LandmarkPair

REPO = Path(__file__).resolve().parents[2]


def write_film(path: Path, seed: int) -> Path:
    rng = np.random.default_rng(seed)
    path.parent.mkdir(parents=True, exist_ok=True)
    cv2.imwrite(str(path), (rng.random((48, 64)) * 4000).astype(np.uint16))
    return path


def full_document(folder: Path) -> Document:
    """A document using every part of the format."""
    before = load_image(write_film(folder / "films" / "baseline.png", 1))
    after = load_image(write_film(folder / "films" / "year7.png", 2))
    doc = Document()
    doc.set_pair(before, after.with_calibration((0.1, 0.12), "user"))
    doc.set_global_alignment(
        Alignment("g", similarity(angle_deg=4, tx=3), quality={"ncc": 0.91}, seconds=1.5)
    )
    doc.set_local_alignment(
        Alignment("PIP3", translation(1.25, -2), method="local", roi=(5, 6, 20, 18))
    )
    doc.set_active_alignment("PIP3")
    doc.set_landmarks((LandmarkPair("l1", (1.5, 2.0), (3.0, 4.25)),))
    doc.set_display("before", DisplaySettings(window=Window(1800, 900, "SIGMOID"), inverted=True))
    doc.set_view(ViewState(center=(20.5, 11.0), zoom=2.5, mode="difference"))
    doc.set_sync(panes=False)
    doc.set_pane_offset("after", translation(2, 3))
    b = Region.create(
        "before", "polygon", ((10, 10), (20, 11), (15, 19.5)), kind="erosion", site="PIP3",
        laterality="right", score=3, status="new", note='=HYPERLINK("x") ünïcode', label="E1",
    )  # fmt: skip
    shapes = [
        b,
        Region.create("after", "ellipse", ellipse_points(15, 15, 4, 2, 30), kind="erosion",
                      site="PIP3", score=2, status="healed", lineage_id=b.lineage_id),
        Region.create("before", "rectangle", rectangle_points(1, 2, 8, 9), kind="narrowing",
                      site="CSL", score=1),
        Region.create("after", "freehand", ((1, 1), (3, 1), (3, 4), (1, 3))),
        Region.create("before", "point", ((5, 5),)),
        Region.create("after", "arrow", ((30, 30), (20, 20))),
        Region.create("before", "text", ((2, 40),), label="Baseline"),
        Region.create("after", "length", ((0, 0), (10, 0))),
    ]  # fmt: skip
    for r in shapes:
        doc.annotations.add(r)
    doc.scores.set("after", "left", "erosion", "ULNA", 5)
    doc.scores.set("before", "right", "narrowing", "RC", 0)
    return doc


def as_dict(doc: Document, path: Path) -> dict:
    return project_to_dict(pf.capture_project(doc, path), version=pf.VERSION)


@pytest.fixture
def saved(tmp_path) -> tuple[Document, Path]:
    doc = full_document(tmp_path)
    path = tmp_path / "case.xrc.json"
    pf.save_project(doc, path)
    return doc, path


def test_save_read_apply_gives_an_identical_project(saved):
    doc, path = saved
    data = pf.read_project(path)
    found = pf.resolve_images(data)
    assert {f: r.status for f, r in found.items()} == {"before": "ok", "after": "ok"}
    reopened = Document()
    pf.apply_project(reopened, data, found["before"].image, found["after"].image)
    assert as_dict(reopened, path) == as_dict(doc, path)
    assert reopened.annotations.regions() == doc.annotations.regions()
    assert reopened.scores.entries() == doc.scores.entries()
    assert reopened.active_alignment_name == "PIP3"
    assert reopened.after.calibration == "user" and reopened.after.spacing_mm == (0.1, 0.12)
    assert reopened.project_path == path
    on_disk = json.loads(path.read_text("utf-8"))
    assert on_disk["format"] == "xraycompare-project" and on_disk["version"] == 1
    assert on_disk["images"]["before"]["path"] == "films/baseline.png"
    assert len(on_disk["images"]["before"]["sha256"]) == 64


def test_no_patient_identifiers_and_no_pixels_in_the_file(tmp_path):
    doc = full_document(tmp_path)
    who = PatientIdentity(name="DOE^JANE", patient_id="PID-98765", birth_date="19700101")
    doc.set_pair(replace(doc.before, identity=who), doc.after)
    path = tmp_path / "p.xrc.json"
    pf.save_project(doc, path)
    text = path.read_text("utf-8")
    assert "DOE" not in text and "98765" not in text and "19700101" not in text

    def longest_list(value) -> int:
        if isinstance(value, dict):
            return max((longest_list(v) for v in value.values()), default=0)
        if isinstance(value, list):
            return max([len(value), *(longest_list(v) for v in value)])
        return 0

    # no pixel data: nothing in the file is a list anywhere near a film's size
    assert longest_list(json.loads(text)) < 200
    assert len(text) < 20_000


def test_second_save_keeps_the_previous_version_as_bak(saved):
    doc, path = saved
    first = path.read_bytes()
    doc.annotations.remove(doc.annotations.regions()[-1].id)
    pf.save_project(doc, path)
    assert path.with_name("case.xrc.json.bak").read_bytes() == first
    assert path.read_bytes() != first
    assert sorted(p.name for p in path.parent.iterdir() if p.is_file()) == [
        "case.xrc.json", "case.xrc.json.bak",
    ]  # fmt: skip


@pytest.mark.parametrize("failing", ["replace", "fsync", "dumps"])
def test_failed_save_leaves_the_old_file_byte_identical(saved, monkeypatch, failing):
    doc, path = saved
    old = path.read_bytes()
    doc.annotations.clear()

    def boom(*args, **kwargs):
        raise OSError(28, "No space left on device")

    if failing == "dumps":
        monkeypatch.setattr(json, "dumps", lambda *a, **k: (_ for _ in ()).throw(ValueError("x")))
    else:
        monkeypatch.setattr(pf.os, failing, boom)
    with pytest.raises(pf.ProjectFileError) as err:
        pf.save_project(doc, path)
    assert err.value.path == path and err.value.reason
    assert path.read_bytes() == old
    assert not [p for p in path.parent.iterdir() if p.name.endswith(".tmp")]


def test_save_into_a_missing_folder_says_so(tmp_path):
    doc = full_document(tmp_path)
    with pytest.raises(pf.ProjectFileError, match="does not exist"):
        pf.save_project(doc, tmp_path / "nope" / "p.xrc.json")


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"", "empty"),
        (b"\xff\xfe\x00garbage", "UTF-8"),
        (b'{"format": "xraycompare-project", "version": 1, "images": {', "truncated"),
        (b"[1, 2, 3]", "not an xraycompare project"),
        (b'{"format": "xraycompare-project", "version": "1"}', "version"),
        (b'{"format": "xraycompare-project", "version": 99, "images": {}}', "newer xraycompare"),
        (b'{"format": "xraycompare-project", "version": 1}', "missing 'images'"),
        (b'{"format": "xraycompare-project", "version": 1, "images": {}, "view": {"zoom": NaN}}',
         "not a valid number"),
    ],
)  # fmt: skip
def test_bad_files_raise_one_clear_error(tmp_path, content, reason):
    path = tmp_path / "bad.xrc.json"
    path.write_bytes(content)
    with pytest.raises(pf.ProjectFileError, match=reason):
        pf.read_project(path)
    assert path.read_bytes() == content


def test_missing_file_and_folder(tmp_path):
    with pytest.raises(pf.ProjectFileError, match="no such file"):
        pf.read_project(tmp_path / "gone.xrc.json")
    with pytest.raises(pf.ProjectFileError, match="folder"):
        pf.read_project(tmp_path)


def test_invalid_value_error_says_where(saved):
    _, path = saved
    obj = json.loads(path.read_text("utf-8"))
    obj["regions"][2]["score"] = 9
    with pytest.raises(pf.ProjectFileError, match=r"regions\[2\].*0–4"):
        pf.parse_project(obj, path=path)


def _mutations(obj, rng):
    """(path, value) replacements of every subtree by values of the wrong type."""
    bad = [None, True, -1, 1e308, "x", "", [], {}, [[1, 2]], {"a": 1}, 10**400]
    paths = []

    def walk(v, where):
        paths.append(where)
        if isinstance(v, dict):
            for k, x in v.items():
                walk(x, (*where, k))
        elif isinstance(v, list):
            for i, x in enumerate(v[:3]):
                walk(x, (*where, i))

    walk(obj, ())
    for where in paths:
        for value in rng.sample(bad, 4):
            yield where, value


def _set(obj, where, value):
    if not where:
        return value
    out = json.loads(json.dumps(obj))
    target = out
    for key in where[:-1]:
        target = target[key]
    target[where[-1]] = value
    return out


def test_fuzzed_files_only_ever_raise_project_file_error(saved):
    _, path = saved
    good = path.read_bytes()
    obj = json.loads(good)
    rng = random.Random(5)
    attempts = ok = 0
    for where, value in _mutations(obj, rng):
        attempts += 1
        try:
            pf.parse_project(_set(obj, where, value), path=path)
            ok += 1
        except pf.ProjectFileError:
            pass
    fuzz = path.with_name("fuzz.xrc.json")
    for cut in sorted(rng.sample(range(len(good)), 150)):
        fuzz.write_bytes(good[:cut])
        with pytest.raises(pf.ProjectFileError):
            pf.read_project(fuzz)
    for _ in range(150):
        data = bytearray(good)
        for _ in range(rng.randint(1, 8)):
            data[rng.randrange(len(data))] = rng.randrange(256)
        fuzz.write_bytes(bytes(data))
        with contextlib.suppress(pf.ProjectFileError):
            pf.read_project(fuzz)
        fuzz.write_bytes(rng.randbytes(rng.randint(1, 2000)))
        with pytest.raises(pf.ProjectFileError):
            pf.read_project(fuzz)
    assert path.read_bytes() == good  # reading never writes
    assert attempts > 300 and ok < attempts


def test_future_version_is_refused_and_left_alone(saved):
    _, path = saved
    obj = json.loads(path.read_text("utf-8"))
    obj["version"] = pf.VERSION + 1
    path.write_text(json.dumps(obj))
    before = path.read_bytes()
    with pytest.raises(pf.ProjectFileError, match=r"newer xraycompare.*update"):
        pf.read_project(path)
    assert path.read_bytes() == before


def test_old_versions_migrate_through_the_registry(saved, monkeypatch):
    _, path = saved
    v1 = json.loads(path.read_text("utf-8"))
    # a fabricated version 0: images under "films", regions with "shape" for "geometry"
    v0 = {k: v for k, v in v1.items() if k not in ("images", "regions")}
    v0 |= {"version": 0, "films": v1["images"]}
    v0["regions"] = [{**{k: x for k, x in r.items() if k != "geometry"}, "shape": r["geometry"]}
                     for r in v1["regions"]]  # fmt: skip
    old = path.with_name("old.xrc.json")
    old.write_text(json.dumps(v0))
    with pytest.raises(pf.ProjectFileError, match="version 0 cannot be migrated"):
        pf.read_project(old)

    def v0_to_v1(obj):
        obj = dict(obj)
        obj["images"] = obj.pop("films")
        obj["regions"] = [{**r, "geometry": r.pop("shape")} for r in obj["regions"]]
        return obj

    monkeypatch.setitem(pf.MIGRATIONS, 0, v0_to_v1)
    migrated = pf.read_project(old)
    assert migrated.migrated_from == 0
    current = pf.read_project(path)
    assert migrated.regions == current.regions and migrated.images == current.images


def test_moved_missing_and_changed_images_are_reported(saved, tmp_path):
    _, path = saved
    # the films moved next to the project: found by name, same content
    for name in ("baseline.png", "year7.png"):
        (tmp_path / "films" / name).rename(tmp_path / name)
    found = pf.resolve_images(pf.read_project(path))
    assert found["before"].status == "moved" and found["before"].loaded
    assert str(tmp_path / "baseline.png") in found["before"].message
    # one replaced by another picture: loaded, but flagged clearly
    write_film(tmp_path / "year7.png", 99)
    found = pf.resolve_images(pf.read_project(path))
    assert found["after"].status == "hash_mismatch" and found["after"].loaded
    assert "not the after film" in found["after"].message
    # gone: missing, and the user can point at a file
    (tmp_path / "baseline.png").unlink()
    found = pf.resolve_images(pf.read_project(path))
    assert found["before"].status == "missing" and not found["before"].loaded
    elsewhere = write_film(tmp_path / "x" / "renamed.png", 1)
    located = pf.resolve_images(pf.read_project(path), candidates={"before": elsewhere})
    assert located["before"].status == "moved"


def test_project_with_its_films_moves_as_a_folder(saved, tmp_path):
    moved = tmp_path.parent / (tmp_path.name + "-moved")
    tmp_path.rename(moved)
    found = pf.resolve_images(pf.read_project(moved / "case.xrc.json"))
    assert {r.status for r in found.values()} == {"ok"}


def test_recovery_round_trip(tmp_path):
    doc = full_document(tmp_path)
    pf.save_project(doc, tmp_path / "case.xrc.json")  # a recovery recovers a real project
    doc.project_path = tmp_path / "case.xrc.json"
    rec_dir = tmp_path / "recovery"
    rec = pf.recovery_path_for(doc.project_path, directory=rec_dir)
    assert rec == pf.recovery_path_for(doc.project_path, directory=rec_dir)
    assert rec.name.startswith("case-")
    untitled = pf.recovery_path_for(None, directory=rec_dir)
    assert untitled != rec and untitled == pf.recovery_path_for(None, directory=rec_dir)
    pf.write_recovery(doc, rec)
    (rec_dir / f"broken{pf.RECOVERY_SUFFIX}").write_text("{")
    found = pf.find_recoveries(rec_dir)
    good = next(r for r in found if r.data is not None)
    assert good.project_path == doc.project_path.resolve() and good.saved_at
    assert any(r.error and "JSON" in r.error for r in found)
    restored = Document()
    images = pf.resolve_images(good.data)
    pf.apply_project(restored, good.data, images["before"].image, images["after"].image)
    assert restored.annotations.regions() == doc.annotations.regions()
    assert restored.project_path == doc.project_path.resolve()
    pf.discard_recovery(rec)
    assert all(r.path != rec for r in pf.find_recoveries(rec_dir))


KILLED_WRITER = """
import sys
from pathlib import Path
sys.path.insert(0, sys.argv[1])
from xraycompare.core.annotations.regions import Region
from xraycompare.core.document import Document
from xraycompare.core.project.file import write_recovery
doc, path = Document(), Path(sys.argv[2])
for i in range(100000):
    doc.annotations.add(Region.create("before", "point", ((i, i),), note="x" * 200))
    write_recovery(doc, path)
    if i == 5:
        print("ready", flush=True)
"""


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")
def test_recovery_file_survives_sigkill_mid_autosave(tmp_path):
    rec = tmp_path / f"untitled{pf.RECOVERY_SUFFIX}"
    proc = subprocess.Popen(
        [sys.executable, "-c", KILLED_WRITER, str(REPO), str(rec)], stdout=subprocess.PIPE
    )
    assert proc.stdout.readline().strip() == b"ready"
    time.sleep(0.3)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    (found,) = pf.find_recoveries(tmp_path)
    assert found.error is None and len(found.data.regions) > 5


def test_unmeasured_quality_figures_do_not_block_a_save(tmp_path):
    doc = full_document(tmp_path)
    quality = {"ncc": np.float32(0.8), "overlap": None, "residual": float("nan"), "ok": True}
    doc.set_global_alignment(Alignment("g", similarity(angle_deg=1), quality=quality))
    path = tmp_path / "q.xrc.json"
    pf.save_project(doc, path)
    saved = pf.read_project(path).global_alignment.quality
    assert dict(saved) == {"ncc": pytest.approx(0.8)}


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX permissions")
def test_saved_files_get_ordinary_permissions_and_keep_chosen_ones(tmp_path):
    doc = full_document(tmp_path)
    path = tmp_path / "p.xrc.json"
    umask = os.umask(0o022)
    try:
        pf.save_project(doc, path)
        assert path.stat().st_mode & 0o777 == 0o644
        path.chmod(0o600)
        pf.save_project(doc, path)
        assert path.stat().st_mode & 0o777 == 0o600
    finally:
        os.umask(umask)
