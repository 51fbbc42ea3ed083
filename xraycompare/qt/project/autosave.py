"""Autosave to a recovery file while there is unsaved work, and recovery at the next start.

Every ``interval`` seconds (30 by default; the autosave setting, or the
``XRAYCOMPARE_AUTOSAVE_SECONDS`` environment variable, which tests use) the document is
written to a recovery file when the undo stack has changes that are neither saved nor
already autosaved. The file goes away when the work is saved, discarded, or undone back to
the saved state; after a crash or a kill it stays, and the next start offers it
(:func:`offer_recovery`).

Recovery files live in ``XRAYCOMPARE_RECOVERY_DIR`` when that is set, else in the app's
data folder (``QStandardPaths.AppDataLocation``/recovery).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject, QStandardPaths, QTimer, Signal
from PySide6.QtGui import QUndoStack

from xraycompare.core.document import Document
from xraycompare.core.project.file import (
    ProjectFileError,
    RecoveryInfo,
    discard_recovery,
    find_recoveries,
    recovery_path_for,
    write_recovery,
)
from xraycompare.qt.dialogs import Dialogs
from xraycompare.qt.settings import Settings

ENV_SECONDS = "XRAYCOMPARE_AUTOSAVE_SECONDS"
ENV_DIRECTORY = "XRAYCOMPARE_RECOVERY_DIR"


def recovery_directory() -> Path:
    """Where recovery files are written and looked for."""
    override = os.environ.get(ENV_DIRECTORY)
    if override:
        return Path(override)
    base = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.AppDataLocation)
    return Path(base or Path.home() / ".xraycompare") / "recovery"


def autosave_seconds(settings: Settings) -> float:
    """The autosave interval in seconds (the environment wins, for tests); 0 turns it off."""
    raw = os.environ.get(ENV_SECONDS)
    if raw:
        try:
            value = float(raw)
        except ValueError:
            value = -1.0
        if value >= 0:
            return value
    return settings.autosave_seconds


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
    """Writes the Document's unsaved work to a recovery file on a timer."""

    written = Signal(object)  # the recovery file
    failed = Signal(str)  # the message

    def __init__(
        self,
        document: Document,
        undo_stack: QUndoStack,
        settings: Settings,
        *,
        seconds: float | None = None,
    ) -> None:
        super().__init__(undo_stack)
        self.document = document
        self.undo_stack = undo_stack
        self.settings = settings
        self.directory = recovery_directory()
        self.path: Path | None = None  # the recovery file this window wrote last
        self.adopted: Path | None = None  # a recovered file, removed once superseded
        self._dirty = False
        self.timer = QTimer(self)
        self.timer.timeout.connect(self.tick)
        self.set_interval(autosave_seconds(settings) if seconds is None else seconds)
        undo_stack.indexChanged.connect(self._on_edit)
        undo_stack.cleanChanged.connect(self._on_clean_changed)

    @property
    def interval(self) -> float:
        return self.timer.interval() / 1000.0 if self.timer.isActive() else 0.0

    def set_interval(self, seconds: float) -> None:
        self.timer.stop()
        if seconds > 0:
            self.timer.start(max(int(seconds * 1000), 50))

    def ask_interval(self, dialogs: Dialogs) -> str | None:
        """File ▸ Autosave interval…: ask, remember and apply; returns what to tell the user."""
        seconds = dialogs.ask_int(
            "Autosave", "Save unsaved work for recovery every (seconds, 0 = off):",
            int(round(self.interval)), 0, 3600, 5,
        )  # fmt: skip
        if seconds is None:
            return None
        self.settings.autosave_seconds = seconds
        self.set_interval(seconds)
        return f"Autosave every {seconds} s" if seconds else "Autosave off"

    def _on_edit(self, _index: int = 0) -> None:
        self._dirty = True

    def _on_clean_changed(self, clean: bool) -> None:
        if clean:
            self.discard()

    def tick(self) -> bool:
        """Write the recovery file if there is unsaved, not yet autosaved work."""
        doc = self.document
        if not self._dirty or self.undo_stack.isClean():
            return False
        if doc.before is None and doc.after is None:
            return False
        target = recovery_path_for(doc.project_path, directory=self.directory)
        try:
            write_recovery(doc, target)
        except ProjectFileError as exc:
            self.failed.emit(f"Autosave failed: {exc.reason}")
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
        self._dirty = not self.undo_stack.isClean()


def offer_recovery(
    autosave: Autosave, dialogs: Dialogs, recover: Callable[[RecoveryInfo], None]
) -> bool:
    """At start-up: offer each recovery file left by a crash; True when one was opened.

    The project is not named (its file name may name the patient): the question says how
    much work there is and when it was kept.
    """
    found = pending_recoveries(autosave.directory)
    for i, info in enumerate(found):
        data = info.data
        project = "a saved project" if info.project_path else "an unsaved project"
        regions = len(data.regions) if data is not None else 0
        answer = dialogs.ask_recover(project, regions, info.saved_at, len(found) - i - 1)
        if answer == "recover":
            recover(info)
            return True
        if answer == "discard":
            discard_recovery(info.path)
    return False
