"""Undo commands for document edits. They call Document methods only; views follow events.

Alignment and landmark edits snapshot the whole (small, immutable) state, so every kind of
edit (automatic alignment, nudge, local alignment, landmark add/move/delete) undoes the
same way and can never leave the model half-changed.
"""

from __future__ import annotations

from PySide6.QtGui import QUndoCommand

from xraycompare.core.document import Document
from xraycompare.core.registration.alignment import AlignmentState, LandmarkPair


class AlignmentCommand(QUndoCommand):
    """Replace the pair's alignments (global, locals, active) with ``new``."""

    def __init__(self, document: Document, text: str, new: AlignmentState) -> None:
        super().__init__(text)
        self.document = document
        self.old = document.alignment_state()
        self.new = new

    def redo(self) -> None:
        self.document.restore_alignment_state(self.new)

    def undo(self) -> None:
        self.document.restore_alignment_state(self.old)


class LandmarksCommand(QUndoCommand):
    """Replace the landmark pairs with ``new``."""

    def __init__(self, document: Document, text: str, new: tuple[LandmarkPair, ...]) -> None:
        super().__init__(text)
        self.document = document
        self.old = document.landmarks
        self.new = tuple(new)

    def redo(self) -> None:
        self.document.set_landmarks(self.new)

    def undo(self) -> None:
        self.document.set_landmarks(self.old)
