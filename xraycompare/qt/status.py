"""The status bar: what is under the cursor, the window, background work, messages.

Parts of the window report through signals (``message(text)``); the main window connects
them to :meth:`StatusReadout.notice` or :meth:`StatusReadout.problem`, so how long a line
stays is decided here, once.
"""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QProgressBar, QPushButton, QStatusBar

from xraycompare.core.document import Document
from xraycompare.core.io.calibration import describe_position
from xraycompare.core.types import Film

# How long a transient status line stays (ms).
NOTICE_MS = 6000  # something done or chosen ("Saved case.xrc.json")
PROBLEM_MS = 10000  # something that did not work, also shown in a dialog or banner


class StatusReadout:
    """Wires the Document and pane hover events into permanent status-bar widgets."""

    def __init__(
        self,
        status: QStatusBar,
        document: Document,
    ) -> None:
        self.status = status
        self.document = document
        self.position = QLabel("")
        self.position.setMinimumWidth(360)
        self.level = QLabel("")  # the window/level readout
        self.landmarks = QLabel("")  # the landmark fit's RMS while landmark pairs exist
        self.progress = QProgressBar()
        self.progress.setRange(0, 1000)
        self.progress.setMaximumWidth(160)
        self.progress.setTextVisible(False)
        self.task = QLabel("")
        self.cancel = QPushButton("Cancel")
        self.cancel.setFlat(True)
        for widget in (self.progress, self.task, self.cancel):
            widget.setVisible(False)
        status.addWidget(self.position, 1)
        status.addPermanentWidget(self.task)
        status.addPermanentWidget(self.progress)
        status.addPermanentWidget(self.cancel)
        status.addPermanentWidget(self.landmarks)
        status.addPermanentWidget(self.level)
        self._film: Film = "before"
        document.display_changed.connect(lambda _film: self.update_window())
        document.pair_changed.connect(self._on_pair_changed)
        document.blinding_changed.connect(self.update_window)  # "Before" or "A"

    def _on_pair_changed(self) -> None:
        self.position.setText("")
        self.update_window()

    def on_hovered(self, film: str, film_xy: tuple[float, float] | None) -> None:
        image = self.document.image(film)  # type: ignore[arg-type]
        if film_xy is None or image is None:
            self.position.setText("")
            return
        self._film = film  # type: ignore[assignment]
        title = self.document.film_title(film)  # type: ignore[arg-type]
        self.position.setText(f"{title}:  " + describe_position(image, *film_xy))
        self.update_window()

    def update_window(self) -> None:
        window = self.document.effective_window(self._film)
        settings = self.document.display(self._film)
        if window is None:
            self.level.setText("")
            return
        title = self.document.film_title(self._film)
        inverted = " · inverted" if settings.inverted else ""
        if settings.voi_lut_index is not None:
            self.level.setText(f"{title}: VOI LUT{inverted}")
        else:
            self.level.setText(f"{title}: W {window.width:.5g}  L {window.center:.5g}{inverted}")

    def notice(self, text: str) -> None:
        """A transient line for something done or chosen."""
        self.status.showMessage(text, NOTICE_MS)

    def problem(self, text: str) -> None:
        """A transient line for something that did not work."""
        self.status.showMessage(text, PROBLEM_MS)

    def show_progress(self, fraction: float, message: str) -> None:
        self.progress.setValue(int(round(1000 * max(0.0, min(1.0, fraction)))))
        self.task.setText(message)

    def set_busy(self, busy: bool, message: str = "") -> None:
        for widget in (self.progress, self.task, self.cancel):
            widget.setVisible(busy)
        if busy:
            self.progress.setValue(0)
            self.task.setText(message)
