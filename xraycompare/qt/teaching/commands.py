"""The undo step of every teaching edit: put a value in through a Document setter.

The Document's teaching setters (``set_bookmarks``, ``set_quiz``, ``set_blinded``) return
the value they replaced, so one command serves them all: redo puts the new value in and
keeps the old one, undo puts the old one back. Views follow the Document's events.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable

from PySide6.QtGui import QUndoCommand

MERGING = 7301  # QUndoCommand.id() of teaching edits that may merge (typing a caption)


class TeachingCommand(QUndoCommand):
    """Replace one teaching value (bookmarks, the quiz, the blinded reading) with ``value``.

    Consecutive commands with the same ``merge`` key (the caption of one bookmark, typed a
    letter at a time) become one undo step.
    """

    def __init__(
        self,
        setter: Callable[[object], object],
        value: object,
        text: str,
        *,
        merge: Hashable | None = None,
    ) -> None:
        super().__init__(text)
        self.setter = setter
        self.new = value
        self.old: object = None
        self.merge = merge

    def id(self) -> int:
        return MERGING if self.merge is not None else -1

    def mergeWith(self, other: QUndoCommand) -> bool:
        if not isinstance(other, TeachingCommand) or other.merge != self.merge:
            return False
        self.new = other.new  # the old value stays the one before the first letter
        return True

    def redo(self) -> None:
        self.old = self.setter(self.new)

    def undo(self) -> None:
        self.setter(self.old)
