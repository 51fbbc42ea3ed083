"""The quiz and the tour: regions hidden and revealed, bookmarked views stepped through.

Hiding, revealing and every bookmark edit are undo steps (:class:`TeachingCommand`) saved
in the project. Stepping the tour is navigation, like panning: it sets the Document's view,
mode and active alignment and is not an undo step. While a tour runs, :class:`TourKeys`
gives it the arrow keys (they nudge the after film otherwise).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QKeyEvent, QUndoStack
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QLineEdit,
    QTextEdit,
    QWidget,
)

from xraycompare.core.document import Document, ViewState
from xraycompare.core.geometry import IDENTITY
from xraycompare.core.registration.alignment import GLOBAL
from xraycompare.core.teaching import Bookmark
from xraycompare.core.teaching.bookmarks import moved, removed, replaced, unique_name
from xraycompare.core.teaching.quiz import Box, hiding, next_to_reveal
from xraycompare.core.types import FILMS
from xraycompare.qt.teaching.commands import TeachingCommand


class QuizController(QObject):
    """Hides and reveals the regions, keeps the bookmarks and steps the tour."""

    message = Signal(str)
    tour_changed = Signal()  # the bookmark on screen (or none) changed

    def __init__(
        self,
        document: Document,
        undo_stack: QUndoStack,
        *,
        view_box: Callable[[], Box | None] = lambda: None,
        name_view: Callable[[Box], str | None] = lambda _box: None,
        parent: QObject | None = None,
    ) -> None:
        """``view_box`` gives the part of the before frame on screen (the regions there are
        revealed first); ``name_view`` names a view after the site it shows, if it can."""
        super().__init__(parent)
        self.document = document
        self.undo_stack = undo_stack
        self.view_box = view_box
        self.name_view = name_view
        self._current: int | None = None
        document.pair_changed.connect(self.stop_tour)
        document.bookmarks_changed.connect(self._on_bookmarks_changed)

    # -- the quiz --------------------------------------------------------------------------
    @property
    def hidden_count(self) -> int:
        """Regions still hidden."""
        quiz = self.document.quiz
        return sum(quiz.hides(r.id) for r in self.document.annotations)

    def set_hidden(self, on: bool) -> None:
        """On: hide every region for a quiz. Off: show them all again (the quiz ends)."""
        if on == self.document.quiz.active:
            return
        if not on:
            self.reveal_all()
            return
        regions = self.document.annotations.regions()
        if not regions:
            self.message.emit("There are no regions to hide: draw the findings first.")
            return
        self._push_quiz(hiding(regions), f"Hide {len(regions)} regions for a quiz")

    def reveal_next(self) -> int:
        """Show the next hidden finding (the one in view first) and say what it is."""
        doc = self.document
        regions = doc.annotations.regions()
        to_before = {f: doc.film_to_before(f) for f in FILMS}
        ids = next_to_reveal(regions, doc.quiz, to_before=to_before, view_box=self.view_box())
        if not ids:
            self.message.emit("Nothing is hidden.")
            return 0
        self._push_quiz(doc.quiz.revealing(ids), "Reveal a finding")
        left = self.hidden_count
        self.message.emit(f"Revealed; {left} region(s) still hidden." if left else "All shown.")
        return len(ids)

    def reveal_all(self) -> None:
        if self.document.quiz.active:
            self._push_quiz(self.document.quiz.revealing(self.document.quiz.hidden),
                            "Reveal all regions")  # fmt: skip

    def _push_quiz(self, quiz, text: str) -> None:
        self.undo_stack.push(TeachingCommand(self.document.set_quiz, quiz, text))

    # -- bookmarks -------------------------------------------------------------------------
    @property
    def bookmarks(self) -> tuple[Bookmark, ...]:
        return self.document.bookmarks

    def add_bookmark(self, name: str | None = None, caption: str = "") -> Bookmark:
        """Keep the view on screen (centre, zoom, mode, alignment) as the tour's last stop."""
        doc = self.document
        view, active = doc.view, doc.active_alignment_name
        if not name:
            box = self.view_box()
            name = (self.name_view(box) if box is not None else None) or (
                active if active != GLOBAL else f"View {len(doc.bookmarks) + 1}"
            )
        bookmark = Bookmark(
            unique_name(doc.bookmarks, name.strip()), caption, view.center, view.zoom,
            view.mode, active,
        )  # fmt: skip
        self._push_bookmarks((*doc.bookmarks, bookmark), f"Bookmark {bookmark.name}")
        return bookmark

    def add_bookmarks(self, bookmarks: tuple[Bookmark, ...], text: str) -> None:
        """Append ``bookmarks`` to the tour as one undo step (names kept unique)."""
        tour = list(self.document.bookmarks)
        for bookmark in bookmarks:
            tour.append(replace(bookmark, name=unique_name(tuple(tour), bookmark.name)))
        self._push_bookmarks(tuple(tour), text)

    def remove_bookmark(self, index: int) -> None:
        name = self.bookmarks[index].name
        self._push_bookmarks(removed(self.bookmarks, index), f"Remove bookmark {name}")

    def rename_bookmark(self, index: int, name: str) -> None:
        name = name.strip()
        if not name or name == self.bookmarks[index].name:
            return
        others = removed(self.bookmarks, index)
        self._push_bookmarks(
            replaced(self.bookmarks, index, name=unique_name(others, name)), f"Rename {name}"
        )

    def set_caption(self, index: int, caption: str) -> None:
        if caption != self.bookmarks[index].caption:
            name = self.bookmarks[index].name
            changed = replaced(self.bookmarks, index, caption=caption)
            command = TeachingCommand(self.document.set_bookmarks, changed, f"Caption of {name}",
                                      merge=("caption", index))  # fmt: skip
            self.undo_stack.push(command)

    def move_bookmark(self, index: int, to: int) -> None:
        if 0 <= to < len(self.bookmarks) and to != index:
            self._push_bookmarks(moved(self.bookmarks, index, to), "Reorder the tour")

    def _push_bookmarks(self, bookmarks: tuple[Bookmark, ...], text: str) -> None:
        self.undo_stack.push(TeachingCommand(self.document.set_bookmarks, bookmarks, text))

    # -- the tour --------------------------------------------------------------------------
    @property
    def current(self) -> int | None:
        """The index of the bookmark on screen while a tour runs, else None."""
        return self._current

    @property
    def current_bookmark(self) -> Bookmark | None:
        return None if self._current is None else self.bookmarks[self._current]

    def go_to(self, index: int) -> None:
        """Show bookmark ``index``: its alignment, mode, centre and zoom (both panes)."""
        if not 0 <= index < len(self.bookmarks) or not self.document.has_pair:
            return
        doc, bookmark = self.document, self.bookmarks[index]
        names = {a.name for a in doc.local_alignments}
        if bookmark.alignment == GLOBAL or bookmark.alignment in names:
            doc.set_active_alignment(bookmark.alignment)
        else:
            doc.set_active_alignment(GLOBAL)
            self.message.emit(f"{bookmark.name}: the alignment {bookmark.alignment!r} is gone; "
                              "shown through the global alignment.")  # fmt: skip
        for film in FILMS:
            doc.set_pane_offset(film, IDENTITY)
        doc.set_view(ViewState(center=bookmark.center, zoom=bookmark.zoom, mode=bookmark.mode))
        self._current = index
        self.tour_changed.emit()

    def next(self) -> None:
        """The next stop (the first when no tour runs); the last stays."""
        if self.bookmarks:
            self.go_to(0 if self._current is None else min(self._current + 1,
                                                              len(self.bookmarks) - 1))  # fmt: skip

    def previous(self) -> None:
        if self.bookmarks:
            self.go_to(0 if self._current is None else max(self._current - 1, 0))

    def start_tour(self) -> None:
        if not self.bookmarks:
            self.message.emit("Bookmark some views first (Add view): the tour steps through them.")
            return
        self.go_to(0)

    def stop_tour(self) -> None:
        if self._current is not None:
            self._current = None
            self.tour_changed.emit()

    def _on_bookmarks_changed(self) -> None:
        if self._current is not None and self._current >= len(self.bookmarks):
            self._current = None
        self.tour_changed.emit()


STEPS = {
    Qt.Key.Key_Right: 1, Qt.Key.Key_PageDown: 1,
    Qt.Key.Key_Left: -1, Qt.Key.Key_PageUp: -1,
}  # fmt: skip


class TourKeys(QObject):
    """While a tour runs, ← → (and a presenter's Page Up / Page Down) step it.

    An application event filter, installed only while the tour runs: it takes the keys
    before the window's shortcuts (← → nudge the after film otherwise); keys typed into text
    fields are left alone.
    """

    def __init__(self, quiz: QuizController, window: QWidget) -> None:
        super().__init__(quiz)
        self.quiz = quiz
        self.window = window
        self._installed = False
        quiz.tour_changed.connect(lambda: self.set_installed(quiz.current is not None))

    def set_installed(self, installed: bool) -> None:
        app = QApplication.instance()
        if app is None or installed == self._installed:
            return
        if installed:
            app.installEventFilter(self)
        else:
            app.removeEventFilter(self)
        self._installed = installed

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        if kind not in (QEvent.Type.ShortcutOverride, QEvent.Type.KeyPress):
            return False
        assert isinstance(event, QKeyEvent)
        step = STEPS.get(Qt.Key(event.key()))
        if step is None or not self._for_us(event):
            return False
        if kind == QEvent.Type.ShortcutOverride:
            event.accept()  # no shortcut: the key press comes here next
            return True
        self.quiz.next() if step > 0 else self.quiz.previous()
        return True

    def _for_us(self, event: QKeyEvent) -> bool:
        if event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier:
            return False
        focus = QApplication.focusWidget()
        if isinstance(focus, QLineEdit | QTextEdit | QAbstractSpinBox | QComboBox):
            return False
        return focus is None or focus.window() is self.window
