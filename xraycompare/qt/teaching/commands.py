"""The undo step of every teaching edit: put a value in through a Document setter.

The Document's teaching setters (``set_bookmarks``, ``set_quiz``, ``set_blinded``) return
the value they replaced, so one command serves them all: redo puts the new value in and
keeps the old one, undo puts the old one back. Views follow the Document's events.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtGui import QUndoCommand


class TeachingCommand(QUndoCommand):
    """Replace one teaching value (bookmarks, the quiz, the blinded reading) with ``value``."""

    def __init__(self, setter: Callable[[object], object], value: object, text: str) -> None:
        super().__init__(text)
        self.setter = setter
        self.new = value
        self.old: object = None

    def redo(self) -> None:
        self.old = self.setter(self.new)

    def undo(self) -> None:
        self.setter(self.old)
