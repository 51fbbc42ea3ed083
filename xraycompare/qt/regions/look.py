"""How a region looks on a pane: colours, cosmetic pens, labels as cached pixmaps, and the
decorations drawn in device space (arrow heads, calliper ticks, point marks, text, tags).

Shared by the batch that draws most regions and by the items of the regions being worked
on (:mod:`region_items`). A :class:`RegionLook` is built once per region value.
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

from xraycompare.core.annotations.measurements import measure_region
from xraycompare.core.annotations.regions import Region
from xraycompare.core.types import CLOSED_GEOMETRIES, STATUS_LABELS

if TYPE_CHECKING:
    from xraycompare.core.io.image import XrayImage

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
CLOSED = CLOSED_GEOMETRIES


def cosmetic_pen(colour: QColor, width: float, style: Qt.PenStyle = Qt.PenStyle.SolidLine) -> QPen:
    pen = QPen(colour, width, style)
    pen.setCosmetic(True)
    pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
    pen.setCapStyle(Qt.PenCapStyle.RoundCap)
    return pen


# 1-px cosmetic pens take Qt's fast stroker (0.5 ms for 250 outlines, antialiased); any
# wider pen takes the general one (9 ms, 60 ms as one merged path). Batched outlines are
# therefore 1 px with a 1-px dark shadow, which reads on bone and on air.
PENS = {kind: cosmetic_pen(c, 1.0) for kind, c in COLOURS.items()}
SHADOW_PEN = cosmetic_pen(QColor(0, 0, 0, 190), 1.0)
SHADOW_OFFSET = QTransform.fromTranslate(1.0, 1.0)  # device pixels, applied after the view
BATCH_PENS = {  # (kind, style) -> pen: selected ones beyond the current one are white
    **{(kind, "normal"): pen for kind, pen in PENS.items()},
    **{(kind, "selected"): cosmetic_pen(QColor(255, 255, 255), 1.0) for kind in COLOURS},
    **{(kind, "linked"): cosmetic_pen(c, 1.0, Qt.PenStyle.DashLine) for kind, c in COLOURS.items()},
}
SELECTED_PENS = {kind: cosmetic_pen(c, 2.5) for kind, c in COLOURS.items()}
ARROW_PENS = {kind: cosmetic_pen(c, 2.0) for kind, c in COLOURS.items()}
LINKED_PENS = {kind: cosmetic_pen(c, 1.5, Qt.PenStyle.DashLine) for kind, c in COLOURS.items()}
HALO_PEN = cosmetic_pen(HALO, 4.0)
HANDLE_PEN = cosmetic_pen(QColor(0, 0, 0), 1.0)
HANDLE_BRUSH = QBrush(QColor(255, 255, 255))


def _font(point_size: float, bold: bool = False) -> QFont:
    font = QFont()
    font.setPointSizeF(point_size)
    font.setBold(bold)
    return font


TAG_FONT = _font(8.5, bold=True)
TEXT_FONT = _font(13.0, bold=True)
_LABEL_SCALE = [1.0]  # the projector setting (View ▸ Label size): tags and text labels


def set_label_scale(scale: float) -> None:
    """Draw region tags and text labels ``scale`` times their normal size from now on."""
    if scale != _LABEL_SCALE[0]:
        _LABEL_SCALE[0] = float(scale)
        _LABELS.clear()


def _scaled(font: QFont) -> QFont:
    if _LABEL_SCALE[0] == 1.0:
        return font
    bigger = QFont(font)
    bigger.setPointSizeF(font.pointSizeF() * _LABEL_SCALE[0])
    return bigger


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
    key = (text, colour.rgba(), big, dpr, _LABEL_SCALE[0])
    pixmap = _LABELS.get(key)
    if pixmap is not None:
        return pixmap
    if len(_LABELS) > 4000:  # lengths change with every drag: keep the cache bounded
        _LABELS.clear()
    font = _scaled(TEXT_FONT if big else TAG_FONT)
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
        p.setPen(cosmetic_pen(QColor(0, 0, 0, 210), 3.0))
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


def device_pixel_ratio(painter: QPainter) -> float:
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
    dpr = device_pixel_ratio(painter)
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
    painter.setPen(cosmetic_pen(HALO, 1.5))
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
