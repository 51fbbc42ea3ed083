"""Opening films: a pair or one film, loaded in the background, then put in the Document.

Loading never touches the open pair until both films have loaded; a file that cannot be read
is reported (``failed``) and whatever was open stays open. Two files that came in no
meaningful order (picked or dropped together) are put in time order by their study dates.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future
from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QUndoStack
from PySide6.QtWidgets import QMenu

from xraycompare.core.document import Document
from xraycompare.core.io.film_labels import study_date
from xraycompare.core.io.image import ImageLoadError, XrayImage
from xraycompare.core.io.loading import load_image
from xraycompare.core.io.pair_order import in_time_order
from xraycompare.core.io.pyramid import pyramid_for
from xraycompare.core.types import Film
from xraycompare.qt.dialogs import Dialogs
from xraycompare.qt.settings import Settings, opened_label
from xraycompare.qt.workers import JobRunner, WorkerCrashError, in_process, result_of


def load_pair(before: str, after: str) -> tuple[XrayImage, XrayImage]:
    """Load both films at once in worker processes (see :func:`in_process`); the first
    failure raises ImageLoadError (the before film's first)."""
    jobs = [in_process(load_image, path) for path in (before, after)]
    return ready_to_show(_loaded(jobs[0], before)), ready_to_show(_loaded(jobs[1], after))


def load_one(path: str) -> XrayImage:
    """Load one film in a worker process."""
    return ready_to_show(_loaded(in_process(load_image, path), path))


def _loaded(job: Future, path: str) -> XrayImage:
    try:
        return result_of(job)
    except WorkerCrashError as exc:
        reason = "the decoder crashed on this file: it is probably corrupt"
        raise ImageLoadError(path, reason) from exc


def ready_to_show(image: XrayImage) -> XrayImage:
    """Build what the panes draw from here, off the GUI thread (the pyramid, the range)."""
    pyramid_for(image)
    image.value_range  # noqa: B018 (a cached property: computed once, here)
    return image


def reorder_note(before: XrayImage) -> str:
    """What the reader is told when the films were swapped into time order."""
    when = study_date(before)
    year = f" ({when.year})" if when is not None else ""
    return (
        "The films came in reverse time order: the earlier study"
        f"{year} is shown as Before, by the study dates in the files."
    )


class FilmLoader(QObject):
    """Opens films into a Document; ``confirm(what)`` asks before unsaved work is replaced."""

    opened = Signal()  # a pair (or one film) is in the Document
    failed = Signal(str, str)  # the message shown, the file concerned (for the command line)
    message = Signal(str)
    reordered = Signal(str)  # the films were put in time order: what to tell the reader

    def __init__(
        self,
        document: Document,
        undo_stack: QUndoStack,
        settings: Settings,
        runner: JobRunner,
        dialogs: Dialogs,
        *,
        confirm: Callable[[str], bool],
    ) -> None:
        super().__init__(runner)
        self.document = document
        self.undo_stack = undo_stack
        self.settings = settings
        self.runner = runner
        self.dialogs = dialogs
        self.confirm = confirm

    @property
    def busy(self) -> bool:
        return self.runner.busy

    def open_pair(self, before: str | Path, after: str | Path, *, by_date: bool = False) -> None:
        """Load a pair; ``by_date``: the files came in no order, their study dates decide."""
        if not self.confirm("Open another pair?"):
            return
        first, second = str(before), str(after)

        def done(result: tuple[XrayImage, XrayImage]) -> None:
            films = list(result)
            paths = [first, second]
            if by_date:
                earlier, later, swapped = in_time_order(*films)
                if swapped:
                    films, paths = [earlier, later], paths[::-1]
            self.document.set_pair(*films)
            if by_date and swapped:
                self.reordered.emit(reorder_note(films[0]))
            self.settings.add_recent_pair(*paths)
            self._opened()

        def failed(exc: BaseException, details: str) -> None:
            self._failed(exc, details, (first, second))

        self.runner.submit(load_pair, first, second, on_done=done, on_error=failed)

    def open_film(self, film: Film, path: str | Path) -> None:
        """Replace one film; the other stays."""
        if not self.confirm(f"Replace the {film} film?"):
            return

        def done(image: XrayImage) -> None:
            self.document.set_image(film, image)
            self._opened()

        def failed(exc: BaseException, details: str) -> None:
            self._failed(exc, details, (str(path),) if film == "before" else ("", str(path)))

        self.runner.submit(load_one, str(path), on_done=done, on_error=failed)

    def open_pair_dialog(self) -> None:
        """File ▸ Open pair…: pick two films; their study dates decide which is Before."""
        title = "Open pair: select the Before and the After film"
        paths = self.dialogs.ask_open_paths(title, self.settings.last_directory)
        if not paths:
            return
        self.settings.last_directory = str(Path(paths[0]).parent)
        if len(paths) != 2:
            self.dialogs.error("Open pair", "Select exactly two films: Before and After.")
            return
        self.open_pair(paths[0], paths[1], by_date=True)

    def open_film_dialog(self, film: Film) -> None:
        path = self.dialogs.ask_open_path(f"Open the {film} film", self.settings.last_directory)
        if path:
            self.settings.last_directory = str(Path(path).parent)
            self.open_film(film, path)

    def open_dropped(self, film: Film, paths: list[str]) -> None:
        """Files dropped on a pane: two (or more) open as a pair, one replaces that film."""
        if len(paths) >= 2:
            self.open_pair(paths[0], paths[1], by_date=True)
        elif paths:
            self.open_film(film, paths[0])

    def fill_recent(self, menu: QMenu) -> None:
        """The Recent pairs menu: file names only while identifiers are shown."""
        menu.clear()
        pairs = self.settings.recent_pairs()
        shown = self.document.show_identifiers
        for (before, after), when in zip(pairs, self.settings.recent_pairs_opened(), strict=True):
            if shown:
                action = menu.addAction(f"{Path(before).name}  ↔  {Path(after).name}")
                action.setToolTip(f"{before}\n{after}")
            else:
                action = menu.addAction(f"Pair {opened_label(when)}")
                action.setToolTip("Show patient identifiers (Info dock) to see the files")
            action.triggered.connect(lambda _=False, b=before, a=after: self.open_pair(b, a))
        if pairs:
            menu.addSeparator()
            menu.addAction("Clear recent pairs").triggered.connect(self.settings.clear_recent_pairs)
        else:
            menu.addAction("No recent pairs").setEnabled(False)

    def _opened(self) -> None:
        self.undo_stack.clear()
        self.opened.emit()

    def _failed(self, exc: BaseException, details: str, paths: tuple[str, ...] = ()) -> None:
        shown = self.document.show_identifiers
        if isinstance(exc, ImageLoadError):
            what = exc.path.name if shown else _role(exc.path, paths)
            self.failed.emit(f"Cannot open {what}: {exc.reason}.", str(exc.path))
        else:
            self.failed.emit(f"Cannot open the film: {exc}", paths[0] if paths else "")


def _role(path: Path, paths: tuple[str, ...]) -> str:
    """ "the Before film" / "the After film" for a path given in that order, else "the film"."""
    for title, given in zip(("Before", "After"), paths, strict=False):
        if given and Path(given).resolve() == Path(path).resolve():
            return f"the {title} film"
    return "the film"
