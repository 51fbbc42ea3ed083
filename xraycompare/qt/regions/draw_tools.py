"""Region tools: draw polygons, freehand outlines, ellipses, rectangles, points, arrows,
text labels and length callipers on either pane (selecting and editing: region_select).

Every tool works in the pane's film pixel coordinates and turns screen distances (hit
and snap tolerances, "a click is not a drag") into film pixels at the current zoom.
Rectangles and ellipses are dragged out in *screen* space, so what the user sees is what
they get even on the after pane, which is turned by the alignment. A drag shows a live
preview and becomes one undo step on release; Escape cancels whatever is in progress.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QColor, QKeyEvent, QMouseEvent, QPainterPath, QPen, QPolygonF
from PySide6.QtWidgets import QGraphicsPathItem

from xraycompare.core.annotations.editing import smooth_outline, snap_point
from xraycompare.core.types import GEOMETRIES, VERTEX_GEOMETRIES
from xraycompare.qt.regions.layer import RegionLayer
from xraycompare.qt.regions.look import length_text
from xraycompare.qt.view.pane import PaneTool

if TYPE_CHECKING:
    from xraycompare.qt.regions.editor import RegionEditor
    from xraycompare.qt.view.pane import PaneView

HIT_PX = 6.0  # how near (screen pixels) a click must be to an outline or a handle
CLICK_PX = 4.0  # a press and release closer than this is a click, not a drag
SNAP_PX = 8.0
MIN_MOVE = 0.05  # film px: a drag shorter than this changes nothing
DRAW_TOOLS = GEOMETRIES  # a tool draws each kind of region

XY = tuple[float, float]


AskText = Callable[[str, str], str | None]  # (title, default) -> the text, None if cancelled


def no_text_dialog(title: str, default: str = "") -> str | None:
    """The text of a label when no one can be asked (tools made without dialogs)."""
    return None


class RegionToolBase(PaneTool):
    """What the region tools share: the editor, the pane layers, tolerances and snapping."""

    def __init__(self, editor: RegionEditor, layers: dict[str, RegionLayer]) -> None:
        self.editor = editor
        self.layers = layers

    def px(self, pane: PaneView, screen_px: float) -> float:
        """``screen_px`` screen pixels in film pixels on ``pane`` at the current zoom."""
        return screen_px * self.layers[pane.film].pixel_size()

    def snapped(self, pane: PaneView, xy: XY, *, exclude: str | None = None) -> XY:
        if not self.editor.snapping:
            return xy
        regions = [
            r for r in self.editor.document.annotations.on_film(pane.film) if r.id != exclude
        ]
        return snap_point(regions, xy, tolerance=self.px(pane, SNAP_PX))

    def screen_distance(self, pane: PaneView, a: XY, b: XY) -> float:
        pa, pb = pane.viewport_point(a), pane.viewport_point(b)
        return ((pa.x() - pb.x()) ** 2 + (pa.y() - pb.y()) ** 2) ** 0.5

    def message(self, text: str) -> None:
        self.editor.message.emit(text)


class DrawTool(RegionToolBase):
    """Draw one kind of region; the tool stays on for the next one.

    polygon: click each vertex; double-click, Enter or a click on the first vertex closes
    it; Backspace removes the last vertex. freehand: drag around the outline. ellipse and
    rectangle: drag from corner to corner (Shift: circle or square). point: click. arrow:
    drag from the tail to the tip. text: click where the label starts, then type. length:
    drag from one end to the other.
    """

    cursor = Qt.CursorShape.CrossCursor

    def __init__(
        self,
        editor: RegionEditor,
        layers: dict[str, RegionLayer],
        geometry: str,
        *,
        ask_text: AskText = no_text_dialog,
    ) -> None:
        super().__init__(editor, layers)
        if geometry not in DRAW_TOOLS:
            raise ValueError(f"no drawing tool for {geometry!r}")
        self.geometry = geometry
        self.ask_text = ask_text
        self._pane: PaneView | None = None
        self._points: list[XY] = []
        self._hover: XY | None = None
        self._shift = False
        self._preview: QGraphicsPathItem | None = None

    # -- input ---------------------------------------------------------------------------
    def press(self, pane: PaneView, xy: XY, event: QMouseEvent) -> bool:
        xy = self.snapped(pane, xy)
        self._shift = bool(event.modifiers() & Qt.KeyboardModifier.ShiftModifier)
        if self.geometry == "polygon":
            return self._polygon_click(pane, xy)
        self.deactivate()
        self._pane, self._points = pane, [xy]
        self._show_preview(pane)
        return True

    def move(self, pane: PaneView, xy: XY, event: QMouseEvent) -> None:
        if pane is not self._pane or not self._points:
            return
        self._shift = bool(event.modifiers() & Qt.KeyboardModifier.ShiftModifier)
        if self.geometry == "freehand":
            if self.screen_distance(pane, self._points[-1], xy) >= 1.0:
                self._points.append(xy)
        elif self.geometry != "polygon":
            self._hover = self.snapped(pane, xy)
        self._update_preview()

    def release(self, pane: PaneView, xy: XY, event: QMouseEvent) -> None:
        if self.geometry == "polygon" or pane is not self._pane or not self._points:
            return
        start = self._points[0]
        end = self.snapped(pane, xy)
        points = list(self._points)
        self.deactivate()
        film = pane.film
        if self.geometry == "point":
            self._create(film, "point", [end])
        elif self.geometry == "text":
            text = self.ask_text("Text label", "")
            if text:
                self._create(film, "text", [start], label=text)
        elif self.geometry == "freehand":
            px = self.px(pane, 1.0)
            try:
                outline = smooth_outline(
                    [*points, end], sigma=2.0 * px, tolerance=min(max(0.35 * px, 0.2), 2.0)
                )
            except ValueError:
                self.message("Drag around the outline to draw a freehand region.")
                return
            self._create(film, "freehand", outline)
        elif self.screen_distance(pane, start, end) < CLICK_PX:
            self.message(f"Drag to draw a{'n' if self.geometry[0] in 'aeiou' else ''} "
                         f"{self.geometry}.")  # fmt: skip
        else:
            self._create(film, self.geometry, self._shape_points(pane, start, end))

    def double_click(self, pane: PaneView, xy: XY, event: QMouseEvent) -> bool:
        if self.geometry != "polygon" or pane is not self._pane:
            return False
        self._finish_polygon()
        return True

    def key(self, pane: PaneView, event: QKeyEvent) -> bool:
        key = event.key()
        if key == Qt.Key.Key_Escape and self._points:
            self.deactivate()
            return True
        if self.geometry == "polygon" and self._points:
            if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
                self._finish_polygon()
                return True
            if key == Qt.Key.Key_Backspace:
                self._points.pop()
                if not self._points:
                    self.deactivate()
                else:
                    self._update_preview()
                return True
        return False

    def deactivate(self) -> None:
        if self._preview is not None and self._preview.scene() is not None:
            self._preview.scene().removeItem(self._preview)
        if self._pane is not None and self.geometry == "polygon":
            with contextlib.suppress(RuntimeError, TypeError):
                self._pane.hovered.disconnect(self._on_hover)
        self._preview, self._pane, self._points, self._hover = None, None, [], None

    # -- polygon -------------------------------------------------------------------------
    def _polygon_click(self, pane: PaneView, xy: XY) -> bool:
        if self._pane is not None and pane is not self._pane:
            self.deactivate()  # a click on the other pane starts over there
        if not self._points:
            self._pane, self._points = pane, [xy]
            pane.hovered.connect(self._on_hover)
            self._show_preview(pane)
            return True
        near_first = self.screen_distance(pane, self._points[0], xy) <= HIT_PX
        if len(self._points) >= 3 and near_first:
            self._finish_polygon()
        elif self.screen_distance(pane, self._points[-1], xy) >= 1.0:
            self._points.append(xy)
            self._update_preview()
        return True

    def _on_hover(self, film: str, xy: object) -> None:
        if self._pane is not None and film == self._pane.film and xy is not None:
            self._hover = xy  # type: ignore[assignment]
            self._update_preview()

    def _finish_polygon(self) -> None:
        pane, points = self._pane, list(self._points)
        self.deactivate()
        if pane is None:
            return
        if len(points) < 3:
            self.message("A polygon needs at least three vertices.")
            return
        self._create(pane.film, "polygon", points)

    # -- shapes --------------------------------------------------------------------------
    def _shape_points(self, pane: PaneView, start: XY, end: XY) -> list[XY]:
        if self.geometry in ("arrow", "length"):
            return [start, end]
        a, b = pane.viewport_point(start), pane.viewport_point(end)
        dx, dy = b.x() - a.x(), b.y() - a.y()
        if self._shift:  # a square or a circle
            side = max(abs(dx), abs(dy))
            dx, dy = side if dx >= 0 else -side, side if dy >= 0 else -side

        def film(x: float, y: float) -> XY:
            return pane.film_point(QPointF(x, y))

        if self.geometry == "rectangle":
            x0, y0 = a.x(), a.y()
            return [film(x0, y0), film(x0 + dx, y0), film(x0 + dx, y0 + dy), film(x0, y0 + dy)]
        cx, cy = a.x() + dx / 2, a.y() + dy / 2
        return [film(cx, cy), film(cx + abs(dx) / 2, cy), film(cx, cy + abs(dy) / 2)]

    def _create(self, film: str, geometry: str, points: list[XY], **fields: object) -> None:
        try:
            region = self.editor.new_region(film, geometry, points, **fields)  # type: ignore[arg-type]
        except ValueError as exc:
            self.message(f"Not added: {exc}.")
            return
        self.editor.add(region)

    # -- preview -------------------------------------------------------------------------
    def _show_preview(self, pane: PaneView) -> None:
        item = QGraphicsPathItem()
        pen = QPen(QColor(255, 255, 255), 1.5, Qt.PenStyle.DashLine)
        pen.setCosmetic(True)
        item.setPen(pen)
        item.setZValue(1000)
        pane.scene().addItem(item)
        self._preview = item
        self._update_preview()

    def _update_preview(self) -> None:
        if self._preview is None or self._pane is None or not self._points:
            return
        pane = self._pane
        path = QPainterPath()
        if self.geometry in VERTEX_GEOMETRIES:
            pts = list(self._points) + ([self._hover] if self._hover else [])
            path.addPolygon(QPolygonF([QPointF(*p) for p in pts]))
        elif self._hover is not None and self.geometry in ("arrow", "length"):
            path.moveTo(QPointF(*self._points[0]))
            path.lineTo(QPointF(*self._hover))
            if self.geometry == "length":
                self._report_length(pane, self._points[0], self._hover)
        elif self._hover is not None and self.geometry in ("rectangle", "ellipse"):
            pts = self._shape_points(pane, self._points[0], self._hover)
            if self.geometry == "ellipse":
                try:
                    outline = _ellipse_outline(pts)
                except ValueError:
                    outline = pts
                pts = outline
            path.addPolygon(QPolygonF([QPointF(*p) for p in pts]))
            path.closeSubpath()
        self._preview.setPath(path)

    def _report_length(self, pane: PaneView, a: XY, b: XY) -> None:
        if a == b:
            return
        probe = self.editor.new_region(pane.film, "length", [a, b])
        self.message(f"Length {length_text(probe, pane.document.image(pane.film))}")


def _ellipse_outline(points: list[XY]) -> list[XY]:
    from xraycompare.core.annotations.regions import Region

    probe = Region("preview", "before", "ellipse", tuple(points))
    return [tuple(p) for p in probe.outline(samples=72)]  # type: ignore[misc]
