"""The joint gallery as a page of the window: shown in place of the films, a tile opened
large through its own alignment, scored, and exported as a print figure.

:class:`GalleryPage` switches the window's central stack between the films and the
gallery (View ▸ Joint gallery, Ctrl+J) and answers the gallery view's requests.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtWidgets import QStackedWidget, QWidget

from xraycompare.core.document import Document
from xraycompare.core.registration.alignment import Alignment
from xraycompare.core.types import Film
from xraycompare.core.view_control import ViewController
from xraycompare.qt.dialogs import Dialogs
from xraycompare.qt.joints.gallery_controller import GalleryController
from xraycompare.qt.joints.gallery_view import GalleryView
from xraycompare.qt.settings import Settings


class GalleryPage:
    """The gallery's place in the window, and what its tiles' keys and buttons do."""

    def __init__(
        self,
        document: Document,
        gallery: GalleryController,
        stack: QStackedWidget,
        *,
        films_page: QWidget,
        empty_page: QWidget,
        add_local: Callable[[Alignment], None],
        view: ViewController,
        score: Callable[[Film, str, int | None], None],
        settings: Settings,
        dialogs: Dialogs,
        view_size: Callable[[], tuple[float, float]],
        notice: Callable[[str], None],
        problem: Callable[[str], None],
        shown_changed: Callable[[bool], None],
    ) -> None:
        self.document = document
        self.gallery = gallery
        self.stack = stack
        self.films_page = films_page
        self.empty_page = empty_page
        self.add_local = add_local  # a local alignment, made current (an undo step)
        self.view = view
        self.settings = settings
        self.dialogs = dialogs
        self.view_size = view_size
        self.notice = notice
        self.problem = problem
        self.shown_changed = shown_changed
        self.widget = GalleryView(document, gallery, score=score)
        stack.addWidget(self.widget)
        self.widget.closed.connect(lambda: self.show(False))
        self.widget.open_site.connect(self.open_site)
        self.widget.export_requested.connect(self.export)

    @property
    def shown(self) -> bool:
        return self.stack.currentWidget() is self.widget

    def show(self, shown: bool = True) -> None:
        """View ▸ Joint gallery: every site before | after, each aligned on its joint."""
        if shown and not self.document.has_pair:
            self.problem("Open a pair first: the gallery shows both films' joints.")
            shown = False
        self.gallery.show(shown)
        has_pair = self.document.has_pair
        page = self.widget if shown else (self.films_page if has_pair else self.empty_page)
        self.stack.setCurrentWidget(page)
        if shown:
            self.widget.setFocus()
        self.shown_changed(shown)

    def open_site(self, site: str) -> None:
        """A gallery tile large in the main view, through its own alignment."""
        gallery = self.gallery.gallery
        tile = gallery.tile(site) if gallery is not None else None
        if tile is None or not tile.found or tile.matrix is None or tile.before_box is None:
            self.problem(f"{site} was not found on either film.")
            return
        hand = self.document.film_hand("before")
        quality = {"ncc_final": tile.quality.ncc} if tile.quality is not None else {}
        self.add_local(Alignment(
            f"{site} {hand}" if hand else site, tile.matrix, model="similarity",
            method="local", roi=tile.before_box, quality=quality,
        ))  # fmt: skip
        self.show(False)
        self.view.show_box(tile.before_box, self.view_size())

    def export(self) -> None:
        """The gallery as a print figure, in the tiles' mode, with its provenance."""
        if self.gallery.gallery is None:
            self.problem("The gallery is not ready yet.")
            return
        start = str(Path(self.settings.last_directory or ".") / "gallery.tif")
        path = self.dialogs.ask_save_path(
            "Export gallery figure", start, "Figures (*.tif *.tiff *.png *.pdf *.svg)"
        )
        if path:
            self.settings.last_directory = str(Path(path).parent)
            self.write(path)

    def write(self, path: str | Path) -> None:
        """Write the gallery figure in the background (File dialog, tests and scripts)."""
        gallery, mode = self.gallery.gallery, self.gallery.mode

        def done(written) -> None:
            self.notice(f"Gallery written: {written.path.name}, with its provenance.")

        def failed(exc: BaseException, details: str) -> None:
            reason = getattr(exc, "reason", None) or str(exc)
            self.dialogs.error("Cannot export the gallery", f"Nothing was written: {reason}",
                               details)  # fmt: skip

        from xraycompare.core.gallery.render import write_gallery  # loaded with the gallery

        self.gallery.runner_for_files.submit(
            write_gallery, self.document, gallery, Path(path), mode=mode,
            on_done=done, on_error=failed,
        )  # fmt: skip
