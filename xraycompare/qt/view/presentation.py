"""Presentation mode (F11): the films full screen for a room, keys step through the views.

Everything but the films goes (menus, toolbars, docks, status bar, notices), labels and the
cursor grow for a projector, and patient identifiers are hidden whatever the reader had
chosen: a projected screen is the easiest place to leak a name. Right / Space / Page Down
step to the next view (side by side → overlay → flicker → swipe → difference), Left / Page
Up back; Up / Down step through the saved views when there are any; Esc or F11 leaves and
puts everything back as it was.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtCore import QEvent, QObject, QPointF, Qt
from PySide6.QtGui import QColor, QCursor, QKeyEvent, QPainter, QPen, QPixmap
from PySide6.QtWidgets import QApplication, QMainWindow, QWidget

from xraycompare.core.document import Document

STEPS = ("side-by-side", "overlay", "flicker", "swipe", "difference")
LABEL_SCALE = 1.75  # at least this large while presenting
NEXT = (Qt.Key.Key_Right, Qt.Key.Key_Space, Qt.Key.Key_PageDown)
PREVIOUS = (Qt.Key.Key_Left, Qt.Key.Key_Backspace, Qt.Key.Key_PageUp)


def big_cursor(side: int = 48) -> QCursor:
    """A crosshair that reads across a room: white with a dark outline."""
    pixmap = QPixmap(side, side)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
    c = side / 2
    for colour, width in ((QColor(0, 0, 0, 200), 5.0), (QColor(255, 255, 255), 2.0)):
        painter.setPen(QPen(colour, width))
        painter.drawLine(QPointF(c, 2), QPointF(c, side - 2))
        painter.drawLine(QPointF(2, c), QPointF(side - 2, c))
    painter.end()
    return QCursor(pixmap, side // 2, side // 2)


class Presentation(QObject):
    """Enters and leaves presentation mode on a main window, restoring what it changed."""

    def __init__(
        self,
        window: QMainWindow,
        document: Document,
        *,
        chrome: Callable[[], Sequence[QWidget]],
        set_mode: Callable[[str], None],
        label_scale: Callable[[], float],
        set_label_scale: Callable[[float], None],
        step_saved_view: Callable[[int], bool] = lambda _step: False,
        changed: Callable[[bool], None] = lambda _on: None,
    ) -> None:
        super().__init__(window)
        self.window = window
        self.document = document
        self.chrome = chrome  # menus, toolbars, docks, status bar, notices: hidden
        self.set_mode = set_mode
        self.label_scale = label_scale
        self.set_label_scale = set_label_scale
        self.step_saved_view = step_saved_view
        self.changed = changed
        self.active = False
        self._restore: dict = {}

    def toggle(self) -> None:
        self.leave() if self.active else self.enter()

    def enter(self) -> None:
        if self.active:
            return
        self.active = True
        shown = [w for w in self.chrome() if w.isVisible()]
        self._restore = {
            "shown": shown,
            "identifiers": self.document.show_identifiers,
            "scale": self.label_scale(),
            "full_screen": self.window.isFullScreen(),
            "maximized": self.window.isMaximized(),
        }
        for widget in shown:
            widget.hide()
        self.document.set_show_identifiers(False)
        self.set_label_scale(max(LABEL_SCALE, self._restore["scale"]))
        QApplication.setOverrideCursor(big_cursor())
        app = QApplication.instance()
        if app is not None:
            app.installEventFilter(self)
        self.window.showFullScreen()
        self.changed(True)

    def leave(self) -> None:
        if not self.active:
            return
        self.active = False
        app = QApplication.instance()
        if app is not None:
            app.removeEventFilter(self)
        QApplication.restoreOverrideCursor()
        r = self._restore
        for widget in r["shown"]:
            widget.show()
        self.set_label_scale(r["scale"])
        self.document.set_show_identifiers(r["identifiers"])
        if not r["full_screen"]:
            self.window.showMaximized() if r["maximized"] else self.window.showNormal()
        self.changed(False)

    def step(self, by: int) -> None:
        """The next (or previous) view in the teaching order."""
        mode = self.document.view.mode
        index = STEPS.index(mode) if mode in STEPS else -1
        self.set_mode(STEPS[(index + by) % len(STEPS)])

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if not self.active or event.type() not in (
            QEvent.Type.KeyPress,
            QEvent.Type.ShortcutOverride,
        ):
            return False
        assert isinstance(event, QKeyEvent)
        key = event.key()
        handled = key in (*NEXT, *PREVIOUS, Qt.Key.Key_Escape, Qt.Key.Key_Up, Qt.Key.Key_Down)
        if not handled:
            return False
        if event.type() == QEvent.Type.ShortcutOverride:
            event.accept()  # ours, not the window's shortcuts (arrows would nudge)
            return True
        if key in NEXT:
            self.step(1)
        elif key in PREVIOUS:
            self.step(-1)
        elif key in (Qt.Key.Key_Up, Qt.Key.Key_Down):
            self.step_saved_view(-1 if key == Qt.Key.Key_Up else 1)
        else:
            self.leave()
        return True
