"""One pair's job: the files it writes, what they hold, and failures that stay one pair's."""

from __future__ import annotations

import hashlib
import json

import cv2
import numpy as np
import pytest

from xraycompare.cli import main
from xraycompare.core.batch.job import PairJob, run_pair, scrub_paths
from xraycompare.core.batch.manifest import MANIFEST, read_record
from xraycompare.core.batch.steps import Step
from xraycompare.core.compare.colormaps import DIFFERENCE
from xraycompare.core.document import Document
from xraycompare.core.project.file import apply_project, read_project
from xraycompare.core.project.images import resolve_images

from .batch_helpers import CHANGE, STEPS, raise_step, write_films

ALL_FILES = {
    "registration.json",
    "warped.png",
    "difference.png",
    "gallery.png",
    "gallery.json",
    "project.xrc.json",
}
DERIVED = {"difference.png", "gallery.png", "gallery.json"}  # none from a failed alignment


@pytest.fixture(scope="module")
def films(tmp_path_factory):
    return write_films(tmp_path_factory.mktemp("films"))


@pytest.fixture(scope="module")
def done(films, tmp_path_factory):
    """The ok pair, run once: (record, its folder)."""
    out = tmp_path_factory.mktemp("out") / "P1"
    record = run_pair(PairJob("P1", films["before"], films["after"], out, STEPS))
    return record, out


def _job(films, tmp_path, after: str, steps=STEPS, pair_id="P9"):
    return PairJob(pair_id, films["before"], films[after], tmp_path / pair_id, steps)


def test_an_aligned_pair_writes_every_file_and_a_manifest_listing_them(done):
    record, out = done
    assert record.status == "ok" and record.reason is None and record.recorded
    assert {f.name for f in record.files} == ALL_FILES
    assert record.quality["ncc_final"] > 0.9 and record.seconds > 0
    for f in record.files:
        payload = (out / f.name).read_bytes()
        assert len(payload) == f.size and hashlib.sha256(payload).hexdigest() == f.sha256
    assert read_record(out) == record
    assert sorted(p.name for p in out.iterdir()) == sorted(ALL_FILES | {MANIFEST})


def test_the_gallery_shows_the_joints_found_before_and_after(done):
    _, out = done
    record = json.loads((out / "gallery.json").read_text())
    found = [t for t in record["tiles"] if t["found"]]
    assert len(found) >= 5  # the synthetic hand's MCPs and PIPs at least
    gallery = cv2.imread(str(out / "gallery.png"))
    assert gallery is not None and gallery.shape[1] > 1000 and gallery.std() > 10


def test_registration_json_and_warped_png_are_what_the_register_command_writes(
    done, films, tmp_path
):
    _, out = done
    reg_json, warped = tmp_path / "reg.json", tmp_path / "warped.png"
    argv = ["register", str(films["before"]), str(films["after"])]
    assert main([*argv, "--json", str(reg_json), "--warped", str(warped)]) == 0
    ours, theirs = (json.loads(p.read_text()) for p in (out / "registration.json", reg_json))
    assert set(ours) == set(theirs)
    ours.pop("seconds"), theirs.pop("seconds")
    assert ours == theirs
    ours_png = cv2.imread(str(out / "warped.png"), cv2.IMREAD_UNCHANGED)
    assert np.array_equal(ours_png, cv2.imread(str(warped), cv2.IMREAD_UNCHANGED))


def test_the_project_opens_with_its_films_already_aligned(done):
    _, out = done
    registration = json.loads((out / "registration.json").read_text())
    text = (out / "project.xrc.json").read_text()
    assert str(out.parent) not in text  # film paths are relative to the project
    data = read_project(out / "project.xrc.json")
    found = resolve_images(data, search=False)
    assert {found[f].status for f in ("before", "after")} == {"ok"}
    document = Document()
    apply_project(document, data, found["before"].image, found["after"].image)
    assert document.global_alignment is not None
    assert document.global_alignment.method == "automatic"
    assert np.allclose(document.alignment_matrix, registration["matrix"])
    # the exposure match difference.png was made with is recorded for the app
    assert document.difference.exposure_gain is not None


def test_difference_png_shows_the_new_bone_where_it_is(done, films):
    _, out = done
    rgb = cv2.cvtColor(cv2.imread(str(out / "difference.png")), cv2.COLOR_BGR2RGB)
    before = cv2.imread(str(films["before"]), cv2.IMREAD_UNCHANGED)
    assert rgb.shape == (*before.shape, 3)
    away = np.abs(rgb.astype(int) - DIFFERENCE.centre).sum(axis=2)
    x, y, r = int(CHANGE.x), int(CHANGE.y), int(CHANGE.radius)
    at_change = away[y - r // 2 : y + r // 2 + 1, x - r // 2 : x + r // 2 + 1].mean()
    bone_nearby = away[y + 4 * r : y + 6 * r, x - r : x + r].mean()  # same bone, unchanged
    assert at_change > 3 * bone_nearby
    # more bone after: the orange end of the map, not the blue one
    red, _, blue = rgb[y, x].astype(int)
    assert red > blue


def test_a_failed_alignment_keeps_its_best_guess_but_derives_nothing(films, tmp_path):
    record = run_pair(_job(films, tmp_path, "noise"))
    assert record.status == "failed" and record.reason and record.recorded
    assert {f.name for f in record.files} == ALL_FILES - DERIVED
    out = tmp_path / "P9"
    assert json.loads((out / "registration.json").read_text())["status"] == "failed"
    data = read_project(out / "project.xrc.json")
    assert data.global_alignment is None  # opens unaligned: the reader aligns it by hand


def test_a_mirrored_film_is_poor_with_its_reason_and_still_compared(films, tmp_path):
    record = run_pair(_job(films, tmp_path, "mirrored"))
    assert record.status == "poor" and "mirrored" in record.reason
    assert {f.name for f in record.files} == ALL_FILES


@pytest.mark.parametrize(("after", "words"), [("broken", "cannot be read"), ("gone", "no such")])
def test_an_unreadable_film_fails_the_pair_naming_the_film_not_its_path(
    films, tmp_path, after, words
):
    films = {**films, "gone": films["before"].parent / "gone_Doe.png"}
    record = run_pair(_job(films, tmp_path, after))
    assert record.status == "failed" and record.recorded and record.files == ()
    assert record.reason.startswith("the after film cannot be read") and words in record.reason
    assert "broken" not in record.reason and "Doe" not in record.reason
    assert str(films["before"].parent) not in record.reason
    assert read_record(tmp_path / "P9") == record


def test_a_step_that_raises_fails_its_pair_with_the_steps_name(films, tmp_path):
    record = run_pair(_job(films, tmp_path, "after", steps=(Step("check", raise_step), *STEPS)))
    assert record.status == "failed"
    assert record.reason == "check failed: ZeroDivisionError: a bug in a step"


def test_outputs_that_cannot_be_written_leave_the_pair_to_do(films, tmp_path):
    (tmp_path / "file").write_text("not a folder")
    job = PairJob("P9", films["before"], films["after"], tmp_path / "file" / "P9", STEPS)
    record = run_pair(job)
    assert record.status == "failed" and not record.recorded and record.files == ()
    assert "could not be written" in record.reason
    assert list(tmp_path.iterdir()) == [tmp_path / "file"]


def test_a_damaged_pair_is_not_finished(done, tmp_path):
    record, out = done
    copy = tmp_path / "P1"
    copy.mkdir()
    for p in out.iterdir():
        (copy / p.name).write_bytes(p.read_bytes())
    assert read_record(copy) == record
    (copy / "warped.png").write_bytes(b"short")
    assert read_record(copy) is None
    (copy / "warped.png").unlink()
    assert read_record(copy) is None
    assert read_record(tmp_path) is None  # no manifest
    other = tmp_path / "P2"  # a manifest moved to another pair's folder
    other.mkdir()
    (other / MANIFEST).write_bytes((out / MANIFEST).read_bytes())
    assert read_record(other) is None
    (copy / MANIFEST).write_text("{ truncated")
    assert read_record(copy) is None


def test_scrub_paths_removes_paths_and_names(tmp_path):
    film = tmp_path / "Doe_Jane" / "hand_1999.dcm"
    text = f"cannot open {film}: hand_1999.dcm is bad; a hand_1999.dcmx is another file"
    clean = scrub_paths(text, (film,))
    assert "Doe_Jane" not in clean and str(tmp_path) not in clean
    assert clean == "cannot open <file>: <file> is bad; a hand_1999.dcmx is another file"


def test_a_dask_worker_gets_the_usual_allocator_back_once(monkeypatch):
    """Dask's MALLOC_TRIM_THRESHOLD_ made every pair twice as slow; the worker undoes it."""
    import sys

    from xraycompare.core.batch import job

    monkeypatch.setattr(job, "_allocator_tuned", False)
    monkeypatch.delenv("MALLOC_TRIM_THRESHOLD_", raising=False)
    assert job.tune_allocator() is False  # a local pool's worker is left alone
    monkeypatch.setenv("MALLOC_TRIM_THRESHOLD_", "65536")
    assert job.tune_allocator() is sys.platform.startswith("linux")
    assert job.tune_allocator() is False  # once per worker process
