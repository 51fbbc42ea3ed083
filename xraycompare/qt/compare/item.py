"""A QGraphicsItem that paints a comparison mode at the screen's own resolution.

Item coordinates are the *before* film's pixel coordinates, like the before pane's
:class:`~xraycompare.qt.view.film_item.FilmItem`. ``paint`` asks the core
:class:`~xraycompare.core.compare.comparison.ComparisonPair` for exactly the device pixels in view
(both films sampled from their cached pyramids, the after film through the alignment) and
blits the frame unscaled, so a frame costs O(screen pixels) and nothing is ever warped at
full resolution on a mouse move. The last two frames are kept, so flicker and redraws of
the overlays (cursor, divider handle) reuse them.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable

import numpy as np
from PySide6.QtCore import QRectF
from PySide6.QtGui import QImage, QPainter
from PySide6.QtWidgets import QGraphicsItem, QStyleOptionGraphicsItem, QWidget

from xraycompare.core.compare.comparison import ComparisonPair
from xraycompare.core.compare.settings import ComparisonSettings
from xraycompare.core.geometry import transform_points
from xraycompare.qt.view.film_item import blit, device_raster, qimage_from_array

# (x0, y0, device pixel ratio) of the frame's raster -> the settings to draw it with
SettingsFor = Callable[[int, int, float], ComparisonSettings | None]
CACHE_FRAMES = 2


class ComparisonItem(QGraphicsItem):
    """The comparison of the pair in the before frame, in whatever mode ``settings_for`` says."""

    def __init__(self, settings_for: SettingsFor) -> None:
        super().__init__()
        self._settings_for = settings_for
        self._pair: ComparisonPair | None = None
        self._rect = QRectF()
        self._cache: OrderedDict[tuple, QImage] = OrderedDict()
        self.frames_rendered = 0  # how many frames were computed (not taken from the cache)

    @property
    def pair(self) -> ComparisonPair | None:
        return self._pair

    def set_pair(self, pair: ComparisonPair | None) -> None:
        """Draw from a new pair (a new alignment, match or window): the cache is dropped."""
        if pair is self._pair:
            return
        self._pair = pair
        self._cache.clear()
        rect = QRectF() if pair is None else _extent(pair)
        if rect != self._rect:
            self.prepareGeometryChange()
            self._rect = rect
        self.update()

    def boundingRect(self) -> QRectF:
        return self._rect

    def paint(
        self,
        painter: QPainter,
        option: QStyleOptionGraphicsItem,
        widget: QWidget | None = None,
    ) -> None:
        pair = self._pair
        if pair is None or self._rect.isEmpty():
            return
        raster = device_raster(painter, self._rect)
        if raster is None:
            return
        device_to_before, x0, y0, w, h = raster
        dpr = painter.device().devicePixelRatio()
        settings = self._settings_for(x0, y0, dpr)
        if settings is None:
            return
        key = (device_to_before.round(9).tobytes(), x0, y0, w, h, settings)
        image = self._cache.get(key)
        if image is None:
            frame = pair.render(device_to_before, (w, h), settings=settings)
            image = qimage_from_array(frame)
            self.frames_rendered += 1
            self._cache[key] = image
            while len(self._cache) > CACHE_FRAMES:
                self._cache.popitem(last=False)
        else:
            self._cache.move_to_end(key)
        blit(painter, image, x0, y0)


def _extent(pair: ComparisonPair) -> QRectF:
    """Where either film has data, in before coordinates (overlay and blend show both)."""
    bh, bw = pair.before_pyramid.shape
    ah, aw = pair.after_pyramid.shape
    corners = np.array([[-0.5, -0.5], [aw - 0.5, -0.5], [aw - 0.5, ah - 0.5], [-0.5, ah - 0.5]])
    mapped = transform_points(pair.after_to_before, corners)
    x0 = min(-0.5, float(mapped[:, 0].min()))
    y0 = min(-0.5, float(mapped[:, 1].min()))
    x1 = max(bw - 0.5, float(mapped[:, 0].max()))
    y1 = max(bh - 0.5, float(mapped[:, 1].max()))
    return QRectF(x0, y0, x1 - x0, y1 - y0)
