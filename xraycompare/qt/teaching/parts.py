"""The Teach menu's parts, made once for the main window: quiz, tour, blinded reading.

:class:`TeachingParts` builds the controllers (:class:`QuizController`,
:class:`BlindedController`), the tour's keys and caption and the Bookmarks dock's panel, and
holds what the menu actions call. The window passes in what they need to see of it
(``view_box``, ``name_view``, the panes, the host the caption floats over).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QUndoStack
from PySide6.QtWidgets import QMainWindow, QWidget

from xraycompare.core.document import Document
from xraycompare.core.teaching.bookmarks import joint_tour
from xraycompare.core.teaching.quiz import Box
from xraycompare.core.types import Film
from xraycompare.qt.teaching.blinded import BlindedController
from xraycompare.qt.teaching.bookmarks_panel import BookmarksPanel
from xraycompare.qt.teaching.caption import TourCaption
from xraycompare.qt.teaching.quiz import QuizController, TourKeys


class TeachingParts(QObject):
    """Quiz, bookmarks and tour, blinded reading: the Teach menu's handlers."""

    message = Signal(str)
    blinding_changed = Signal(bool)  # True while the time order is hidden

    def __init__(
        self,
        window: QMainWindow,
        document: Document,
        undo_stack: QUndoStack,
        *,
        panes: Mapping[Film, QWidget],
        caption_host: QWidget,
        view_box: Callable[[], Box | None],
        name_view: Callable[[Box], str | None],
        confirm: Callable[[str], bool],
        inform: Callable[[str, str], None],
        label_scale: Callable[[], float],
        joints: Callable[[], Sequence[tuple[str, tuple[float, float]]] | None] = lambda: None,
        view_size: Callable[[], tuple[float, float]] = lambda: (800.0, 600.0),
        presenting: Callable[[], bool] = lambda: False,
        show_panel: Callable[[], None] = lambda: None,
    ) -> None:
        super().__init__(window)
        self.document = document
        self.inform = inform
        self.joints = joints  # the before film's joints, named, in reading order (or None)
        self.view_size = view_size
        self.show_panel = show_panel  # the Bookmarks dock, where a new stop is captioned
        self.quiz = QuizController(
            document, undo_stack, view_box=view_box, name_view=name_view, parent=self
        )
        self.blinded = BlindedController(document, undo_stack, panes, confirm=confirm, parent=self)
        self.tour_keys = TourKeys(self.quiz, window, presenting=presenting)
        self.caption = TourCaption(self.quiz, caption_host, label_scale=label_scale)
        self.panel = BookmarksPanel(self.quiz)
        for part in (self.quiz, self.blinded):
            part.message.connect(self.message)
        self._blind = document.is_blinded
        document.blinding_changed.connect(self._on_blinding_changed)

    # -- the menu's actions ----------------------------------------------------------------
    def add_bookmark(self) -> None:
        if not self.document.has_pair:
            self.message.emit("Open a pair first: a bookmark is a view of it.")
            return
        bookmark = self.quiz.add_bookmark()
        self.show_panel()
        self.message.emit(
            f"Bookmarked “{bookmark.name}” ({len(self.quiz.bookmarks)} in the tour): "
            "name and caption it in the Bookmarks dock."
        )

    def bookmark_joints(self) -> None:
        """A tour stop at every joint found, in reading order (MCP1–5, IP1, PIP2–5, wrist)."""
        joints = self.joints() if self.document.has_pair else None
        if joints is None:
            self.message.emit("The joints are not found yet: try again in a moment.")
            return
        if not joints:
            self.message.emit("No joint was found on the before film: bookmark views by hand.")
            return
        tour = joint_tour(joints, view_size=self.view_size())
        self.quiz.add_bookmarks(tour, f"Bookmark {len(tour)} joints")
        self.show_panel()
        self.message.emit(f"{len(tour)} joints bookmarked: Ctrl+T tours them.")

    def set_touring(self, on: bool) -> None:
        if on:
            self.quiz.start_tour()
        else:
            self.quiz.stop_tour()

    def step_tour(self, by: int) -> bool:
        """The next or previous stop (presentation mode's ↑ ↓); False without bookmarks."""
        if not self.quiz.bookmarks:
            return False
        self.quiz.next() if by > 0 else self.quiz.previous()
        return True

    def reveal_order(self) -> None:
        if self.blinded.reveal():
            self.inform("Time order revealed", self.blinded.summary())

    # -- state the menus show --------------------------------------------------------------
    @property
    def touring(self) -> bool:
        return self.quiz.current is not None

    def _on_blinding_changed(self) -> None:
        blind = self.document.is_blinded
        if blind != self._blind:
            self._blind = blind
            self.blinding_changed.emit(blind)
