"""The zoom box in the status bar: shows the zoom, takes a typed percentage or a preset.

A reader comparing a joint at exactly 400 % on two visits types "400" (or picks it) instead
of stepping the wheel; "fit" fits the film. The box shows the zoom of the view as it
changes, except while the reader is typing in it.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox

from xraycompare.core.document import Document
from xraycompare.core.view_control import MAX_ZOOM, MIN_ZOOM, ViewController

PRESETS = (25, 50, 100, 200, 400, 800)  # percent
FIT = "Fit"
_NUMBER = re.compile(r"^\s*(\d+(?:[.,]\d*)?)\s*%?\s*$")


def parse_zoom(text: str) -> float | str | None:
    """A typed zoom: a factor (``"400 %"`` -> 4.0), ``"fit"``, or None when unreadable or
    out of range."""
    if text.strip().lower() in ("fit", "f") or text.strip().endswith("(fit)"):
        return "fit"  # the box's own "124 % (fit)" means: stay fitted
    match = _NUMBER.match(text)
    if match is None:
        return None
    factor = float(match.group(1).replace(",", ".")) / 100
    return factor if MIN_ZOOM <= factor <= MAX_ZOOM else None


class ZoomBox(QComboBox):
    """An editable combo box of zoom percentages bound to the view."""

    def __init__(
        self,
        document: Document,
        controller: ViewController,
        viewport_size: Callable[[], tuple[float, float]],
    ) -> None:
        super().__init__()
        self.setObjectName("zoom-box")
        self.document = document
        self.controller = controller
        self._viewport_size = viewport_size
        self.setEditable(True)
        self.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.setMinimumContentsLength(9)
        self.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.addItem(FIT)
        for percent in PRESETS:
            self.addItem(f"{percent} %")
        self.setToolTip(
            f"Zoom: type a percentage and press Enter (1–{MAX_ZOOM * 100:.0f} %), or pick one (Z)"
        )
        self.lineEdit().returnPressed.connect(lambda: self.apply(self.currentText()))
        self.textActivated.connect(self.apply)
        document.view_changed.connect(self.refresh)
        document.pair_changed.connect(self.refresh)
        self.refresh()

    def apply(self, text: str) -> None:
        """Zoom to what was typed or picked; an unreadable entry shows the zoom again."""
        wanted = parse_zoom(text)
        if wanted == "fit":
            self.controller.fit()
        elif isinstance(wanted, float) and self.document.before is not None:
            self.controller.set_zoom(wanted, self._viewport_size())
        self.lineEdit().clearFocus()
        self.refresh(force=True)

    def refresh(self, *, force: bool = False) -> None:
        if self.lineEdit().hasFocus() and not force:
            return  # the reader is typing
        self.setEnabled(self.document.before is not None)
        if self.document.before is None:
            self.setEditText("")
            return
        view = self.controller.resolved(self._viewport_size())
        fit = " (fit)" if self.document.view.is_fit else ""
        self.setEditText(f"{100 * (view.zoom or 1):.0f} %{fit}")

    def start_typing(self) -> None:
        """Focus the box with its text selected, ready for a number (the Z key)."""
        self.lineEdit().setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.lineEdit().selectAll()
