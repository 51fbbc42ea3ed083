"""Landmark pairs on the panes: numbered markers, and the tool that adds, drags and deletes them.

Clicking a film adds a pair: the point clicked and its partner's first guess on the other
film, through the current alignment; dragging a marker corrects it (a live preview, one
undo step on release); Delete removes the selected pair.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QKeyEvent, QMouseEvent, QPainter, QPen
from PySide6.QtWidgets import QGraphicsItem, QStyleOptionGraphicsItem, QWidget

from xraycompare.core.document import Document
from xraycompare.core.geometry import invert, transform_point
from xraycompare.core.registration.alignment import LandmarkPair
from xraycompare.core.types import Film, other
from xraycompare.qt.view.pane import PaneTool

if TYPE_CHECKING:
    from xraycompare.qt.alignment.controller import AlignmentController
    from xraycompare.qt.view.pane import PaneView

MARKER_RADIUS = 7.0
HIT_RADIUS = 10.0
NORMAL = QColor(0, 220, 255)
SELECTED = QColor(255, 210, 0)


class LandmarkMarker(QGraphicsItem):
    """A numbered ring of constant screen size at a film point."""

    def __init__(self, pair_id: str, number: int) -> None:
        super().__init__()
        self.pair_id = pair_id
        self.number = number
        self.selected = False
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIgnoresTransformations, True)
        self.setZValue(500)

    def boundingRect(self) -> QRectF:
        r = MARKER_RADIUS + 2
        return QRectF(-r, -r, 2 * r + 24, 2 * r)

    def paint(
        self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None
    ) -> None:
        colour = SELECTED if self.selected else NORMAL
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        for pen_colour, width in ((QColor(0, 0, 0, 180), 3.0), (colour, 1.5)):
            painter.setPen(QPen(pen_colour, width))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawEllipse(QPointF(0, 0), MARKER_RADIUS, MARKER_RADIUS)
            painter.drawLine(QPointF(-3, 0), QPointF(3, 0))
            painter.drawLine(QPointF(0, -3), QPointF(0, 3))
        font = QFont()
        font.setBold(True)
        font.setPointSizeF(9)
        painter.setFont(font)
        painter.setPen(QColor(0, 0, 0))
        painter.drawText(QPointF(MARKER_RADIUS + 3, 5), str(self.number))
        painter.setPen(colour)
        painter.drawText(QPointF(MARKER_RADIUS + 2, 4), str(self.number))


class LandmarkLayer:
    """The markers of one pane, rebuilt from the Document whenever landmarks change."""

    def __init__(self, pane: PaneView) -> None:
        self.pane = pane
        self.markers: dict[str, LandmarkMarker] = {}
        self.selected: str | None = None
        self.visible = True
        pane.document.landmarks_changed.connect(self.rebuild)
        pane.document.pair_changed.connect(self.rebuild)
        self.rebuild()

    def rebuild(self) -> None:
        scene = self.pane.scene()
        for marker in self.markers.values():
            if marker.scene() is scene:
                scene.removeItem(marker)
        self.markers = {}
        if not self.visible:
            return
        for number, pair in enumerate(self.pane.document.landmarks, start=1):
            marker = LandmarkMarker(pair.id, number)
            marker.setPos(QPointF(*getattr(pair, self.pane.film)))
            marker.selected = pair.id == self.selected
            scene.addItem(marker)
            self.markers[pair.id] = marker

    def set_visible(self, visible: bool) -> None:
        self.visible = visible
        self.rebuild()

    def select(self, pair_id: str | None) -> None:
        self.selected = pair_id
        for marker in self.markers.values():
            marker.selected = marker.pair_id == pair_id
            marker.update()

    def hit(self, xy: tuple[float, float]) -> str | None:
        """The pair whose marker is within a few screen pixels of a film point."""
        here = self.pane.viewport_point(xy)
        best, best_d = None, HIT_RADIUS
        for pair_id, marker in self.markers.items():
            p = self.pane.viewport_point((marker.pos().x(), marker.pos().y()))
            d = ((p.x() - here.x()) ** 2 + (p.y() - here.y()) ** 2) ** 0.5
            if d <= best_d:
                best, best_d = pair_id, d
        return best


def partner_guess(document: Document, film: Film, xy: tuple[float, float]) -> tuple[float, float]:
    """Where the point ``xy`` of ``film`` is expected on the other film (current alignment)."""
    before_xy = transform_point(document.film_to_before(film), *xy)
    return transform_point(invert(document.film_to_before(other(film))), *before_xy)


def next_id(pairs: tuple[LandmarkPair, ...]) -> str:
    numbers = [int(p.id[1:]) for p in pairs if p.id[:1] == "L" and p.id[1:].isdigit()]
    return f"L{max(numbers, default=0) + 1}"


class LandmarkTool(PaneTool):
    """Add, drag and delete landmark pairs on either pane."""

    def __init__(self, controller: AlignmentController, layers: dict[str, LandmarkLayer]):
        self.controller = controller
        self.layers = layers
        self.selected: str | None = None
        self._dragging: tuple[str, Film] | None = None

    @property
    def document(self) -> Document:
        return self.controller.document

    def select(self, pair_id: str | None) -> None:
        self.selected = pair_id
        for layer in self.layers.values():
            layer.select(pair_id)

    def press(self, pane: PaneView, xy: tuple[float, float], event: QMouseEvent) -> bool:
        hit = self.layers[pane.film].hit(xy)
        if hit is not None:
            self.select(hit)
            self._dragging = (hit, pane.film)
            return True
        pairs = self.document.landmarks
        new_id = next_id(pairs)
        partner = partner_guess(self.document, pane.film, xy)
        before_xy, after_xy = (xy, partner) if pane.film == "before" else (partner, xy)
        pair = LandmarkPair(new_id, before_xy, after_xy)
        self.controller.set_landmarks((*pairs, pair), f"Add landmark {len(pairs) + 1}")
        self.select(new_id)
        self._dragging = (new_id, pane.film)  # keep the button down to correct it at once
        return True

    def move(self, pane: PaneView, xy: tuple[float, float], event: QMouseEvent) -> None:
        if self._dragging is None:
            return
        marker = self.layers[pane.film].markers.get(self._dragging[0])
        if marker is not None:
            marker.setPos(QPointF(*xy))  # live preview; the model changes on release

    def release(self, pane: PaneView, xy: tuple[float, float], event: QMouseEvent) -> None:
        if self._dragging is None:
            return
        pair_id, film = self._dragging
        self._dragging = None
        pairs = self.document.landmarks
        index = next((i for i, p in enumerate(pairs) if p.id == pair_id), None)
        if index is None:
            return
        old = pairs[index]
        moved = (
            LandmarkPair(old.id, xy, old.after)
            if film == "before"
            else LandmarkPair(old.id, old.before, xy)
        )
        if _distance(getattr(old, film), xy) < 0.05:
            self.layers[film].rebuild()
            return
        new = (*pairs[:index], moved, *pairs[index + 1 :])
        self.controller.set_landmarks(new, f"Move landmark {index + 1}")

    def key(self, pane: PaneView, event: QKeyEvent) -> bool:
        if event.key() in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace) and self.selected:
            self.delete_selected()
            return True
        return False

    def delete_selected(self) -> None:
        pairs = self.document.landmarks
        index = next((i for i, p in enumerate(pairs) if p.id == self.selected), None)
        if index is None:
            return
        self.controller.set_landmarks(
            pairs[:index] + pairs[index + 1 :], f"Delete landmark {index + 1}"
        )
        self.select(None)


def _distance(a: tuple[float, float], b: tuple[float, float]) -> float:
    return ((a[0] - b[0]) ** 2 + (a[1] - b[1]) ** 2) ** 0.5
