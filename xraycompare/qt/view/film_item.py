"""A QGraphicsItem that draws a film at the screen's own resolution.

The item's coordinates are the film's pixel coordinates (pixel centres at integers, so the
film spans -0.5 .. W-0.5). ``paint`` asks the core pyramid for exactly the device pixels
in view, maps them through the display LUT and blits the result unscaled: crisp on HiDPI
screens, and the cost of a frame follows the window size, not the film size.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from PySide6.QtCore import QPointF, QRectF
from PySide6.QtGui import QImage, QPainter, QTransform
from PySide6.QtWidgets import QGraphicsItem, QStyleOptionGraphicsItem, QWidget

from xraycompare.core.io.pyramid import ImagePyramid

# stored values -> uint8 (grey) or (h, w, 3) uint8 (RGB)
Colouring = Callable[[np.ndarray], np.ndarray]


def qimage_from_array(array: np.ndarray) -> QImage:
    """Wrap a uint8 grey (h, w) or RGB (h, w, 3) array as a QImage (the array is copied)."""
    data = np.ascontiguousarray(array)
    h, w = data.shape[:2]
    if data.ndim == 2:
        image = QImage(data.data, w, h, data.strides[0], QImage.Format.Format_Grayscale8)
    else:
        image = QImage(data.data, w, h, data.strides[0], QImage.Format.Format_RGB888)
    return image.copy()  # detach from the numpy buffer


def device_raster(
    painter: QPainter, item_rect: QRectF
) -> tuple[np.ndarray, int, int, int, int] | None:
    """The device-pixel box of ``item_rect`` on the painter, and device -> item matrix.

    Returns (device_to_item 3×3, x0, y0, width, height) or None when nothing is visible.
    """
    # combinedTransform maps to the widget's own pixels; deviceTransform would add the
    # widget's offset inside the window's backing store (every pane but the first would
    # then compute its raster off-screen). On HiDPI screens Qt folds the device pixel
    # ratio into combinedTransform; scale by it only where it has not.
    device = painter.device()
    dpr = device.devicePixelRatio()
    transform = painter.combinedTransform()
    world = painter.worldTransform()
    if dpr != 1 and abs(world.determinant()) > 0:
        folded = (abs(transform.determinant()) / abs(world.determinant())) ** 0.5
        if abs(folded - 1.0) < 1e-3:
            transform = transform * QTransform.fromScale(dpr, dpr)
    inverse, ok = transform.inverted()
    if not ok:
        return None
    dev_w = device.width() * dpr
    dev_h = device.height() * dpr
    box = transform.mapRect(item_rect)
    x0, y0 = max(0, int(np.floor(box.left()))), max(0, int(np.floor(box.top())))
    x1 = min(int(round(dev_w)), int(np.ceil(box.right())))
    y1 = min(int(round(dev_h)), int(np.ceil(box.bottom())))
    if x1 <= x0 or y1 <= y0:
        return None
    m = _matrix(inverse)
    # output pixel (i, j) is the device pixel whose centre is (x0 + i + 0.5, y0 + j + 0.5)
    shift = np.array([[1.0, 0, x0 + 0.5], [0, 1.0, y0 + 0.5], [0, 0, 1.0]])
    return m @ shift, x0, y0, x1 - x0, y1 - y0


def blit(painter: QPainter, image: QImage, x0: int, y0: int) -> None:
    """Draw ``image`` 1:1 onto device pixels starting at (x0, y0), keeping the clip."""
    dpr = painter.device().devicePixelRatio()
    image.setDevicePixelRatio(dpr)
    painter.save()
    painter.resetTransform()
    painter.drawImage(QPointF(x0 / dpr, y0 / dpr), image)
    painter.restore()


def _matrix(t: QTransform) -> np.ndarray:
    # QTransform maps (x, y) -> (m11 x + m21 y + dx, m12 x + m22 y + dy)
    return np.array(
        [[t.m11(), t.m21(), t.m31()], [t.m12(), t.m22(), t.m32()], [t.m13(), t.m23(), t.m33()]]
    )


class FilmItem(QGraphicsItem):
    """One film, drawn through a colouring function (a display LUT, usually)."""

    def __init__(self, pyramid: ImagePyramid, colouring: Colouring) -> None:
        super().__init__()
        self._pyramid = pyramid
        self._colouring = colouring
        self._interpolation = "linear"
        h, w = pyramid.shape
        self._rect = QRectF(-0.5, -0.5, w, h)
        self._cache_key: tuple | None = None
        self._cache: tuple[QImage, int, int] | None = None
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemUsesExtendedStyleOption, False)

    @property
    def pyramid(self) -> ImagePyramid:
        return self._pyramid

    def set_colouring(self, colouring: Colouring) -> None:
        self._colouring = colouring
        self._cache_key = None
        self.update()

    def set_interpolation(self, interpolation: str) -> None:
        if interpolation != self._interpolation:
            self._interpolation = interpolation
            self._cache_key = None
            self.update()

    def boundingRect(self) -> QRectF:
        return self._rect

    def paint(
        self,
        painter: QPainter,
        option: QStyleOptionGraphicsItem,
        widget: QWidget | None = None,
    ) -> None:
        raster = device_raster(painter, self._rect)
        if raster is None:
            return
        device_to_item, x0, y0, w, h = raster
        key = (device_to_item.round(9).tobytes(), x0, y0, w, h)
        if key != self._cache_key or self._cache is None:
            stored = self._pyramid.sample(device_to_item, (w, h), interpolation=self._interpolation)
            self._cache = (qimage_from_array(self._colouring(stored)), x0, y0)
            self._cache_key = key
        painter.save()
        painter.setClipRect(self._rect)  # in item coordinates: nothing drawn off the film
        blit(painter, *self._cache)
        painter.restore()
