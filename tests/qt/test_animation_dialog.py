"""File ▸ Export animation…: the comparison shown as a GIF or MP4, written in the background;
closing the dialog mid-export cancels it and leaves no file."""

from __future__ import annotations

import pytest
from PIL import Image, ImageSequence
from shiboken6 import isValid

from tests.qt.comparison_helpers import open_compared


@pytest.fixture
def dialog(qtbot, window, tmp_path):
    open_compared(qtbot, window, tmp_path)
    window.set_mode("flicker")
    window.actions["export_animation"].trigger()
    dialog = window.figures.animation_dialog
    yield dialog
    if isValid(dialog):  # closing deletes it
        dialog.close()


def test_a_flicker_gif_of_the_current_view(qtbot, window, dialog, tmp_path):
    assert dialog.mode.currentData() == "flicker"
    for _ in range(2):
        window.actions["zoom_in"].trigger()
    view = window.panes["before"].visible_film_box()
    dialog.area.setCurrentIndex(dialog.area.findData("view"))
    dialog.width_box.setValue(120)
    dialog.labels.setChecked(True)
    notices = []
    dialog.written = notices.append
    out = tmp_path / "flicker.gif"
    dialog.export_to(out)
    qtbot.waitUntil(lambda: not dialog.runner.busy, timeout=60000)
    with Image.open(out) as gif:
        frames = [f.convert("L") for f in ImageSequence.Iterator(gif)]
        assert gif.size[0] == 120
        assert round(gif.size[1] / gif.size[0], 2) == round(view[3] / view[2], 2)
    assert len(frames) >= 2 and frames[0].tobytes() != frames[-1].tobytes()  # it alternates
    assert notices and "flicker.gif" in notices[0]


def test_closing_during_an_export_cancels_it_and_writes_nothing(qtbot, dialog, tmp_path):
    dialog.format.setCurrentIndex(dialog.format.findData("mp4"))
    dialog.width_box.setValue(400)
    out = tmp_path / "long.mp4"
    dialog.export_to(out)
    assert dialog.runner.busy
    dialog.reject()
    qtbot.wait(1500)
    assert not out.exists()
    assert not list(tmp_path.glob("*.mp4*"))  # no half-written temporary file either
