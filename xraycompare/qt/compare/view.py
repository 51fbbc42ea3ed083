"""The comparison pane: a before-frame pane that shows the change instead of one film.

A :class:`~xraycompare.qt.view.pane.PaneView` on the before film's frame (so zoom, pan,
window/level gestures and the linked cursor work exactly as in the film panes), whose item
is a :class:`~xraycompare.qt.compare.item.ComparisonItem`. On top it draws what a reader
needs to trust the picture: the mode and the exposure match used, the difference's colour
bar with its values, the swipe divider, the reveal square, the flicker phase, and the active
alignment with its quality, with the reminder that positioning differences show up as false
change.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QMouseEvent, QPainter, QPen
from PySide6.QtWidgets import QWidget

from xraycompare.core.compare.settings import ComparisonSettings
from xraycompare.core.geometry import invert, transform_point
from xraycompare.core.io.film_labels import film_subtitle
from xraycompare.core.types import other
from xraycompare.qt.compare.item import ComparisonItem
from xraycompare.qt.compare.overlays import (
    draw_colour_bar,
    draw_flicker_label,
    draw_quality_note,
    draw_swipe_divider,
    draw_text_block,
    faded,
)
from xraycompare.qt.view.pane import PaneView, draw_pane_title

if TYPE_CHECKING:
    from xraycompare.core.document import Document
    from xraycompare.core.view_control import ViewController
    from xraycompare.qt.compare.controller import ComparisonController

BACKGROUND = (12, 12, 14)  # the panes' background: no-data pixels blend in
GRAB_DISTANCE = 8.0  # logical px from the swipe divider that grab it

MODE_TITLES = {
    "difference": "Difference",
    "overlay": "Overlay",
    "blend": "Blend",
    "checkerboard": "Checkerboard",
    "swipe": "Swipe",
    "flicker": "Flicker",
}


class ComparisonView(PaneView):
    """The pair compared in the before frame, synchronised with the film panes."""

    def __init__(
        self,
        document: Document,
        controller: ViewController,
        comparison: ComparisonController,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(document, controller, "before", parent)
        self.comparison = comparison
        self._dragging_divider = False
        self._overlays: dict[str, QRectF] = {}  # last drawn, to fade under the cursor
        self.item = ComparisonItem(self._settings_for)
        self.item.setZValue(-100)
        self.scene().addItem(self.item)
        comparison.changed.connect(self._on_comparison_changed)
        for signal in (
            comparison.match_changed,
            comparison.options_changed,
            comparison.quality_changed,
        ):
            signal.connect(self.viewport().update)
        document.alignment_changed.connect(lambda: self.viewport().update())
        self._on_comparison_changed()

    # -- model -> view -------------------------------------------------------------------
    def _on_pair_changed(self) -> None:
        # No FilmItem here: the ComparisonItem draws both films (see _on_comparison_changed).
        image = self.document.before
        if image is not None:
            h, w = image.shape
            margin = 20 * max(h, w)
            self.scene().setSceneRect(QRectF(-margin, -margin, w + 2 * margin, h + 2 * margin))
        self.apply_view()

    def _on_comparison_changed(self) -> None:
        self.item.set_pair(self.comparison.pair)
        self.viewport().update()

    def _settings_for(self, x0: int, y0: int, dpr: float) -> ComparisonSettings | None:
        """Frame positions of the divider and the reveal square for a raster at (x0, y0)."""
        c = self.comparison
        o = c.options

        def raster(logical: float, origin: int) -> float:
            # raster pixel i has its centre at device coordinate origin + i + 0.5
            return logical * dpr - origin - 0.5

        reveal = None
        cursor = self.cursor_viewport_point()
        if cursor is not None:
            reveal = (raster(cursor.x(), x0), raster(cursor.y(), y0))
        vertical = o.swipe_orientation == "vertical"
        divider = self.divider_position()
        settings = c.render_settings(
            reveal_center=reveal,
            reveal_size=o.reveal_size * dpr,
            swipe_position=raster(divider, x0 if vertical else y0),
        )
        if settings is None:
            return None
        return replace(settings, no_data=BACKGROUND)

    def cursor_viewport_point(self) -> QPointF | None:
        """The linked cursor in this pane's viewport (from any pane), if any."""
        cursor = self.document.cursor
        if cursor is None or self.document.before is None:
            return None
        film_xy = transform_point(invert(self.document.pane_matrix("before")), *cursor)
        return self.viewport_point(film_xy)

    def divider_position(self) -> float:
        """The swipe divider's x (vertical) or y (horizontal) in viewport logical pixels."""
        o = self.comparison.options
        w, h = self.viewport_size()
        return o.swipe_fraction * (w if o.swipe_orientation == "vertical" else h)

    # -- input: the swipe divider ----------------------------------------------------------
    def _near_divider(self, pos: QPointF) -> bool:
        if self.comparison.mode != "swipe":
            return False
        vertical = self.comparison.options.swipe_orientation == "vertical"
        along = pos.x() if vertical else pos.y()
        return abs(along - self.divider_position()) <= GRAB_DISTANCE

    def mousePressEvent(self, event: QMouseEvent) -> None:
        pos = event.position()
        shift = bool(event.modifiers() & Qt.KeyboardModifier.ShiftModifier)
        if (
            event.button() == Qt.MouseButton.LeftButton
            and self.comparison.mode == "swipe"
            and (self._near_divider(pos) or shift)
        ):
            self.activated.emit(self.film)
            self._dragging_divider = True
            self._move_divider(pos)
            event.accept()
            return
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if self._dragging_divider:
            self._move_divider(event.position())
        elif self._drag is None and not self._space_held:
            vertical = self.comparison.options.swipe_orientation == "vertical"
            split = Qt.CursorShape.SplitHCursor if vertical else Qt.CursorShape.SplitVCursor
            near = self._near_divider(event.position())
            self.viewport().setCursor(split if near else Qt.CursorShape.CrossCursor)
        super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if self._dragging_divider:
            self._dragging_divider = False
            event.accept()
            return
        super().mouseReleaseEvent(event)

    def _move_divider(self, pos: QPointF) -> None:
        vertical = self.comparison.options.swipe_orientation == "vertical"
        w, h = self.viewport_size()
        along, extent = (pos.x(), w) if vertical else (pos.y(), h)
        fraction = min(1.0, max(0.0, along / max(extent, 1.0)))
        self.comparison.set_options(swipe_fraction=fraction)

    # -- overlays --------------------------------------------------------------------------
    def flicker_caption(self) -> str:
        """The line under the flicker badge: the film on screen, named as its pane is."""
        doc, phase = self.document, self.comparison.flicker.phase
        return film_subtitle(
            doc.image(phase),
            phase,
            other=doc.image(other(phase)),
            show_identifiers=doc.show_identifiers,
        )

    def title_lines(self) -> tuple[str, str]:
        return MODE_TITLES.get(self.comparison.mode, "Comparison"), self.subtitle()

    def _draw_title(self, painter: QPainter) -> None:
        draw_pane_title(painter, self.font(), *self.title_lines(), width=self.viewport().width())

    def subtitle(self) -> str:
        c = self.comparison
        o = c.options
        mode = c.mode
        if mode == "difference":
            what = "|after − before|" if self.document.difference.absolute else "after − before"
            return f"{what} · {c.match_description}"
        if mode == "overlay":
            return "before green · after magenta · grey where they agree"
        if mode == "blend":
            after = round(100 * o.blend_weight)
            return f"{100 - after} % before · {after} % after"
        if mode == "checkerboard":
            reveal = " · the square at the cursor shows the other film" if o.reveal else ""
            return f"tiles of {o.tile_size:g} px{reveal}"
        if mode == "swipe":
            side = "left | right" if o.swipe_orientation == "vertical" else "above | below"
            return f"before {side} after · drag the divider"
        if mode == "flicker":
            f = c.flicker
            how = f"{f.rate:g} changes/s" if f.running else "paused"
            return f"{how} · hold B for before"
        return ""

    def drawForeground(self, painter: QPainter, rect: QRectF) -> None:
        super().drawForeground(painter, rect)
        if self.document.before is None:
            return
        c = self.comparison
        painter.save()
        painter.resetTransform()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        w, h = self.viewport_size()
        if c.pair is None and self.document.has_pair:
            draw_text_block(painter, QPointF(w / 2, h / 2), ["Matching exposure…"], centre=True)
        mode, o = c.mode, c.options
        cursor = self.cursor_viewport_point()
        rects, self._overlays = self._overlays, {}

        def fading(name: str) -> None:
            painter.setOpacity(faded(rects.get(name), cursor))

        if mode == "swipe":
            vertical = o.swipe_orientation == "vertical"
            draw_swipe_divider(painter, self.divider_position(), (w, h), vertical=vertical)
        if mode == "checkerboard" and o.reveal and cursor is not None:
            size = o.reveal_size
            pen = QPen(QColor(255, 210, 0, 200), 1.0, Qt.PenStyle.DashLine)
            painter.setPen(pen)
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRect(QRectF(cursor.x() - size / 2, cursor.y() - size / 2, size, size))
        if mode == "flicker" and o.badges:
            fading("badge")
            self._overlays["badge"] = draw_flicker_label(
                painter, self.font(), (w, h), c.flicker.phase, self.flicker_caption()
            )
        if o.captions:
            fading("caption")
            self._overlays["caption"] = draw_quality_note(
                painter, self.font(), (w, h), self.document, c.quality
            )
        if c.pair is not None and mode == "difference" and c.difference_range and o.colour_bar:
            fading("colour_bar")  # placed last: it moves to the corner that hides least
            self._overlays["colour_bar"] = draw_colour_bar(
                painter,
                self.font(),
                (w, h),
                colormap=c.render_settings().difference_colormap,  # type: ignore[union-attr]
                limit=c.difference_range,
                absolute=self.document.difference.absolute,
                film=self.film_rect(),
                taken=tuple(self._overlays.values()),
            )
        painter.restore()

    def film_rect(self) -> QRectF | None:
        """Where the before film is drawn in the viewport (logical pixels)."""
        image = self.document.before
        if image is None:
            return None
        corner = self.viewport_point((-0.5, -0.5))
        return QRectF(corner, self.viewport_point((image.width - 0.5, image.height - 0.5)))

    def overlay_rects(self) -> dict[str, QRectF]:
        """Where the colour bar, badge and caption were last drawn (viewport pixels)."""
        return dict(self._overlays)
