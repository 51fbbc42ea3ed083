"""The joint gallery on screen: one tile per site, before | after, each aligned on its joint.

Tiles sit in the hand's own grid (a column per digit, thumb first; MCP row, IP/PIP row, the
wrist). Each shows its site, its alignment's correlation (the border's colour says ok, poor
or failed), the erosion scores of both films, the regions at the site and the joint's cross
on each film, which the reader drags to correct it. Keys: arrows step through the sites,
Enter (or a double-click) opens the site large in the main view, 0–5 scores the selected
site's erosion on the film chosen above the grid (After by default), Delete clears it.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from PySide6.QtCore import QEvent, QPointF, QRectF, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QFont, QKeyEvent, QMouseEvent, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import (
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from xraycompare.core.annotations.scoring import score_sheet
from xraycompare.core.annotations.svdh import SITE_IDS
from xraycompare.core.document import Document
from xraycompare.core.gallery import GalleryTile
from xraycompare.core.gallery.sites import box_frame, grid_position, site_label
from xraycompare.core.geometry import invert, transform_point
from xraycompare.core.types import FILMS, Film
from xraycompare.qt.joints.gallery_controller import GalleryController
from xraycompare.qt.view.film_item import qimage_from_array

MIN_IMAGE, MAX_IMAGE = 90, 260  # logical px of one film's square in a tile
TITLE = 22
STATUS_COLOURS = {"ok": QColor(80, 170, 90), "poor": QColor(215, 160, 40),
                  "failed": QColor(210, 70, 70), None: QColor(90, 90, 95)}  # fmt: skip
SELECTED = QColor(255, 210, 0)
CROSS = QColor(0, 220, 255)
GRAB = 10.0  # logical px around a joint's cross that start a drag
MODE_TEXTS = {"side-by-side": "Before | After", "overlay": "Overlay", "difference": "Difference"}

Scorer = Callable[[Film, str, int | None], None]
GALLERY_KEYS = frozenset({
    Qt.Key.Key_Left, Qt.Key.Key_Right, Qt.Key.Key_Up, Qt.Key.Key_Down, Qt.Key.Key_PageUp,
    Qt.Key.Key_PageDown, Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Escape,
    Qt.Key.Key_Delete,
})  # fmt: skip


class TileWidget(QWidget):
    """One site's tile; reports clicks, double-clicks and joint drags upward."""

    clicked = Signal(str)
    opened = Signal(str)
    joint_moved = Signal(str, str, object)  # film, site, (x, y) in that film's pixels

    def __init__(self, view: GalleryView, site: str) -> None:
        super().__init__()
        self.view = view
        self.site = site
        self.tile: GalleryTile | None = None
        self.images: list = []
        self.selected = False
        self._drag: tuple[Film, QPointF] | None = None
        self.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        self.setMouseTracking(True)

    def sizeHint(self) -> QSize:
        side, count = self.view.image_side, self.count()
        return QSize(count * side + (count + 1) * 4, side + TITLE + 22)

    def count(self) -> int:
        return 2 if self.view.controller.mode == "side-by-side" else 1

    def set_tile(self, tile: GalleryTile | None) -> None:
        self.tile = tile
        self.images = []
        c = self.view.controller
        if tile is not None and tile.found and c.source is not None:
            from xraycompare.core.gallery.render import tile_images  # loaded with the source

            side = self.view.image_side
            self.images = [qimage_from_array(a) for a in
                           tile_images(c.source, tile, c.mode, (side, side))]  # fmt: skip
        self.setFixedSize(self.sizeHint())
        self.update()

    # -- geometry ---------------------------------------------------------------------------
    def image_rect(self, index: int) -> QRectF:
        side = self.view.image_side
        return QRectF(4 + index * (side + 4), TITLE, side, side)

    def _tile_to_before(self) -> np.ndarray:
        assert self.tile is not None and self.tile.before_box is not None
        side = self.view.image_side
        return box_frame(self.tile.before_box, (side, side))

    def film_to_tile(self, film: Film, xy: tuple[float, float]) -> QPointF:
        """A point of ``film`` in this tile's image of that film (or of the comparison)."""
        assert self.tile is not None and self.tile.matrix is not None
        before_xy = xy if film == "before" else transform_point(self.tile.matrix, *xy)
        tx, ty = transform_point(invert(self._tile_to_before()), *before_xy)
        index = 1 if film == "after" and len(self.images) == 2 else 0
        rect = self.image_rect(index)
        return QPointF(rect.x() + tx + 0.5, rect.y() + ty + 0.5)

    def tile_to_film(self, film: Film, pos: QPointF) -> tuple[float, float]:
        assert self.tile is not None and self.tile.matrix is not None
        index = 1 if film == "after" and len(self.images) == 2 else 0
        rect = self.image_rect(index)
        before_xy = transform_point(
            self._tile_to_before(), pos.x() - rect.x() - 0.5, pos.y() - rect.y() - 0.5
        )
        if film == "before":
            return before_xy
        return transform_point(invert(self.tile.matrix), *before_xy)

    def crosses(self) -> dict[Film, QPointF]:
        """Where each film's joint is drawn (both on one image in a single-image mode)."""
        t = self.tile
        if t is None or not t.found or t.centre is None or t.after_centre is None:
            return {}
        return {"before": self.film_to_tile("before", t.centre),
                "after": self.film_to_tile("after", t.after_centre)}  # fmt: skip

    # -- input ------------------------------------------------------------------------------
    def mousePressEvent(self, event: QMouseEvent) -> None:
        self.clicked.emit(self.site)
        pos = event.position()
        for film, at in self.crosses().items():
            if (at - pos).manhattanLength() <= GRAB:
                self._drag = (film, pos)
                return

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if self._drag is not None:
            self._drag = (self._drag[0], event.position())
            self.update()
            return
        near = any((p - event.position()).manhattanLength() <= GRAB
                   for p in self.crosses().values())  # fmt: skip
        self.setCursor(Qt.CursorShape.SizeAllCursor if near else Qt.CursorShape.ArrowCursor)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        drag, self._drag = self._drag, None
        if drag is None:
            return
        film, _ = drag
        start = self.crosses()[film]
        if (event.position() - start).manhattanLength() >= 2:
            self.joint_moved.emit(film, self.site, self.tile_to_film(film, event.position()))
        self.update()

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        self.opened.emit(self.site)

    # -- drawing ----------------------------------------------------------------------------
    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        tile = self.tile
        status = tile.status if tile is not None else None
        painter.fillRect(self.rect(), QColor(24, 24, 27))
        border = SELECTED if self.selected else STATUS_COLOURS.get(status, STATUS_COLOURS[None])
        painter.setPen(QPen(border, 2.5 if self.selected else 1.5))
        painter.drawRect(QRectF(self.rect()).adjusted(1, 1, -1, -1))
        bold = QFont(self.font())
        bold.setBold(True)
        painter.setFont(bold)
        painter.setPen(QColor(235, 235, 235))
        painter.drawText(QPointF(6, 16), site_label(self.site))
        painter.setFont(self.font())
        painter.setPen(QColor(180, 180, 180))
        painter.drawText(QRectF(0, 2, self.width() - 6, 18), Qt.AlignmentFlag.AlignRight,
                         self.quality_text())  # fmt: skip
        if not self.images:
            painter.drawText(self.image_rect(0), Qt.AlignmentFlag.AlignCenter,
                             "not found" if tile is not None else "…")  # fmt: skip
        for i, image in enumerate(self.images):
            painter.drawImage(self.image_rect(i), image)
        self._draw_regions(painter)
        for film, at in self.crosses().items():
            if self._drag is not None and self._drag[0] == film:
                at = self._drag[1]
            self._draw_cross(painter, at, film)
        painter.setPen(QColor(220, 220, 220))
        painter.drawText(QRectF(6, TITLE + self.view.image_side + 2, self.width() - 12, 18),
                         Qt.AlignmentFlag.AlignLeft, self.view.score_text(self.site))  # fmt: skip
        painter.end()

    def quality_text(self) -> str:
        t = self.tile
        if t is None or not t.found or t.quality is None:
            return ""
        return f"NCC {t.quality.ncc:.2f}" + ("" if t.status == "ok" else f" · {t.status}")

    def _draw_cross(self, painter: QPainter, at: QPointF, film: Film) -> None:
        colour = CROSS if film == "before" else QColor(255, 140, 200)
        for pen in (QPen(QColor(0, 0, 0, 170), 3.0), QPen(colour, 1.2)):
            painter.setPen(pen)
            painter.drawLine(at + QPointF(-5, 0), at + QPointF(5, 0))
            painter.drawLine(at + QPointF(0, -5), at + QPointF(0, 5))

    def _draw_regions(self, painter: QPainter) -> None:
        """The reader's regions at this site, on the film they were drawn on."""
        if self.tile is None or not self.images:
            return
        pen = QPen(QColor(255, 200, 0), 1.2)
        painter.setPen(pen)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.save()
        painter.setClipRect(
            QRectF(self.image_rect(0)).united(self.image_rect(len(self.images) - 1))
        )
        for region in self.view.document.annotations.regions():
            if region.site != self.site:
                continue
            points = [self.film_to_tile(region.film, (float(x), float(y)))
                      for x, y in region.outline(samples=48)]  # fmt: skip
            for a, b in zip(points, points[1:] + points[:1], strict=True):
                painter.drawLine(a, b)
        painter.restore()


class GalleryView(QWidget):
    """The gallery page: a mode switch, an export button and the grid of tiles."""

    open_site = Signal(str)  # show this site large in the main view
    export_requested = Signal()
    closed = Signal()

    def __init__(self, document: Document, controller: GalleryController, score: Scorer) -> None:
        super().__init__()
        self.setObjectName("joint-gallery")
        self.document = document
        self.controller = controller
        self.score = score
        self.selected: str | None = None
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        top = QHBoxLayout()
        self.mode = QComboBox()
        self.mode.setToolTip("What each tile shows")
        for mode, text in MODE_TEXTS.items():
            self.mode.addItem(text, mode)
        self.mode.currentIndexChanged.connect(self._on_mode)
        self.status = QLabel()
        self.status.setWordWrap(True)
        export = QPushButton("Export figure…")
        export.setToolTip("The gallery at print resolution (PNG, TIFF, PDF, SVG) with provenance")
        export.clicked.connect(self.export_requested.emit)
        back = QPushButton("Films")
        back.setToolTip("Back to the films (Esc)")
        back.clicked.connect(self.closed.emit)
        self.scored_film = QComboBox()
        self.scored_film.addItem("After", "after")
        self.scored_film.addItem("Before", "before")
        self.scored_film.setToolTip("The film the keys 0–5 score (erosion, SvdH)")
        top.addWidget(self.mode)
        top.addStretch(1)
        top.addWidget(export)
        top.addWidget(back)
        hint = QLabel("Click a tile, then: arrows step through the sites · Enter opens it large · "
                      "0–5 scores the site's erosion (Delete clears) · drag a cross to move a "
                      "joint (blue: Before, pink: After)")  # fmt: skip
        hint.setWordWrap(True)
        hint.setStyleSheet("color: #a0a0a0")
        self.grid_host = QWidget()
        self.grid = QGridLayout(self.grid_host)
        self.grid.setSpacing(8)
        scroll = QScrollArea()
        scroll.setWidget(self.grid_host)
        scroll.setWidgetResizable(True)
        scroll.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        column = QVBoxLayout(self)
        second = QHBoxLayout()
        second.addWidget(self.status, 1)
        second.addWidget(QLabel("Keys 0–5 score:"))
        second.addWidget(self.scored_film)
        column.addLayout(top)
        column.addLayout(second)
        column.addWidget(hint)
        column.addWidget(scroll, 1)
        self.scroll = scroll
        self.image_side = 150
        self._resized = QTimer(self, singleShot=True, interval=120)
        self._resized.timeout.connect(self._fit_tiles)
        self.tiles: dict[str, TileWidget] = {}
        controller.changed.connect(self.refresh)
        a, scores = document.annotations, document.scores
        for signal in (a.region_added, a.region_changed, a.region_removed, a.regions_reset,
                       scores.score_changed, scores.scores_reset,
                       document.hands_changed):  # fmt: skip
            signal.connect(self.update_tiles)
        self.refresh()

    # -- model -> view ----------------------------------------------------------------------
    def refresh(self) -> None:
        c = self.controller
        gallery = c.gallery
        self.mode.blockSignals(True)
        self.mode.setCurrentIndex(self.mode.findData(c.mode))
        self.mode.blockSignals(False)
        if c.problem:
            self.status.setText(c.problem)
        elif gallery is None:
            self.status.setText("Building the gallery…" if self.document.has_pair else "")
        else:
            missing = gallery.missing()
            gone = f" · not found: {', '.join(missing)}" if missing else ""
            shown = len(gallery.tiles) - len(missing)
            size = self._tile_size(gallery)
            self.status.setText(f"{shown} sites · tiles of {size} · {gallery.seconds:.1f} s{gone}")
        sites = gallery.sites if gallery is not None else ()
        for site in list(self.tiles):
            if site not in sites:
                self.tiles.pop(site).deleteLater()
        for site in sites:
            widget = self.tiles.get(site)
            if widget is None:
                widget = self.tiles[site] = TileWidget(self, site)
                widget.clicked.connect(self.select)
                widget.opened.connect(self.open_site.emit)
                widget.joint_moved.connect(self.controller.move_joint)
                row, col = grid_position(site)
                self.grid.addWidget(widget, row, col)
            widget.set_tile(gallery.tile(site) if gallery is not None else None)
        if self.selected not in self.tiles:
            self.selected = next(iter(self.tiles), None)
        self._mark_selected()

    def _on_mode(self, _index: int) -> None:
        self.controller.set_mode(self.mode.currentData())
        self._fit_tiles()

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._resized.start()

    def _fit_tiles(self) -> None:
        """Tiles as large as five columns allow in the visible width."""
        count = 2 if self.controller.mode == "side-by-side" else 1
        width = self.scroll.viewport().width() - 2 * self.grid.contentsMargins().left()
        per_tile = (width - 4 * self.grid.spacing()) / 5
        side = int(min(MAX_IMAGE, max(MIN_IMAGE, (per_tile - (count + 1) * 4) / count)))
        if side != self.image_side:
            self.image_side = side
            self.refresh()

    @staticmethod
    def _tile_size(gallery) -> str:
        return f"{gallery.tile_mm:.0f} mm" if gallery.tile_mm else f"{gallery.tile_side:.0f} px"

    def update_tiles(self, *_args) -> None:
        for widget in self.tiles.values():
            widget.update()

    def score_text(self, site: str) -> str:
        """ "Erosion 1 → 2" for the site on the films' hand; "" when it is not scored."""
        if site not in SITE_IDS or site.startswith("DIP") or site == "RC":
            return ""
        doc = self.document
        scores = []
        for film in FILMS:
            hand = doc.film_hand(film) or doc.film_hand("before") or doc.film_hand("after")
            if hand is None:
                return "Erosion: say which hand (Scores dock)"
            sheet = score_sheet(doc.annotations.regions(), doc.scores.entries(), film=film,
                                hand=hand, default_hand=doc.film_hand(film))  # fmt: skip
            value = sheet.score("erosion", site)
            scores.append("–" if value is None else str(value))
        return f"Erosion {scores[0]} → {scores[1]}"

    # -- selection and keys -----------------------------------------------------------------
    def select(self, site: str) -> None:
        self.selected = site
        self._mark_selected()
        self.setFocus()

    def _mark_selected(self) -> None:
        for site, widget in self.tiles.items():
            widget.selected = site == self.selected
            widget.update()

    def event(self, event: QEvent) -> bool:
        # the window's shortcuts (arrows nudge the alignment, 1 is 1:1) must not take the
        # keys the gallery answers while it has the focus
        if event.type() == QEvent.Type.ShortcutOverride and self._handles(event):
            event.accept()
            return True
        return super().event(event)

    @staticmethod
    def _handles(event: QKeyEvent) -> bool:
        key = event.key()
        return key in GALLERY_KEYS or Qt.Key.Key_0 <= key <= Qt.Key.Key_5

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key, sites = event.key(), list(self.tiles)
        if not sites or self.selected is None:
            super().keyPressEvent(event)
            return
        index = sites.index(self.selected)
        steps = {Qt.Key.Key_Right: 1, Qt.Key.Key_Down: 1, Qt.Key.Key_Left: -1,
                 Qt.Key.Key_Up: -1, Qt.Key.Key_PageDown: 1, Qt.Key.Key_PageUp: -1}  # fmt: skip
        if key in steps:
            self.select(sites[(index + steps[key]) % len(sites)])
        elif key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.open_site.emit(self.selected)
        elif key == Qt.Key.Key_Escape:
            self.closed.emit()
        elif Qt.Key.Key_0 <= key <= Qt.Key.Key_5 or key == Qt.Key.Key_Delete:
            value = None if key == Qt.Key.Key_Delete else int(key - Qt.Key.Key_0)
            if self.selected in SITE_IDS:
                self.score(self.scored_film.currentData(), self.selected, value)
        else:
            super().keyPressEvent(event)
