"""What the comparison pane draws over the picture: colour bar, divider, labels, quality.

Plain functions on a QPainter in viewport (logical pixel) coordinates, so the pane stays a
small class. Text is drawn with Qt fonts (true minus signs, any script); the colour bar's
gradient and tick positions come from the core's
:func:`~xraycompare.core.compare.colormaps.colour_bar`.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QPainter, QPen

from xraycompare.core.compare.colormaps import Colormap, colour_bar
from xraycompare.core.document import Document
from xraycompare.qt.view.film_item import qimage_from_array

PANEL = QColor(12, 12, 14, 200)
TEXT = QColor(235, 235, 235)
DIM = QColor(175, 175, 175)
FADED = 0.12  # opacity of an overlay under the cursor
NEAR = 24.0  # logical px around an overlay where the cursor fades it
TOP = 54.0  # below a pane's title and subtitle
FALSE_CHANGE_NOTE = (
    "Positioning differences (rotation, pronation, finger posture) show as false change; "
    "a local alignment (Tools ▸ Align a region) removes it for one finger."
)


def draw_text_block(
    painter: QPainter,
    at: QPointF,
    lines: Sequence[str],
    *,
    centre: bool = False,
    font: QFont | None = None,
) -> QRectF:
    """Lines on a dark rounded panel; ``at`` is the top-left (or the centre) of the panel."""
    if font is not None:
        painter.setFont(font)
    metrics = QFontMetricsF(painter.font())
    pad = 6.0
    width = max((metrics.horizontalAdvance(line) for line in lines), default=0.0) + 2 * pad
    height = metrics.height() * len(lines) + 2 * pad
    x, y = (at.x() - width / 2, at.y() - height / 2) if centre else (at.x(), at.y())
    box = QRectF(x, y, width, height)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(PANEL)
    painter.drawRoundedRect(box, 4, 4)
    painter.setPen(TEXT)
    for i, line in enumerate(lines):
        painter.drawText(QPointF(x + pad, y + pad + metrics.ascent() + i * metrics.height()), line)
    return box


def draw_colour_bar(
    painter: QPainter,
    font: QFont,
    viewport: tuple[float, float],
    *,
    colormap: Colormap,
    limit: float,
    absolute: bool,
    film: QRectF | None = None,
    taken: Sequence[QRectF] = (),
) -> QRectF:
    """A vertical colour bar with tick values, in the pane's corner that hides least of the
    film (``film``: where it is drawn) and of the ``taken`` overlays; returns its panel."""
    w, h = viewport
    small = QFont(font)
    small.setPointSizeF(max(7.5, font.pointSizeF() * 0.9))
    painter.setFont(small)
    metrics = QFontMetricsF(small)
    title = "|after − before|" if absolute else "after − before"
    hint = "orange: more bone" if not absolute else ""
    pad, thickness = 8.0, 14
    longest = int(max(60, min(220, 0.3 * h)))
    bar = colour_bar(colormap, limit=limit, length=longest, thickness=thickness, labels=False)
    label_w = max((metrics.horizontalAdvance(t.label) for t in bar.ticks), default=0.0)
    inner_w = max(thickness + 6 + label_w, metrics.horizontalAdvance(title))
    panel_w = max(inner_w, metrics.horizontalAdvance(hint)) + 2 * pad
    texts_h = 2 * metrics.height() + 2 * pad + (metrics.height() if hint else 0) + 4
    options = []
    for length in (longest, max(60, longest // 2)):  # a shorter bar that clears the film
        panel_h = length + texts_h
        for x, y in ((w - panel_w - 10, TOP), (w - panel_w - 10, h - panel_h - 10),
                     (10, TOP), (10, h - panel_h - 10)):  # fmt: skip
            options.append((QRectF(x, y, panel_w, panel_h), length))
    panel, length = min(options, key=lambda o: (_covered(o[0], film, taken), options.index(o)))
    if length != longest:
        bar = colour_bar(colormap, limit=limit, length=length, thickness=thickness, labels=False)
    x, y = panel.x(), panel.y()
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(PANEL)
    painter.drawRoundedRect(panel, 4, 4)
    painter.setPen(TEXT)
    painter.drawText(QPointF(x + pad, y + pad + metrics.ascent()), title)
    top = y + pad + metrics.height() + 0.5 * metrics.height()
    painter.drawImage(QPointF(x + pad, top), qimage_from_array(bar.image))
    pen = QPen(TEXT, 1.0)
    for tick in bar.ticks:
        row = top + (length - 1 - tick.position) + 0.5
        painter.setPen(pen)
        painter.drawLine(QPointF(x + pad + thickness, row), QPointF(x + pad + thickness + 4, row))
        baseline = row + metrics.ascent() / 2 - 1
        painter.drawText(QPointF(x + pad + thickness + 6, baseline), tick.label)
    if hint:
        painter.setPen(DIM)
        painter.drawText(QPointF(x + pad, top + length + metrics.height()), hint)
    return panel


def _covered(panel: QRectF, film: QRectF | None, taken: Sequence[QRectF]) -> float:
    """How much of the film and of other overlays a panel would hide (area, px²)."""
    hidden = 0.0
    for other in (film, *taken):
        if other is not None:
            cut = panel.intersected(other)
            hidden += cut.width() * cut.height() * (1.0 if other is film else 4.0)
    return hidden


def draw_swipe_divider(
    painter: QPainter, position: float, viewport: tuple[float, float], *, vertical: bool
) -> None:
    """The curtain's edge with a round handle, and which film lies on which side."""
    w, h = viewport
    a, b = (
        (QPointF(position, 0), QPointF(position, h))
        if vertical
        else (
            QPointF(0, position),
            QPointF(w, position),
        )
    )
    for colour, width in ((QColor(0, 0, 0, 150), 4.0), (QColor(255, 210, 0), 1.5)):
        pen = QPen(colour, width)
        pen.setCosmetic(True)
        painter.setPen(pen)
        painter.drawLine(a, b)
    centre = QPointF(position, h / 2) if vertical else QPointF(w / 2, position)
    painter.setBrush(QColor(255, 210, 0))
    painter.setPen(QPen(QColor(0, 0, 0, 180), 1.5))
    painter.drawEllipse(centre, 9, 9)
    painter.setPen(QPen(QColor(30, 30, 30), 1.5))
    if vertical:
        painter.drawLine(centre + QPointF(-4, 0), centre + QPointF(4, 0))
    else:
        painter.drawLine(centre + QPointF(0, -4), centre + QPointF(0, 4))
    metrics = QFontMetricsF(painter.font())
    if vertical:
        before_at = QPointF(position - metrics.horizontalAdvance("Before") - 20, h / 2 - 24)
        after_at = QPointF(position + 12, h / 2 - 24)
    else:
        before_at = QPointF(w / 2 + 16, position - metrics.height() - 22)
        after_at = QPointF(w / 2 + 16, position + 10)
    draw_text_block(painter, before_at, ["Before"])
    draw_text_block(painter, after_at, ["After"])


def draw_flicker_label(
    painter: QPainter, font: QFont, viewport: tuple[float, float], phase: str, name: str
) -> QRectF:
    """Which film is on screen now, large enough to read across a room."""
    w, _h = viewport
    big = QFont(font)
    big.setPointSizeF(max(16.0, font.pointSizeF() * 2.0))
    big.setBold(True)
    title = "BEFORE" if phase == "before" else "AFTER"
    painter.setFont(big)
    metrics = QFontMetricsF(big)
    top = 54.0  # below the pane's title and subtitle
    box = QRectF(w / 2 - metrics.horizontalAdvance(title) / 2 - 14, top, 0, metrics.height() + 8)
    box.setWidth(metrics.horizontalAdvance(title) + 28)
    colour = QColor(79, 172, 248) if phase == "before" else QColor(224, 148, 95)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(PANEL)
    painter.drawRoundedRect(box, 5, 5)
    painter.setPen(QPen(colour, 2.0))
    painter.setBrush(Qt.BrushStyle.NoBrush)
    painter.drawRoundedRect(box, 5, 5)
    painter.setPen(TEXT)
    painter.drawText(box, Qt.AlignmentFlag.AlignCenter, title)
    painter.setFont(font)
    painter.setPen(DIM)
    small = QFontMetricsF(font)
    painter.drawText(QPointF(w / 2 - small.horizontalAdvance(name) / 2, box.bottom() + 16), name)
    return box.adjusted(0, 0, 0, small.height() + 4)


def quality_line(document: Document, measured: dict | None) -> str:
    """The active alignment's name, how it was made and its correlation inside the hand."""
    active = document.active_alignment
    if active is None:
        return "Not aligned: every difference in position shows as change"
    quality = dict(active.quality) or dict(measured or {})
    ncc = quality.get("ncc_region", quality.get("ncc_final"))  # a local one: its region's
    figure = f" · NCC {ncc:.3f}" if isinstance(ncc, int | float) and ncc == ncc else ""
    where = " (local)" if active.roi is not None else ""
    return f"Alignment: {active.name}{where}, {active.method}{figure}"


def draw_quality_note(
    painter: QPainter,
    font: QFont,
    viewport: tuple[float, float],
    document: Document,
    measured: dict | None,
) -> QRectF:
    """Registration quality and the false-change reminder, bottom left, wrapped."""
    w, h = viewport
    small = QFont(font)
    small.setPointSizeF(max(7.5, font.pointSizeF() * 0.9))
    painter.setFont(small)
    metrics = QFontMetricsF(small)
    pad = 6.0
    width = min(560.0, w - 24)
    text_rect = QRectF(0, 0, width - 2 * pad, 1000)
    flags = Qt.TextFlag.TextWordWrap
    note = metrics.boundingRect(text_rect, flags, FALSE_CHANGE_NOTE)
    first = quality_line(document, measured)
    height = metrics.height() + note.height() + 2 * pad + 2
    box = QRectF(12, h - height - 10, width, height)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(PANEL)
    painter.drawRoundedRect(box, 4, 4)
    painter.setPen(TEXT)
    painter.drawText(QPointF(box.x() + pad, box.y() + pad + metrics.ascent()), first)
    painter.setPen(DIM)
    body = QRectF(
        box.x() + pad, box.y() + pad + metrics.height() + 2, width - 2 * pad, note.height()
    )
    painter.drawText(body, flags, FALSE_CHANGE_NOTE)
    return box


def faded(rect: QRectF | None, cursor: QPointF | None) -> float:
    """The opacity of an overlay: faint while the cursor is on or near it, so it never hides
    the film the reader is looking at."""
    if rect is None or cursor is None:
        return 1.0
    return FADED if rect.adjusted(-NEAR, -NEAR, NEAR, NEAR).contains(cursor) else 1.0
