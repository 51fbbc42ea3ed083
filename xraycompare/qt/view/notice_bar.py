"""Notices about the pair that stay until they no longer apply: a strip above the films.

A status-bar message is gone in seconds; what a reader must not miss (the films were put in
time order, their dates cannot be trusted, the alignment failed or is doubtful) stays above
the films, each notice with its own actions ("Place landmarks") and a close button, until
the pair changes or the cause goes away. Each notice has a key (its topic), so setting a
topic again replaces its text instead of stacking repeats.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QToolButton, QVBoxLayout

LEVEL_COLOURS = {  # background, border: readable on the dark and the system look
    "info": ("#233447", "#3d6fa3"),
    "warning": ("#4a3b14", "#c79a2c"),
    "error": ("#4d1f1f", "#c24a4a"),
}


@dataclass(frozen=True)
class NoticeAction:
    """A button on a notice: its label and what it does."""

    label: str
    run: Callable[[], None]


class _NoticeRow(QFrame):
    closed = Signal()

    def __init__(self, text: str, level: str, actions: Sequence[NoticeAction]) -> None:
        super().__init__()
        background, border = LEVEL_COLOURS[level]
        self.setObjectName("notice")
        self.setStyleSheet(
            f"QFrame#notice {{ background: {background}; border: 1px solid {border};"
            " border-radius: 3px; }"
        )
        row = QHBoxLayout(self)
        row.setContentsMargins(8, 3, 3, 3)
        self.label = QLabel(text)
        self.label.setWordWrap(True)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        row.addWidget(self.label, 1)
        self.buttons: list[QPushButton] = []
        for action in actions:
            button = QPushButton(action.label)
            button.clicked.connect(action.run)
            row.addWidget(button)
            self.buttons.append(button)
        close = QToolButton()
        close.setText("×")
        close.setAutoRaise(True)
        close.setToolTip("Hide this notice")
        close.clicked.connect(self.closed.emit)
        row.addWidget(close)


class NoticeBar(QFrame):
    """Notices by topic; hidden when there are none."""

    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("notice-bar")
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(4, 3, 4, 1)
        self._layout.setSpacing(2)
        self._rows: dict[str, _NoticeRow] = {}
        self.hide()

    def show_notice(
        self,
        key: str,
        text: str,
        *,
        level: str = "warning",
        actions: Sequence[NoticeAction] = (),
    ) -> None:
        """Show ``text`` under topic ``key``, replacing that topic's earlier notice."""
        self.clear(key)
        row = _NoticeRow(text, level, actions)
        row.closed.connect(lambda k=key: self.clear(k))
        self._rows[key] = row
        self._layout.addWidget(row)
        self.show()

    def clear(self, key: str) -> None:
        """Take the notice of topic ``key`` away (nothing when there is none)."""
        row = self._rows.pop(key, None)
        if row is not None:
            row.hide()
            row.deleteLater()
        self.setVisible(bool(self._rows))

    def text(self, key: str) -> str | None:
        """The text shown under ``key``, or None."""
        row = self._rows.get(key)
        return row.label.text() if row is not None else None

    def keys(self) -> tuple[str, ...]:
        return tuple(self._rows)

    def button(self, key: str, label: str) -> QPushButton | None:
        """The action button ``label`` on the notice ``key`` (for tests and shortcuts)."""
        row = self._rows.get(key)
        for button in row.buttons if row is not None else ():
            if button.text() == label:
                return button
        return None
