"""Shared fixtures of the comparison-view tests: a pair with a known change, aligned.

The after film is the synthetic hand moved by (+6, -4) px, exposed brighter (×1.25 + 100)
and with new bone (a bright disc) on the third finger, so every mode has something to
show and the exposure match has something to find.
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
from PySide6.QtCore import QEvent, QPoint, QPointF, Qt
from PySide6.QtGui import QImage, QMouseEvent
from PySide6.QtWidgets import QApplication

from tests.qt.conftest import synthetic_hand
from xraycompare.core.geometry import translation
from xraycompare.core.registration.alignment import Alignment

CHANGE_XY = (187.0, 160.0)  # the new bone, in before pixel coordinates
CHANGE_RADIUS = 9
AFTER_TO_BEFORE = translation(-6.0, 4.0)
GAIN, OFFSET = 1.25, 100.0  # after = GAIN * before + OFFSET


def changed_pair(folder: Path) -> tuple[Path, Path]:
    before = synthetic_hand()
    changed = before.astype(np.float32)
    disc = np.zeros_like(changed)
    cv2.circle(disc, (int(CHANGE_XY[0]), int(CHANGE_XY[1])), CHANGE_RADIUS, 900.0, -1)
    changed += cv2.GaussianBlur(disc, (0, 0), 1.0)
    shift = np.float32([[1, 0, 6], [0, 1, -4]])
    moved = cv2.warpAffine(changed, shift, before.shape[::-1], borderMode=cv2.BORDER_REFLECT)
    after = np.clip(np.rint(moved * GAIN + OFFSET), 0, 4095).astype(np.uint16)
    paths = folder / "baseline.png", folder / "year7.png"
    cv2.imwrite(str(paths[0]), before)
    cv2.imwrite(str(paths[1]), after)
    return paths


def wait_for_match(qtbot, window) -> None:
    c = window.comparison
    qtbot.waitUntil(lambda: not c.busy and c.pair is not None, timeout=20000)


def open_compared(qtbot, window, folder: Path):
    """The window with the changed pair open, aligned by the true shift, match fitted."""
    with qtbot.waitSignal(window.pair_shown, timeout=20000):
        window.open_pair(*changed_pair(folder))
    window.document.set_global_alignment(Alignment("Global", AFTER_TO_BEFORE))
    wait_for_match(qtbot, window)
    qtbot.wait(30)
    return window


def send_mouse(widget, kind, pos, button=Qt.MouseButton.NoButton, buttons=None, modifiers=None):
    """One mouse event at ``pos`` (viewport coordinates) with buttons held as given."""
    pos = QPointF(pos)
    event = QMouseEvent(
        kind,
        pos,
        QPointF(widget.mapToGlobal(pos.toPoint())),
        button,
        button if buttons is None else buttons,
        modifiers or Qt.KeyboardModifier.NoModifier,
    )
    QApplication.sendEvent(widget, event)


def move_mouse(pane, pos) -> None:
    send_mouse(pane.viewport(), QEvent.Type.MouseMove, pos)


def grab(widget) -> np.ndarray:
    """A widget as an (h, w, 3) uint8 RGB array (logical pixels)."""
    image = widget.grab().toImage().convertToFormat(QImage.Format.Format_RGB888)
    w, h = image.width(), image.height()
    data = np.frombuffer(image.constBits(), np.uint8, count=image.bytesPerLine() * h)
    return data.reshape(h, image.bytesPerLine())[:, : 3 * w].reshape(h, w, 3).copy()


def viewport_xy(pane, before_xy) -> tuple[int, int]:
    """Where a before-frame point is drawn in a before-frame pane's viewport."""
    p = pane.viewport_point(before_xy)
    return round(p.x()), round(p.y())


def patch(image: np.ndarray, xy: tuple[int, int], radius: int = 2) -> np.ndarray:
    x, y = xy
    return image[y - radius : y + radius + 1, x - radius : x + radius + 1].reshape(-1, 3)


def centre_of(widget) -> QPoint:
    return QPoint(widget.width() // 2, widget.height() // 2)
