"""The graphics items that draw regions; cheap enough for 500 regions at 60 fps.

A :class:`~xraycompare.qt.regions.layer.RegionLayer` per pane owns them and keeps them in
step with the model. Items never change the model; tools preview a drag by showing a
changed copy and push one command on release.

Why two kinds of item: every QGraphicsItem written in Python costs a few Python calls per
frame (boundingRect, paint), ~45 µs each, so 500 of them cost 20+ ms per pan frame before
anything is drawn. Most regions are therefore drawn by one :class:`RegionBatch` per pane:
outlines merged into one cached QPainterPath per colour (one stroke call each), labels
blitted from cached pixmaps, decorations culled to the viewport with NumPy. Only the
regions being worked on (selected, their linked counterparts, a drag's preview) are lifted
into their own :class:`RegionItem`, with handles.

Pens are cosmetic (constant screen width at any zoom); arrow heads, point marks, handles
and labels are drawn in device space, so they keep their size too.
"""

from __future__ import annotations

import math
from typing import Protocol

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QPainter, QPainterPath, QTransform
from PySide6.QtWidgets import QGraphicsItem, QStyleOptionGraphicsItem, QWidget

from xraycompare.core.annotations.editing import handles
from xraycompare.core.annotations.regions import Region
from xraycompare.qt.regions.look import (
    ARROW_PENS,
    BATCH_PENS,
    CULL_PX,
    HALO_PEN,
    HANDLE_BRUSH,
    HANDLE_PEN,
    HANDLE_PX,
    LINKED_PENS,
    MARGIN_PX,
    PENS,
    SELECTED_PENS,
    SHADOW_OFFSET,
    SHADOW_PEN,
    Z_BATCH,
    Z_REGION,
    Z_SELECTED,
    RegionLook,
    cosmetic_pen,
    device_pixel_ratio,
    device_text_rect,
    label_pixmap,
    paint_decorations,
    tag_offset,
)


class LayerState(Protocol):
    """What the items read from the layer that owns them (a RegionLayer)."""

    pixel_bucket: float  # film pixels per screen pixel, rounded up to a power of √2

    def batch_looks(self) -> list[RegionLook]: ...

    def batch_styles(self) -> dict[str, str]: ...


class RegionItem(QGraphicsItem):
    """One region drawn on its own: selected (with handles), linked, or being dragged."""

    def __init__(self, look: RegionLook, layer: LayerState) -> None:
        super().__init__()
        self.layer = layer
        self.selected = False
        self.linked = False
        self.setZValue(Z_REGION)
        self.look = look
        self._update_bounds()

    @property
    def region(self) -> Region:
        return self.look.region

    def set_look(self, look: RegionLook) -> None:
        if look is not self.look:
            self.prepareGeometryChange()
            self.look = look
            self._update_bounds()
            self.update()

    def _update_bounds(self) -> None:
        rect = QRectF(*self.look.corners[0], *(self.look.corners[2] - self.look.corners[0]))
        reach = MARGIN_PX + 8.0 * max(len(self.look.tag), len(self.look.label), 4) + 20.0
        m = reach * self.layer.pixel_bucket
        self._bounds = rect.adjusted(-m, -m, m, m)

    def rescale(self) -> None:
        self.prepareGeometryChange()
        self._update_bounds()

    def boundingRect(self) -> QRectF:
        return self._bounds

    def set_state(self, selected: bool, linked: bool) -> None:
        if (selected, linked) != (self.selected, self.linked):
            self.selected, self.linked = selected, linked
            self.setZValue(Z_SELECTED if selected else Z_REGION)
            self.update()

    def paint(
        self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None
    ) -> None:
        kind = self.region.kind
        pen = (
            SELECTED_PENS[kind]
            if self.selected
            else LINKED_PENS[kind]
            if self.linked
            else PENS[kind]
        )
        painter.setBrush(Qt.BrushStyle.NoBrush)
        if self.region.geometry in ("arrow", "length") or self.selected:
            painter.setPen(HALO_PEN)
            painter.drawPath(self.look.path)
        if not self.look.path.isEmpty():
            painter.setPen(pen)
            painter.drawPath(self.look.path)
        t = painter.transform()
        painter.save()
        painter.resetTransform()
        paint_decorations(painter, t, self.look, pen)
        if self.selected:
            if self.region.geometry == "text":
                rect = device_text_rect(self.look, t, device_pixel_ratio(painter))
                if rect is not None:
                    painter.setPen(cosmetic_pen(pen.color(), 1.0, Qt.PenStyle.DotLine))
                    painter.setBrush(Qt.BrushStyle.NoBrush)
                    painter.drawRect(rect)
            painter.setPen(HANDLE_PEN)
            painter.setBrush(HANDLE_BRUSH)
            h = HANDLE_PX / 2
            for x, y in handles(self.region):
                p = t.map(QPointF(x, y))
                painter.drawRect(QRectF(p.x() - h, p.y() - h, 2 * h, 2 * h))
        painter.restore()


CROWDED_TAGS = 120  # more tags than this in view, and only big regions keep theirs
CROWDED_MIN_PX = 40.0


def _scale(t: QTransform) -> float:
    return math.sqrt(abs(t.m11() * t.m22() - t.m12() * t.m21()))


class RegionBatch(QGraphicsItem):
    """Every region of a pane that is not lifted, in a handful of draw calls per frame."""

    def __init__(self, layer: LayerState) -> None:
        super().__init__()
        self.layer = layer
        self.setZValue(Z_BATCH)
        self._dirty = True
        self._bounds = QRectF()
        self._outlines: dict[tuple[str, str], QPainterPath] = {}
        self._lines: dict[tuple[str, str], QPainterPath] = {}
        self._arrows: dict[tuple[str, str], QPainterPath] = {}
        self._decorated: list[RegionLook] = []
        self._anchors = np.zeros((0, 4, 2))

    def invalidate(self) -> None:
        """The regions or the lifted set changed: rebuild the merged paths at the next paint."""
        self.prepareGeometryChange()
        self._dirty = True
        self._bounds = self._compute_bounds()
        self.update()

    def _compute_bounds(self) -> QRectF:
        looks = self.layer.batch_looks()
        if not looks:
            return QRectF()
        corners = np.concatenate([look.corners for look in looks])
        (x0, y0), (x1, y1) = corners.min(axis=0), corners.max(axis=0)
        m = 400.0 * self.layer.pixel_bucket  # labels reach out this far on screen
        return QRectF(x0 - m, y0 - m, x1 - x0 + 2 * m, y1 - y0 + 2 * m)

    def boundingRect(self) -> QRectF:
        return self._bounds

    def _build(self) -> None:
        outlines: dict[tuple[str, str], QPainterPath] = {}
        lines: dict[tuple[str, str], QPainterPath] = {}
        decorated = []
        styles = self.layer.batch_styles()
        arrows: dict[tuple[str, str], QPainterPath] = {}
        for look in self.layer.batch_looks():
            geometry = look.region.geometry
            target = arrows if geometry == "arrow" else lines if geometry == "length" else outlines
            if not look.path.isEmpty():
                key = (look.region.kind, styles.get(look.region.id, "normal"))
                target.setdefault(key, QPainterPath()).addPath(look.path)
            if look.decorated:
                decorated.append(look)
        self._outlines, self._lines, self._decorated = outlines, lines, decorated
        self._arrows = arrows
        self._anchors = (
            np.stack([look.corners for look in decorated]) if decorated else np.zeros((0, 4, 2))
        )
        self._dirty = False

    def paint(
        self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None
    ) -> None:
        if self._dirty:
            self._build()
        t = painter.transform()
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.setTransform(t * SHADOW_OFFSET)
        painter.setPen(SHADOW_PEN)
        for group in (self._outlines, self._lines):
            for path in group.values():
                painter.drawPath(path)
        painter.setTransform(t)
        for group in (self._outlines, self._lines):
            for key, path in group.items():
                painter.setPen(BATCH_PENS[key])
                painter.drawPath(path)
        # arrows point at findings (usually a few): wider, on a dark halo
        for key, path in self._arrows.items():
            painter.setPen(HALO_PEN)
            painter.drawPath(path)
            painter.setPen(ARROW_PENS[key[0]])
            painter.drawPath(path)
        if not self._decorated:
            return
        near, left, top = self._visible_decorations(t, painter)
        if not len(near):
            return
        painter.save()
        painter.resetTransform()
        dpr = device_pixel_ratio(painter)
        # Many regions in view (a zoomed-out film): tags would pile up unreadably, so only
        # regions big enough on screen keep theirs; the rest appear as you zoom in.
        crowded = len(near) > CROWDED_TAGS
        size = np.maximum(
            self._anchors[:, 2, 0] - self._anchors[:, 0, 0],
            self._anchors[:, 2, 1] - self._anchors[:, 0, 1],
        ) * _scale(t)
        for i in near:
            look = self._decorated[i]
            pen = PENS[look.region.kind]
            if look.tag and (not crowded or size[i] >= CROWDED_MIN_PX):
                pixmap = label_pixmap(look.tag, pen.color(), big=False, dpr=dpr)
                dx, dy = tag_offset(look, pixmap.height() / dpr)
                painter.drawPixmap(QPointF(left[i] + dx, top[i] + dy), pixmap)
            if look.region.geometry in ("arrow", "length", "point", "text"):
                paint_decorations(painter, t, look, pen, tag=False)
        painter.restore()

    def _visible_decorations(
        self, t: QTransform, painter: QPainter
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Decorated regions near the device (culled in NumPy), with each one's box's
        top-left corner on the device."""
        a = self._anchors
        x = t.m11() * a[..., 0] + t.m21() * a[..., 1] + t.m31()
        y = t.m12() * a[..., 0] + t.m22() * a[..., 1] + t.m32()
        device = painter.device()
        w = device.width() if device is not None else 1e9
        h = device.height() if device is not None else 1e9
        left, right, top, bottom = x.min(axis=1), x.max(axis=1), y.min(axis=1), y.max(axis=1)
        near = (right > -CULL_PX) & (left < w + CULL_PX) & (bottom > -CULL_PX) & (top < h + CULL_PX)
        return np.flatnonzero(near), left, top
