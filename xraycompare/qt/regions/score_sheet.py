"""The SvdH score sheet dock: one hand's erosion and narrowing sites on both films.

Each site shows the score on the before and the after film and the change. A score comes
from the regions at that site (the highest) unless the reader entered one directly, which
then wins and is shown in bold; choosing "from regions" clears a direct entry. Every entry
is one undo step. Totals count scored sites; the change total counts only sites scored on
both films and says how many were scored on one film only.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from xraycompare.core.annotations import svdh
from xraycompare.core.annotations.laterality import hand_conflicts
from xraycompare.core.annotations.scoring import ScoreSheet, SiteScore, score_change, score_sheet
from xraycompare.core.types import FILMS, HANDS, SCORE_KINDS, hand_from_laterality

if TYPE_CHECKING:
    from xraycompare.qt.regions.editor import RegionEditor

KIND_TITLES = {"erosion": "Erosion (0–5)", "narrowing": "Joint-space narrowing (0–4)"}


class ScoreCombo(QComboBox):
    """A site's score on one film: "from regions" (or "—") first, then 0..max."""

    def __init__(self, film: str, kind: str, site: str) -> None:
        super().__init__()
        self.key = (film, kind, site)
        self.addItem("—", None)
        for value in range(svdh.MAX_SCORE[kind] + 1):
            self.addItem(str(value), value)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.setMinimumContentsLength(4)

    def wheelEvent(self, event) -> None:  # scrolling the sheet must not change scores
        event.ignore()

    def show_row(self, row: SiteScore) -> None:
        self.blockSignals(True)
        if row.source == "regions":
            self.setItemText(0, f"{row.score} (regions)")
            self.setToolTip(f"From {len(row.region_ids)} region(s); choose a value to override")
        else:
            self.setItemText(0, "—")
            self.setToolTip("Entered directly" if row.source == "direct" else "Not scored")
        index = self.findData(row.score) if row.source == "direct" else 0
        self.setCurrentIndex(max(index, 0))
        font = QFont(self.font())
        font.setBold(row.source == "direct")
        self.setFont(font)
        self.blockSignals(False)


class ScoreSheetPanel(QWidget):
    """Per hand: every SvdH site, the before and after score and the change."""

    def __init__(self, editor: RegionEditor, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.editor = editor
        self.document = editor.document
        self.hand = QComboBox()
        self.hand.setObjectName("score-hand")
        for hand in HANDS:
            self.hand.addItem(f"{hand.capitalize()} hand", hand)
        self.hand_note = QLabel()
        self.hand_note.setObjectName("score-hand-note")
        self.hand_note.setWordWrap(True)
        self.warning = QLabel()
        self.warning.setObjectName("score-warning")
        self.warning.setWordWrap(True)
        self.warning.setStyleSheet("color: #f0b400;")
        self._chosen_by_reader = False  # the reader picked the hand: do not switch it back
        self.totals = QLabel()
        self.totals.setWordWrap(True)
        self.table = QTableWidget(0, 4)
        self.table.setObjectName("score-sheet")
        self.table.setHorizontalHeaderLabels(["Site", "Before", "After", "Change"])
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        # long site names ("Base of metacarpal 1 (CMC 1)") wrap instead of being cut off
        self.table.setWordWrap(True)
        header.sectionResized.connect(lambda *_: self.table.resizeRowsToContents())
        for column in (1, 2, 3):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        self.combos: dict[tuple[str, str, str], ScoreCombo] = {}
        self._build_rows()
        top = QHBoxLayout()
        top.addWidget(QLabel("Sheet of the"))
        top.addWidget(self.hand, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addLayout(top)
        layout.addWidget(self.hand_note)
        layout.addWidget(self.warning)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.totals)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(0)
        self._timer.timeout.connect(self.refresh)
        self.hand.activated.connect(self._on_hand_chosen)
        annotations, scores = self.document.annotations, self.document.scores
        for signal in (annotations.region_added, annotations.region_changed,
                       annotations.region_removed, annotations.regions_reset,
                       scores.score_changed, scores.scores_reset):  # fmt: skip
            signal.connect(lambda *_: self._timer.start())
        for signal in (annotations.regions_reset, annotations.region_added,
                       annotations.region_changed, scores.scores_reset,
                       self.document.hands_changed):  # fmt: skip
            signal.connect(lambda *_: self._choose_hand())
        self.document.pair_changed.connect(self._on_pair_changed)
        self.document.blinding_changed.connect(self._name_columns)
        self._name_columns()

    # -- layout --------------------------------------------------------------------------
    def _build_rows(self) -> None:
        self.change_items: dict[tuple[str, str], QTableWidgetItem] = {}
        self.total_items: dict[str, list[QTableWidgetItem]] = {}
        bold = QFont(self.font())
        bold.setBold(True)
        for kind in SCORE_KINDS:
            self._add_span(KIND_TITLES[kind], bold)
            for site in svdh.SITES[kind]:
                row = self.table.rowCount()
                self.table.insertRow(row)
                name = QTableWidgetItem(site.name)
                name.setToolTip(site.id)
                name.setFlags(Qt.ItemFlag.ItemIsEnabled)
                self.table.setItem(row, 0, name)
                for column, film in enumerate(FILMS, start=1):
                    combo = ScoreCombo(film, kind, site.id)
                    combo.activated.connect(lambda _i, c=combo: self._entered(c))
                    self.table.setCellWidget(row, column, combo)
                    self.combos[(film, kind, site.id)] = combo
                change = QTableWidgetItem("")
                change.setFlags(Qt.ItemFlag.ItemIsEnabled)
                change.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
                self.table.setItem(row, 3, change)
                self.change_items[(kind, site.id)] = change
            row = self.table.rowCount()
            self.table.insertRow(row)
            items = [QTableWidgetItem("") for _ in range(4)]
            for column, item in enumerate(items):
                item.setFlags(Qt.ItemFlag.ItemIsEnabled)
                item.setFont(bold)
                if column:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
                self.table.setItem(row, column, item)
            self.total_items[kind] = items

    def _add_span(self, text: str, font: QFont) -> None:
        row = self.table.rowCount()
        self.table.insertRow(row)
        item = QTableWidgetItem(text)
        item.setFont(font)
        item.setFlags(Qt.ItemFlag.ItemIsEnabled)
        self.table.setItem(row, 0, item)
        self.table.setSpan(row, 0, 1, 4)

    def _name_columns(self) -> None:
        """Before | After | Change, or while blind A | B in screen order and no change (the
        change says which film is the later one)."""
        doc = self.document
        header = self.table.horizontalHeader()
        for column, film in enumerate(FILMS, start=1):
            self.table.horizontalHeaderItem(column).setText(doc.film_title(film))
        a_first = doc.films_shown[0] == "before"
        if (header.visualIndex(1) == 1) != a_first:
            header.swapSections(1, 2)
        self.table.setColumnHidden(3, doc.is_blinded)
        self.refresh()

    # -- model -> view -------------------------------------------------------------------
    def default_hands(self) -> dict[str, str | None]:
        """Each film's hand: its file's, the reader's, its regions', the other film's."""
        return {film: self.document.film_hand(film) for film in FILMS}  # type: ignore[arg-type]

    def pair_hand(self) -> str | None:
        """The hand the films show, or the hand already scored when nothing else says."""
        hands = self.default_hands()
        hand = hands["before"] or hands["after"]
        if hand is None:
            scored = [e.hand for e in self.document.scores]
            hand = scored[0] if scored else None
        return hand

    def _on_pair_changed(self) -> None:
        self._chosen_by_reader = False
        self._choose_hand()

    def _on_hand_chosen(self, _index: int) -> None:
        self._chosen_by_reader = True
        self.refresh()

    def _choose_hand(self) -> None:
        """Open on the films' hand, unless the reader picked one for this pair."""
        hand = self.pair_hand()
        if hand is not None and not self._chosen_by_reader:
            self.hand.setCurrentIndex(self.hand.findData(hand))
        self._timer.start()

    @property
    def current_hand(self) -> str:
        return str(self.hand.currentData())

    def sheets(self) -> dict[str, ScoreSheet]:
        hand = self.current_hand
        regions = self.document.annotations.regions()
        entries = self.document.scores.entries()
        defaults = self.default_hands()
        return {
            film: score_sheet(
                regions,
                entries,
                film=film,
                hand=hand,
                default_hand=defaults[film],  # type: ignore[arg-type]
            )
            for film in FILMS
        }

    def refresh(self) -> None:
        sheets = self.sheets()
        change = score_change(sheets["before"], sheets["after"])
        lines = []
        for kind in SCORE_KINDS:
            for film in FILMS:
                for row in sheets[film].rows(kind):
                    self.combos[(film, kind, row.site.id)].show_row(row)
            for c in change.rows(kind):
                value = c.change
                self.change_items[(kind, c.site.id)].setText(
                    "" if value is None else f"{value:+d}" if value else "0"
                )
            b, a = sheets["before"], sheets["after"]
            total = change.total_change(kind)
            items = self.total_items[kind]
            maximum = getattr(ScoreSheet, f"{kind}_max")
            items[0].setText(f"Total {kind}")
            items[1].setText(f"{b.total(kind)} / {maximum}")
            items[2].setText(f"{a.total(kind)} / {maximum}")
            items[3].setText(f"{total:+d}" if total else "0")
            unpaired = change.unpaired(kind)
            note = f" ({unpaired} site(s) scored on one film only)" if unpaired else ""
            if self.document.is_blinded:
                first, second = self.document.films_shown
                lines.append(
                    f"{kind.capitalize()}: A {sheets[first].total(kind)}, "
                    f"B {sheets[second].total(kind)}"
                )
                continue
            lines.append(
                f"{kind.capitalize()}: before {b.total(kind)}, after {a.total(kind)}, "
                f"change {total:+d}{note}"
            )
        self.totals.setText("<br>".join(lines))
        self._show_hand()

    def _show_hand(self) -> None:
        """Say whose hand the sheet is, and where the films, regions and sheet disagree."""
        doc = self.document
        hand = self.pair_hand()
        if hand is None:
            self.hand_note.setText("Which hand? The files do not say: you will be asked.")
        else:
            source = (
                "the file says"
                if any(
                    hand_from_laterality(i.info.laterality) for i in (doc.before, doc.after) if i
                )
                else "from the regions or as you said"
            )
            self.hand_note.setText(f"The films show a {hand} hand ({source}).")
        notes = hand_conflicts({f: doc.image(f) for f in FILMS}, doc.annotations.regions())
        if hand is not None and self.current_hand != hand:
            notes.insert(0, f"This is the {self.current_hand} hand's sheet; the films show "
                         f"a {hand} hand.")  # fmt: skip
        self.warning.setText("\n".join(notes))
        self.warning.setVisible(bool(notes))

    # -- view -> model -------------------------------------------------------------------
    def _entered(self, combo: ScoreCombo) -> None:
        """File the score under the hand of the sheet the reader sees (asking once when
        nothing says which hand the films show)."""
        film, kind, site = combo.key
        if self.pair_hand() is None:
            hand = self.editor.ensure_hand()
            if hand is None:  # the reader did not say: nothing is filed
                self._timer.start()
                return
            self.hand.setCurrentIndex(self.hand.findData(hand))
        self.editor.set_score(film, self.current_hand, kind, site, combo.currentData())
        self._timer.start()  # also when nothing changed: put the combo's text back
