"""Mouse and keyboard on a pane in *film* coordinates, for the annotation tests."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QEvent, QPointF, Qt
from PySide6.QtGui import QKeyEvent, QMouseEvent
from PySide6.QtWidgets import QApplication

LEFT = Qt.MouseButton.LeftButton
NONE = Qt.KeyboardModifier.NoModifier


def _send(pane, kind: QEvent.Type, xy, buttons, modifiers, button=LEFT) -> None:
    vp = pane.viewport()
    pos = pane.viewport_point(tuple(xy))
    event = QMouseEvent(
        kind,
        QPointF(pos),
        QPointF(vp.mapToGlobal(pos.toPoint())),
        button if kind != QEvent.Type.MouseMove else Qt.MouseButton.NoButton,
        buttons,
        modifiers,
    )
    QApplication.sendEvent(vp, event)


def drag(pane, points: Sequence[Sequence[float]], modifiers=NONE) -> None:
    """Press at the first film point, move through the others, release at the last."""
    _send(pane, QEvent.Type.MouseButtonPress, points[0], LEFT, modifiers)
    for xy in points[1:]:
        _send(pane, QEvent.Type.MouseMove, xy, LEFT, modifiers)
    _send(pane, QEvent.Type.MouseButtonRelease, points[-1], Qt.MouseButton.NoButton, modifiers)


def click(pane, xy, modifiers=NONE) -> None:
    drag(pane, [xy], modifiers)


def double_click(pane, xy, modifiers=NONE) -> None:
    """What Qt delivers for a double click: press, release, double-click, release."""
    click(pane, xy, modifiers)
    _send(pane, QEvent.Type.MouseButtonDblClick, xy, LEFT, modifiers)
    _send(pane, QEvent.Type.MouseButtonRelease, xy, Qt.MouseButton.NoButton, modifiers)


def hover(pane, xy) -> None:
    _send(pane, QEvent.Type.MouseMove, xy, Qt.MouseButton.NoButton, NONE)


def key(pane, key: Qt.Key, modifiers=NONE) -> None:
    pane.setFocus()
    QApplication.sendEvent(pane, QKeyEvent(QEvent.Type.KeyPress, key, modifiers))
    QApplication.sendEvent(pane, QKeyEvent(QEvent.Type.KeyRelease, key, modifiers))


def snapshot(window) -> tuple:
    """Every region and score of the window's document (values, in order)."""
    doc = window.document
    return doc.annotations.regions(), tuple(sorted(doc.scores.entries(), key=lambda e: e.key))
