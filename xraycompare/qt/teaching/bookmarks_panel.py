"""The Bookmarks dock: the tour's saved views, their captions, and the tour's controls.

A list of the pair's bookmarked views in tour order; the selected one's name and caption
are edited below it (each edit an undo step, through :class:`QuizController`). Double-click
(or Go) shows a view; the tour then steps with ← → (Page Up / Page Down for a presenter's
clicker).
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from xraycompare.qt.teaching.quiz import QuizController

HINT = (
    "Bookmark views (Teach ▸ Bookmark this view, Ctrl+D) to build a tour; "
    "Ctrl+T starts it and ← → step through it."
)


class BookmarksPanel(QWidget):
    """The bookmarks in tour order with their name and caption; Go, up, down, remove."""

    def __init__(self, quiz: QuizController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.quiz = quiz
        self.list = QListWidget()
        self.list.setObjectName("bookmark-list")
        self.name = QLineEdit()
        self.name.setObjectName("bookmark-name")
        self.name.setPlaceholderText("Name")
        self.caption = QPlainTextEdit()
        self.caption.setObjectName("bookmark-caption")
        self.caption.setPlaceholderText("Caption the class reads while this view is shown")
        self.caption.setMaximumHeight(90)
        self.hint = QLabel(HINT)
        self.hint.setWordWrap(True)
        buttons = QHBoxLayout()
        self.buttons: dict[str, QToolButton] = {}
        for key, text, tip, slot in (
            ("add", "Add", "Bookmark the view on screen (Ctrl+D)", self._add),
            ("go", "Go", "Show the selected view", self._go),
            ("up", "↑", "Earlier in the tour", lambda: self._move(-1)),
            ("down", "↓", "Later in the tour", lambda: self._move(1)),
            ("remove", "Remove", "Remove the selected bookmark", self._remove),
        ):
            button = QToolButton()  # five in a row must fit a narrow dock
            button.setText(text)
            button.setToolTip(tip)
            button.clicked.connect(slot)
            buttons.addWidget(button)
            self.buttons[key] = button
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addWidget(self.hint)
        layout.addWidget(self.list, 1)
        layout.addLayout(buttons)
        layout.addWidget(self.name)
        layout.addWidget(self.caption)
        self.list.currentRowChanged.connect(self._show_selected)
        self.list.itemDoubleClicked.connect(lambda _item: self._go())
        self.name.editingFinished.connect(self._rename)
        self.caption.textChanged.connect(self._caption_edited)
        quiz.document.bookmarks_changed.connect(self.refresh)
        quiz.tour_changed.connect(self._follow_tour)
        self.refresh()

    @property
    def row(self) -> int:
        return self.list.currentRow()

    def refresh(self) -> None:
        """Rebuild the list from the Document, keeping the selected row."""
        row = self.row
        bookmarks = self.quiz.bookmarks
        self.list.blockSignals(True)
        self.list.clear()
        for i, bookmark in enumerate(bookmarks, start=1):
            item = QListWidgetItem(f"{i}. {bookmark.name}")
            item.setToolTip(bookmark.caption or "No caption")
            self.list.addItem(item)
        if bookmarks:
            self.list.setCurrentRow(min(max(row, 0), len(bookmarks) - 1))
        self.list.blockSignals(False)
        self.hint.setVisible(not bookmarks)
        self._show_selected(self.row)

    def _show_selected(self, row: int) -> None:
        bookmarks = self.quiz.bookmarks
        valid = 0 <= row < len(bookmarks)
        for key in ("go", "up", "down", "remove"):
            self.buttons[key].setEnabled(valid)
        self.name.setEnabled(valid)
        self.caption.setEnabled(valid)
        self.name.setText(bookmarks[row].name if valid else "")
        if not valid or self.caption.toPlainText() != bookmarks[row].caption:
            self.caption.blockSignals(True)
            self.caption.setPlainText(bookmarks[row].caption if valid else "")
            self.caption.blockSignals(False)

    def _follow_tour(self) -> None:
        current = self.quiz.current
        if current is not None and current != self.row:
            self.list.setCurrentRow(current)

    def _add(self) -> None:
        self.quiz.add_bookmark()
        self.list.setCurrentRow(len(self.quiz.bookmarks) - 1)

    def _go(self) -> None:
        if self.row >= 0:
            self.quiz.go_to(self.row)

    def _move(self, by: int) -> None:
        row = self.row
        if 0 <= row + by < len(self.quiz.bookmarks):
            self.quiz.move_bookmark(row, row + by)
            self.list.setCurrentRow(row + by)

    def _remove(self) -> None:
        if self.row >= 0:
            self.quiz.remove_bookmark(self.row)

    def _rename(self) -> None:
        if 0 <= self.row < len(self.quiz.bookmarks):
            self.quiz.rename_bookmark(self.row, self.name.text())

    def _caption_edited(self) -> None:
        # one undo step per pause in typing would be nicer; per edit keeps undo exact
        if 0 <= self.row < len(self.quiz.bookmarks):
            self.quiz.set_caption(self.row, self.caption.toPlainText())

    def keyPressEvent(self, event) -> None:  # Enter in the list: go there
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.list.hasFocus():
            self._go()
            return
        super().keyPressEvent(event)
