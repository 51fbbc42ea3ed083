"""The magnifier: a loupe next to the cursor showing both films there, side by side.

It floats over whichever pane the mouse is in (the film panes or the comparison pane),
centred on the linked cursor, so the same bone is under both halves: the before film on the
left, the after film on the right, brought into the before frame through the active
alignment and shown through the exposure match when the window is linked. Both halves are
rendered by the core from the films' pyramids at the loupe's own device resolution.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QWidget

from xraycompare.core.compare.settings import ComparisonSettings
from xraycompare.core.geometry import transform_point
from xraycompare.core.types import FILMS
from xraycompare.core.view_control import MAX_ZOOM
from xraycompare.qt.compare.overlays import draw_text_block
from xraycompare.qt.view.film_item import qimage_from_array

if TYPE_CHECKING:
    from xraycompare.qt.compare.controller import ComparisonController
    from xraycompare.qt.view.pane import PaneView

SIDE = 180  # logical px of each half
GAP = 4
OFFSET = 28  # from the cursor, so the loupe never hides what it magnifies
BACKGROUND = (12, 12, 14)


class Magnifier(QWidget):
    """A floating loupe over ``host`` (the widget holding the panes); mouse-transparent."""

    def __init__(self, comparison: ComparisonController, host: QWidget) -> None:
        super().__init__(host)
        self.comparison = comparison
        self.setObjectName("magnifier")
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents, True)
        self.setFixedSize(2 * SIDE + GAP, SIDE)
        self.zoom = 1.0  # screen px per before px inside the loupe
        self.centre: tuple[float, float] | None = None  # before-frame point shown
        self.hide()
        self._pane: PaneView | None = None
        comparison.changed.connect(self.update)
        comparison.options_changed.connect(self._on_options_changed)
        comparison.document.view_changed.connect(self._on_view_changed)

    def follow(self, pane: PaneView, film_xy: tuple[float, float] | None) -> None:
        """Move next to the cursor in ``pane`` (None: the mouse left the pane)."""
        c = self.comparison
        if not c.options.magnifier or film_xy is None or c.pair is None:
            self.hide()
            return
        self._pane = pane
        self.zoom = self._zoom_for(pane)
        # the before-frame point under the mouse (the document's cursor follows just after)
        self.centre = transform_point(c.document.pane_matrix(pane.film), *film_xy)
        host = self.parentWidget()
        at = pane.viewport().mapTo(host, pane.viewport_point(film_xy).toPoint())
        x, y = at.x() + OFFSET, at.y() + OFFSET
        if x + self.width() > host.width():
            x = at.x() - OFFSET - self.width()
        if y + self.height() > host.height():
            y = at.y() - OFFSET - self.height()
        self.move(max(0, x), max(0, y))
        self.show()
        self.raise_()
        self.update()

    def _zoom_for(self, pane: PaneView) -> float:
        view = pane.controller.resolved(pane.viewport_size())
        return min(MAX_ZOOM, (view.zoom or 1.0) * self.comparison.options.magnifier_factor)

    def _on_options_changed(self) -> None:
        if not self.comparison.options.magnifier:
            self.hide()
        elif self._pane is not None:
            self.zoom = self._zoom_for(self._pane)
            self.update()

    def _on_view_changed(self) -> None:
        # a wheel zoom keeps the point under the mouse: the loupe keeps its factor
        if self.isVisible() and self._pane is not None:
            self.zoom = self._zoom_for(self._pane)
            self.update()

    def halves(self) -> tuple[np.ndarray, np.ndarray] | None:
        """(before, after) RGB arrays of the two halves at device resolution, or None."""
        pair = self.comparison.pair
        if pair is None or self.centre is None:
            return None
        dpr = self.devicePixelRatioF()
        n = max(1, round(SIDE * dpr))
        s = 1.0 / (self.zoom * dpr)  # before px per device px
        cx, cy = self.centre
        offset = 0.5 * s - 0.5 * n * s  # device pixel i's centre is at i + 0.5
        device_to_before = np.array([[s, 0, cx + offset], [0, s, cy + offset], [0, 0, 1.0]])
        out = []
        for phase in FILMS:
            settings = ComparisonSettings(
                mode="flicker",
                flicker_phase=phase,
                no_data=BACKGROUND,  # type: ignore[arg-type]
            )
            out.append(pair.render(device_to_before, (n, n), settings=settings))
        return out[0], out[1]

    def paintEvent(self, event: QPaintEvent) -> None:
        halves = self.halves()
        if halves is None:
            return
        painter = QPainter(self)
        dpr = self.devicePixelRatioF()
        for i, (half, label) in enumerate(zip(halves, ("Before", "After"), strict=True)):
            x = i * (SIDE + GAP)
            image = qimage_from_array(half)
            image.setDevicePixelRatio(dpr)
            painter.drawImage(QPointF(x, 0), image)
            frame = QRectF(x + 0.5, 0.5, SIDE - 1, SIDE - 1)
            painter.setPen(QPen(QColor(255, 210, 0), 1.0))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRect(frame)
            c = frame.center()
            painter.setPen(QPen(QColor(255, 210, 0, 180), 1.0))
            painter.drawLine(c + QPointF(-10, 0), c + QPointF(-3, 0))
            painter.drawLine(c + QPointF(3, 0), c + QPointF(10, 0))
            painter.drawLine(c + QPointF(0, -10), c + QPointF(0, -3))
            painter.drawLine(c + QPointF(0, 3), c + QPointF(0, 10))
            draw_text_block(painter, QPointF(x + 4, 4), [label])
        factor = self.comparison.options.magnifier_factor
        draw_text_block(painter, QPointF(2 * SIDE + GAP - 44, SIDE - 30), [f"×{factor:g}"])
        painter.end()
