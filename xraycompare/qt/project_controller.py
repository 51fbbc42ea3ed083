"""Projects in the GUI: Save, Save as, Open, recent projects, Save/Discard/Cancel, recovery.

Saving is synchronous (a 500-region project saves in ~20 ms) so the undo stack's clean
state is set exactly when the file is on disk. Opening reads and validates the file first:
a corrupt, truncated or future-version project shows an error and the open pair stays.
The films are then found and loaded in the background; a missing film is asked for (or
found next to the project), a film whose content changed is loaded with a clear warning.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QSettings, QTimer, Signal
from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget

from xraycompare.core.project.file import (
    SUFFIX,
    ProjectFileError,
    RecoveryInfo,
    apply_project,
    read_project,
    save_project,
)
from xraycompare.core.project.images import ImageResolution, resolve_image
from xraycompare.core.project.schema import ProjectData
from xraycompare.qt.dialogs import show_error
from xraycompare.qt.workers import JobRunner

if TYPE_CHECKING:
    from xraycompare.qt.main_window import MainWindow

PROJECT_FILTER = "xraycompare projects (*.xrc.json);;All files (*)"
MAX_RECENT = 10
Answer = str  # "save", "discard" or "cancel"


def resolve_missing(
    data: ProjectData,
    candidates: dict[str, Path],
    known: dict[str, ImageResolution],
) -> dict[str, ImageResolution]:
    """Find and load the films not loaded yet (in a worker); ``known`` ones are kept."""
    base = data.path.parent if data.path is not None else Path.cwd()
    extra = []
    if data.recovery is not None and data.recovery.project_path:
        extra.append(Path(data.recovery.project_path).parent)
    out = {}
    for film in ("before", "after"):
        previous = known.get(film)
        if previous is not None and previous.loaded and film not in candidates:
            out[film] = previous
        else:
            out[film] = resolve_image(
                data.image_ref(film), base, film=film,
                candidate=candidates.get(film), search_dirs=extra,
            )  # fmt: skip
    return out


def ask_unsaved(parent: QWidget, what: str) -> Answer:
    """Save, Discard or Cancel (blocking)."""
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Question)
    box.setWindowTitle("Unsaved changes")
    box.setText(f"{what}\n\nThis project has unsaved changes.")
    box.setStandardButtons(
        QMessageBox.StandardButton.Save
        | QMessageBox.StandardButton.Discard
        | QMessageBox.StandardButton.Cancel
    )
    box.setDefaultButton(QMessageBox.StandardButton.Save)
    answer = box.exec()
    return {
        QMessageBox.StandardButton.Save: "save",
        QMessageBox.StandardButton.Discard: "discard",
    }.get(QMessageBox.StandardButton(answer), "cancel")


def ask_locate(parent: QWidget, film: str, message: str, start: str) -> Path | None:
    """Let the user find a film the project cannot (blocking); None when cancelled."""
    QMessageBox.information(parent, "Film not found", f"{message}.\n\nPlease locate it.")
    path, _ = QFileDialog.getOpenFileName(parent, f"Locate the {film} film", start)
    return Path(path) if path else None


class RecentProjects:
    """The recently opened or saved projects (a UI preference in QSettings)."""

    KEY = "files/recent_projects"

    def paths(self) -> list[str]:
        try:
            raw = json.loads(str(QSettings().value(self.KEY, "[]")))
            return [str(p) for p in raw][:MAX_RECENT]
        except (ValueError, TypeError):
            return []

    def add(self, path: str | Path) -> None:
        p = str(Path(path).resolve())
        QSettings().setValue(
            self.KEY, json.dumps([p, *(x for x in self.paths() if x != p)][:MAX_RECENT])
        )

    def clear(self) -> None:
        QSettings().setValue(self.KEY, "[]")


class ProjectController(QObject):
    """Opens and saves the window's project; ``window.project``."""

    opened = Signal(object)  # the project (or recovery) path
    saved = Signal(object)  # the project path
    open_failed = Signal(str)  # the message shown

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.document = window.document
        self.recent = RecentProjects()
        self.runner = JobRunner(self)
        self.runner.finished.connect(self._on_resolved)
        self.runner.failed.connect(self._on_resolve_failed)
        self.runner.busy_changed.connect(
            lambda busy: window.readout.set_busy(busy, "Opening project…")
        )
        # dialogs as attributes, so tests (and scripts) can answer them without a user
        self.ask_unsaved = ask_unsaved
        self.ask_locate = ask_locate
        self.ask_save_path = self._ask_save_path
        self._pending: dict | None = None
        self._pair: tuple[object, object] = (None, None)
        self.document.pair_changed.connect(self._on_pair_changed)

    # -- state ---------------------------------------------------------------------------
    @property
    def path(self) -> Path | None:
        return self.document.project_path

    @property
    def busy(self) -> bool:
        return self.runner.busy

    def _on_pair_changed(self) -> None:
        doc = self.document
        pair = (doc.before, doc.after)
        # a swap keeps the project; other films (opened as a pair) are no longer it
        if {id(x) for x in pair} != {id(x) for x in self._pair} and self._pending is None:
            doc.project_path = None
        self._pair = pair
        self.update_title()

    def update_title(self) -> None:
        doc = self.document
        names = " ↔ ".join(i.name for i in (doc.before, doc.after) if i is not None)
        if doc.project_path is not None:
            name = doc.project_path.name
            title = f"{name} ({names}) [*] — xraycompare" if names else f"{name} [*] — xraycompare"
        else:
            title = f"{names} [*] — xraycompare" if names else "xraycompare"
        self.window.setWindowTitle(title)

    # -- saving --------------------------------------------------------------------------
    def save(self) -> bool:
        """Save to the project's file (Save as… when it has none); True when saved."""
        if self.path is None:
            return self.save_as()
        return self.save_to(self.path)

    def save_as(self) -> bool:
        path = self.ask_save_path()
        return False if path is None else self.save_to(path)

    def _ask_save_path(self) -> Path | None:
        start = str(self.path) if self.path else str(Path(self.window.settings.last_directory))
        path, _ = QFileDialog.getSaveFileName(self.window, "Save project", start, PROJECT_FILTER)
        if not path:
            return None
        p = Path(path)
        return p if p.name.endswith(SUFFIX) else p.with_name(p.name.removesuffix(".json") + SUFFIX)

    def save_to(self, path: str | Path) -> bool:
        """Save atomically; on failure say which file and why (the old file is intact)."""
        path = Path(path)
        if not self.document.has_pair and self.document.before is None:
            show_error(self.window, "Nothing to save", "Open a pair of films first.")
            return False
        try:
            save_project(self.document, path)
        except ProjectFileError as exc:
            text = (
                f"The project could not be saved to {exc.path}: {exc.reason}.\n\n"
                "The file that was there before (if any) is unchanged."
            )
            self.window.statusBar().showMessage(f"Not saved: {exc.reason}", 10000)
            show_error(self.window, "Cannot save project", text, str(exc.path))
            return False
        self.document.project_path = path
        self._pair = (self.document.before, self.document.after)
        self.window.settings.last_directory = str(path.parent)
        self.recent.add(path)
        self.window.undo_stack.setClean()
        self.update_title()
        self.window.statusBar().showMessage(f"Saved {path.name}", 5000)
        self.saved.emit(path)
        return True

    def confirm_close(self, what: str) -> bool:
        """True when nothing is unsaved, or the user saved or chose to discard it."""
        if self.window.undo_stack.isClean():
            return True
        answer = self.ask_unsaved(self.window, what)
        if answer == "save":
            return self.save()
        if answer == "discard":
            autosave = getattr(self.window, "autosave", None)
            if autosave is not None:
                autosave.discard()
            return True
        return False

    # -- opening -------------------------------------------------------------------------
    def open_project_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self.window, "Open project", self.window.settings.last_directory, PROJECT_FILTER
        )
        if path:
            self.window.settings.last_directory = str(Path(path).parent)
            self.open_project(path)

    def open_project(self, path: str | Path, *, as_template: bool = False) -> bool:
        """Read ``path`` and open it (films load in the background); False on a bad file.

        ``as_template``: open without a project file of its own (the bundled demo), so
        Save asks where to put the user's copy.
        """
        try:
            data = read_project(path)  # a bad file is refused before anything is asked
        except ProjectFileError as exc:
            text = f"Cannot open {exc.path.name}: {exc.reason}."
            self._fail("Cannot open project", text, str(exc.path))
            return False
        if not self.confirm_close("Open a project?"):
            return False
        self.start(data, as_template=as_template)
        return True

    def recover(self, info: RecoveryInfo) -> None:
        """Open a recovery file's content as unsaved work on its project."""
        if info.data is None:
            return
        self.start(info.data, recovery=info)

    def start(
        self, data: ProjectData, *, as_template: bool = False, recovery: RecoveryInfo | None = None
    ) -> None:
        self._pending = {
            "data": data, "as_template": as_template, "recovery": recovery,
            "candidates": {}, "known": {},
        }  # fmt: skip
        self.runner.submit(resolve_missing, data, {}, {})

    def _on_resolved(self, found: dict[str, ImageResolution]) -> None:
        pending = self._pending
        if pending is None:
            return
        data: ProjectData = pending["data"]
        pending["known"] = found
        for film, res in found.items():
            if res.status in ("missing", "unreadable"):
                start = str(res.path.parent) if res.path else self.window.settings.last_directory
                located = self.ask_locate(self.window, film, res.message, start)
                if located is None:
                    self._pending = None
                    text = f"The project was not opened: {res.message}."
                    self._fail("Project not opened", text, str(data.path))
                    return
                pending["candidates"] = {film: located}
                self.runner.submit(resolve_missing, data, {film: located}, found)
                return
        self._apply(data, found, pending)

    def _apply(self, data: ProjectData, found: dict[str, ImageResolution], pending: dict) -> None:
        notes = [r.message for r in found.values() if r.status == "moved"]
        mismatches = [r.message for r in found.values() if r.status == "hash_mismatch"]
        window = self.window
        try:
            apply_project(self.document, data, found["before"].image, found["after"].image)
        except (ValueError, KeyError) as exc:
            self._pending = None
            self._fail("Cannot open project", f"The project could not be opened: {exc}.", "")
            return
        if pending["as_template"]:
            self.document.project_path = None
        self._pair = (self.document.before, self.document.after)
        self._pending = None
        window.undo_stack.clear()
        recovery: RecoveryInfo | None = pending["recovery"]
        if recovery is not None:
            window.undo_stack.resetClean()  # recovered work is unsaved work
            autosave = getattr(window, "autosave", None)
            if autosave is not None:
                autosave.adopt(recovery.path)
        elif data.path is not None and not pending["as_template"]:
            self.recent.add(data.path)
        self.update_title()
        if notes:
            window.statusBar().showMessage("; ".join(notes), 10000)
        if mismatches:
            show_error(window, "Film differs from the project", "\n\n".join(mismatches) + ".")
        window.pair_shown.emit()
        announce = getattr(window, "_announce_ready", None)
        (announce or window.ready.emit)()
        self.opened.emit(recovery.path if recovery else data.path)

    def _on_resolve_failed(self, exc: object, details: str) -> None:
        self._pending = None
        text = f"The project's films could not be loaded: {exc}."
        self._fail("Cannot open project", text, details)

    def _fail(self, title: str, text: str, details: str) -> None:
        self.window.statusBar().showMessage(text, 10000)
        show_error(self.window, title, text, details)
        # from the event loop: --screenshot may be waiting for it before the loop started
        QTimer.singleShot(0, lambda: self._report_failure(text))

    def _report_failure(self, text: str) -> None:
        self.window.load_failed.emit(text)
        self.open_failed.emit(text)
