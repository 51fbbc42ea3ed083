"""Messages to the user that never block the event loop (tests and --screenshot keep running)."""

from __future__ import annotations

from PySide6.QtWidgets import QMessageBox, QWidget


def show_error(parent: QWidget | None, title: str, text: str, details: str = "") -> QMessageBox:
    """A window-modal error box opened asynchronously; returns it (tests can close it)."""
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Warning)
    box.setWindowTitle(title)
    box.setText(text)
    if details:
        box.setDetailedText(details)
    box.setStandardButtons(QMessageBox.StandardButton.Ok)
    box.setObjectName("xraycompare-error")
    box.open()
    return box


def ask_discard(parent: QWidget, what: str) -> bool:
    """Ask before throwing away unsaved work; True to go ahead."""
    answer = QMessageBox.question(
        parent,
        "Unsaved changes",
        f"{what}\n\nYour unsaved changes to this pair will be lost.",
        QMessageBox.StandardButton.Discard | QMessageBox.StandardButton.Cancel,
        QMessageBox.StandardButton.Cancel,
    )
    return answer == QMessageBox.StandardButton.Discard
