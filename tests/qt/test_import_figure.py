"""File ▸ Import side-by-side figure…: the films are found, the line can be moved on the
preview, and Open writes them beside the figure and opens them as a pair."""

from __future__ import annotations

import cv2
import numpy as np
from PySide6.QtCore import QEvent, QPointF, Qt

from tests.core.figure_composer import compose_figure
from tests.core.test_figure_split import _followup, _hand
from tests.qt.comparison_helpers import send_mouse


def figure_file(folder):
    hand = _hand()
    composed = compose_figure(hand, _followup(hand), gutter=24, canvas=255, captions=True,
                              letters=True)  # fmt: skip
    path = folder / "published.png"
    cv2.imwrite(str(path), composed.image)
    return path, composed


def test_a_figure_is_split_and_opened_as_a_pair(qtbot, window, tmp_path):
    path, composed = figure_file(tmp_path)
    dialog = window.figures.import_figure(path)
    qtbot.waitUntil(lambda: dialog.split is not None, timeout=20000)
    found = dialog.split
    assert abs(found.before.x - composed.before.x) <= 3
    assert abs(found.after.right - composed.after.right) <= 3
    assert dialog.open_button.isEnabled() and "Before" in dialog.status.text()
    with qtbot.waitSignal(window.pair_shown, timeout=30000):
        dialog.open_button.click()
    folder = tmp_path / "published-films"
    assert (folder / "before.png").exists() and (folder / "after.png").exists()
    doc = window.document
    assert doc.before.shape == (found.before.height, found.before.width)
    assert doc.after.shape == (found.after.height, found.after.width)
    assert doc.before.calibration == "none"  # a figure's pixels have no known size


def test_the_dividing_line_can_be_moved_on_the_preview(qtbot, window, tmp_path):
    path, composed = figure_file(tmp_path)
    dialog = window.figures.import_figure(path)
    qtbot.waitUntil(lambda: dialog.split is not None, timeout=20000)
    preview = dialog.preview
    scale, x0, y0 = preview._placement()
    # a line through the before film: each side keeps its part, or nothing is found
    inside = QPointF(x0 + (composed.before.x + 60) * scale, y0 + 40)
    send_mouse(preview, QEvent.Type.MouseButtonPress, inside, Qt.MouseButton.LeftButton)
    send_mouse(preview, QEvent.Type.MouseButtonRelease, inside, Qt.MouseButton.LeftButton)
    moved = dialog.split
    assert moved is None or moved.before.width < composed.before.width
    # back in the gutter: the films again
    gutter = (composed.before.right + composed.after.x) / 2
    at = QPointF(x0 + gutter * scale, y0 + 40)
    send_mouse(preview, QEvent.Type.MouseButtonPress, at, Qt.MouseButton.LeftButton)
    send_mouse(preview, QEvent.Type.MouseButtonRelease, at, Qt.MouseButton.LeftButton)
    assert dialog.split is not None
    assert abs(dialog.split.before.width - composed.before.width) <= 3
    dialog.close()


def test_a_single_film_has_nothing_to_open(qtbot, window, tmp_path):
    path = tmp_path / "one.png"
    cv2.imwrite(str(path), _hand())
    dialog = window.figures.import_figure(path)
    qtbot.waitUntil(lambda: "gutter" in dialog.status.text() or dialog.split is not None,
                    timeout=20000)  # fmt: skip
    assert dialog.split is None and not dialog.open_button.isEnabled()
    assert np.asarray(_hand()).ndim == 2
    dialog.close()
