"""Autosave to a recovery file while there is unsaved work, and recovery at the next start.

Every ``interval`` seconds (30 by default; the ``project/autosave_seconds`` setting, or the
``XRAYCOMPARE_AUTOSAVE_SECONDS`` environment variable, which tests use) the window's
document is written to a recovery file when the undo stack has changes that are neither
saved nor already autosaved. The file goes away when the work is saved, discarded, or
undone back to the saved state; after a crash or a kill it stays, and the next start
offers it (:func:`offer_recovery`).

Recovery files live in ``XRAYCOMPARE_RECOVERY_DIR`` when that is set, else in the app's
data folder (``QStandardPaths.AppDataLocation``/recovery).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QSettings, QStandardPaths, QTimer, Signal
from PySide6.QtWidgets import QMessageBox, QWidget

from xraycompare.core.project.file import (
    ProjectFileError,
    RecoveryInfo,
    discard_recovery,
    find_recoveries,
    recovery_path_for,
    write_recovery,
)

if TYPE_CHECKING:
    from xraycompare.qt.main_window import MainWindow

ENV_SECONDS = "XRAYCOMPARE_AUTOSAVE_SECONDS"
ENV_DIRECTORY = "XRAYCOMPARE_RECOVERY_DIR"
DEFAULT_SECONDS = 30.0


def recovery_directory() -> Path:
    """Where recovery files are written and looked for."""
    override = os.environ.get(ENV_DIRECTORY)
    if override:
        return Path(override)
    base = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.AppDataLocation)
    return Path(base or Path.home() / ".xraycompare") / "recovery"


def autosave_seconds() -> float:
    """The autosave interval in seconds; 0 turns autosave off."""
    for raw in (os.environ.get(ENV_SECONDS), QSettings().value("project/autosave_seconds")):
        if raw is None or raw == "":
            continue
        try:
            value = float(raw)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            continue
        if value >= 0:
            return value
    return DEFAULT_SECONDS


def set_autosave_seconds(seconds: float) -> None:
    """Remember the interval (a UI preference); 0 turns autosave off."""
    QSettings().setValue("project/autosave_seconds", float(max(seconds, 0.0)))


def ask_interval(window: MainWindow) -> None:
    """File ▸ Autosave interval…: seconds between recovery saves (0: off)."""
    from PySide6.QtWidgets import QInputDialog

    current = int(round(window.autosave.interval))
    seconds, ok = QInputDialog.getInt(
        window, "Autosave", "Save unsaved work for recovery every (seconds, 0 = off):",
        current, 0, 3600, 5,
    )  # fmt: skip
    if ok:
        set_autosave_seconds(seconds)
        window.autosave.set_interval(seconds)
        note = f"every {seconds} s" if seconds else "off"
        window.statusBar().showMessage(f"Autosave {note}", 5000)


def _running_elsewhere(pid: int) -> bool:
    """True when ``pid`` is another live process (its recovery file is in use)."""
    if pid <= 0 or pid == os.getpid() or sys.platform == "win32":
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    except OSError:
        return False
    return True


def pending_recoveries(directory: Path | None = None) -> list[RecoveryInfo]:
    """Recovery files left by processes that are gone, newest first (readable ones only)."""
    found = find_recoveries(directory or recovery_directory())
    return [
        r
        for r in found
        if r.data is not None
        and not _running_elsewhere(r.data.recovery.pid if r.data.recovery else 0)
    ]


class Autosave(QObject):
    """Writes the window's unsaved work to a recovery file on a timer."""

    written = Signal(object)  # the recovery file
    failed = Signal(str)

    def __init__(self, window: MainWindow, *, seconds: float | None = None) -> None:
        super().__init__(window)
        self.window = window
        self.document = window.document
        self.directory = recovery_directory()
        self.path: Path | None = None  # the recovery file this window wrote last
        self.adopted: Path | None = None  # a recovered file, removed once superseded
        self._dirty = False
        self.timer = QTimer(self)
        self.timer.timeout.connect(self.tick)
        self.set_interval(autosave_seconds() if seconds is None else seconds)
        stack = window.undo_stack
        stack.indexChanged.connect(self._on_edit)
        stack.cleanChanged.connect(self._on_clean_changed)

    @property
    def interval(self) -> float:
        return self.timer.interval() / 1000.0 if self.timer.isActive() else 0.0

    def set_interval(self, seconds: float) -> None:
        self.timer.stop()
        if seconds > 0:
            self.timer.start(max(int(seconds * 1000), 50))

    def _on_edit(self, _index: int = 0) -> None:
        self._dirty = True

    def _on_clean_changed(self, clean: bool) -> None:
        if clean:
            self.discard()

    def tick(self) -> bool:
        """Write the recovery file if there is unsaved, not yet autosaved work."""
        doc = self.document
        if not self._dirty or self.window.undo_stack.isClean():
            return False
        if doc.before is None and doc.after is None:
            return False
        target = recovery_path_for(doc.project_path, directory=self.directory)
        try:
            write_recovery(doc, target)
        except ProjectFileError as exc:
            message = f"Autosave failed: {exc.reason}"
            self.window.statusBar().showMessage(message, 8000)
            self.failed.emit(message)
            return False
        if self.path is not None and self.path != target:
            discard_recovery(self.path)  # saved under another name since
        if self.adopted is not None and self.adopted != target:
            discard_recovery(self.adopted)
            self.adopted = None
        self.path = target
        self._dirty = False
        self.written.emit(target)
        return True

    def adopt(self, path: Path) -> None:
        """A recovery file was opened: keep it until this window has written its own."""
        self.adopted = Path(path)
        self._dirty = True

    def discard(self) -> None:
        """The work was saved or thrown away: its recovery files are not needed."""
        for path in (self.path, self.adopted):
            if path is not None:
                discard_recovery(path)
        self.path = self.adopted = None
        self._dirty = not self.window.undo_stack.isClean()


def ask_recover(parent: QWidget, info: RecoveryInfo, remaining: int) -> str:
    """Recover, Discard or Later (blocking)."""
    data = info.data
    regions = len(data.regions) if data is not None else 0
    project = info.project_path.name if info.project_path else "an unsaved project"
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Question)
    box.setWindowTitle("Recover unsaved work")
    more = f"\n\n({remaining} more recovery file(s) after this one.)" if remaining else ""
    box.setText(
        f"xraycompare was not closed properly. Unsaved work on {project} was kept "
        f"({regions} region(s), autosaved {info.saved_at or 'recently'}).\n\n"
        f"Recover it now?{more}"
    )
    recover = box.addButton("Recover", QMessageBox.ButtonRole.AcceptRole)
    discard = box.addButton("Discard", QMessageBox.ButtonRole.DestructiveRole)
    box.addButton("Later", QMessageBox.ButtonRole.RejectRole)
    box.setDefaultButton(recover)
    box.exec()
    clicked = box.clickedButton()
    return "recover" if clicked is recover else "discard" if clicked is discard else "later"


def offer_recovery(window: MainWindow, *, ask=ask_recover) -> bool:
    """At start-up: offer each recovery file left by a crash; True when one was opened."""
    found = pending_recoveries(window.autosave.directory)
    for i, info in enumerate(found):
        answer = ask(window, info, len(found) - i - 1)
        if answer == "recover":
            window.project.recover(info)
            return True
        if answer == "discard":
            discard_recovery(info.path)
    return False
