"""Projects in the GUI: Save, Save as, Open, recent projects, Save/Discard/Cancel, recovery.

Saving is synchronous (a 500-region project saves in ~20 ms) so the undo stack's clean
state is set exactly when the file is on disk. Opening reads and validates the file first:
a corrupt, truncated or future-version project shows an error and the open pair stays.
The films are then found and loaded in the background; a missing film is asked for (or
found next to the project), a film whose content changed is loaded with a clear warning.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtGui import QUndoStack
from PySide6.QtWidgets import QMenu

from xraycompare.core.document import Document
from xraycompare.core.project.file import (
    SUFFIX,
    ProjectFileError,
    ReadOnlyProjectError,
    RecoveryInfo,
    apply_project,
    read_project,
    save_project,
)
from xraycompare.core.project.images import ImageResolution, resolve_image
from xraycompare.core.project.schema import ProjectData
from xraycompare.core.types import FILM_TITLES, FILMS
from xraycompare.qt.dialogs import PROJECT_FILTER, Dialogs
from xraycompare.qt.project.films import ready_to_show
from xraycompare.qt.settings import Settings, opened_label
from xraycompare.qt.workers import JobRunner, WorkerCrashError, in_process, result_of


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
    jobs = {}
    for film in FILMS:
        previous = known.get(film)
        if previous is not None and previous.loaded and film not in candidates:
            jobs[film] = previous
        else:  # decoded in a worker process: the window keeps answering
            jobs[film] = in_process(
                _resolve, data.image_ref(film), base, film, candidates.get(film), tuple(extra)
            )
    out = {}
    for film, job in jobs.items():
        try:
            out[film] = job if isinstance(job, ImageResolution) else result_of(job)
        except WorkerCrashError:
            out[film] = ImageResolution(
                film, "unreadable", None, None,
                f"the {film} film crashed the decoder: it is probably corrupt",
            )  # fmt: skip
    for res in out.values():
        if res.image is not None:
            ready_to_show(res.image)  # not on the GUI thread, where the project is applied
    return out


def _resolve(ref, base: Path, film: str, candidate: Path | None, extra: tuple[Path, ...]):
    return resolve_image(ref, base, film=film, candidate=candidate, search_dirs=extra)


@dataclass
class _Opening:
    """A project being opened: its data, how, and the films found so far."""

    data: ProjectData
    as_template: bool = False
    recovery: RecoveryInfo | None = None
    found: dict[str, ImageResolution] = field(default_factory=dict)


class ProjectController(QObject):
    """Opens and saves the Document's project."""

    opened = Signal(object)  # the project (or recovery) path, once its pair is in the Document
    saved = Signal(object)  # the project path
    path_changed = Signal()  # the project file changed (a save as, an open, other films)
    failed = Signal(str, str)  # an open failed: the message shown, the file concerned
    message = Signal(str)
    discarded = Signal()  # the user chose to throw unsaved work away
    recovery_opened = Signal(object)  # the recovery file whose work is now open, unsaved

    def __init__(
        self,
        document: Document,
        undo_stack: QUndoStack,
        settings: Settings,
        runner: JobRunner,
        dialogs: Dialogs,
    ) -> None:
        super().__init__(runner)
        self.document = document
        self.undo_stack = undo_stack
        self.settings = settings
        self.runner = runner
        self.dialogs = dialogs
        self._opening: _Opening | None = None
        self._pair: tuple[object, object] = (None, None)
        document.pair_changed.connect(self._on_pair_changed)

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
        other_films = {id(x) for x in pair} != {id(x) for x in self._pair}
        if other_films and self._opening is None and doc.project_path is not None:
            doc.project_path = None
            self.path_changed.emit()
        self._pair = pair

    # -- saving --------------------------------------------------------------------------
    def save(self) -> bool:
        """Save to the project's file (Save as… when it has none); True when saved."""
        if self.path is None:
            return self.save_as()
        return self.save_to(self.path)

    def save_as(self) -> bool:
        start = str(self.path) if self.path else self.settings.last_directory
        chosen = self.dialogs.ask_save_path("Save project", start, PROJECT_FILTER)
        if not chosen:
            return False
        p = Path(chosen)
        if not p.name.endswith(SUFFIX):
            p = p.with_name(p.name.removesuffix(".json") + SUFFIX)
        return self.save_to(p)

    def save_to(self, path: str | Path, *, overwrite_read_only: bool = False) -> bool:
        """Save atomically; on failure say why (the old file is intact). A read-only project
        file is replaced only when the reader says so; else Save as… is offered."""
        path = Path(path)
        if self.document.before is None:
            self.dialogs.error("Nothing to save", "Open a pair of films first.")
            return False
        try:
            save_project(self.document, path, overwrite_read_only=overwrite_read_only)
        except ReadOnlyProjectError:
            answer = self.dialogs.ask_read_only()
            if answer == "replace":
                return self.save_to(path, overwrite_read_only=True)
            return self.save_as() if answer == "elsewhere" else False
        except ProjectFileError as exc:
            where = f" to {exc.path}" if self.document.show_identifiers else ""
            text = (
                f"The project could not be saved{where}: {exc.reason}.\n\n"
                "The file that was there before (if any) is unchanged."
            )
            self.message.emit(f"Not saved: {exc.reason}")
            self.dialogs.error("Cannot save project", text)
            return False
        self.document.project_path = path
        self._pair = (self.document.before, self.document.after)
        self.settings.last_directory = str(path.parent)
        self.settings.add_recent_project(path)
        self.undo_stack.setClean()
        self.path_changed.emit()
        self.message.emit(f"Saved {path.name}" if self.document.show_identifiers else "Saved")
        self.saved.emit(path)
        return True

    def confirm_close(self, what: str) -> bool:
        """True when nothing is unsaved, or the user saved or chose to discard it."""
        if self.undo_stack.isClean():
            return True
        answer = self.dialogs.ask_unsaved(what)
        if answer == "save":
            return self.save()
        if answer == "discard":
            self.discarded.emit()
            return True
        return False

    # -- opening -------------------------------------------------------------------------
    def open_project_dialog(self) -> None:
        path = self.dialogs.ask_open_path(
            "Open project", self.settings.last_directory, PROJECT_FILTER
        )
        if path:
            self.settings.last_directory = str(Path(path).parent)
            self.open_project(path)

    def open_project(self, path: str | Path, *, as_template: bool = False) -> bool:
        """Read ``path`` and open it (films load in the background); False on a bad file.

        ``as_template``: open without a project file of its own (the bundled demo), so
        Save asks where to put the user's copy.
        """
        try:
            data = read_project(path)  # a bad file is refused before anything is asked
        except ProjectFileError as exc:
            what = exc.path.name if self.document.show_identifiers else "the project"
            self._fail("Cannot open project", f"Cannot open {what}: {exc.reason}.", exc.path)
            return False
        if not self.confirm_close("Open a project?"):
            return False
        self._start(_Opening(data, as_template=as_template))
        return True

    def recover(self, info: RecoveryInfo) -> None:
        """Open a recovery file's content as unsaved work on its project."""
        if info.data is not None:
            self._start(_Opening(info.data, recovery=info))

    def fill_recent(self, menu: QMenu) -> None:
        """The Recent projects menu: file names only while identifiers are shown."""
        menu.clear()
        paths = self.settings.recent_projects()
        shown = self.document.show_identifiers
        for path, when in zip(paths, self.settings.recent_projects_opened(), strict=True):
            if shown:
                action = menu.addAction(Path(path).name)
                action.setToolTip(path)
            else:
                action = menu.addAction(f"Project {opened_label(when)}")
                action.setToolTip("Show patient identifiers (Info dock) to see the files")
            action.triggered.connect(lambda _=False, p=path: self.open_project(p))
        if paths:
            menu.addSeparator()
            menu.addAction("Clear recent projects").triggered.connect(
                self.settings.clear_recent_projects
            )
        else:
            menu.addAction("No recent projects").setEnabled(False)

    def _start(self, opening: _Opening, candidates: dict[str, Path] | None = None) -> None:
        self._opening = opening
        self.runner.submit(
            resolve_missing,
            opening.data,
            candidates or {},
            opening.found,
            on_done=self._on_resolved,
            on_error=self._on_resolve_failed,
        )

    def _on_resolved(self, found: dict[str, ImageResolution]) -> None:
        opening = self._opening
        if opening is None:
            return
        opening.found = found
        for film, res in found.items():
            if res.status in ("missing", "unreadable"):
                start = str(res.path.parent) if res.path else self.settings.last_directory
                message = self._say(res)
                located = self.dialogs.ask_locate(film, message, start)
                if located is None:
                    self._opening = None
                    text = f"The project was not opened: {message}."
                    self._fail("Project not opened", text, res.path or opening.data.path)
                    return
                self._start(opening, {film: located})
                return
        self._apply(opening)

    def _apply(self, opening: _Opening) -> None:
        data, found = opening.data, opening.found
        notes = [self._say(r) for r in found.values() if r.status == "moved"]
        mismatches = [self._say(r) for r in found.values() if r.status == "hash_mismatch"]
        try:
            apply_project(self.document, data, found["before"].image, found["after"].image)
        except (ValueError, KeyError) as exc:
            self._opening = None
            text = f"The project could not be opened: {exc}."
            self._fail("Cannot open project", text, data.path)
            return
        if opening.as_template:
            self.document.project_path = None
        self._pair = (self.document.before, self.document.after)
        self._opening = None
        self.undo_stack.clear()
        if opening.recovery is not None:
            self.undo_stack.resetClean()  # recovered work is unsaved work
            self.recovery_opened.emit(opening.recovery.path)
        elif data.path is not None and not opening.as_template:
            self.settings.add_recent_project(data.path)
        self.path_changed.emit()
        if notes:
            self.message.emit("; ".join(notes))
        if mismatches:
            self.dialogs.error("Film differs from the project", "\n\n".join(mismatches) + ".")
        self.opened.emit(opening.recovery.path if opening.recovery else data.path)

    def _say(self, res: ImageResolution) -> str:
        """What happened to a project's film, naming its file only if identifiers are shown."""
        if self.document.show_identifiers:
            return res.message
        title = FILM_TITLES.get(res.film, res.film)
        return {
            "moved": f"the {title} film was found in another folder",
            "hash_mismatch": f"the {title} film found is not the one this project was saved "
            "with (its content differs): the regions and the alignment may not fit it",
            "missing": f"the {title} film was not found where the project says, nor next to it",
            "unreadable": f"the {title} film cannot be read",
        }.get(res.status, res.message)

    def _on_resolve_failed(self, exc: BaseException, details: str) -> None:
        self._opening = None
        text = f"The project's films could not be loaded: {exc}."
        self._fail("Cannot open project", text, None)

    def _fail(self, title: str, text: str, path: Path | None) -> None:
        self.message.emit(text)
        self.dialogs.error(title, text)
        # from the event loop: --screenshot may be waiting for it before the loop started
        QTimer.singleShot(0, lambda: self.failed.emit(text, str(path or "")))
