"""The tour's caption: the bookmark on screen and what the class should see in it.

A label floating at the bottom of the films (over the panes, in presentation mode too),
"2 / 5 · PIP3 right" and the bookmark's caption under it; hidden when no tour runs. It
follows the label size, so it reads across a room.
"""

from __future__ import annotations

from collections.abc import Callable
from html import escape

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QFont, QFontMetrics
from PySide6.QtWidgets import QApplication, QLabel, QWidget

from xraycompare.qt.teaching.quiz import QuizController

MARGIN = 18  # logical px above the bottom edge of the films
WIDTH_SHARE = 0.8  # of the host's width, at most


class TourCaption(QLabel):
    """The current tour stop's number, name and caption over ``host``; mouse-transparent."""

    def __init__(
        self,
        quiz: QuizController,
        host: QWidget,
        *,
        label_scale: Callable[[], float] = lambda: 1.0,
    ) -> None:
        super().__init__(host)
        self.quiz = quiz
        self.host = host
        self.label_scale = label_scale
        self._text_width = 0
        self.setObjectName("tour-caption")
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents, True)
        self.setWordWrap(True)
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setStyleSheet(
            "QLabel#tour-caption { background: rgba(12, 12, 14, 210); color: #f2f2f2;"
            " border-radius: 6px; padding: 8px 14px; }"
        )
        self.hide()
        host.installEventFilter(self)
        quiz.tour_changed.connect(self.refresh)
        quiz.document.bookmarks_changed.connect(self.refresh)

    def refresh(self) -> None:
        bookmark, index = self.quiz.current_bookmark, self.quiz.current
        if bookmark is None or index is None:
            self.hide()
            return
        head = f"{index + 1} / {len(self.quiz.bookmarks)} · {bookmark.name}"
        text = f"<b>{escape(head)}</b>"
        lines = [head]
        if bookmark.caption.strip():
            text += "<br>" + escape(bookmark.caption.strip()).replace("\n", "<br>")
            lines += bookmark.caption.strip().splitlines()
        font = QFont(QApplication.font())
        font.setPointSizeF(font.pointSizeF() * 1.15 * self.label_scale())
        self.setFont(font)
        bold = QFont(font)
        bold.setBold(True)
        self._text_width = max(QFontMetrics(bold).horizontalAdvance(line) for line in lines)
        self.setText(text)
        self.place()
        self.show()
        self.raise_()

    def place(self) -> None:
        """Bottom centre of the host, at most :data:`WIDTH_SHARE` of its width."""
        width = int(self.host.width() * WIDTH_SHARE)
        padding = 2 * 14 + 8  # the style sheet's padding, and a little air
        self.setFixedWidth(max(120, min(width, self._text_width + padding)))
        self.adjustSize()
        x = (self.host.width() - self.width()) // 2
        y = self.host.height() - self.height() - MARGIN
        self.move(max(0, x), max(0, y))

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.host and event.type() == QEvent.Type.Resize and self.isVisible():
            self.place()
        return False
