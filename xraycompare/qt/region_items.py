"""Regions drawn on a pane: one cheap QGraphicsItem per region, following the model.

A :class:`RegionLayer` per pane observes the AnnotationSet (added / changed / removed /
reset), the selection and the view, and keeps one :class:`RegionItem` per region of its
film. Items never change the model; tools preview a drag by showing a changed copy on the
item and push one command on release.

Paint cost matters (500 regions must pan at 60 fps): outlines are cached QPainterPaths in
film coordinates stroked with cosmetic pens; constant-size decorations (arrow heads, point
marks, handles, labels) are drawn in device coordinates from a few mapped points. The
bounding rectangle's margin for those decorations is kept in scene units and only updated
when the zoom changes by more than a factor of √2.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import (
    QBrush,
    QColor,
    QFont,
    QFontMetricsF,
    QPainter,
    QPainterPath,
    QPen,
    QPolygonF,
    QStaticText,
)
from PySide6.QtWidgets import QGraphicsItem, QStyleOptionGraphicsItem, QWidget

from xraycompare.core.annotations import STATUS_LABELS, Region
from xraycompare.core.measurements import measure_region
from xraycompare.core.region_edit import handles

if TYPE_CHECKING:
    from xraycompare.core.imaging import XrayImage
    from xraycompare.qt.pane_view import PaneView
    from xraycompare.qt.region_editor import RegionEditor

# Okabe–Ito colours: distinguishable with the common colour-vision deficiencies
COLOURS = {
    "erosion": QColor(230, 159, 0),
    "narrowing": QColor(86, 180, 233),
    "other": QColor(240, 228, 66),
}
HALO = QColor(0, 0, 0, 170)
HANDLE_PX = 7.0
MARGIN_PX = 24.0  # decorations reach this far outside the outline (screen pixels)
ARROW_HEAD_PX = 16.0
POINT_PX = 6.0
Z_REGION, Z_SELECTED = 200.0, 210.0


def _pen(colour: QColor, width: float, style: Qt.PenStyle = Qt.PenStyle.SolidLine) -> QPen:
    pen = QPen(colour, width, style)
    pen.setCosmetic(True)
    pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
    pen.setCapStyle(Qt.PenCapStyle.RoundCap)
    return pen


PENS = {kind: _pen(c, 1.5) for kind, c in COLOURS.items()}
SELECTED_PENS = {kind: _pen(c, 2.5) for kind, c in COLOURS.items()}
LINKED_PENS = {kind: _pen(c, 2.0, Qt.PenStyle.DashLine) for kind, c in COLOURS.items()}
HALO_PEN = _pen(HALO, 4.0)
HANDLE_PEN = _pen(QColor(0, 0, 0), 1.0)
HANDLE_BRUSH = QBrush(QColor(255, 255, 255))
TAG_BRUSH = QBrush(QColor(0, 0, 0, 150))


def _font(point_size: float, bold: bool = False) -> QFont:
    font = QFont()
    font.setPointSizeF(point_size)
    font.setBold(bold)
    return font


TAG_FONT = _font(8.5, bold=True)
TEXT_FONT = _font(13.0, bold=True)


def tag_text(region: Region) -> str:
    """The short label next to a scored region: site, score and status ("PIP3 E2 healed")."""
    parts = []
    if region.site:
        parts.append(region.site)
    if region.score is not None:
        parts.append(f"{'E' if region.kind == 'erosion' else 'N'}{region.score}")
    if region.status:
        parts.append(STATUS_LABELS[region.status])
    return " ".join(parts)


def length_text(region: Region, image: XrayImage | None) -> str:
    """The calliper label: "4.21 mm (calibrated)" with a valid spacing, else "36.6 px".

    Never mm without a valid spacing (measure_region falls back to pixels).
    """
    m = measure_region(image, region)
    if m.length is None:
        return ""
    if m.length_unit == "mm":
        return f"{m.length:.2f} mm ({m.calibration_label})"
    return f"{m.length:.1f} px"


class RegionItem(QGraphicsItem):
    """One region on one pane, drawn in its kind's colour."""

    def __init__(self, region: Region, layer: RegionLayer) -> None:
        super().__init__()
        self.layer = layer
        self.selected = False
        self.linked = False  # the counterpart of a selected region on the other film
        self.setZValue(Z_REGION)
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemUsesExtendedStyleOption, False)
        self.region = region
        self._build()

    # -- geometry ------------------------------------------------------------------------
    def set_region(self, region: Region) -> None:
        """Show ``region`` (a model change, or a tool's live preview)."""
        if region is self.region:
            return
        self.prepareGeometryChange()
        self.region = region
        self._build()
        self.update()

    def _build(self) -> None:
        r = self.region
        pts = [QPointF(x, y) for x, y in r.outline(samples=96)]
        path = QPainterPath()
        if r.geometry in ("polygon", "freehand", "rectangle", "ellipse"):
            path.addPolygon(QPolygonF(pts))
            path.closeSubpath()
        elif r.geometry in ("arrow", "length"):
            path.moveTo(pts[0])
            path.lineTo(pts[1])
        self._path = path
        self._anchor = pts[0]
        self._tag = QStaticText(tag_text(r)) if tag_text(r) else None
        if self._tag is not None:
            self._tag.prepare(font=TAG_FONT)
        text = ""
        if r.geometry == "text":
            text = r.label
        elif r.geometry == "length":
            text = length_text(r, self.layer.image)
        self._text = QStaticText(text) if text else None
        font = TEXT_FONT if r.geometry == "text" else TAG_FONT
        if self._text is not None:
            self._text.prepare(font=font)
        self._text_size = QFontMetricsF(font).size(0, text) if text else None
        self._update_bounds()

    def _update_bounds(self) -> None:
        pixel = self.layer.pixel_bucket
        if self._path.isEmpty():
            rect = QRectF(self._anchor, self._anchor)
        else:
            rect = self._path.boundingRect()
        reach = MARGIN_PX
        if self._tag is not None:
            reach = max(reach, self._tag.size().width() + 8)
        if self._text_size is not None:
            reach = max(reach, math.hypot(self._text_size.width(), self._text_size.height()) + 12)
        m = reach * pixel
        self._bounds = rect.adjusted(-m, -m, m, m)

    def rescale(self) -> None:
        """The zoom bucket changed: decorations need another margin in scene units."""
        self.prepareGeometryChange()
        self._update_bounds()

    def boundingRect(self) -> QRectF:
        return self._bounds

    # -- state ---------------------------------------------------------------------------
    def set_state(self, selected: bool, linked: bool) -> None:
        if (selected, linked) != (self.selected, self.linked):
            self.selected, self.linked = selected, linked
            self.setZValue(Z_SELECTED if selected else Z_REGION)
            self.update()

    # -- painting ------------------------------------------------------------------------
    def paint(
        self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None
    ) -> None:
        r = self.region
        kind = r.kind
        if self.selected:
            pen = SELECTED_PENS[kind]
        elif self.linked:
            pen = LINKED_PENS[kind]
        else:
            pen = PENS[kind]
        painter.setBrush(Qt.BrushStyle.NoBrush)
        if r.geometry in ("arrow", "length"):
            painter.setPen(HALO_PEN)
            painter.drawPath(self._path)
        if not self._path.isEmpty():
            painter.setPen(pen)
            painter.drawPath(self._path)
        decorated = (
            r.geometry in ("arrow", "length", "point", "text")
            or self._tag is not None
            or self.selected
        )
        if not decorated:
            return
        to_device = painter.transform()
        painter.save()
        painter.resetTransform()
        if r.geometry == "arrow":
            self._paint_arrow_head(painter, to_device, pen)
        elif r.geometry == "length":
            self._paint_calliper(painter, to_device, pen)
        elif r.geometry == "point":
            self._paint_point(painter, to_device.map(self._anchor), pen)
        elif r.geometry == "text":
            self._paint_text(painter, to_device.map(self._anchor), COLOURS[kind])
        if self._tag is not None:
            corner = to_device.mapRect(self._path.boundingRect()).topLeft()
            if self._path.isEmpty():
                corner = to_device.map(self._anchor) + QPointF(POINT_PX + 4, -POINT_PX)
            self._paint_tag(painter, corner)
        if self.selected:
            self._paint_handles(painter, to_device)
        painter.restore()

    def _paint_arrow_head(self, painter: QPainter, t, pen: QPen) -> None:
        (tx, ty), (hx, hy) = self.region.points
        tail, head = t.map(QPointF(tx, ty)), t.map(QPointF(hx, hy))
        dx, dy = head.x() - tail.x(), head.y() - tail.y()
        n = math.hypot(dx, dy)
        if n < 1e-6:
            return
        ux, uy = dx / n, dy / n
        size = min(ARROW_HEAD_PX, 0.6 * n)
        base = QPointF(head.x() - ux * size, head.y() - uy * size)
        wing = QPointF(-uy * size * 0.45, ux * size * 0.45)
        triangle = QPolygonF([head, base + wing, base - wing])
        painter.setPen(_pen(HALO, 1.5))
        painter.setBrush(pen.color())
        painter.drawPolygon(triangle)

    def _paint_calliper(self, painter: QPainter, t, pen: QPen) -> None:
        (ax, ay), (bx, by) = self.region.points
        a, b = t.map(QPointF(ax, ay)), t.map(QPointF(bx, by))
        dx, dy = b.x() - a.x(), b.y() - a.y()
        n = math.hypot(dx, dy) or 1.0
        nx, ny = -dy / n * 6, dx / n * 6
        painter.setPen(pen)
        for p in (a, b):
            painter.drawLine(QPointF(p.x() - nx, p.y() - ny), QPointF(p.x() + nx, p.y() + ny))
        if self._text is not None:
            mid = QPointF((a.x() + b.x()) / 2 + 8, (a.y() + b.y()) / 2 + 4)
            self._paint_label(painter, mid, self._text, pen.color())

    def _paint_point(self, painter: QPainter, c: QPointF, pen: QPen) -> None:
        painter.setPen(HALO_PEN)
        painter.drawEllipse(c, POINT_PX, POINT_PX)
        painter.setPen(pen)
        painter.drawEllipse(c, POINT_PX, POINT_PX)
        painter.drawLine(QPointF(c.x() - 2, c.y()), QPointF(c.x() + 2, c.y()))
        painter.drawLine(QPointF(c.x(), c.y() - 2), QPointF(c.x(), c.y() + 2))

    def _paint_text(self, painter: QPainter, anchor: QPointF, colour: QColor) -> None:
        if self._text is None:
            return
        painter.setFont(TEXT_FONT)
        painter.setPen(QColor(0, 0, 0, 200))
        for dx, dy in ((-1, 0), (1, 0), (0, -1), (0, 1), (1, 1)):
            painter.drawStaticText(QPointF(anchor.x() + dx, anchor.y() + dy), self._text)
        painter.setPen(colour)
        painter.drawStaticText(anchor, self._text)
        if self.selected:
            size = self._text.size()
            painter.setPen(_pen(colour, 1.0, Qt.PenStyle.DotLine))
            painter.drawRect(QRectF(anchor, size).adjusted(-2, -1, 2, 1))

    def _paint_label(self, painter: QPainter, at: QPointF, text: QStaticText, colour) -> None:
        size = text.size()
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(TAG_BRUSH)
        painter.drawRoundedRect(QRectF(at, size).adjusted(-3, -1, 3, 1), 3, 3)
        painter.setFont(TAG_FONT)
        painter.setPen(colour)
        painter.drawStaticText(at, text)

    def _paint_tag(self, painter: QPainter, corner: QPointF) -> None:
        assert self._tag is not None
        at = QPointF(corner.x(), corner.y() - self._tag.size().height() - 3)
        self._paint_label(painter, at, self._tag, COLOURS[self.region.kind])

    def _paint_handles(self, painter: QPainter, t) -> None:
        painter.setPen(HANDLE_PEN)
        painter.setBrush(HANDLE_BRUSH)
        h = HANDLE_PX / 2
        for x, y in handles(self.region):
            p = t.map(QPointF(x, y))
            painter.drawRect(QRectF(p.x() - h, p.y() - h, 2 * h, 2 * h))


class RegionLayer:
    """The region items of one pane, kept in step with the model and the selection."""

    def __init__(self, pane: PaneView, editor: RegionEditor) -> None:
        self.pane = pane
        self.editor = editor
        self.document = pane.document
        self.items: dict[str, RegionItem] = {}
        self.pixel_bucket = 1.0
        self.image = self.document.image(pane.film)
        annotations = self.document.annotations
        annotations.region_added.connect(self._on_added)
        annotations.region_changed.connect(self._on_changed)
        annotations.region_removed.connect(self._on_removed)
        annotations.regions_reset.connect(self.rebuild)
        # the core resets regions before pair_changed: rebuild again once the pair is in
        self.document.pair_changed.connect(self.rebuild)
        self.document.view_changed.connect(self._on_view_changed)
        self.document.alignment_changed.connect(self._on_view_changed)
        editor.selection.changed.connect(self._on_selection_changed)
        editor.options_changed.connect(self._on_options_changed)
        self._update_pixel_bucket()
        self.rebuild()

    @property
    def film(self) -> str:
        return self.pane.film

    def rebuild(self) -> None:
        scene = self.pane.scene()
        for item in self.items.values():
            if item.scene() is scene:
                scene.removeItem(item)
        self.items = {}
        self.image = self.document.image(self.film)
        if self.image is None:
            return
        for region in self.document.annotations.on_film(self.film):  # type: ignore[arg-type]
            self._add_item(region)
        self._on_selection_changed()

    def _add_item(self, region: Region) -> RegionItem:
        item = RegionItem(region, self)
        item.setVisible(self.editor.visible)
        self.pane.scene().addItem(item)
        self.items[region.id] = item
        return item

    def _on_added(self, region: Region) -> None:
        if region.film == self.film and self.image is not None:
            self._add_item(region)
            self._on_selection_changed()

    def _on_changed(self, old: Region, new: Region) -> None:
        item = self.items.get(new.id)
        if item is not None and new.film == self.film:
            item.set_region(new)
        elif item is not None:
            self._on_removed(old)
        elif new.film == self.film:
            self._on_added(new)
        if old.lineage_id != new.lineage_id:
            self._on_selection_changed()

    def _on_removed(self, region: Region) -> None:
        item = self.items.pop(region.id, None)
        if item is not None and item.scene() is not None:
            item.scene().removeItem(item)

    def _on_selection_changed(self) -> None:
        selected = set(self.editor.selection.ids)
        annotations = self.document.annotations
        lineages = {annotations.get(i).lineage_id for i in selected if i in annotations}
        for region_id, item in self.items.items():
            item.set_state(region_id in selected, item.region.lineage_id in lineages)

    def _on_options_changed(self) -> None:
        for item in self.items.values():
            item.setVisible(self.editor.visible)

    # -- zoom ----------------------------------------------------------------------------
    def pixel_size(self) -> float:
        """Film pixels per screen pixel on this pane now."""
        t = self.pane.transform()
        scale = math.sqrt(abs(t.m11() * t.m22() - t.m12() * t.m21()))
        return 1.0 / scale if scale > 0 else 1.0

    def _update_pixel_bucket(self) -> bool:
        # round up to a power of √2, so a margin in scene units always covers the decoration
        bucket = 2.0 ** (math.ceil(2.0 * math.log2(max(self.pixel_size(), 1e-6))) / 2.0)
        if bucket != self.pixel_bucket:
            self.pixel_bucket = bucket
            return True
        return False

    def _on_view_changed(self) -> None:
        if self._update_pixel_bucket():
            for item in self.items.values():
                item.rescale()

    # -- tools ---------------------------------------------------------------------------
    def preview(self, region: Region) -> None:
        """Show a changed copy of a region while a tool drags it (the model is unchanged)."""
        item = self.items.get(region.id)
        if item is not None:
            item.set_region(region)

    def end_preview(self, region_id: str) -> None:
        """Show the model's region again (a drag was cancelled or changed nothing)."""
        item = self.items.get(region_id)
        if item is not None and region_id in self.document.annotations:
            item.set_region(self.document.annotations.get(region_id))

    def device_text_rect(self, region_id: str) -> QRectF | None:
        """Where a text region's label is on the viewport (for hit tests)."""
        item = self.items.get(region_id)
        if item is None or item._text is None or item.region.geometry != "text":
            return None
        anchor = self.pane.viewport_point(item.region.points[0])
        return QRectF(anchor, item._text.size()).adjusted(-3, -3, 3, 3)
