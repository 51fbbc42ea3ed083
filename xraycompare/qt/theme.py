"""The dark reading-room look (default) or the system look."""

from __future__ import annotations

from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication

from xraycompare.qt.settings import Settings

_DARK = {
    QPalette.ColorRole.Window: QColor(37, 38, 41),
    QPalette.ColorRole.WindowText: QColor(222, 222, 222),
    QPalette.ColorRole.Base: QColor(26, 27, 29),
    QPalette.ColorRole.AlternateBase: QColor(44, 45, 48),
    QPalette.ColorRole.ToolTipBase: QColor(50, 50, 54),
    QPalette.ColorRole.ToolTipText: QColor(230, 230, 230),
    QPalette.ColorRole.Text: QColor(222, 222, 222),
    QPalette.ColorRole.Button: QColor(48, 49, 53),
    QPalette.ColorRole.ButtonText: QColor(222, 222, 222),
    QPalette.ColorRole.BrightText: QColor(255, 90, 90),
    QPalette.ColorRole.Link: QColor(90, 160, 255),
    QPalette.ColorRole.Highlight: QColor(52, 110, 190),
    QPalette.ColorRole.HighlightedText: QColor(255, 255, 255),
    QPalette.ColorRole.PlaceholderText: QColor(130, 130, 130),
}


def apply_theme(app: QApplication, theme: str) -> None:
    """Apply ``"dark"`` (Fusion with a dark palette) or ``"system"``."""
    if not hasattr(app, "_xrc_default_style"):
        app._xrc_default_style = app.style().name()  # type: ignore[attr-defined]
        app._xrc_default_palette = QPalette(app.palette())  # type: ignore[attr-defined]
    if theme == "dark":
        app.setStyle("Fusion")
        palette = QPalette()
        for role, colour in _DARK.items():
            palette.setColor(role, colour)
        disabled = QColor(120, 120, 120)
        for role in (
            QPalette.ColorRole.Text,
            QPalette.ColorRole.ButtonText,
            QPalette.ColorRole.WindowText,
        ):
            palette.setColor(QPalette.ColorGroup.Disabled, role, disabled)
        app.setPalette(palette)
    else:
        app.setStyle(app._xrc_default_style)  # type: ignore[attr-defined]
        app.setPalette(app._xrc_default_palette)  # type: ignore[attr-defined]


def switch_theme(settings: Settings, name: str) -> None:
    """Remember ``name`` as the user's theme and apply it now."""
    settings.theme = name
    app = QApplication.instance()
    if isinstance(app, QApplication):
        apply_theme(app, name)
