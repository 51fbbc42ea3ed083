"""Help ▸ Keyboard and mouse: every shortcut, generated from the live actions."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QTextBrowser, QVBoxLayout

if TYPE_CHECKING:
    from xraycompare.qt.main_window import MainWindow

MOUSE = [
    ("Mouse wheel", "Zoom, anchored at the cursor (both panes)"),
    ("Left drag, middle drag, or Space + drag", "Pan (both panes)"),
    ("Ctrl + wheel / Ctrl + drag", "Zoom or pan one pane alone; the offset is kept"),
    ("Right drag", "Window/level: horizontal = width, vertical = level"),
    ("Drop one file on a pane", "Replace that film"),
    ("Drop two files on the window", "Open them as Before and After"),
    ("Swipe: drag the divider, or Shift + click", "Move the curtain between Before and After"),
    ("Checkerboard: move the mouse", "The square at the cursor shows the other film"),
    ("Flicker: hold B", "Show the Before film while held; release for After"),
    ("Magnifier (Ctrl+8): move the mouse", "Both films at the cursor, magnified, side by side"),
]


def shortcut_rows(window: MainWindow) -> list[tuple[str, str]]:
    rows = []
    for action in window.actions.items.values():
        keys = [k.toString(QKeySequence.SequenceFormat.NativeText) for k in action.shortcuts()]
        keys = [k for k in keys if k]
        if keys:
            rows.append((" or ".join(keys), action.text().replace("&", "")))
    return rows


def show_shortcuts(window: MainWindow) -> QDialog:
    dialog = QDialog(window)
    dialog.setWindowTitle("Keyboard and mouse")
    browser = QTextBrowser(dialog)
    rows = "".join(
        f"<tr><td><b>{k}</b></td><td>{v}</td></tr>" for k, v in shortcut_rows(window) + MOUSE
    )
    browser.setHtml(f"<table cellpadding='4'>{rows}</table>")
    buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, parent=dialog)
    buttons.rejected.connect(dialog.reject)
    layout = QVBoxLayout(dialog)
    layout.addWidget(browser)
    layout.addWidget(buttons)
    dialog.resize(560, 520)
    dialog.open()
    return dialog
