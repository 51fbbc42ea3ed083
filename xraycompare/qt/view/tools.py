"""Pane tools: what the left mouse button does in a pane besides panning.

A tool receives presses, moves and releases in the pane's *film* pixel coordinates and
returns whether it took the event; navigation (wheel, middle drag, Space+drag, right-drag
window/level) always stays with the pane.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QMouseEvent, QPen
from PySide6.QtWidgets import QGraphicsRectItem

from xraycompare.core.geometry import transform_points
from xraycompare.qt.view.pane import PaneTool, PaneView


class RectangleSelectTool(PaneTool):
    """Drag a rectangle on either film; reports it in the *before* frame (x, y, w, h)."""

    def __init__(self, on_selected: Callable[[tuple[float, float, float, float]], None]) -> None:
        self.on_selected = on_selected
        self._start: tuple[float, float] | None = None
        self._band: QGraphicsRectItem | None = None
        self._pane: PaneView | None = None

    def press(self, pane: PaneView, xy: tuple[float, float], event: QMouseEvent) -> bool:
        self.deactivate()
        self._start, self._pane = xy, pane
        band = QGraphicsRectItem(QRectF(QPointF(*xy), QPointF(*xy)))
        pen = QPen(QColor(255, 210, 0), 1.5, Qt.PenStyle.DashLine)
        pen.setCosmetic(True)
        band.setPen(pen)
        band.setZValue(1000)
        pane.scene().addItem(band)
        self._band = band
        return True

    def move(self, pane: PaneView, xy: tuple[float, float], event: QMouseEvent) -> None:
        if self._band is not None and self._start is not None:
            self._band.setRect(QRectF(QPointF(*self._start), QPointF(*xy)).normalized())

    def release(self, pane: PaneView, xy: tuple[float, float], event: QMouseEvent) -> None:
        start = self._start
        self.deactivate()
        if start is None:
            return
        corners = [start, (xy[0], start[1]), xy, (start[0], xy[1])]
        before = transform_points(pane.document.film_to_before(pane.film), corners)
        x0, y0 = before.min(axis=0)
        x1, y1 = before.max(axis=0)
        if x1 - x0 >= 8 and y1 - y0 >= 8:  # a click is not a region
            self.on_selected((float(x0), float(y0), float(x1 - x0), float(y1 - y0)))

    def deactivate(self) -> None:
        if self._band is not None and self._band.scene() is not None:
            self._band.scene().removeItem(self._band)
        self._band, self._start = None, None
