"""What an empty window offers: open a pair, or the demo pair."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QLabel, QPushButton, QVBoxLayout, QWidget


class WelcomePage(QWidget):
    """Shown until a film is open."""

    open_pair = Signal()
    open_demo = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        title = QLabel("<h2>Compare two hand radiographs</h2>")
        text = QLabel(
            "Open the <b>Before</b> and the <b>After</b> film (DICOM, PNG, JPEG, TIFF or BMP),"
            "<br>or drop two files onto this window."
        )
        text.setAlignment(Qt.AlignmentFlag.AlignCenter)
        pair = QPushButton("Open pair…")
        pair.setObjectName("welcome-open-pair")
        pair.setMinimumWidth(220)
        pair.clicked.connect(self.open_pair)
        demo = QPushButton("Open demo pair")
        demo.setObjectName("welcome-open-demo")
        demo.setMinimumWidth(220)
        demo.clicked.connect(self.open_demo)
        layout = QVBoxLayout(self)
        layout.addStretch(2)
        for widget in (title, text, pair, demo):
            layout.addWidget(widget, 0, Qt.AlignmentFlag.AlignHCenter)
            layout.addSpacing(8)
        layout.addStretch(3)
