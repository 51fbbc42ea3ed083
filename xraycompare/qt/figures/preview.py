"""The figure dialog's live preview: the rendered figure, fitted, and a crop drawn on it.

Dragging on a full panel draws the crop every full panel will show (in before pixels, the
same on every panel); insets are picked in the dialog's list, not here.
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QMouseEvent, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from xraycompare.core.figures.layout import FigureLayout
from xraycompare.core.figures.render import RenderedFigure
from xraycompare.qt.view.film_item import qimage_from_array

MIN_CROP = 16.0  # before pixels: a smaller drag is a click, not a crop
BACKGROUND = QColor(60, 60, 64)


class FigurePreview(QWidget):
    """Shows a :class:`RenderedFigure`; a drag on a full panel emits a crop."""

    crop_drawn = Signal(object)  # (x, y, w, h) in before pixels

    def __init__(self) -> None:
        super().__init__()
        self.setMinimumSize(420, 260)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setCursor(Qt.CursorShape.CrossCursor)
        self.setToolTip("Drag on a panel to crop every panel to the same region")
        self.figure: RenderedFigure | None = None
        self.message = "Rendering…"
        self._drag: tuple[QPointF, QPointF] | None = None

    def set_figure(self, figure: RenderedFigure | None, message: str = "") -> None:
        self.figure, self.message = figure, message
        self.update()

    # -- geometry ------------------------------------------------------------------------
    def _placement(self) -> tuple[float, float, float] | None:
        """(scale, x0, y0): widget pixels per figure pixel and the figure's top-left."""
        if self.figure is None:
            return None
        h, w = self.figure.image.shape[:2]
        scale = min((self.width() - 16) / w, (self.height() - 16) / h)
        return scale, (self.width() - w * scale) / 2, (self.height() - h * scale) / 2

    def figure_point(self, pos: QPointF) -> tuple[float, float] | None:
        """A widget position in figure pixels (pixel centres at integers)."""
        placed = self._placement()
        if placed is None:
            return None
        scale, x0, y0 = placed
        return (pos.x() - x0) / scale - 0.5, (pos.y() - y0) / scale - 0.5

    def _before_point(self, layout: FigureLayout, pos: QPointF):
        at = self.figure_point(pos)
        panel = layout.panel_at(*at) if at is not None else None
        if panel is None or panel.inset is not None:
            return None, None
        bx, by, _, _ = panel.box
        return panel, panel.to_before(at[0] - bx, at[1] - by)

    # -- input ---------------------------------------------------------------------------
    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton and self.figure is not None:
            self._drag = (event.position(), event.position())
            self.update()

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if self._drag is not None:
            self._drag = (self._drag[0], event.position())
            self.update()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        drag, self._drag = self._drag, None
        self.update()
        if drag is None or self.figure is None:
            return
        layout = self.figure.layout
        panel, start = self._before_point(layout, drag[0])
        if panel is None:
            return
        bx, by, bw, bh = panel.box
        end = self.figure_point(drag[1])
        assert end is not None  # a figure is shown
        # the end clamps to the panel the drag began on
        ex = min(max(end[0], bx), bx + bw - 1)
        ey = min(max(end[1], by), by + bh - 1)
        stop = panel.to_before(ex - bx, ey - by)
        x0, x1 = sorted((start[0], stop[0]))
        y0, y1 = sorted((start[1], stop[1]))
        if x1 - x0 >= MIN_CROP and y1 - y0 >= MIN_CROP:
            self.crop_drawn.emit((round(x0), round(y0), round(x1 - x0), round(y1 - y0)))

    # -- drawing -------------------------------------------------------------------------
    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.fillRect(self.rect(), BACKGROUND)
        placed = self._placement()
        if placed is not None and self.figure is not None:
            scale, x0, y0 = placed
            h, w = self.figure.image.shape[:2]
            painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, True)
            target = QRectF(x0, y0, w * scale, h * scale)
            painter.drawImage(target, qimage_from_array(self.figure.image))
        if self.message:
            painter.setPen(QColor(235, 235, 235))
            painter.drawText(self.rect().adjusted(12, 12, -12, -12),
                             Qt.AlignmentFlag.AlignBottom | Qt.TextFlag.TextWordWrap,
                             self.message)  # fmt: skip
        if self._drag is not None:
            pen = QPen(QColor(255, 210, 0), 1.5, Qt.PenStyle.DashLine)
            painter.setPen(pen)
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRect(QRectF(self._drag[0], self._drag[1]).normalized())
        painter.end()
