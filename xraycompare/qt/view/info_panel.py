"""Image information for both films, patient identifiers hidden until revealed."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from xraycompare.core.document import Document
from xraycompare.core.io.calibration import calibration_warning
from xraycompare.core.io.image import XrayImage
from xraycompare.core.types import CALIBRATION_LABELS, FILMS


def describe(image: XrayImage) -> list[tuple[str, str]]:
    """Rows of non-identifying facts about a film, as shown in the panel."""
    info = image.info
    if image.spacing_mm is not None:
        row, col = image.spacing_mm
        spacing = f"{row:.4g} × {col:.4g} mm"
    else:
        spacing = "—"
    window = image.default_window
    return [
        ("Format", info.format),
        ("Dimensions", f"{image.width} × {image.height} px"),
        ("Bit depth", f"{image.bits_stored} bits stored ({image.pixels.dtype})"),
        ("Photometric", image.photometric),
        ("Modality", info.modality or "—"),
        ("Body part", info.body_part or "—"),
        ("Laterality", info.laterality or "—"),
        ("View", info.view_position or "—"),
        ("Spacing", spacing),
        ("Calibration", CALIBRATION_LABELS[image.calibration]),
        ("Transfer syntax", info.transfer_syntax or "—"),
        (
            "Default window",
            f"C {window.center:.6g} / W {window.width:.6g} "
            f"({'from file' if image.default_window_source == 'file' else 'automatic'})",
        ),
        ("Notes", "; ".join(image.notices) or "—"),
    ]


def identity_rows(image: XrayImage) -> list[tuple[str, str]]:
    """The identifying facts, shown only while "Show patient identifiers" is ticked."""
    ident = image.identity
    return [
        ("File", str(image.source) if image.source is not None else "—"),
        ("Patient name", ident.name or "—"),
        ("Patient ID", ident.patient_id or "—"),
        ("Birth date", ident.birth_date or "—"),
        ("Accession number", ident.accession_number or "—"),
        ("Study date", ident.study_date or "—"),
    ]


class InfoPanel(QWidget):
    """A two-column table (Before, After) of what each film holds."""

    def __init__(self, document: Document, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.document = document
        self.table = QTableWidget(0, 2, self)
        self.table.setHorizontalHeaderLabels(["Before", "After"])
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setWordWrap(True)
        self.table.setAlternatingRowColors(True)
        self.reveal = QCheckBox("Show patient identifiers", self)
        self.reveal.setToolTip(
            "Name, ID, birth date, accession number, study date and the files' names and "
            "folders, everywhere on screen (pane titles, window title, menus, messages)"
        )
        self.reveal.toggled.connect(document.set_show_identifiers)
        self.warning = QLabel(self)
        self.warning.setWordWrap(True)
        self.warning.setStyleSheet("color: #f0b400;")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.warning)
        layout.addWidget(self.table)
        layout.addWidget(self.reveal)
        document.pair_changed.connect(self.refresh)
        document.identifiers_changed.connect(self.refresh)
        self.refresh()

    def refresh(self) -> None:
        shown = self.document.show_identifiers
        if self.reveal.isChecked() != shown:
            self.reveal.blockSignals(True)
            self.reveal.setChecked(shown)
            self.reveal.blockSignals(False)
        columns = [self.document.image(f) for f in FILMS]
        rows: list[str] = []
        values: dict[str, list[str]] = {}
        for c, image in enumerate(columns):
            if image is None:
                continue
            facts = describe(image)
            if shown:
                facts += identity_rows(image)
            for label, value in facts:
                if label not in values:
                    rows.append(label)
                    values[label] = ["—", "—"]
                values[label][c] = value
        self.table.setRowCount(len(rows))
        self.table.setVerticalHeaderLabels(rows)
        for r, label in enumerate(rows):
            for c in range(2):
                item = QTableWidgetItem(values[label][c])
                item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable)
                self.table.setItem(r, c, item)
        self.table.resizeRowsToContents()
        text = calibration_warning(*columns)
        self.warning.setText(text or "")
        self.warning.setVisible(bool(text))
