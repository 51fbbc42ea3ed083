"""The Alignment dock: which alignment is in use, how good it is, and the landmark pairs."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QScrollArea,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from xraycompare.core.geometry import decompose
from xraycompare.core.registration.alignment import GLOBAL
from xraycompare.core.types import MODELS

if TYPE_CHECKING:
    from collections.abc import Mapping

    from PySide6.QtGui import QAction

    from xraycompare.core.document import Document
    from xraycompare.qt.alignment.controller import AlignmentController
    from xraycompare.qt.alignment.landmarks import LandmarkTool

REMINDER = (
    "Positioning differences (rotation, pronation, finger posture) show up as false change; "
    "align a finger or joint locally to remove them there."
)

QUALITY_LABELS = {
    "ncc_initial": "Correlation in the hand, unaligned",
    "ncc_final": "Correlation in the hand, aligned",
    "mi_final": "Mutual information (normalised)",
    "overlap": "Hand overlap",
}


def quality_text(quality: dict | None) -> str:
    """Readable lines for the quality figures of an alignment."""
    if not quality:
        return "Quality: not measured"
    lines = []
    for key, label in QUALITY_LABELS.items():
        if key in quality:
            value = quality[key]
            shown = f"{100 * value:.0f} %" if key == "overlap" else f"{value:.3f}"
            lines.append(f"{label}: {shown}")
    lines += [
        f"{k}: {v:.3g}"
        for k, v in quality.items()
        if k not in QUALITY_LABELS and isinstance(v, int | float)
    ]
    return "\n".join(lines)


class AlignmentPanel(QWidget):
    """Shows and edits the pair's alignments and landmarks.

    ``actions`` are the window's actions by name (its buttons trigger them);
    ``landmark_tool`` is told which landmark pair a selected row is.
    """

    rms_changed = Signal(str)  # the landmark fit in a line, or "" without landmarks

    def __init__(
        self,
        document: Document,
        controller: AlignmentController,
        actions: Mapping[str, QAction],
        landmark_tool: LandmarkTool,
    ) -> None:
        super().__init__()
        self.document = document
        self.controller = controller
        self.landmark_tool = landmark_tool

        self.active = QComboBox()
        self.active.setObjectName("alignment-active")
        self.active.activated.connect(self._on_active_chosen)
        self.model = QComboBox()
        self.model.addItems(list(MODELS))
        self.model.setCurrentText(self.controller.model)
        self.model.currentTextChanged.connect(self.controller.set_model)
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.quality = QLabel()
        self.quality.setWordWrap(True)
        self.warning = QLabel()
        self.warning.setWordWrap(True)
        self.warning.setStyleSheet("color: #f0b400;")
        reminder = QLabel(REMINDER)
        reminder.setWordWrap(True)
        reminder.setStyleSheet("color: #9a9a9a;")

        align = QPushButton(actions["align"].iconText())
        align.clicked.connect(actions["align"].trigger)
        region = QPushButton(actions["tool_region"].iconText())
        region.clicked.connect(actions["tool_region"].trigger)
        delete_local = QPushButton("Delete local")
        delete_local.clicked.connect(self._delete_active_local)
        self.delete_local = delete_local

        top = QGroupBox("Alignment in use")
        top_layout = QVBoxLayout(top)
        row = QHBoxLayout()
        row.addWidget(self.active, 1)
        top_layout.addLayout(row)
        row = QHBoxLayout()
        row.addWidget(align)
        row.addWidget(QLabel("Model:"))
        row.addWidget(self.model)
        top_layout.addLayout(row)
        row = QHBoxLayout()
        row.addWidget(region)
        row.addWidget(delete_local)
        top_layout.addLayout(row)
        for widget in (self.summary, self.quality, self.warning, reminder):
            top_layout.addWidget(widget)

        self.table = QTableWidget(0, 4)
        self.table.setHorizontalHeaderLabels(["Before (x, y)", "After (x, y)", "px", "mm"])
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.table.itemSelectionChanged.connect(self._on_row_selected)
        self.rms = QLabel()
        marks = QGroupBox("Landmarks")
        marks_layout = QVBoxLayout(marks)
        row = QHBoxLayout()
        for name in ("tool_landmarks", "use_landmarks", "refine"):
            button = QPushButton(actions[name].iconText())
            button.clicked.connect(actions[name].trigger)
            row.addWidget(button)
        marks_layout.addLayout(row)
        marks_layout.addWidget(self.table)
        marks_layout.addWidget(self.rms)

        self.table.setMinimumHeight(90)
        content = QWidget()
        inner = QVBoxLayout(content)
        inner.setContentsMargins(4, 4, 4, 4)
        inner.addWidget(top)
        inner.addWidget(marks, 1)
        scroll = QScrollArea(self)  # a short dock scrolls instead of squashing the text
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setWidget(content)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(scroll)

        self.document.alignment_changed.connect(self.refresh)
        self.document.pair_changed.connect(self.refresh)
        self.document.landmarks_changed.connect(self.refresh_landmarks)
        self.controller.quality_measured.connect(self.show_quality)
        self.refresh()
        self.refresh_landmarks()

    # -- alignment -----------------------------------------------------------------------
    def refresh(self) -> None:
        doc = self.document
        self.active.blockSignals(True)
        self.active.clear()
        self.active.addItem(GLOBAL)
        for local in doc.local_alignments:
            self.active.addItem(local.name)
        self.active.setCurrentText(doc.active_alignment_name)
        self.active.blockSignals(False)
        self.delete_local.setEnabled(doc.active_alignment_name != GLOBAL)
        active = doc.active_alignment
        if not doc.has_pair:
            self.summary.setText("Open a pair to align it.")
        elif active is None:
            self.summary.setText("Not aligned yet: the films are only placed side by side.")
        else:
            parts = decompose(active.matrix)
            where = " inside its region" if active.roi else ""
            self.summary.setText(
                f"{active.name}: {active.method}, {active.model}{where}; "
                f"rotation {parts['rotation_deg']:+.2f}°, scale {parts['scale']:.4f}, "
                f"shift ({parts['tx']:+.1f}, {parts['ty']:+.1f}) px"
                + (f"; {active.seconds:.2f} s" if active.seconds else "")
            )
        warning = active.warning if active is not None else None
        if active is not None and active.status != "ok":
            verdict = "FAILED" if active.status == "failed" else "Doubtful"
            warning = f"{verdict}: {active.reason or warning or ''}".rstrip(": ")
        if active is not None and active.mirrored and not warning:
            warning = "The after film looks mirrored (stored left-right flipped)."
        self.warning.setText(warning or "")
        self.warning.setVisible(bool(warning))

    def show_quality(self, quality: dict | None) -> None:
        self.quality.setText(quality_text(quality))

    def _on_active_chosen(self, index: int) -> None:
        self.controller.set_active(self.active.itemText(index))

    def _delete_active_local(self) -> None:
        name = self.document.active_alignment_name
        if name != GLOBAL:
            self.controller.delete_local(name)

    # -- landmarks -----------------------------------------------------------------------
    def refresh_landmarks(self) -> None:
        pairs = self.document.landmarks
        fit = self.controller.landmark_fit()
        before = self.document.before
        spacing = before.spacing_mm[1] if before is not None and before.spacing_mm else None
        self.table.blockSignals(True)
        self.table.setRowCount(len(pairs))
        for row, pair in enumerate(pairs):
            residual = float(fit.residuals_px[row]) if fit is not None else None
            cells = [
                f"{pair.before[0]:.1f}, {pair.before[1]:.1f}",
                f"{pair.after[0]:.1f}, {pair.after[1]:.1f}",
                f"{residual:.2f}" if residual is not None else "—",
                f"{residual * spacing:.2f}" if residual is not None and spacing else "—",
            ]
            for col, text in enumerate(cells):
                self.table.setItem(row, col, QTableWidgetItem(text))
        self.table.setVerticalHeaderLabels([str(i + 1) for i in range(len(pairs))])
        self.table.blockSignals(False)
        if fit is None:
            self.rms.setText(f"{len(pairs)} pair(s): two give a similarity, three an affine.")
        else:
            mm = f" ({fit.rms_px * spacing:.2f} mm)" if spacing else ""
            self.rms.setText(f"{fit.model} fit, RMS residual {fit.rms_px:.2f} px{mm}")
        self.rms_changed.emit(self.rms.text() if pairs else "")

    def _on_row_selected(self) -> None:
        rows = {index.row() for index in self.table.selectedIndexes()}
        pairs = self.document.landmarks
        tool = self.landmark_tool
        if len(rows) == 1:
            row = rows.pop()
            if row < len(pairs):
                tool.select(pairs[row].id)
