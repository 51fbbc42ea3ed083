"""Keys the window takes before its shortcuts, only while a mode needs them.

Some keys mean something else for a while: B held shows the before film while flickering,
← → step a tour instead of nudging the after film. :class:`WindowKeyFilter` is an
application event filter installed only for that while (``set_installed``); subclasses
decide in ``eventFilter`` and ask :meth:`for_window` whether a key is theirs: no modifier
(the keypad's aside), not typed into a text field, and meant for this window.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QLineEdit,
    QPlainTextEdit,
    QTextEdit,
    QWidget,
)

TEXT_FIELDS = (QLineEdit, QTextEdit, QPlainTextEdit, QAbstractSpinBox, QComboBox)


class WindowKeyFilter(QObject):
    """An application-wide key filter for ``window``, installed only while it is wanted."""

    def __init__(self, window: QWidget | None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.window = window
        self._installed = False

    @property
    def installed(self) -> bool:
        return self._installed

    def set_installed(self, installed: bool) -> None:
        app = QApplication.instance()
        if app is None or installed == self._installed:
            return
        if installed:
            app.installEventFilter(self)
        else:
            app.removeEventFilter(self)
        self._installed = installed

    def for_window(self, event: QKeyEvent) -> bool:
        """True for a plain key meant for the window, not for a text field."""
        if event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier:
            return False
        focus = QApplication.focusWidget()
        if isinstance(focus, TEXT_FIELDS):
            return False
        return focus is None or focus.window() is self.window
