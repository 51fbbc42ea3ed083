"""The Region properties dock: film, SvdH site, hand, kind, score, status, label and note.

It shows the last selected region and applies an edit to every selected region it fits
(one undo step); fields that do not apply (a score on an "other" region, a site of the
wrong kind) are cleared rather than refused, and the panel says so. It holds no state of
its own: it refills from the selection and the model's events.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from PySide6.QtCore import Signal
from PySide6.QtGui import QFocusEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGridLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from xraycompare.core.annotations import svdh
from xraycompare.core.annotations.propagation import film_to_film_matrix, map_region_points
from xraycompare.core.annotations.regions import Region
from xraycompare.core.types import (
    FILM_TITLES,
    FILMS,
    GEOMETRY_NAMES,
    KINDS,
    STATUS_LABELS,
    STATUSES,
    hand_from_laterality,
    other,
)

if TYPE_CHECKING:
    from xraycompare.qt.regions.editor import RegionEditor

KIND_TITLES = {"erosion": "Erosion", "narrowing": "Joint-space narrowing", "other": "Other"}


class NoteEdit(QPlainTextEdit):
    """A note box that reports its text when the user leaves it (one undo step per note)."""

    editing_finished = Signal()

    def focusOutEvent(self, event: QFocusEvent) -> None:
        super().focusOutEvent(event)
        self.editing_finished.emit()


def site_choices(kind: str) -> list[tuple[str, str]]:
    """(site id, "PIP3 — PIP 3 (middle)") for a kind; "other" may name any site."""
    if kind in svdh.SITES:
        sites = svdh.SITES[kind]
    else:
        seen: dict[str, svdh.Site] = {}
        for s in svdh.EROSION_SITES + svdh.NARROWING_SITES:
            seen.setdefault(s.id, s)
        sites = tuple(seen.values())
    return [(s.id, f"{s.id} — {s.name}") for s in sites]


def fitted(region: Region, **changes: object) -> Region:
    """``region`` with ``changes``, dropping a site or score that the new kind cannot hold."""
    fields = dict(changes)
    kind = str(fields.get("kind", region.kind))
    site = fields.get("site", region.site)
    score = fields.get("score", region.score)
    if site is not None and kind != "other" and site not in {s.id for s in svdh.SITES[kind]}:
        fields["site"] = None
    if score is not None and (kind == "other" or int(score) > svdh.MAX_SCORE[kind]):  # type: ignore[call-overload]
        fields["score"] = None
    return replace(region, **fields)  # type: ignore[arg-type]


class RegionPanel(QWidget):
    """Edit the selected regions' properties; every change is undoable."""

    def __init__(self, editor: RegionEditor, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.editor = editor
        self.document = editor.document
        self._filling = False
        self.title = QLabel("No region selected")
        self.title.setWordWrap(True)
        self.film = QComboBox()
        for film in FILMS:
            self.film.addItem(FILM_TITLES[film], film)
        # while blind the films are "A" and "B"; their order on screen is the reading's
        self.document.blinding_changed.connect(self._name_films)
        self.kind = QComboBox()
        for kind in KINDS:
            self.kind.addItem(KIND_TITLES[kind], kind)
        self.site = QComboBox()
        self.hand = QComboBox()
        for text, value in (("—", None), ("Left", "left"), ("Right", "right")):
            self.hand.addItem(text, value)
        self.hand_hint = QLabel()
        self.hand_hint.setWordWrap(True)
        self.score = QComboBox()
        self.status = QComboBox()
        self.status.addItem("—", None)
        for status in STATUSES:
            self.status.addItem(STATUS_LABELS[status], status)
        self.label = QLineEdit()
        self.label.setPlaceholderText("Text shown on the film (text labels)")
        self.note = NoteEdit()
        self.note.setPlaceholderText("Free note")
        self.note.setMaximumHeight(80)
        self.link = QLabel()
        self.link.setWordWrap(True)
        self.select_partner = QPushButton("Select counterpart")
        self.propagate = QPushButton("Copy to other film")
        self.unlink = QPushButton("Unlink")
        self.propagate_new = QCheckBox("Propagate new regions")
        self.propagate_new.setToolTip(
            "A region drawn on one film also appears on the other, through the alignment, "
            "as a linked counterpart you then adjust on its own"
        )
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setStyleSheet("color: #e69f00")
        for combo in (self.film, self.kind, self.site, self.hand, self.score, self.status):
            # long site names must not widen the dock (and the window's minimum width)
            combo.setSizeAdjustPolicy(
                QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
            )
            combo.setMinimumContentsLength(8)

        form = QFormLayout()
        form.addRow("Film", self.film)
        form.addRow("Kind", self.kind)
        form.addRow("SvdH site", self.site)
        form.addRow("Hand", self.hand)
        form.addRow("", self.hand_hint)
        form.addRow("Score", self.score)
        form.addRow("Status", self.status)
        form.addRow("Label", self.label)
        form.addRow("Note", self.note)
        buttons = QGridLayout()
        buttons.addWidget(self.select_partner, 0, 0)
        buttons.addWidget(self.propagate, 0, 1)
        buttons.addWidget(self.unlink, 1, 0)
        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addLayout(form)
        layout.addWidget(self.link)
        layout.addLayout(buttons)
        layout.addWidget(self.message)
        layout.addStretch(1)
        layout.addWidget(self.propagate_new)

        self.film.activated.connect(lambda _i: self._apply_film())
        self.kind.activated.connect(lambda _i: self._apply("kind", self.kind.currentData()))
        self.site.activated.connect(lambda _i: self._apply("site", self.site.currentData()))
        self.hand.activated.connect(lambda _i: self._apply("laterality", self.hand.currentData()))
        self.score.activated.connect(lambda _i: self._apply("score", self.score.currentData()))
        self.status.activated.connect(lambda _i: self._apply("status", self.status.currentData()))
        self.label.editingFinished.connect(lambda: self._apply("label", self.label.text().strip()))
        self.note.editing_finished.connect(lambda: self._apply("note", self.note.toPlainText()))
        self.select_partner.clicked.connect(self._select_partner)
        self.propagate.clicked.connect(self._propagate)
        self.unlink.clicked.connect(self._unlink)
        self.propagate_new.toggled.connect(editor.set_propagate_new)
        editor.options_changed.connect(self._sync_options)
        editor.selection.changed.connect(self.refresh)
        annotations = self.document.annotations
        annotations.region_changed.connect(lambda *_: self.refresh())
        annotations.region_added.connect(lambda *_: self.refresh())
        annotations.region_removed.connect(lambda *_: self.refresh())
        annotations.regions_reset.connect(self.refresh)
        self._sync_options()
        self.refresh()

    # -- model -> widgets ----------------------------------------------------------------
    def _name_films(self) -> None:
        for i in range(self.film.count()):
            self.film.setItemText(i, self.document.film_title(self.film.itemData(i)))
        self.refresh()

    def _sync_options(self) -> None:
        self.propagate_new.blockSignals(True)
        self.propagate_new.setChecked(self.editor.propagate_new)
        self.propagate_new.blockSignals(False)

    def refresh(self) -> None:
        regions = self.editor.selection.regions()
        region = regions[-1] if regions else None
        self._filling = True
        try:
            self._fill(region, len(regions))
        finally:
            self._filling = False

    def _fill(self, region: Region | None, count: int) -> None:
        editors = (
            self.film, self.kind, self.site, self.hand, self.score, self.status,
            self.label, self.note, self.select_partner, self.propagate, self.unlink,
        )  # fmt: skip
        for w in editors:
            w.setEnabled(region is not None)
        if region is None:
            self.title.setText("No region selected. Draw one with a region tool (Tools menu).")
            self.link.setText("")
            self.hand_hint.setText("")
            self.hand_hint.setVisible(False)
            self.label.setText("")
            self.note.setPlainText("")
            return
        name = GEOMETRY_NAMES.get(region.geometry, region.geometry)
        head = f"{name.capitalize()} on the {self.document.film_title(region.film)} film"
        if count > 1:
            head = f"{count} regions selected; edits apply to all. Showing: {head.lower()}"
        self.title.setText(head)
        _select(self.film, region.film)
        _select(self.kind, region.kind)
        self.site.clear()
        self.site.addItem("—", None)
        for site_id, text in site_choices(region.kind):
            self.site.addItem(text, site_id)
        _select(self.site, region.site)
        _select(self.hand, region.laterality)
        self.score.clear()
        self.score.addItem("—", None)
        if region.kind in svdh.MAX_SCORE:
            for value in range(svdh.MAX_SCORE[region.kind] + 1):
                self.score.addItem(str(value), value)
        self.score.setEnabled(region.kind != "other")
        _select(self.score, region.score)
        _select(self.status, region.status)
        if self.label.text() != region.label:
            self.label.setText(region.label)
        if not self.note.hasFocus() and self.note.toPlainText() != region.note:
            self.note.setPlainText(region.note)
        hint = self._hand_hint(region)
        self.hand_hint.setText(hint)
        self.hand_hint.setVisible(bool(hint))
        partner = self.document.annotations.counterpart(region)
        other_title = self.document.film_title(other(region.film))
        if partner is not None:
            self.link.setText(f"Linked to its counterpart on the {other_title} film.")
        else:
            self.link.setText(f"No counterpart on the {other_title} film.")
        self.select_partner.setEnabled(partner is not None)
        self.unlink.setEnabled(partner is not None)
        self.propagate.setEnabled(
            partner is None and self.document.image(other(region.film)) is not None
        )

    def _hand_hint(self, region: Region) -> str:
        image = self.document.image(region.film)
        code = image.info.laterality if image is not None else None
        marked = hand_from_laterality(code)
        if marked is not None and region.laterality not in (None, marked):
            return (
                f"The file says {marked} hand (ImageLaterality {code}), but this region says "
                f"{region.laterality}: its score goes on the {region.laterality} hand's sheet."
            )
        if marked is not None:
            return f"The file says: {marked} hand (ImageLaterality {code})."
        hand = self.document.film_hand(region.film)
        if region.laterality is None and hand is not None:
            return f"No hand given: scored on the {hand} hand's sheet, the films' hand."
        if region.laterality is None and region.score is not None:
            return "Choose the hand: the file does not say, and the score sheet needs it."
        if region.laterality is None:
            return "The file does not say which hand this is: choose it."
        return ""

    # -- widgets -> model ----------------------------------------------------------------
    def _apply(self, field: str, value: object) -> None:
        if self._filling:
            return
        changed, skipped = [], 0
        for region in self.editor.selection.regions():
            try:
                new = fitted(region, **{field: value})
            except ValueError:
                skipped += 1
                continue
            if new != region:
                changed.append(new)
        self.message.setText(
            f"{skipped} selected region(s) cannot take that value and were left as they are."
            if skipped else ""
        )  # fmt: skip
        if changed:
            label = field.replace("laterality", "hand")
            self.editor.replace(changed, f"Set {label}")

    def _apply_film(self) -> None:
        if self._filling:
            return
        target = self.film.currentData()
        annotations = self.document.annotations
        moved, blocked = [], 0
        for region in self.editor.selection.regions():
            if region.film == target:
                continue
            if annotations.counterpart(region) is not None:
                blocked += 1
                continue
            matrix = film_to_film_matrix(self.editor.alignment_for(region), region.film)
            moved.append(replace(region, film=target, points=map_region_points(region, matrix)))
        self.message.setText(
            f"{blocked} region(s) already have a counterpart on that film: unlink first."
            if blocked else ""
        )  # fmt: skip
        if moved:
            self.editor.replace(moved, "Move to the other film")
        else:
            self.refresh()

    def _select_partner(self) -> None:
        region = self.editor.selection.current
        partner = self.document.annotations.counterpart(region) if region else None
        if partner is not None:
            self.editor.centre_on(partner.id)

    def _propagate(self) -> None:
        self.editor.propagate_selected()

    def _unlink(self) -> None:
        region = self.editor.selection.current
        if region is not None:
            self.editor.unlink(region.id)


def _select(combo: QComboBox, value: object) -> None:
    """Show ``value`` (None: the "—" entry, always first)."""
    index = 0 if value is None else combo.findData(value)
    combo.setCurrentIndex(index if index >= 0 else 0)
