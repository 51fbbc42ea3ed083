"""Main window: window/level, drag and drop, errors, recent pairs, privacy, screenshots."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QApplication, QMessageBox

from tests.qt.test_panes import drag


def error_boxes(win) -> list[QMessageBox]:
    return [b for b in win.findChildren(QMessageBox) if b.objectName() == "xraycompare-error"]


def test_right_drag_adjusts_window_of_both_films_when_linked(opened):
    doc = opened.document
    w0 = {f: doc.effective_window(f) for f in ("before", "after")}
    drag(opened.panes["before"], QPoint(300, 300), QPoint(380, 340), Qt.MouseButton.RightButton)
    for film in ("before", "after"):
        w1 = doc.effective_window(film)
        assert w1.width > w0[film].width  # right = wider
        assert w1.center > w0[film].center  # down = higher level (darker)


def test_window_level_independent_when_unlinked(opened):
    doc = opened.document
    opened.actions["link_window"].setChecked(False)
    before0, after0 = doc.effective_window("before"), doc.effective_window("after")
    drag(opened.panes["before"], QPoint(300, 300), QPoint(380, 300), Qt.MouseButton.RightButton)
    assert doc.effective_window("after") == after0  # the other film keeps its window
    before1 = doc.effective_window("before")
    assert before1.width > before0.width  # right = wider, on the film dragged
    assert before1.center == pytest.approx(before0.center)  # no vertical move: same level


def test_window_change_repaints_the_pane_darker(qtbot, opened):
    pane = opened.panes["before"]
    bright = pane.grab().toImage()
    opened.controller.set_window("before", None)
    window = opened.document.effective_window("before")
    from xraycompare.core.io.image import Window

    opened.controller.set_window("before", Window(window.center + window.width, window.width))
    qtbot.wait(20)
    dark = pane.grab().toImage()

    def mean(img) -> float:
        img = img.convertToFormat(img.Format.Format_Grayscale8)
        ptr = np.frombuffer(img.constBits(), np.uint8, img.sizeInBytes())
        return float(ptr.mean())

    assert mean(dark) < mean(bright) - 5


def test_invert_and_reset_return_to_the_file_default(opened):
    doc = opened.document
    opened.actions["invert"].trigger()
    assert doc.display("before").inverted and doc.display("after").inverted
    opened.actions["reset_display"].trigger()
    assert not doc.display("before").inverted
    assert doc.display("before").window is None  # the file's own default window


def test_auto_window_uses_the_hand(opened):
    opened.actions["auto_window"].trigger()
    window = opened.document.effective_window("before")
    # the synthetic film's air is ~300 and bone ~3100: the window must span the hand
    assert window.low < 1500 < window.high


def drop_files(target, paths: list[Path]) -> None:
    """Drag files over ``target`` and drop them (Qt delivers a drop only after an enter)."""
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(p)) for p in paths])
    pos = QPoint(target.width() // 2, target.height() // 2)
    buttons, mods = Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
    enter = QDragEnterEvent(pos, Qt.DropAction.CopyAction, mime, buttons, mods)
    QApplication.sendEvent(target, enter)
    assert enter.isAccepted()
    drop = QDropEvent(QPointF(pos), Qt.DropAction.CopyAction, mime, buttons, mods)
    QApplication.sendEvent(target, drop)


def test_dropping_one_file_on_a_pane_replaces_that_film(qtbot, opened, tmp_path):
    new = tmp_path / "later.png"
    cv2.imwrite(str(new), np.full((120, 100), 900, np.uint16))
    with qtbot.waitSignal(opened.pair_shown, timeout=10000):
        drop_files(opened.panes["after"].viewport(), [new])
    assert opened.document.after.name == "later.png"
    assert opened.document.before.name == "before.png"


def test_dropping_two_files_opens_them_as_a_pair(qtbot, window, film_pair):
    with qtbot.waitSignal(window.pair_shown, timeout=10000):
        drop_files(window.panes["before"].viewport(), list(film_pair))
    doc = window.document
    # no study dates: the order dropped is kept, and both panes show their film
    assert (doc.before.name, doc.after.name) == ("before.png", "after.png")
    assert all(pane.film_item is not None for pane in window.panes.values())
    assert window.stack.currentWidget() is window.reading  # the welcome page is gone
    assert window.settings.recent_pairs()[0][0] == str(film_pair[0].resolve())


def test_a_corrupt_file_shows_an_error_and_keeps_the_open_pair(qtbot, opened, tmp_path):
    broken = tmp_path / "broken.dcm"
    broken.write_bytes(b"\0" * 128 + b"DICM" + b"\x02\x00\x10\x00garbage")
    before, after = opened.document.before, opened.document.after
    with qtbot.waitSignal(opened.load_failed, timeout=10000) as blocker:
        opened.open_pair(broken, broken)
    assert "the Before film" in blocker.args[0] and "broken" not in blocker.args[0]
    assert blocker.args[1] == str(broken)  # the file, for the command line
    boxes = error_boxes(opened)
    assert boxes and "broken" not in boxes[-1].text()  # no file name on screen
    assert opened.document.before is before and opened.document.after is after
    for box in boxes:
        box.close()


def test_recent_pairs_menu_remembers_opened_pairs(opened, film_pair):
    menu = opened.actions.menus["recent_pairs"]
    menu.aboutToShow.emit()
    entries = [a.text() for a in menu.actions() if not a.isSeparator()]
    assert entries[0].startswith("Pair opened") and "before" not in " ".join(entries)
    opened.document.set_show_identifiers(True)  # the reader asked to see the files
    menu.aboutToShow.emit()
    entries = [a for a in menu.actions() if a.toolTip()]
    assert entries and str(film_pair[0].resolve()) in entries[0].toolTip()


def test_patient_identifiers_hidden_until_revealed(qtbot, window, tmp_path):
    from pydicom.dataset import FileDataset, FileMetaDataset
    from pydicom.uid import ExplicitVRLittleEndian, generate_uid

    def dicom(path: Path) -> Path:
        meta = FileMetaDataset()
        meta.TransferSyntaxUID = ExplicitVRLittleEndian
        meta.MediaStorageSOPClassUID = "1.2.840.10008.5.1.4.1.1.1"
        meta.MediaStorageSOPInstanceUID = generate_uid()
        ds = FileDataset(str(path), {}, file_meta=meta, preamble=b"\0" * 128)
        ds.PatientName, ds.PatientID = "DOE^JANE", "ID-12345"
        ds.Modality, ds.Rows, ds.Columns = "CR", 64, 48
        ds.SamplesPerPixel, ds.PhotometricInterpretation = 1, "MONOCHROME2"
        ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 16, 12, 11, 0
        ds.PixelData = (np.arange(64 * 48, dtype=np.uint16) % 4096).tobytes()
        ds.save_as(path, enforce_file_format=True)
        return path

    a, b = dicom(tmp_path / "a.dcm"), dicom(tmp_path / "b.dcm")
    with qtbot.waitSignal(window.pair_shown, timeout=10000):
        window.open_pair(a, b)
    table = window.info_panel.table

    def cells() -> str:
        return " ".join(table.item(r, c).text() for r in range(table.rowCount()) for c in range(2))

    assert "DOE^JANE" not in cells() and "ID-12345" not in cells()
    window.info_panel.reveal.setChecked(True)
    assert "DOE^JANE" in cells() and "ID-12345" in cells()


def test_swap_exchanges_before_and_after(opened):
    before, after = opened.document.before, opened.document.after
    opened.actions["swap"].trigger()
    assert opened.document.before is after and opened.document.after is before


def test_closing_with_unsaved_changes_asks_first(opened, monkeypatch):
    from PySide6.QtGui import QUndoCommand

    opened.undo_stack.push(QUndoCommand("an edit"))
    asked = []
    # Save / Discard / Cancel (issue 5): the user cancels
    monkeypatch.setattr(opened.dialogs, "ask_unsaved", lambda what: asked.append(what) or "cancel")
    assert not opened.close()
    assert asked and opened.isVisible()


def test_geometry_is_remembered(qtbot, film_pair):
    from xraycompare.qt.main_window import MainWindow

    first = MainWindow()
    qtbot.addWidget(first)
    first.resize(780, 560)
    first.show()
    size = (first.width(), first.height())  # after the window's own minimum-size constraints
    first.close()
    second = MainWindow()
    qtbot.addWidget(second)
    assert (second.width(), second.height()) == size
    assert size != (1400, 900)  # not merely the default size


@pytest.mark.parametrize("size", ["900x700"])
def test_screenshot_command_saves_the_window(tmp_path, film_pair, size):
    out = tmp_path / "shot.png"
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", XDG_CONFIG_HOME=str(tmp_path / "cfg"))
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "xraycompare",
            str(film_pair[0]),
            str(film_pair[1]),
            "--screenshot",
            str(out),
            "--size",
            size,
        ],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )
    assert result.returncode == 0, result.stderr
    shot = cv2.imread(str(out), cv2.IMREAD_GRAYSCALE)
    assert shot.shape == (700, 900)
    # the films are drawn: bright bone pixels in the left (Before) half
    assert (shot[:, : shot.shape[1] // 3] > 200).sum() > 500


def test_screenshot_of_an_unreadable_file_exits_2(tmp_path, film_pair):
    bad = tmp_path / "empty.png"
    bad.write_bytes(b"")
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", XDG_CONFIG_HOME=str(tmp_path / "cfg"))
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "xraycompare",
            str(bad),
            str(film_pair[1]),
            "--screenshot",
            str(tmp_path / "x.png"),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )
    assert result.returncode == 2
    assert "empty.png" in result.stderr


def test_hidpi_screenshot_has_the_same_picture_at_twice_the_pixels(tmp_path, film_pair):
    """At a device pixel ratio of 2 the films are drawn where they are at 1, with 4× pixels."""
    shots = {}
    for scale in ("1", "2"):
        out = tmp_path / f"shot{scale}.png"
        env = dict(
            os.environ,
            QT_QPA_PLATFORM="offscreen",
            QT_SCALE_FACTOR=scale,
            XDG_CONFIG_HOME=str(tmp_path / "cfg"),
        )
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "xraycompare",
                str(film_pair[0]),
                str(film_pair[1]),
                "--screenshot",
                str(out),
                "--size",
                "900x700",
                "--no-register",
            ],
            capture_output=True,
            text=True,
            timeout=120,
            env=env,
        )
        assert result.returncode == 0, result.stderr
        shots[scale] = cv2.imread(str(out), cv2.IMREAD_GRAYSCALE)
    assert shots["2"].shape == (1400, 1800)
    halved = cv2.resize(shots["2"], (900, 700), interpolation=cv2.INTER_AREA)
    film = shots["1"] > 200  # bright bone pixels at scale 1, in the panes (not the docks'
    film[:, 460:] = False  # text, which waits on a background quality measurement)
    assert film.sum() > 500
    assert np.abs(halved[film].astype(int) - shots["1"][film].astype(int)).mean() < 25


def test_screenshot_of_the_empty_window_shows_the_welcome_page(tmp_path):
    out = tmp_path / "empty.png"
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", XDG_CONFIG_HOME=str(tmp_path / "cfg"))
    result = subprocess.run(
        [sys.executable, "-m", "xraycompare", "--screenshot", str(out), "--size", "800x600"],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )
    assert result.returncode == 0, result.stderr
    assert cv2.imread(str(out)).shape[:2] == (600, 800)


def test_two_films_dropped_together_are_put_in_time_order(qtbot, window):
    from xraycompare.resources import demo_pair

    earlier, later = demo_pair()  # study dates 2011 and 2018
    with qtbot.waitSignal(window.pair_shown, timeout=30000):
        drop_files(window.panes["before"].viewport(), [later, earlier])
    assert window.document.before.name == earlier.name
    assert window.document.after.name == later.name


def test_every_toolbar_button_is_shown_at_1280_by_800(qtbot, window):
    from PySide6.QtWidgets import QToolBar

    window.resize(1280, 800)
    qtbot.wait(50)
    hidden = [
        action.text()
        for bar in window.findChildren(QToolBar)
        for action in bar.actions()
        if not action.isSeparator()
        and (widget := bar.widgetForAction(action)) is not None
        and not widget.isVisible()
    ]
    assert hidden == []  # nothing pushed into the overflow menu
