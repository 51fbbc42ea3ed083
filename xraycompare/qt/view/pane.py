"""A pane: a QGraphicsView showing one film, bound to the Document's shared view.

Scene coordinates are the film's pixel coordinates. The pane's view transform is the
shared ViewState (before frame) composed with the film's pane matrix (identity for the
before film, the active alignment for the after film), so synchronisation is anatomical.
Input is translated into ViewController calls; the pane itself holds no domain state.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QDragEnterEvent,
    QDropEvent,
    QFont,
    QFontMetrics,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPen,
    QTransform,
    QWheelEvent,
)
from PySide6.QtWidgets import QFrame, QGraphicsScene, QGraphicsView, QWidget

from xraycompare.core.document import Document
from xraycompare.core.geometry import invert, transform_point
from xraycompare.core.io.display import display_lut
from xraycompare.core.io.film_labels import film_subtitle
from xraycompare.core.io.pyramid import pyramid_for
from xraycompare.core.types import Film, other
from xraycompare.core.view_control import ViewController
from xraycompare.qt.view.film_item import Colouring, FilmItem

PAUSE_SYNC_MODIFIER = Qt.KeyboardModifier.ControlModifier
_TITLE_X = 12  # logical px from the pane's left edge to its title


def accept_files(event: QDragEnterEvent) -> None:
    """Let files be dragged over (drag enter and move events)."""
    if event.mimeData().hasUrls():
        event.acceptProposedAction()


def dropped_paths(event: QDropEvent) -> list[str]:
    """The local files of a drop, accepting it when there are any."""
    paths = [u.toLocalFile() for u in event.mimeData().urls() if u.isLocalFile()]
    if paths:
        event.acceptProposedAction()
    return paths


class PaneTool:
    """Base tool: takes nothing."""

    cursor = Qt.CursorShape.CrossCursor

    def press(self, pane: PaneView, xy: tuple[float, float], event: QMouseEvent) -> bool:
        return False

    def move(self, pane: PaneView, xy: tuple[float, float], event: QMouseEvent) -> None:
        return None

    def release(self, pane: PaneView, xy: tuple[float, float], event: QMouseEvent) -> None:
        return None

    def key(self, pane: PaneView, event: QKeyEvent) -> bool:
        return False

    def deactivate(self) -> None:
        """Called when another tool replaces this one (remove any temporary items)."""


def _title_font(base: QFont) -> QFont:
    font = QFont(base)
    font.setPointSizeF(max(11.0, font.pointSizeF() * 1.25))
    font.setBold(True)
    return font


def fitted_title_lines(base: QFont, title: str, subtitle: str, width: int) -> tuple[str, str]:
    """The title and subtitle cut to ``width`` logical pixels with an ellipsis (a narrow
    pane of three at 1280 px cannot hold a long exposure-match line)."""
    room = max(0, width - 2 * _TITLE_X)
    return (
        QFontMetrics(_title_font(base)).elidedText(title, Qt.TextElideMode.ElideRight, room),
        QFontMetrics(base).elidedText(subtitle, Qt.TextElideMode.ElideRight, room),
    )


def draw_pane_title(
    painter: QPainter, base: QFont, title: str, subtitle: str, *, width: int
) -> None:
    """A pane's title (with a shadow, readable on any film) and a smaller line under it,
    each cut to the pane's ``width``."""
    title, subtitle = fitted_title_lines(base, title, subtitle, width)
    painter.setFont(_title_font(base))
    painter.setPen(QColor(0, 0, 0, 160))
    painter.drawText(QPointF(_TITLE_X + 1, 27), title)
    painter.setPen(QColor(240, 240, 240))
    painter.drawText(QPointF(_TITLE_X, 26), title)
    if subtitle:
        painter.setFont(QFont(base))
        painter.setPen(QColor(190, 190, 190))
        painter.drawText(QPointF(_TITLE_X, 44), subtitle)


class PaneView(QGraphicsView):
    """One film in a synchronised pane."""

    hovered = Signal(str, object)  # film, (x, y) film pixel coordinates or None
    files_dropped = Signal(str, list)  # film, [paths]
    activated = Signal(str)  # film: the user interacted with this pane

    def __init__(
        self,
        document: Document,
        controller: ViewController,
        film: Film,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.document = document
        self.controller = controller
        self.film: Film = film
        self._item: FilmItem | None = None
        self._drag: tuple[str, QPointF] | None = None
        self._space_held = False
        self._hovering = False
        self.interpolation = "linear"
        # Optional film -> colouring (stored values -> display bytes) that replaces the
        # film's own display table, e.g. the after film through the exposure match and the
        # before window so linked panes look alike; None from it means "use the film's own".
        self.colouring_source: Callable[[Film], Colouring | None] | None = None
        self.tool: PaneTool | None = None
        self._tool_dragging = False
        self.setScene(QGraphicsScene(self))
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.NoAnchor)
        self.setResizeAnchor(QGraphicsView.ViewportAnchor.NoAnchor)
        self.setViewportUpdateMode(QGraphicsView.ViewportUpdateMode.FullViewportUpdate)
        self.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        self.setBackgroundBrush(QColor(12, 12, 14))
        self.setMouseTracking(True)
        self.setAcceptDrops(True)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.viewport().setCursor(Qt.CursorShape.CrossCursor)
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.NoContextMenu)
        document.pair_changed.connect(self._on_pair_changed)
        document.identifiers_changed.connect(lambda: self.viewport().update())
        document.view_changed.connect(self.apply_view)
        document.alignment_changed.connect(self.apply_view)
        document.display_changed.connect(self._on_display_changed)
        document.cursor_moved.connect(self._on_cursor_moved)
        self._on_pair_changed()

    # -- model -> view -------------------------------------------------------------------
    @property
    def film_item(self) -> FilmItem | None:
        return self._item

    def _on_pair_changed(self) -> None:
        image = self.document.image(self.film)
        if self._item is not None:
            self.scene().removeItem(self._item)
            self._item = None
        if image is not None:
            self._item = FilmItem(pyramid_for(image), self._colouring())
            self._item.set_interpolation(self.interpolation)
            self._item.setZValue(-100)
            self.scene().addItem(self._item)
            h, w = image.shape
            margin = 20 * max(h, w)
            self.scene().setSceneRect(QRectF(-margin, -margin, w + 2 * margin, h + 2 * margin))
        self.apply_view()

    def set_interpolation(self, interpolation: str) -> None:
        """``"linear"`` (smooth) or ``"nearest"`` (see single pixels at high zoom)."""
        self.interpolation = interpolation
        if self._item is not None:
            self._item.set_interpolation(interpolation)

    def _colouring(self) -> Colouring:
        if self.colouring_source is not None:
            colouring = self.colouring_source(self.film)
            if colouring is not None:
                return colouring
        image = self.document.image(self.film)
        settings = self.document.display(self.film)
        lut = display_lut(
            image,
            settings.window,
            voi_lut_index=settings.voi_lut_index,
            inverted=settings.inverted,
        )
        return lut.apply

    def _on_display_changed(self, film: str) -> None:
        if film == self.film:
            self.refresh_colouring()

    def refresh_colouring(self) -> None:
        """Rebuild the film's display table (the window or the colouring source changed)."""
        if self._item is not None:
            self._item.set_colouring(self._colouring())

    def viewport_size(self) -> tuple[float, float]:
        vp = self.viewport()
        return float(vp.width()), float(vp.height())

    def apply_view(self) -> None:
        """Set the view transform from the shared ViewState and this film's pane matrix."""
        if self.document.image(self.film) is None or self.document.before is None:
            self.viewport().update()
            return
        view = self.controller.resolved(self.viewport_size())
        assert view.center is not None and view.zoom is not None
        pane = self.document.pane_matrix(self.film)
        linear = view.zoom * pane[:2, :2]
        self.setTransform(
            QTransform(linear[0, 0], linear[1, 0], linear[0, 1], linear[1, 1], 0.0, 0.0)
        )
        cx, cy = transform_point(invert(pane), *view.center)
        self.centerOn(QPointF(cx, cy))
        self.viewport().update()

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self.apply_view()

    # -- coordinates ---------------------------------------------------------------------
    def film_point(self, viewport_pos: QPointF) -> tuple[float, float]:
        """Film pixel coordinates under a viewport position."""
        inverse, _ok = self.viewportTransform().inverted()
        p = inverse.map(QPointF(viewport_pos))
        return p.x(), p.y()

    def before_point(self, viewport_pos: QPointF) -> tuple[float, float]:
        """Before-frame coordinates under a viewport position (through the pane matrix)."""
        return transform_point(self.document.pane_matrix(self.film), *self.film_point(viewport_pos))

    def viewport_point(self, film_xy: tuple[float, float]) -> QPointF:
        return self.viewportTransform().map(QPointF(*film_xy))

    def visible_film_box(self) -> tuple[float, float, float, float] | None:
        """The film pixels this pane shows, (x, y, w, h) clipped to the film; None if none."""
        image = self.document.image(self.film)
        if image is None:
            return None
        w, h = self.viewport_size()
        corners = [self.film_point(QPointF(x, y)) for x in (0, w) for y in (0, h)]
        xs, ys = [c[0] for c in corners], [c[1] for c in corners]
        x0, y0 = max(0, math.ceil(min(xs) - 0.5)), max(0, math.ceil(min(ys) - 0.5))
        x1 = min(image.width - 1, math.floor(max(xs) - 0.5))
        y1 = min(image.height - 1, math.floor(max(ys) - 0.5))
        if x1 < x0 or y1 < y0:
            return None
        return float(x0), float(y0), float(x1 - x0 + 1), float(y1 - y0 + 1)

    # -- input ---------------------------------------------------------------------------
    def _independent(self, modifiers: Qt.KeyboardModifier) -> bool:
        return bool(modifiers & PAUSE_SYNC_MODIFIER) or not self.document.link_panes

    def wheelEvent(self, event: QWheelEvent) -> None:
        if self.document.image(self.film) is None:
            return
        steps = event.angleDelta().y() / 120.0
        if steps == 0:
            return
        anchor = self.before_point(event.position())
        self.controller.zoom_steps(
            self.film,
            steps,
            anchor,
            self.viewport_size(),
            independent=self._independent(event.modifiers()),
        )
        event.accept()

    def set_tool(self, tool: PaneTool | None) -> None:
        """An editing tool takes the left button (Space+drag and middle drag still pan)."""
        self.tool = tool
        self._tool_dragging = False
        shape = tool.cursor if tool is not None else Qt.CursorShape.CrossCursor
        self.viewport().setCursor(shape)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        self.activated.emit(self.film)
        button = event.button()
        if (
            button == Qt.MouseButton.LeftButton
            and self.tool is not None
            and not self._space_held
            and self.document.image(self.film) is not None
            and self.tool.press(self, self.film_point(event.position()), event)
        ):
            self._tool_dragging = True
            event.accept()
            return
        if button == Qt.MouseButton.RightButton:
            self._drag = ("window", event.position())
        elif button == Qt.MouseButton.MiddleButton or (
            button == Qt.MouseButton.LeftButton and self._pans_on_left_drag()
        ):
            self._drag = ("pan", event.position())
            self.viewport().setCursor(Qt.CursorShape.ClosedHandCursor)
        else:
            super().mousePressEvent(event)
            return
        event.accept()

    def _pans_on_left_drag(self) -> bool:
        """Left-drag pans unless an editing tool wants the mouse (space+drag always pans)."""
        return self._space_held or self.tool is None

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        pos = event.position()
        if self._tool_dragging and self.tool is not None:
            self.tool.move(self, self.film_point(pos), event)
        elif self._drag is not None:
            kind, last = self._drag
            dx, dy = pos.x() - last.x(), pos.y() - last.y()
            self._drag = (kind, pos)
            if kind == "pan":
                self.controller.pan(
                    self.film,
                    dx,
                    dy,
                    self.viewport_size(),
                    independent=self._independent(event.modifiers()),
                )
            else:
                self.controller.adjust_window(self.film, dx, dy)
        if self.document.image(self.film) is not None:
            self._hovering = True
            film_xy = self.film_point(pos)
            self.hovered.emit(self.film, film_xy)
            self.document.set_cursor(self.before_point(pos))
        super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if self._tool_dragging and self.tool is not None:
            self._tool_dragging = False
            self.tool.release(self, self.film_point(event.position()), event)
            event.accept()
            return
        if self._drag is not None:
            self._drag = None
            self.viewport().setCursor(self._idle_cursor())
            event.accept()
            return
        super().mouseReleaseEvent(event)

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        """Tools that know double-clicks get them (closing a polygon, adding a vertex)."""
        handler = getattr(self.tool, "double_click", None)
        if (
            event.button() == Qt.MouseButton.LeftButton
            and handler is not None
            and self.document.image(self.film) is not None
            and handler(self, self.film_point(event.position()), event)
        ):
            event.accept()
            return
        super().mouseDoubleClickEvent(event)

    def leaveEvent(self, event) -> None:
        self._hovering = False
        self.hovered.emit(self.film, None)
        self.document.set_cursor(None)
        super().leaveEvent(event)

    def _idle_cursor(self) -> Qt.CursorShape:
        if self._space_held:
            return Qt.CursorShape.OpenHandCursor
        return self.tool.cursor if self.tool is not None else Qt.CursorShape.CrossCursor

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if self.tool is not None and self.tool.key(self, event):
            event.accept()
            return
        if event.key() == Qt.Key.Key_Space and not event.isAutoRepeat():
            self._space_held = True
            self.viewport().setCursor(Qt.CursorShape.OpenHandCursor)
            event.accept()
            return
        super().keyPressEvent(event)

    def keyReleaseEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Space and not event.isAutoRepeat():
            self._space_held = False
            self.viewport().setCursor(self._idle_cursor())
            event.accept()
            return
        super().keyReleaseEvent(event)

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        accept_files(event)

    def dragMoveEvent(self, event) -> None:
        accept_files(event)

    def dropEvent(self, event: QDropEvent) -> None:
        paths = dropped_paths(event)
        if paths:
            self.files_dropped.emit(self.film, paths)

    # -- overlays ------------------------------------------------------------------------
    def _on_cursor_moved(self, point: tuple[float, float] | None) -> None:
        self.viewport().update()

    def drawForeground(self, painter: QPainter, rect: QRectF) -> None:
        painter.save()
        painter.resetTransform()
        self._draw_title(painter)
        cursor = self.document.cursor
        if cursor is not None and not self._hovering and self.document.image(self.film):
            film_xy = transform_point(invert(self.document.pane_matrix(self.film)), *cursor)
            self._draw_crosshair(painter, self.viewport_point(film_xy))
        painter.restore()

    def title_lines(self) -> tuple[str, str]:
        """The pane's title and the line under it ("After", "CR · 2025 · +7 y 2 m")."""
        doc = self.document
        subtitle = film_subtitle(
            doc.image(self.film),
            self.film,
            other=doc.image(other(self.film)),
            show_identifiers=doc.show_identifiers,
            blinded=doc.is_blinded,
        )
        return doc.film_title(self.film), subtitle

    def _draw_title(self, painter: QPainter) -> None:
        draw_pane_title(painter, self.font(), *self.title_lines(), width=self.viewport().width())

    def _draw_crosshair(self, painter: QPainter, centre: QPointF) -> None:
        size, gap = 14.0, 4.0
        for colour, width in ((QColor(0, 0, 0, 170), 3.0), (QColor(255, 210, 0), 1.2)):
            pen = QPen(colour, width)
            pen.setCosmetic(True)
            painter.setPen(pen)
            x, y = centre.x(), centre.y()
            painter.drawLine(QPointF(x - size, y), QPointF(x - gap, y))
            painter.drawLine(QPointF(x + gap, y), QPointF(x + size, y))
            painter.drawLine(QPointF(x, y - size), QPointF(x, y - gap))
            painter.drawLine(QPointF(x, y + gap), QPointF(x, y + size))

    def mapped_cursor(self) -> QPointF | None:
        """Where this pane draws the linked crosshair (viewport coordinates), if anywhere."""
        cursor = self.document.cursor
        if cursor is None or self.document.image(self.film) is None:
            return None
        film_xy = transform_point(invert(self.document.pane_matrix(self.film)), *cursor)
        return self.viewport_point(film_xy)
