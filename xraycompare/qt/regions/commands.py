"""Undo commands for regions and directly entered scores.

They call AnnotationSet / ScoreEntries methods only; the panes, tables and panels follow
the model's events. One command may add, change and remove several regions at once (a
region and its propagated counterpart, a multi-selection move, a paste), so every user
gesture is exactly one undo step.
"""

from __future__ import annotations

from collections.abc import Iterable

from PySide6.QtGui import QUndoCommand

from xraycompare.core.annotations.regions import AnnotationSet, Region
from xraycompare.core.annotations.svdh import ScoreEntries
from xraycompare.core.document import Document
from xraycompare.core.types import FILMS, Hand


class RegionsCommand(QUndoCommand):
    """Add, replace and remove regions as one step.

    ``changed`` holds (old, new) pairs with the same id. Removed regions return to their
    place in the order on undo (the measurements table and exports keep their order).
    """

    def __init__(
        self,
        annotations: AnnotationSet,
        text: str,
        *,
        added: Iterable[Region] = (),
        changed: Iterable[tuple[Region, Region]] = (),
        removed: Iterable[Region] = (),
    ) -> None:
        super().__init__(text)
        self.annotations = annotations
        self.added = tuple(added)
        self.changed = tuple((old, new) for old, new in changed if old != new)
        removed = tuple(removed)
        order = {r.id: annotations.index(r.id) for r in removed}
        # ascending positions: re-adding in this order puts each back where it was
        self.removed = tuple(sorted(removed, key=lambda r: order[r.id]))
        self.positions = tuple(order[r.id] for r in self.removed)

    @property
    def is_empty(self) -> bool:
        return not (self.added or self.changed or self.removed)

    def redo(self) -> None:
        for _old, new in self.changed:
            self.annotations.replace(new)
        for region in reversed(self.removed):
            self.annotations.remove(region.id)
        for region in self.added:
            self.annotations.add(region)

    def undo(self) -> None:
        for region in reversed(self.added):
            self.annotations.remove(region.id)
        for region, index in zip(self.removed, self.positions, strict=True):
            self.annotations.add(region, index=index)
        for old, _new in reversed(self.changed):
            self.annotations.replace(old)


class ScoreCommand(QUndoCommand):
    """Enter (or clear, with None) the score of one site on one film and hand."""

    def __init__(
        self,
        scores: ScoreEntries,
        key: tuple[str, str, str, str],
        score: int | None,
        text: str = "",
    ) -> None:
        film, hand, kind, site = key
        super().__init__(text or f"Score {site} {kind} ({film}, {hand})")
        self.scores = scores
        self.key = key
        self.old = scores.get(film, hand, kind, site)  # type: ignore[arg-type]
        self.new = score

    def redo(self) -> None:
        self.scores.set(*self.key, self.new)  # type: ignore[arg-type]

    def undo(self) -> None:
        self.scores.set(*self.key, self.old)  # type: ignore[arg-type]


class HandsCommand(QUndoCommand):
    """Record which hand both films show, as the reader said."""

    def __init__(self, document: Document, hand: Hand | None) -> None:
        super().__init__(f"Films are a {hand} hand" if hand else "Forget which hand")
        self.document = document
        self.old = {f: document.assigned_hand(f) for f in FILMS}
        self.new = hand

    def redo(self) -> None:
        for film in FILMS:
            self.document.set_assigned_hand(film, self.new)

    def undo(self) -> None:
        for film in FILMS:
            self.document.set_assigned_hand(film, self.old[film])
