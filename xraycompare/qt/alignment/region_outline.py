"""The active local alignment's rectangle on every pane, with its name and its own quality.

A local alignment is only true inside its rectangle: the reader must see where that is, on
the before film, on the after film (through the alignment, so a rotated finger shows a
rotated box) and on the comparison, and read the figures measured inside it, not the whole
hand's.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QColor, QFont, QPen, QPolygonF
from PySide6.QtWidgets import QGraphicsPolygonItem, QGraphicsSimpleTextItem

from xraycompare.core.document import Document
from xraycompare.core.geometry import invert, transform_point
from xraycompare.core.registration.alignment import Alignment

if TYPE_CHECKING:
    from xraycompare.qt.view.pane import PaneView

OUTLINE = QColor(255, 210, 0)


def outline_label(alignment: Alignment, measured: Mapping[str, object] | None = None) -> str:
    """ "PIP3 right · local · NCC 0.941 here": the name, and the correlation inside the
    rectangle (the whole hand's, marked so, when the region's is not known)."""
    quality = dict(alignment.quality) or dict(measured or {})
    ncc, where = quality.get("ncc_region"), " here"
    if ncc is None:
        ncc, where = quality.get("ncc_final"), " (hand)"
    figure = f" · NCC {ncc:.3f}{where}" if isinstance(ncc, int | float) and ncc == ncc else ""
    return f"{alignment.name} · local{figure}"


class RegionOutline:
    """Draws the active local alignment's rectangle in one pane (nothing for a global one)."""

    def __init__(self, pane: PaneView, *, before_frame: bool = False) -> None:
        self.pane = pane
        self.before_frame = before_frame  # the comparison pane draws in the before frame
        self.measured: Mapping[str, object] | None = None
        pen = QPen(OUTLINE, 1.5, Qt.PenStyle.DashLine)
        pen.setCosmetic(True)
        self.box = QGraphicsPolygonItem()
        self.box.setPen(pen)
        self.box.setZValue(400)
        self.label = QGraphicsSimpleTextItem()
        self.label.setFlag(QGraphicsSimpleTextItem.GraphicsItemFlag.ItemIgnoresTransformations)
        self.label.setBrush(OUTLINE)
        font = QFont()
        font.setBold(True)
        self.label.setFont(font)
        self.label.setZValue(401)
        scene = pane.scene()
        scene.addItem(self.box)
        scene.addItem(self.label)
        doc: Document = pane.document
        doc.alignment_changed.connect(self.refresh)
        doc.pair_changed.connect(self.refresh)
        self.refresh()

    def set_measured(self, quality: object) -> None:
        """Figures measured for the active alignment (when it carries none of its own)."""
        self.measured = quality if isinstance(quality, dict) else None
        self.refresh()

    def refresh(self) -> None:
        doc: Document = self.pane.document
        active = doc.active_alignment
        roi = active.roi if active is not None else None
        shown = roi is not None and doc.has_pair
        self.box.setVisible(shown)
        self.label.setVisible(shown)
        if not shown or active is None or roi is None:
            return
        x, y, w, h = roi
        corners = ((x - 0.5, y - 0.5), (x + w - 0.5, y - 0.5), (x + w - 0.5, y + h - 0.5),
                   (x - 0.5, y + h - 0.5))  # fmt: skip
        # before frame -> this pane's film pixels (the after pane: through the alignment)
        film = "before" if self.before_frame else self.pane.film
        to_film = invert(doc.film_to_before(film))
        points = [QPointF(*transform_point(to_film, *c)) for c in corners]
        self.box.setPolygon(QPolygonF(points))
        self.label.setText(outline_label(active, self.measured))
        self.label.setPos(min(points, key=lambda p: (p.y(), p.x())))  # inside, top corner
