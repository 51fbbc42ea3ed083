"""File ▸ Import side-by-side figure…: a published Before | After figure becomes a pair.

The figure is read and its gutter found in the background; the preview shows the two films
found (Before left or top, After right or bottom) with the dividing line, which the reader
drags when the automatic split is wrong, or the direction is forced. On Open the two films
are written as PNG files next to the figure (``<figure>-films/before.png`` and
``after.png``, so a project can refer to them) and opened as a pair, aligned as usual. A
figure's pixels have no known size: the films are pixel-only, and say so.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QMouseEvent, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from xraycompare.core.atomic import AtomicWriteError
from xraycompare.core.figure_split import figure_pixels, find_split, write_split_films
from xraycompare.core.figure_split.split import FigureSplit, split_at
from xraycompare.core.io.image import XrayImage
from xraycompare.core.io.loading import load_image
from xraycompare.qt.view.film_item import qimage_from_array
from xraycompare.qt.workers import JobRunner

BEFORE, AFTER, LINE = QColor(79, 172, 248), QColor(224, 148, 95), QColor(255, 210, 0)


def _found(path: str, direction: str) -> tuple[XrayImage, np.ndarray, FigureSplit | None]:
    """The worker half: the figure, how it looks, and its split (None: none found)."""
    figure = load_image(path)
    pixels = figure_pixels(figure)
    return figure, pixels, find_split(pixels, direction=direction)


def films_folder(figure: Path) -> Path:
    """Where the split films are kept: beside the figure, named after it."""
    return figure.with_name(f"{figure.stem}-films")


class SplitPreview(QWidget):
    """The figure with the two films outlined; the dividing line can be dragged."""

    moved = Signal(float)  # the line's new position in figure pixels

    def __init__(self) -> None:
        super().__init__()
        self.setMinimumSize(480, 320)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.image = None
        self.shape = (0, 0)
        self.split: FigureSplit | None = None
        self.direction = "horizontal"
        self.line: float | None = None
        self._dragging = False

    def set_figure(self, pixels: np.ndarray) -> None:
        rgb = pixels if pixels.ndim == 3 else np.repeat(pixels[..., None], 3, axis=2)
        if rgb.dtype != np.uint8:
            top = float(rgb.max()) or 1.0
            rgb = np.clip(rgb.astype(np.float32) * (255.0 / top), 0, 255).astype(np.uint8)
        self.image = qimage_from_array(np.ascontiguousarray(rgb[..., :3]))
        self.shape = pixels.shape[:2]
        self.update()

    def set_split(self, split: FigureSplit | None, direction: str) -> None:
        self.split = split
        if direction in ("horizontal", "vertical"):  # "auto" keeps the line as it lies
            self.direction = direction
        if split is not None:
            g = split.gutter
            self.direction = split.direction
            self.line = g.x + g.width / 2 if split.direction == "horizontal" else g.y + g.height / 2
        self.update()

    def _placement(self) -> tuple[float, float, float]:
        h, w = self.shape
        scale = min((self.width() - 8) / max(w, 1), (self.height() - 8) / max(h, 1))
        return scale, (self.width() - w * scale) / 2, (self.height() - h * scale) / 2

    def _to_figure(self, pos: QPointF) -> float:
        scale, x0, y0 = self._placement()
        along = pos.x() - x0 if self.direction == "horizontal" else pos.y() - y0
        return along / scale

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if self.image is not None and event.button() == Qt.MouseButton.LeftButton:
            self._dragging = True
            self.line = self._to_figure(event.position())
            self.update()

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if self._dragging:
            self.line = self._to_figure(event.position())
            self.update()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if self._dragging:
            self._dragging = False
            self.line = self._to_figure(event.position())
            self.moved.emit(self.line)

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.fillRect(self.rect(), QColor(40, 40, 44))
        if self.image is None:
            painter.end()
            return
        scale, x0, y0 = self._placement()
        h, w = self.shape
        painter.drawImage(QRectF(x0, y0, w * scale, h * scale), self.image)
        if self.split is not None and not self._dragging:
            for box, colour, text in ((self.split.before, BEFORE, "Before"),
                                      (self.split.after, AFTER, "After")):  # fmt: skip
                rect = QRectF(x0 + box.x * scale, y0 + box.y * scale,
                              box.width * scale, box.height * scale)  # fmt: skip
                painter.setPen(QPen(colour, 2.0))
                painter.drawRect(rect)
                painter.drawText(rect.topLeft() + QPointF(4, 14), text)
        if self.line is not None:
            painter.setPen(QPen(LINE, 1.5, Qt.PenStyle.DashLine))
            if self.direction == "horizontal":
                x = x0 + self.line * scale
                painter.drawLine(QPointF(x, y0), QPointF(x, y0 + h * scale))
            else:
                y = y0 + self.line * scale
                painter.drawLine(QPointF(x0, y), QPointF(x0 + w * scale, y))
        painter.end()


class ImportFigureDialog(QDialog):
    """Split a figure into two films and open them; ``open_pair(before, after)`` opens."""

    def __init__(
        self,
        path: str | Path,
        parent: QWidget | None = None,
        *,
        open_pair: Callable[[Path, Path], None],
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Import side-by-side figure")
        self.setObjectName("import-figure-dialog")
        self.path = Path(path)
        self.open_pair = open_pair
        self.figure: XrayImage | None = None
        self.pixels: np.ndarray | None = None
        self.split: FigureSplit | None = None
        self.runner = JobRunner(self)
        self.preview = SplitPreview()
        self.preview.moved.connect(self._line_moved)
        self.direction = QComboBox()
        for text, data in (("Find it", "auto"), ("Side by side", "horizontal"),
                           ("Stacked", "vertical")):  # fmt: skip
            self.direction.addItem(text, data)
        self.direction.currentIndexChanged.connect(lambda _i: self._find())
        self.status = QLabel("Finding the films…")
        self.status.setWordWrap(True)
        self.buttons = QDialogButtonBox()
        self.open_button = self.buttons.addButton(
            "Open as a pair", QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.open_button.setEnabled(False)
        self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.accept_split)
        self.buttons.rejected.connect(self.reject)
        row = QHBoxLayout()
        row.addWidget(QLabel("Panels:"))
        row.addWidget(self.direction)
        row.addStretch(1)
        column = QVBoxLayout(self)
        column.addLayout(row)
        column.addWidget(self.preview, 1)
        column.addWidget(QLabel("Drag across the figure to move the dividing line. The left "
                                "(or top) panel is Before. Films from a figure have no "
                                "known pixel size: measurements are in pixels."))  # fmt: skip
        column.addWidget(self.status)
        column.addWidget(self.buttons)
        self.resize(900, 620)
        self._find()

    def _find(self) -> None:
        self.status.setText("Finding the films…")
        self.runner.submit(
            _found, str(self.path), self.direction.currentData(),
            on_done=self._shown, on_error=self._failed,
        )  # fmt: skip

    def _shown(self, result: tuple) -> None:
        self.figure, self.pixels, split = result
        self.preview.set_figure(self.pixels)
        self._use(split)

    def _use(self, split: FigureSplit | None) -> None:
        self.split = split
        self.preview.set_split(split, self.direction.currentData())
        self.open_button.setEnabled(split is not None)
        if split is None:
            self.status.setText("No two films separated by a plain gutter were found: drag "
                                "across the figure where the films meet.")  # fmt: skip
        else:
            b, a = split.before, split.after
            self.status.setText(f"Before {b.width} × {b.height} px, After {a.width} × "
                                f"{a.height} px; gutter "
                                f"{split.confidence:.0%} plain.")  # fmt: skip

    def _line_moved(self, position: float) -> None:
        if self.pixels is None:
            return
        direction = self.preview.direction
        self._use(split_at(self.pixels, direction=direction, position=position))

    def _failed(self, exc: BaseException, _details: str) -> None:
        self.status.setText(str(exc))
        self.open_button.setEnabled(False)

    def accept_split(self) -> None:
        """Write the two films beside the figure and open them as a pair."""
        if self.figure is None or self.split is None:
            return
        try:
            before, after = write_split_films(self.figure, self.split, films_folder(self.path))
        except AtomicWriteError as exc:
            self.status.setText(f"The films could not be written: {exc.reason}")
            return
        self.accept()
        self.open_pair(before, after)
