"""End to end, as a reader works: open a pair, align it, annotate and score, save, reopen.

The reopened project must be the same project: regions, scores, alignment, view and display.
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

pytest.importorskip("pytestqt")


@pytest.fixture
def isolated(tmp_path, monkeypatch):
    """Settings and recovery files in the test's folder; no modal dialog can hang the run."""
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QFileDialog, QInputDialog, QMessageBox

    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(tmp_path / "s"))
    monkeypatch.setenv("XRAYCOMPARE_RECOVERY_DIR", str(tmp_path / "recovery"))

    def refuse(*args, **kwargs):
        raise AssertionError("a blocking dialog was opened in a test")

    for owner, names in (
        (QMessageBox, ("exec", "question", "information")),
        (QInputDialog, ("getText", "getItem")),
        (QFileDialog, ("getOpenFileName", "getSaveFileName", "getExistingDirectory")),
    ):
        for name in names:
            monkeypatch.setattr(owner, name, refuse)
    return tmp_path


@pytest.fixture
def films(isolated) -> tuple[Path, Path]:
    from tests.qt.conftest import synthetic_hand

    before = synthetic_hand()
    turn = cv2.getRotationMatrix2D((160, 200), 4.0, 1.0)
    turn[:, 2] += (7, -5)
    after = cv2.warpAffine(before, turn, before.shape[::-1], borderMode=cv2.BORDER_REFLECT)
    paths = isolated / "before.png", isolated / "after.png"
    cv2.imwrite(str(paths[0]), before)
    cv2.imwrite(str(paths[1]), after)
    return paths


def new_window(qtbot):
    from xraycompare.qt.main_window import MainWindow

    win = MainWindow(auto_register=False)
    win.resize(1100, 750)
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    return win


def project_dict(window, path: Path) -> dict:
    from xraycompare.core.project.file import capture_project
    from xraycompare.core.project.schema import project_to_dict

    return project_to_dict(capture_project(window.document, path), version=1)


def test_open_register_annotate_save_reopen(qtbot, films, isolated):
    from PySide6.QtCore import Qt

    from tests.qt.annotation_helpers import click, drag, key

    win = new_window(qtbot)
    with qtbot.waitSignal(win.pair_shown, timeout=20000):
        win.open_pair(*films)
    with qtbot.waitSignal(win.document.alignment_changed, timeout=60000):
        win.actions["align"].trigger()
    qtbot.waitUntil(lambda: not win.alignment.busy, timeout=60000)
    matrix = win.document.alignment_matrix
    assert not np.allclose(matrix, np.eye(3), atol=1e-3)  # the turn was found

    # annotate: an erosion outline (propagated), an arrow, a calliper; score one site directly
    win.set_tool("polygon")
    pane = win.panes["before"]
    for xy in ((150, 110), (175, 108), (180, 130), (155, 135)):
        click(pane, xy)
    key(pane, Qt.Key.Key_Return)
    panel = win.region_panel
    for combo, value in ((panel.site, "PIP3"), (panel.hand, "right"), (panel.score, 2)):
        index = combo.findData(value)
        combo.setCurrentIndex(index)
        combo.activated.emit(index)
    win.set_tool("arrow")
    drag(win.panes["after"], [(100, 60), (140, 100)])
    win.set_tool("length")
    drag(pane, [(60, 300), (120, 320)])
    win.regions.set_score("after", "right", "erosion", "PIP3", 1)
    assert len(win.document.annotations) == 6 and not win.undo_stack.isClean()

    settled = []  # the exposure match of the final alignment is part of the project
    win.comparison.when_settled(lambda: settled.append(True))
    qtbot.waitUntil(lambda: bool(settled), timeout=30000)
    path = isolated / "reading.xrc.json"
    win.dialogs.ask_save_path = lambda *args: str(path)
    win.actions["save"].trigger()
    assert path.exists() and win.undo_stack.isClean()
    saved = project_dict(win, path)

    again = new_window(qtbot)
    with qtbot.waitSignal(again.ready, timeout=20000):
        assert again.project.open_project(path)
    assert project_dict(again, path) == saved
    assert again.score_sheet.sheets()["after"].score("erosion", "PIP3") == 1
    assert again.score_sheet.sheets()["before"].score("erosion", "PIP3") == 2
    for w in (win, again):
        w.undo_stack.setClean()
        w.close()
