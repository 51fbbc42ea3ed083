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
from xraycompare.core.annotations.scoring import ScoreSheet, SiteScore, score_change, score_sheet
from xraycompare.core.types import HANDS, SCORE_KINDS, hand_from_laterality

if TYPE_CHECKING:
    from xraycompare.qt.regions.editor import RegionEditor

FILMS = ("before", "after")
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
        for hand in HANDS:
            self.hand.addItem(f"{hand.capitalize()} hand", hand)
        self.totals = QLabel()
        self.totals.setWordWrap(True)
        self.table = QTableWidget(0, 4)
        self.table.setObjectName("score-sheet")
        self.table.setHorizontalHeaderLabels(["Site", "Before", "After", "Change"])
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
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
        layout.addWidget(self.table, 1)
        layout.addWidget(self.totals)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(0)
        self._timer.timeout.connect(self.refresh)
        self.hand.activated.connect(lambda _i: self.refresh())
        annotations, scores = self.document.annotations, self.document.scores
        for signal in (annotations.region_added, annotations.region_changed,
                       annotations.region_removed, annotations.regions_reset,
                       scores.score_changed, scores.scores_reset):  # fmt: skip
            signal.connect(lambda *_: self._timer.start())
        annotations.regions_reset.connect(self._choose_hand)  # a project was opened
        scores.scores_reset.connect(self._choose_hand)
        self.document.pair_changed.connect(self._on_pair_changed)
        self.refresh()

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

    # -- model -> view -------------------------------------------------------------------
    def default_hands(self) -> dict[str, str | None]:
        """Each film's hand from DICOM ImageLaterality, where the file records it."""
        hands: dict[str, str | None] = {}
        for film in FILMS:
            image = self.document.image(film)  # type: ignore[arg-type]
            hands[film] = hand_from_laterality(image.info.laterality if image else None)
        return hands

    def _on_pair_changed(self) -> None:
        self._choose_hand()
        self._timer.start()

    def _choose_hand(self) -> None:
        """Show the hand the films are of: from the files, else from the regions and scores."""
        hands = self.default_hands()
        hand = hands["before"] or hands["after"]
        if hand is None:
            lateral = [r.laterality for r in self.document.annotations if r.laterality]
            lateral += [e.hand for e in self.document.scores]
            hand = lateral[0] if lateral else None
        if hand is not None:
            self.hand.setCurrentIndex(self.hand.findData(hand))

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
            lines.append(
                f"{kind.capitalize()}: before {b.total(kind)}, after {a.total(kind)}, "
                f"change {total:+d}{note}"
            )
        self.totals.setText("<br>".join(lines))

    # -- view -> model -------------------------------------------------------------------
    def _entered(self, combo: ScoreCombo) -> None:
        film, kind, site = combo.key
        self.editor.set_score(film, self.current_hand, kind, site, combo.currentData())
        self._timer.start()  # also when nothing changed: put the combo's text back
