"""Projects in the GUI: save, reopen, failures that keep work, moved and changed films."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest
from PySide6.QtWidgets import QMessageBox

from tests.qt.annotation_helpers import drag, snapshot
from tests.qt.conftest import synthetic_hand
from xraycompare.core.geometry import similarity
from xraycompare.core.registration.alignment import Alignment

REPO = Path(__file__).resolve().parents[2]


def error_texts(win) -> list[str]:
    return [
        b.text() for b in win.findChildren(QMessageBox) if b.objectName() == "xraycompare-error"
    ]


def annotate(win) -> None:
    """A little of everything a project holds: regions, a score, an alignment, a window."""
    win.document.set_global_alignment(
        Alignment("g", similarity(angle_deg=2, tx=5, ty=-3), method="manual")
    )
    win.set_tool("rectangle")
    drag(win.panes["before"], [(90, 100), (150, 160)])
    win.set_tool("arrow")
    drag(win.panes["after"], [(60, 60), (95, 95)])
    win.regions.set_score("after", "right", "erosion", "PIP2", 2)
    win.controller.toggle_invert("after")


def save_to(win, path: Path) -> bool:
    win.dialogs.ask_save_path = lambda *args: str(path)
    return win.project.save_as()


def open_in(qtbot, win, path: Path) -> None:
    with qtbot.waitSignal(win.ready, timeout=20000):
        assert win.project.open_project(path)


@pytest.fixture
def window_factory(qtbot):
    """More main windows (another instance of the app), closed after the test."""
    from xraycompare.qt.main_window import MainWindow

    made = []

    def make():
        win = MainWindow(auto_register=False)
        win.resize(1000, 700)
        win.show()  # not qtbot.addWidget: it would close the window before it is marked clean
        made.append(win)
        return win

    yield make
    for win in made:
        win.undo_stack.setClean()
        win.close()


@pytest.fixture
def saved(opened, tmp_path):
    annotate(opened)
    path = tmp_path / "case.xrc.json"
    assert save_to(opened, path)
    return opened, path


def test_save_marks_clean_and_reopening_gives_the_same_project(qtbot, saved, window_factory):
    win, path = saved
    assert win.undo_stack.isClean() and not win.isWindowModified()
    # the title says there is a project, without its file name (it may name the patient)
    assert win.document.project_path == path and "Project" in win.windowTitle()
    assert "case" not in win.windowTitle()
    win.document.set_show_identifiers(True)
    assert "case.xrc.json" in win.windowTitle()
    win.document.set_show_identifiers(False)
    assert str(path.resolve()) in win.settings.recent_projects()
    other = window_factory()
    open_in(qtbot, other, path)
    assert snapshot(other) == snapshot(win)
    assert np.array_equal(other.document.alignment_matrix, win.document.alignment_matrix)
    assert other.document.display("after").inverted
    assert other.undo_stack.isClean() and other.document.project_path == path


def test_failed_save_keeps_the_old_file_and_says_why(saved, monkeypatch):
    win, path = saved
    old = path.read_bytes()
    win.set_tool("point")
    drag(win.panes["before"], [(200, 200)])

    def full_disk(fd):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("xraycompare.core.project.file.os.fsync", full_disk)
    assert not win.project.save()
    assert path.read_bytes() == old
    assert not win.undo_stack.isClean()  # the work is still unsaved
    text = error_texts(win)[-1]
    assert "the disk is full" in text and "case" not in text  # no file name on screen
    assert [p.name for p in path.parent.iterdir() if p.name.endswith(".tmp")] == []


@pytest.mark.parametrize(
    "damage",
    [
        lambda raw: raw[: len(raw) // 2],  # truncated
        lambda raw: os.urandom(300),  # garbage
        lambda raw: raw.replace(b'"version": 1', b'"version": 99'),  # from the future
        lambda raw: raw.replace(b'"film": "before"', b'"film": 7', 1),  # a wrong type
    ],
    ids=["truncated", "random-bytes", "future-version", "wrong-type"],
)
def test_a_bad_project_shows_an_error_and_keeps_what_was_open(saved, tmp_path, damage):
    win, path = saved
    bad = tmp_path / "bad.xrc.json"
    bad.write_bytes(damage(path.read_bytes()))
    raw = bad.read_bytes()
    win.set_tool("point")
    drag(win.panes["before"], [(200, 200)])
    before = snapshot(win)
    assert not win.project.open_project(bad)
    assert "the project" in error_texts(win)[-1] and "bad" not in error_texts(win)[-1]
    assert snapshot(win) == before and win.document.has_pair
    assert not win.undo_stack.isClean() and win.document.project_path == path
    assert bad.read_bytes() == raw  # nothing overwritten


def test_films_moved_with_the_project_or_next_to_it_are_found(
    qtbot, saved, tmp_path, window_factory
):
    win, path = saved
    moved = tmp_path / "elsewhere"
    moved.mkdir()
    (moved / "films").mkdir()
    shutil.copy(path, moved / path.name)
    for name in ("before.png", "after.png"):
        shutil.move(tmp_path / name, moved / "films" / name)
    other = window_factory()
    open_in(qtbot, other, moved / path.name)
    assert snapshot(other) == snapshot(win)
    assert other.document.before.source == moved / "films" / "before.png"


def test_a_missing_film_is_asked_for(qtbot, saved, tmp_path_factory, window_factory):
    win, path = saved
    tmp_path = path.parent
    hidden = tmp_path_factory.mktemp("archive")  # not next to the project: nobody finds it
    for name in ("before.png", "after.png"):
        shutil.move(tmp_path / name, hidden / name)
    other = window_factory()
    asked = []

    def locate(film, message, start):
        asked.append(film)
        return hidden / f"{film}.png"

    other.dialogs.ask_locate = locate
    open_in(qtbot, other, path)
    assert asked == ["before", "after"]
    assert snapshot(other) == snapshot(win)


def test_cancelling_the_search_for_a_film_opens_nothing(qtbot, saved, tmp_path, window_factory):
    _win, path = saved
    (tmp_path / "before.png").unlink()
    other = window_factory()
    other.dialogs.ask_locate = lambda *args: None
    with qtbot.waitSignal(other.project.failed, timeout=20000):
        other.project.open_project(path)
    assert not other.document.has_pair
    assert "Before film" in error_texts(other)[-1]


def test_a_changed_film_is_loaded_with_a_clear_warning(qtbot, saved, tmp_path, window_factory):
    _win, path = saved
    cv2.imwrite(str(tmp_path / "after.png"), synthetic_hand(seed=5))
    other = window_factory()
    open_in(qtbot, other, path)
    assert other.document.has_pair and len(other.document.annotations) == 4
    assert any("After film found is not the one" in t for t in error_texts(other))


def test_unsaved_changes_offer_save_discard_cancel(qtbot, opened, film_pair, tmp_path):
    win = opened
    win.set_tool("point")
    drag(win.panes["before"], [(200, 200)])
    answers = iter(["cancel", "save"])
    win.dialogs.ask_unsaved = lambda what: next(answers)
    win.dialogs.ask_save_path = lambda *args: str(tmp_path / "kept.xrc.json")
    win.open_pair(*film_pair)  # cancelled: nothing happens
    assert len(win.document.annotations) == 2 and not win.films.busy
    with qtbot.waitSignal(win.pair_shown, timeout=20000):
        win.open_pair(*film_pair)  # saved first, then opened
    assert (tmp_path / "kept.xrc.json").exists() and len(win.document.annotations) == 0
    assert win.document.project_path is None  # the new pair is not that project


def test_demo_project_shows_regions_scores_arrow_and_label(qtbot, window):
    with qtbot.waitSignal(window.ready, timeout=30000):
        window.open_demo()
    regions = window.document.annotations.regions()
    assert {r.geometry for r in regions} >= {"polygon", "ellipse", "arrow", "text"}
    assert {r.site for r in regions if r.site} == {"PIP3", "PIP4"}
    assert window.document.project_path is None  # Save asks where: the package stays as is
    assert window.undo_stack.isClean()
    assert len(window.region_layers["after"].regions) == 4


def test_export_and_import_regions(qtbot, saved, tmp_path):
    win, _path = saved
    out = tmp_path / "export"
    written = {p.name for fmt in ("geojson", "labelme", "csv")
               for p in win.exchange.export_regions(fmt, out)}  # fmt: skip
    assert written == {
        "case_before.geojson", "case_after.geojson", "case_before.json", "case_after.json",
        "case_before_regions.csv", "case_after_regions.csv", "case_scores.csv",
    }  # fmt: skip
    collection = json.loads((out / "case_after.geojson").read_text("utf-8"))
    assert len(collection["features"]) == 2
    count, skipped = win.exchange.import_regions(out / "case_before.json", "after")
    assert count == 2 and not skipped  # the rectangle and the arrow's counterpart
    assert len(win.document.annotations.on_film("after")) == 4
    win.undo_stack.undo()
    assert len(win.document.annotations.on_film("after")) == 2


def test_command_line_opens_a_project_and_rejects_a_corrupt_one(saved, tmp_path):
    _win, path = saved
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "XRAYCOMPARE_RECOVERY_DIR": str(tmp_path)}
    shot = tmp_path / "shot.png"
    cmd = [sys.executable, "-m", "xraycompare", "--no-register", "--size", "900x600"]
    ok = subprocess.run([*cmd, "--project", str(path), "--screenshot", str(shot)], cwd=REPO,
                        env=env, capture_output=True, text=True, timeout=120)  # fmt: skip
    assert ok.returncode == 0, ok.stderr
    image = cv2.imread(str(shot), cv2.IMREAD_COLOR)
    assert image.shape[:2] == (600, 900)
    # the project's erosion outlines are drawn in their colour (orange: 230, 159, 0)
    b, g, r = (image[..., i].astype(int) for i in range(3))
    assert ((abs(r - 230) < 30) & (abs(g - 159) < 30) & (b < 60)).sum() > 20
    bad = tmp_path / "bad.xrc.json"
    bad.write_text("{", "utf-8")
    failed = subprocess.run([*cmd, "--project", str(bad), "--screenshot", str(shot)], cwd=REPO,
                            env=env, capture_output=True, text=True, timeout=120)  # fmt: skip
    assert failed.returncode == 2 and "bad.xrc.json" in failed.stderr


def test_a_read_only_project_is_replaced_only_when_the_reader_says_so(saved, monkeypatch):
    import stat

    win, path = saved
    win.set_tool("point")
    drag(win.panes["before"], [(210, 210)])
    path.chmod(stat.S_IRUSR | stat.S_IRGRP)
    old = path.read_bytes()
    answers = iter(["cancel", "replace"])
    monkeypatch.setattr(win.dialogs, "ask_read_only", lambda: next(answers))
    assert not win.project.save()  # cancelled: nothing written
    assert path.read_bytes() == old and not win.undo_stack.isClean()
    assert win.project.save()  # the reader chose to replace it
    assert path.read_bytes() != old and win.undo_stack.isClean()
    assert not path.stat().st_mode & stat.S_IWUSR  # still read-only


def test_a_screenshot_run_never_waits_on_a_dialog(saved, tmp_path):
    """A project whose film is gone, or a screenshot inside a file: exit 2 at once, one line
    naming the file, no screenshot (a reader would have been asked to locate the film)."""
    import time

    _win, path = saved
    moved = tmp_path / "elsewhere"
    moved.mkdir()
    project = moved / path.name
    project.write_bytes(path.read_bytes())
    for film in path.parent.glob("*.png"):
        film.rename(film.with_suffix(".gone"))  # the films are nowhere to be found
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "XRAYCOMPARE_RECOVERY_DIR": str(tmp_path)}
    cmd = [sys.executable, "-m", "xraycompare", "--no-register"]
    shot = tmp_path / "shot.png"
    start = time.monotonic()
    run = dict(cwd=REPO, env=env, capture_output=True, text=True, timeout=120)
    missing = subprocess.run([*cmd, "--project", str(project), "--screenshot", str(shot)], **run)
    assert missing.returncode == 2 and "not found" in missing.stderr
    lines = [line for line in missing.stderr.splitlines() if line.startswith("xraycompare:")]
    assert len(lines) == 1 and "Traceback" not in missing.stderr
    assert not shot.exists()
    inside_a_file = tmp_path / "a-file"
    inside_a_file.write_text("not a folder", "utf-8")
    target = inside_a_file / "shot.png"
    blocked = subprocess.run([*cmd, "--project", str(path), "--screenshot", str(target)], **run)
    assert blocked.returncode == 2 and "is not a folder" in blocked.stderr
    assert inside_a_file.read_text("utf-8") == "not a folder"
    assert time.monotonic() - start < 100  # neither waited for the 90 s timeout


def test_opening_a_project_prepares_its_films_off_the_gui_thread(
    qtbot, saved, window_factory, monkeypatch
):
    """The films' pyramids and value ranges took ~20 ms of the GUI thread as a project opened."""
    import threading

    import xraycompare.core.io.pyramid as pyramid

    _win, path = saved
    built: list[threading.Thread] = []

    class Recorded(pyramid.ImagePyramid):
        def __init__(self, pixels):
            built.append(threading.current_thread())
            super().__init__(pixels)

    monkeypatch.setattr(pyramid, "ImagePyramid", Recorded)
    other = window_factory()
    open_in(qtbot, other, path)
    assert len(built) == 2 and threading.main_thread() not in built
    assert "value_range" in vars(other.document.before)  # measured there too
