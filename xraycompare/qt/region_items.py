"""Regions drawn on a pane, following the model; cheap enough for 500 regions at 60 fps.

A :class:`RegionLayer` per pane observes the AnnotationSet (added / changed / removed /
reset), the selection and the view. Items never change the model; tools preview a drag by
showing a changed copy and push one command on release.

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
from typing import TYPE_CHECKING

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import (
    QBrush,
    QColor,
    QFont,
    QFontMetricsF,
    QPainter,
    QPainterPath,
    QPen,
    QPixmap,
    QPolygonF,
    QTransform,
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
MARGIN_PX = 24.0  # arrow heads, point marks and handles reach this far (screen pixels)
ARROW_HEAD_PX = 16.0
POINT_PX = 6.0
CULL_PX = 300.0  # labels are drawn when their anchor is this near the viewport
Z_BATCH, Z_REGION, Z_SELECTED = 200.0, 205.0, 210.0
CLOSED = ("polygon", "freehand", "rectangle", "ellipse")


def _pen(colour: QColor, width: float, style: Qt.PenStyle = Qt.PenStyle.SolidLine) -> QPen:
    pen = QPen(colour, width, style)
    pen.setCosmetic(True)
    pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
    pen.setCapStyle(Qt.PenCapStyle.RoundCap)
    return pen


# 1-px cosmetic pens take Qt's fast stroker (0.5 ms for 250 outlines, antialiased); any
# wider pen takes the general one (9 ms, 60 ms as one merged path). Batched outlines are
# therefore 1 px with a 1-px dark shadow, which reads on bone and on air.
PENS = {kind: _pen(c, 1.0) for kind, c in COLOURS.items()}
SHADOW_PEN = _pen(QColor(0, 0, 0, 190), 1.0)
SHADOW_OFFSET = QTransform.fromTranslate(1.0, 1.0)  # device pixels, applied after the view
BATCH_PENS = {  # (kind, style) -> pen: selected ones beyond the current one are white
    **{(kind, "normal"): pen for kind, pen in PENS.items()},
    **{(kind, "selected"): _pen(QColor(255, 255, 255), 1.0) for kind in COLOURS},
    **{(kind, "linked"): _pen(c, 1.0, Qt.PenStyle.DashLine) for kind, c in COLOURS.items()},
}
SELECTED_PENS = {kind: _pen(c, 2.5) for kind, c in COLOURS.items()}
ARROW_PENS = {kind: _pen(c, 2.0) for kind, c in COLOURS.items()}
LINKED_PENS = {kind: _pen(c, 1.5, Qt.PenStyle.DashLine) for kind, c in COLOURS.items()}
HALO_PEN = _pen(HALO, 4.0)
HANDLE_PEN = _pen(QColor(0, 0, 0), 1.0)
HANDLE_BRUSH = QBrush(QColor(255, 255, 255))


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


# -- labels as cached pixmaps ----------------------------------------------------------------
_LABELS: dict[tuple, QPixmap] = {}


def label_pixmap(text: str, colour: QColor, *, big: bool, dpr: float) -> QPixmap:
    """A label drawn once and blitted every frame: a tag on a dark plate, or (``big``) a
    text label with a dark outline so it reads on bone and on air alike."""
    key = (text, colour.rgba(), big, dpr)
    pixmap = _LABELS.get(key)
    if pixmap is not None:
        return pixmap
    if len(_LABELS) > 4000:  # lengths change with every drag: keep the cache bounded
        _LABELS.clear()
    font = TEXT_FONT if big else TAG_FONT
    metrics = QFontMetricsF(font, _probe())  # the pixmap's DPI, not the screen's
    pad = 3.0
    w, h = metrics.horizontalAdvance(text) + 2 * pad, metrics.height() + 2
    pixmap = QPixmap(max(1, math.ceil(w * dpr)), max(1, math.ceil(h * dpr)))
    pixmap.setDevicePixelRatio(dpr)
    pixmap.fill(Qt.GlobalColor.transparent)
    p = QPainter(pixmap)
    p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
    p.setRenderHint(QPainter.RenderHint.TextAntialiasing, True)
    p.setFont(font)
    baseline = QPointF(pad, 1 + metrics.ascent())
    if big:
        path = QPainterPath()
        path.addText(baseline, font, text)
        p.setPen(_pen(QColor(0, 0, 0, 210), 3.0))
        p.drawPath(path)
        p.fillPath(path, colour)
    else:
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(QColor(0, 0, 0, 150))
        p.drawRoundedRect(QRectF(0, 0, w, h), 3, 3)
        p.setPen(colour)
        p.drawText(baseline, text)
    p.end()
    _LABELS[key] = pixmap
    return pixmap


_PROBE: list[QPixmap] = []


def _probe() -> QPixmap:
    """A pixmap to measure text with, as it will be drawn into label pixmaps."""
    if not _PROBE:
        _PROBE.append(QPixmap(1, 1))
    return _PROBE[0]


def _dpr(painter: QPainter) -> float:
    device = painter.device()
    return float(device.devicePixelRatioF()) if device is not None else 1.0


class RegionLook:
    """What drawing one region needs, built once per region value: its outline path (film
    coordinates), its tag and label texts."""

    __slots__ = ("corners", "label", "path", "region", "tag")

    def __init__(self, region: Region, image: XrayImage | None) -> None:
        self.region = region
        pts = region.outline(samples=96)
        path = QPainterPath()
        if region.geometry in CLOSED:
            path.addPolygon(QPolygonF([QPointF(x, y) for x, y in pts]))
            path.closeSubpath()
        elif region.geometry in ("arrow", "length"):
            path.moveTo(QPointF(*pts[0]))
            path.lineTo(QPointF(*pts[1]))
        self.path = path
        (x0, y0), (x1, y1) = pts.min(axis=0), pts.max(axis=0)
        self.corners = np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1]])
        self.tag = tag_text(region)
        self.label = (
            region.label
            if region.geometry == "text"
            else length_text(region, image)
            if region.geometry == "length"
            else ""
        )

    @property
    def decorated(self) -> bool:
        return bool(self.tag or self.label) or self.region.geometry in ("arrow", "point")


def paint_decorations(
    painter: QPainter, t: QTransform, look: RegionLook, pen: QPen, *, tag: bool = True
) -> None:
    """Arrow head, calliper ticks and label, point mark, text and tag, in device space
    (the painter's transform has been reset; ``t`` maps film to device)."""
    r = look.region
    colour = pen.color()
    dpr = _dpr(painter)
    if r.geometry == "arrow":
        _arrow_head(painter, t, r, colour)
    elif r.geometry == "length":
        (ax, ay), (bx, by) = r.points
        a, b = t.map(QPointF(ax, ay)), t.map(QPointF(bx, by))
        dx, dy = b.x() - a.x(), b.y() - a.y()
        n = math.hypot(dx, dy) or 1.0
        nx, ny = -dy / n * 6, dx / n * 6
        painter.setPen(pen)
        for p in (a, b):
            painter.drawLine(QPointF(p.x() - nx, p.y() - ny), QPointF(p.x() + nx, p.y() + ny))
        if look.label:
            at = QPointF((a.x() + b.x()) / 2 + 8, (a.y() + b.y()) / 2 + 4)
            painter.drawPixmap(at, label_pixmap(look.label, colour, big=False, dpr=dpr))
    elif r.geometry == "point":
        c = t.map(QPointF(*r.points[0]))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        for p in (HALO_PEN, pen):
            painter.setPen(p)
            painter.drawEllipse(c, POINT_PX, POINT_PX)
        painter.drawLine(QPointF(c.x() - 2, c.y()), QPointF(c.x() + 2, c.y()))
        painter.drawLine(QPointF(c.x(), c.y() - 2), QPointF(c.x(), c.y() + 2))
    elif r.geometry == "text" and look.label:
        painter.drawPixmap(
            t.map(QPointF(*r.points[0])), label_pixmap(look.label, colour, big=True, dpr=dpr)
        )
    if tag and look.tag:
        corner = t.mapRect(QRectF(*look.corners[0], *(look.corners[2] - look.corners[0])))
        pixmap = label_pixmap(look.tag, colour, big=False, dpr=dpr)
        dx, dy = tag_offset(look, pixmap.height() / dpr)
        painter.drawPixmap(QPointF(corner.left() + dx, corner.top() + dy), pixmap)


def tag_offset(look: RegionLook, height: float) -> tuple[float, float]:
    """Where a tag goes from the top-left of the region's box on screen (above it; beside
    a point's mark)."""
    if look.region.geometry == "point":
        return POINT_PX + 4.0, -POINT_PX - height
    return 0.0, -height - 2.0


def _arrow_head(painter: QPainter, t: QTransform, r: Region, colour: QColor) -> None:
    (tx, ty), (hx, hy) = r.points
    tail, head = t.map(QPointF(tx, ty)), t.map(QPointF(hx, hy))
    dx, dy = head.x() - tail.x(), head.y() - tail.y()
    n = math.hypot(dx, dy)
    if n < 1e-6:
        return
    ux, uy = dx / n, dy / n
    size = min(ARROW_HEAD_PX, 0.6 * n)
    base = QPointF(head.x() - ux * size, head.y() - uy * size)
    wing = QPointF(-uy * size * 0.45, ux * size * 0.45)
    painter.setPen(_pen(HALO, 1.5))
    painter.setBrush(colour)
    painter.drawPolygon(QPolygonF([head, base + wing, base - wing]))


def device_text_rect(look: RegionLook, t: QTransform, dpr: float = 1.0) -> QRectF | None:
    """Where a text region's label is, in device (viewport) coordinates."""
    if look.region.geometry != "text" or not look.label:
        return None
    pixmap = label_pixmap(look.label, COLOURS[look.region.kind], big=True, dpr=dpr)
    anchor = t.map(QPointF(*look.region.points[0]))
    size = pixmap.deviceIndependentSize()
    return QRectF(anchor, size).adjusted(-3, -3, 3, 3)


class RegionItem(QGraphicsItem):
    """One region drawn on its own: selected (with handles), linked, or being dragged."""

    def __init__(self, look: RegionLook, layer: RegionLayer) -> None:
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
                rect = device_text_rect(self.look, t, _dpr(painter))
                if rect is not None:
                    painter.setPen(_pen(pen.color(), 1.0, Qt.PenStyle.DotLine))
                    painter.setBrush(Qt.BrushStyle.NoBrush)
                    painter.drawRect(rect)
            painter.setPen(HANDLE_PEN)
            painter.setBrush(HANDLE_BRUSH)
            h = HANDLE_PX / 2
            for x, y in handles(self.region):
                p = t.map(QPointF(x, y))
                painter.drawRect(QRectF(p.x() - h, p.y() - h, 2 * h, 2 * h))
        painter.restore()


class RegionBatch(QGraphicsItem):
    """Every region of a pane that is not lifted, in a handful of draw calls per frame."""

    def __init__(self, layer: RegionLayer) -> None:
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
        dpr = _dpr(painter)
        for i in near:
            look = self._decorated[i]
            pen = PENS[look.region.kind]
            if look.tag:  # the common case, kept to one dict lookup and one blit
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


class RegionLayer:
    """The regions of one pane: a batch for most, own items for the ones being worked on."""

    def __init__(self, pane: PaneView, editor: RegionEditor) -> None:
        self.pane = pane
        self.editor = editor
        self.document = pane.document
        self.looks: dict[str, RegionLook] = {}  # every region of this film, in model order
        self.items: dict[str, RegionItem] = {}  # the lifted ones
        self._previewing: set[str] = set()
        self._styles: dict[str, str] = {}
        self.pixel_bucket = 1.0
        self.image = self.document.image(pane.film)
        self.batch = RegionBatch(self)
        pane.scene().addItem(self.batch)
        annotations = self.document.annotations
        annotations.region_added.connect(self._on_added)
        annotations.region_changed.connect(self._on_changed)
        annotations.region_removed.connect(self._on_removed)
        annotations.regions_reset.connect(self.rebuild)
        # the core resets regions before pair_changed: rebuild again once the pair is in
        self.document.pair_changed.connect(self.rebuild)
        self.document.view_changed.connect(self._on_view_changed)
        self.document.alignment_changed.connect(self._on_view_changed)
        editor.selection.changed.connect(self._restate)
        editor.options_changed.connect(self._on_options_changed)
        self._update_pixel_bucket()
        self.rebuild()

    @property
    def film(self) -> str:
        return self.pane.film

    @property
    def regions(self) -> dict[str, Region]:
        """The regions shown on this pane, by id."""
        return {i: look.region for i, look in self.looks.items()}

    def batch_looks(self) -> list[RegionLook]:
        return [look for i, look in self.looks.items() if i not in self.items]

    def batch_styles(self) -> dict[str, str]:
        """ "selected" / "linked" for batched regions that are (beyond the lifted ones)."""
        return self._styles

    def look(self, region_id: str) -> RegionLook | None:
        item = self.items.get(region_id)
        return item.look if item is not None else self.looks.get(region_id)

    # -- model -> view -------------------------------------------------------------------
    def rebuild(self) -> None:
        self.image = self.document.image(self.film)
        for item in list(self.items.values()):
            self._drop_item(item)
        self.items, self._previewing = {}, set()
        self.looks = {}
        if self.image is not None:
            for region in self.document.annotations.on_film(self.film):  # type: ignore[arg-type]
                self.looks[region.id] = RegionLook(region, self.image)
        self._restate()
        self.batch.invalidate()

    def _on_added(self, region: Region) -> None:
        if region.film == self.film and self.image is not None:
            self.looks[region.id] = RegionLook(region, self.image)
            self._restate()
            self.batch.invalidate()

    def _on_changed(self, old: Region, new: Region) -> None:
        if new.film != self.film:
            self._on_removed(old)
            return
        if self.image is None:
            return
        look = RegionLook(new, self.image)
        self.looks[new.id] = look
        self._previewing.discard(new.id)
        item = self.items.get(new.id)
        if item is not None:
            item.set_look(look)
        self._restate()
        self.batch.invalidate()

    def _on_removed(self, region: Region) -> None:
        if self.looks.pop(region.id, None) is not None:
            self._previewing.discard(region.id)
            item = self.items.pop(region.id, None)
            if item is not None:
                self._drop_item(item)
            self.batch.invalidate()

    def _drop_item(self, item: RegionItem) -> None:
        if item.scene() is not None:
            item.scene().removeItem(item)

    def _restate(self) -> None:
        """Lift the current region (the last selected), its counterpart and any preview into
        their own items; other selected and linked regions are styled inside the batch, so
        selecting all 500 regions costs no more per frame than selecting none."""
        annotations = self.document.annotations
        selection = [i for i in self.editor.selection.ids if i in annotations]
        selected = set(selection)
        lineages = {annotations.get(i).lineage_id for i in selected}
        current = annotations.get(selection[-1]) if selection else None
        styles: dict[str, str] = {}
        wanted: dict[str, tuple[bool, bool]] = {}
        for i, look in self.looks.items():
            is_selected, is_linked = i in selected, look.region.lineage_id in lineages
            lifted = i in self._previewing or (
                current is not None and look.region.lineage_id == current.lineage_id
            )
            if lifted:
                wanted[i] = (is_selected, is_linked and not is_selected)
            elif is_selected:
                styles[i] = "selected"
            elif is_linked:
                styles[i] = "linked"
        changed = styles != self._styles
        self._styles = styles
        for region_id in list(self.items):
            if region_id not in wanted:
                self._drop_item(self.items.pop(region_id))
                changed = True
        for region_id, (is_selected, is_linked) in wanted.items():
            item = self.items.get(region_id)
            if item is None:
                item = RegionItem(self.looks[region_id], self)
                item.setVisible(self.editor.visible)
                self.pane.scene().addItem(item)
                self.items[region_id] = item
                changed = True
            item.set_state(is_selected, is_linked)
        if changed:
            self.batch.invalidate()

    def _on_options_changed(self) -> None:
        self.batch.setVisible(self.editor.visible)
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
            self.batch.invalidate()

    # -- tools ---------------------------------------------------------------------------
    def preview(self, region: Region) -> None:
        """Show a changed copy of a region while a tool drags it (the model is unchanged)."""
        if region.id not in self.looks or self.image is None:
            return
        if region.id not in self._previewing:
            self._previewing.add(region.id)
            self._restate()
        item = self.items.get(region.id)
        if item is not None:
            item.set_look(RegionLook(region, self.image))

    def end_preview(self, region_id: str) -> None:
        """Show the model's region again (a drag was cancelled or changed nothing)."""
        if region_id in self._previewing:
            self._previewing.discard(region_id)
            item = self.items.get(region_id)
            if item is not None and region_id in self.looks:
                item.set_look(self.looks[region_id])
            self._restate()

    def device_text_rect(self, region_id: str) -> QRectF | None:
        """Where a text region's label is on the viewport (for hit tests)."""
        look = self.look(region_id)
        if look is None:
            return None
        return device_text_rect(look, self.pane.viewportTransform())

    def bounds_contain(self, region_id: str, xy: tuple[float, float], margin: float) -> bool:
        """Whether ``xy`` is within ``margin`` film pixels of the region's bounding box."""
        look = self.looks[region_id]
        (x0, y0), (x1, y1) = look.corners[0], look.corners[2]
        x, y = xy
        return x0 - margin <= x <= x1 + margin and y0 - margin <= y <= y1 + margin
