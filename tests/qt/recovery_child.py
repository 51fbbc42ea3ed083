"""A real xraycompare window in its own process, for the crash-recovery test.

``python -m tests.qt.recovery_child BEFORE AFTER SETTINGS_DIR`` opens the pair, draws
regions with the mouse in two batches, and prints one line per autosave::

    AUTOSAVED <region count> <recovery file> <regions as JSON>

then keeps running until it is killed. Recovery folder and autosave interval come from
the environment (XRAYCOMPARE_RECOVERY_DIR, XRAYCOMPARE_AUTOSAVE_SECONDS).
"""

from __future__ import annotations

import json
import os
import sys

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def main() -> None:
    before, after, settings_dir = sys.argv[1:4]
    from PySide6.QtCore import QSettings, QTimer

    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, settings_dir)
    from xraycompare.qt.app import make_application

    app = make_application()
    from tests.qt.annotation_helpers import click, drag
    from xraycompare.core.annotations.formats.fields import region_fields
    from xraycompare.qt.main_window import MainWindow

    win = MainWindow(auto_register=False, persist_layout=False)
    win.resize(1000, 700)
    win.show()
    batches = iter([("rectangle", 0), ("polygon", 1)])

    def draw_next() -> None:
        try:
            tool, row = next(batches)
        except StopIteration:
            return
        win.set_tool(tool)
        pane = win.panes["before" if row == 0 else "after"]
        for i in range(3):
            x = 40 + 60 * i
            if tool == "rectangle":
                drag(pane, [(x, 80 + 100 * row), (x + 30, 120 + 100 * row)])
            else:
                for xy in ((x, 200), (x + 40, 200), (x + 20, 240)):
                    click(pane, xy)
                win.region_tools["polygon"].key(pane, _enter())

    def on_written(path) -> None:
        regions = [region_fields(r) for r in win.document.annotations]
        print("AUTOSAVED", len(regions), path, json.dumps(regions), flush=True)
        QTimer.singleShot(50, draw_next)

    win.autosave.written.connect(on_written)
    win.pair_shown.connect(lambda: QTimer.singleShot(50, draw_next))
    win.open_pair(before, after)
    app.exec()


def _enter():
    from PySide6.QtCore import QEvent, Qt
    from PySide6.QtGui import QKeyEvent

    return QKeyEvent(QEvent.Type.KeyPress, Qt.Key.Key_Return, Qt.KeyboardModifier.NoModifier)


if __name__ == "__main__":
    main()
