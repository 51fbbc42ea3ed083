"""Blinded reading in the window: "A" left, "B" right in random order, scored, then revealed.

Starting and revealing are undo steps saved in the project. While blind, the Document calls
the films "A" and "B" (:meth:`Document.film_title`) and hides years, intervals and names
everywhere the panes, the title and the docks show them; this controller puts the "A" pane
on the left and keeps the view side by side (a comparison mode says which film is "after").
Scores are filed under the true films whatever the screen calls them, so the score sheet
shows the change in time order the moment the order is revealed.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import UTC, datetime

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QUndoStack
from PySide6.QtWidgets import QSplitter, QWidget

from xraycompare.core.document import Document
from xraycompare.core.teaching.blinding import read_change, sheet_scores, start_blinded
from xraycompare.core.types import FILM_TITLES, FILMS, HANDS, SCORE_KINDS, SIDE_BY_SIDE, Film
from xraycompare.qt.teaching.commands import TeachingCommand


class BlindedController(QObject):
    """Starts and reveals the Document's blinded reading and keeps the panes in its order."""

    message = Signal(str)

    def __init__(
        self,
        document: Document,
        undo_stack: QUndoStack,
        panes: Mapping[Film, QWidget],
        *,
        confirm: Callable[[str], bool] = lambda _text: True,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        parent: QObject | None = None,
    ) -> None:
        """``panes`` are the before and after panes (in one splitter: "A" goes left);
        ``confirm`` asks the reader a yes/no question; ``clock`` stamps the reveal."""
        super().__init__(parent)
        self.document = document
        self.undo_stack = undo_stack
        self.panes = panes
        self.confirm = confirm
        self.clock = clock
        document.blinding_changed.connect(self.place_panes)
        document.blinding_changed.connect(self._keep_side_by_side)
        document.view_changed.connect(self._keep_side_by_side)
        self.place_panes()

    @property
    def blind(self) -> bool:
        return self.document.is_blinded

    def start(self, seed: int | None = None) -> bool:
        """Hide the time order: "A" is the before or the after film, by a recorded draw."""
        doc = self.document
        if not doc.has_pair:
            self.message.emit("Open a pair first: a blinded reading needs two films.")
            return False
        if doc.is_blinded:
            self.message.emit("The reading is already blinded.")
            return False
        scored = len(doc.scores.entries()) + sum(r.score is not None for r in doc.annotations)
        if scored and not self.confirm(
            f"This pair already has {scored} score(s), entered knowing the order. A blinded "
            "reading usually starts from an empty sheet. Start it anyway?"
        ):
            return False
        text = "Start blinded reading"
        if doc.blinded is not None:
            text = "Start a new blinded reading"  # the revealed one is replaced (undo keeps it)
        self.undo_stack.push(TeachingCommand(doc.set_blinded, start_blinded(seed), text))
        self.message.emit("Blinded: the films are A (left) and B (right) in random order; "
                          "dates and names are hidden until you reveal the order.")  # fmt: skip
        return True

    def reveal(self) -> bool:
        """Reveal which film is earlier, keeping the scores as read blind."""
        doc, reading = self.document, self.document.blinded
        if reading is None or reading.revealed:
            self.message.emit("No blinded reading is under way.")
            return False
        hands = {f: doc.film_hand(f) for f in FILMS}
        kept = sheet_scores(doc.annotations, doc.scores.entries(), hands)
        revealed = reading.revealing(self.clock(), kept)
        self.undo_stack.push(TeachingCommand(doc.set_blinded, revealed, "Reveal the time order"))
        self.message.emit(self.reveal_text())
        return True

    def reveal_text(self) -> str:
        """Which letter was which film ("A was the After film; B the Before film")."""
        reading = self.document.blinded
        if reading is None:
            return ""
        a, b = (FILM_TITLES[f] for f in reading.order)
        return f"A was the {a} film; B the {b} film."

    def summary(self) -> str:
        """The reading in a few lines: blind, or revealed with the change as read blind."""
        reading = self.document.blinded
        if reading is None:
            return "No blinded reading."
        if not reading.revealed:
            return ("Blinded: score A and B (the Scores dock); the order stays hidden "
                    "until you reveal it.")  # fmt: skip
        lines = [f"Order revealed: {self.reveal_text()}"]
        for hand in HANDS:
            change = read_change(reading.scores, hand)
            if not any(c.before is not None or c.after is not None
                       for kind in SCORE_KINDS for c in change.rows(kind)):  # fmt: skip
                continue
            for kind in SCORE_KINDS:
                rows = change.rows(kind)
                before = sum(c.before for c in rows if c.before is not None)
                after = sum(c.after for c in rows if c.after is not None)
                unpaired = change.unpaired(kind)
                note = f"; {unpaired} site(s) scored on one film only" if unpaired else ""
                lines.append(f"Read blind, {hand} hand, {kind}: before {before} → after "
                             f"{after}, change {change.total_change(kind):+d}{note}")  # fmt: skip
        return "\n".join(lines)

    # -- the screen ------------------------------------------------------------------------
    def place_panes(self) -> None:
        """Put the panes in the splitter in the order shown ("A" first while blind)."""
        left = self.panes[self.document.films_shown[0]]
        splitter = left.parentWidget()
        if isinstance(splitter, QSplitter) and splitter.indexOf(left) != 0:
            sizes = splitter.sizes()
            splitter.insertWidget(0, left)
            splitter.setSizes(sizes)

    def _keep_side_by_side(self) -> None:
        doc = self.document
        if doc.is_blinded and doc.view.mode != SIDE_BY_SIDE:
            doc.set_view(replace(doc.view, mode=SIDE_BY_SIDE))
            self.message.emit("While blinded the films stay side by side: the comparison "
                              "views show which film is the later one.")  # fmt: skip
