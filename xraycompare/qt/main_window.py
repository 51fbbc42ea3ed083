"""The main window: composition and wiring only.

Domain state lives in the Document; panes, panels and menus observe it. Loading runs on
the thread pool; results are applied here, on the GUI thread, so a failed load never leaves
a half-open pair.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QCloseEvent, QDragEnterEvent, QDropEvent, QUndoStack
from PySide6.QtWidgets import (
    QDockWidget,
    QFileDialog,
    QInputDialog,
    QMainWindow,
    QSplitter,
    QStackedWidget,
)

from xraycompare import __version__
from xraycompare.core.document import Document
from xraycompare.core.io.image import ImageLoadError, XrayImage
from xraycompare.core.io.loading import load_image
from xraycompare.core.io.pair_order import in_time_order
from xraycompare.core.types import FILMS, Film
from xraycompare.core.view_control import ViewController
from xraycompare.qt.alignment_menu import build_alignment_menus
from xraycompare.qt.annotation_ui import install_annotations
from xraycompare.qt.dialogs import ask_discard, show_error
from xraycompare.qt.info_panel import InfoPanel
from xraycompare.qt.landmarks import LandmarkLayer, LandmarkTool
from xraycompare.qt.menus import build_menus
from xraycompare.qt.pane_layout import install_comparison, prepare_screenshot, reference_pane
from xraycompare.qt.pane_view import PaneView
from xraycompare.qt.registration_controller import RegistrationController
from xraycompare.qt.registration_panel import RegistrationPanel
from xraycompare.qt.settings import Settings
from xraycompare.qt.status_readout import StatusReadout
from xraycompare.qt.tools import RectangleSelectTool
from xraycompare.qt.welcome import WelcomePage
from xraycompare.qt.workers import JobRunner

DOCK_WIDTH = 360  # logical px of the tabbed docks on a first start

IMAGE_FILTER = (
    "Radiographs (*.dcm *.dicom *.DCM *.png *.jpg *.jpeg *.tif *.tiff *.bmp);;All files (*)"
)


def load_pair(before: str, after: str) -> tuple[XrayImage, XrayImage]:
    """Load both films (in a worker); the first failure raises ImageLoadError."""
    return load_image(before), load_image(after)


class MainWindow(QMainWindow):
    """Two synchronised panes on one Document, with menus, docks and a status bar."""

    pair_shown = Signal()  # the pair is on screen (after a load)
    ready = Signal()  # the pair is shown and, if that is on, aligned (or alignment failed)
    load_failed = Signal(str)  # the message shown to the user

    def __init__(
        self,
        settings: Settings | None = None,
        *,
        auto_register: bool = True,
        persist_layout: bool = True,
    ) -> None:
        super().__init__()
        self.auto_register_allowed = auto_register
        # False for --screenshot: a documentation run neither reads nor writes the user's layout
        self.persist_layout = persist_layout
        self.settings = settings or Settings()
        self.document = Document()
        self.controller = ViewController(self.document)
        self.undo_stack = QUndoStack(self)
        self.loader = JobRunner(self)
        self.active_film: Film = "before"
        self.setWindowTitle("xraycompare")
        self.setAcceptDrops(True)

        self.panes: dict[Film, PaneView] = {
            film: PaneView(self.document, self.controller, film) for film in FILMS
        }
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.setObjectName("panes")
        self.splitter.setHandleWidth(3)
        for film in FILMS:
            pane = self.panes[film]
            pane.setObjectName(f"pane-{film}")
            pane.files_dropped.connect(self.on_files_dropped)
            pane.activated.connect(self._set_active_film)
            self.splitter.addWidget(pane)
        self.welcome = WelcomePage(self)
        self.stack = QStackedWidget()
        self.stack.addWidget(self.welcome)
        self.stack.addWidget(self.splitter)
        self.setCentralWidget(self.stack)

        self.info_panel = InfoPanel(self.document)
        self.info_dock = QDockWidget("Info", self)
        self.info_dock.setObjectName("dock-info")
        self.info_dock.setWidget(self.info_panel)
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.info_dock)

        self.readout = StatusReadout(
            self.statusBar(), self.document, self.controller, self.view_size
        )
        for pane in self.panes.values():
            pane.hovered.connect(self.readout.on_hovered)
        self.registration = RegistrationController(self)
        self.registration.ready.connect(self._announce_ready)
        self.registration.message.connect(lambda text: self.statusBar().showMessage(text, 8000))
        self.landmark_layers = {film: LandmarkLayer(self.panes[film]) for film in FILMS}
        self.landmark_tool = LandmarkTool(self.registration, self.landmark_layers)
        self.region_tool = RectangleSelectTool(self._on_region_selected)
        self.loader.finished.connect(self._on_pair_loaded)
        self.loader.failed.connect(self._on_load_failed)
        self.loader.busy_changed.connect(lambda busy: self.readout.set_busy(busy, "Opening…"))
        self.readout.cancel.clicked.connect(self.loader.cancel)
        self.document.pair_changed.connect(self._on_pair_changed)
        self.undo_stack.cleanChanged.connect(self._on_clean_changed)

        self.actions = build_menus(self)
        build_alignment_menus(self, self.actions)
        self.registration_panel = RegistrationPanel(self)
        self.registration_dock = QDockWidget("Alignment", self)
        self.registration_dock.setObjectName("dock-alignment")
        self.registration_dock.setWidget(self.registration_panel)
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.registration_dock)
        self.tabifyDockWidget(self.info_dock, self.registration_dock)
        self.registration_dock.raise_()
        install_annotations(self)  # regions, scores, projects, autosave
        self.comparison = install_comparison(self)  # pane, layouts, Compare menu, dock
        self.registration_dock.raise_()  # the docks are tabbed: open on the alignment
        self.welcome.open_pair.connect(self.open_pair_dialog)
        self.welcome.open_demo.connect(self.open_demo)
        self._restore_layout()
        self._on_pair_changed()

    # -- layout --------------------------------------------------------------------------
    def _restore_layout(self) -> None:
        geometry = self.settings.geometry() if self.persist_layout else None
        state = self.settings.window_state() if self.persist_layout else None
        if geometry is not None:
            self.restoreGeometry(geometry)
        else:
            self.resize(1400, 900)
        if state is not None:
            self.restoreState(state)
        else:  # the films get the room; the tabbed docks a readable column
            self.resizeDocks([self.registration_dock], [DOCK_WIDTH], Qt.Orientation.Horizontal)

    def set_tool(self, name: str | None) -> None:
        """Give the left mouse button to a tool (None: navigate) in both panes."""
        tools = {"landmarks": self.landmark_tool, "region": self.region_tool}
        tools.update(getattr(self, "region_tools", {}))
        tool = tools.get(name) if name else None
        for candidate in tools.values():
            if candidate is not tool:
                candidate.deactivate()
        for pane in self.panes.values():
            pane.set_tool(tool)
        action = self.actions.items.get(f"tool_{name or 'navigate'}")
        if action is not None and not action.isChecked():
            action.setChecked(True)

    def _on_region_selected(self, roi: tuple[float, float, float, float]) -> None:
        existing = {a.name for a in self.document.local_alignments}
        default = next(f"Region {i}" for i in range(1, 1000) if f"Region {i}" not in existing)
        name = self.ask_local_name(default)
        if name:
            self.registration.align_region(roi, name)

    def ask_local_name(self, default: str) -> str | None:
        """Name a new local alignment (e.g. "PIP3 left"); None when cancelled."""
        name, ok = QInputDialog.getText(
            self,
            "Align a region",
            "Name of this local alignment (e.g. PIP3 left):",
            text=default,
        )
        name = name.strip()
        return name if ok and name and name != "Global" else None

    def view_size(self) -> tuple[float, float]:
        """Size of the pane that stands for the view (the comparison when it is shown alone)."""
        return reference_pane(self).viewport_size()

    def _on_clean_changed(self, clean: bool) -> None:
        self.setWindowModified(not clean)

    def _set_active_film(self, film: str) -> None:
        self.active_film = film  # type: ignore[assignment]

    def _on_pair_changed(self) -> None:
        doc = self.document
        has_any = doc.before is not None or doc.after is not None
        self.stack.setCurrentWidget(self.splitter if has_any else self.welcome)
        names = " ↔ ".join(image.name for image in (doc.before, doc.after) if image is not None)
        self.setWindowTitle(f"{names} [*] — xraycompare" if names else "xraycompare")

    # -- opening files -------------------------------------------------------------------
    def confirm_discard(self, what: str) -> bool:
        """True when nothing is unsaved, or the user saved it or agrees to lose it."""
        project = getattr(self, "project", None)
        if project is not None:
            return project.confirm_close(what)  # Save / Discard / Cancel
        return self.undo_stack.isClean() or ask_discard(self, what)

    def open_pair(self, before: str | Path, after: str | Path, *, by_date: bool = False) -> None:
        """Load a pair in the background; the current pair stays until both films load.

        ``by_date``: the two files came in no meaningful order (picked together, dropped
        together), so their study dates decide which is Before.
        """
        if not self.confirm_discard("Open another pair?"):
            return
        self._pending = ("pair-by-date" if by_date else "pair", str(before), str(after))
        self.loader.submit(load_pair, str(before), str(after))

    def open_film(self, film: Film, path: str | Path) -> None:
        """Replace one film; the other stays."""
        if not self.confirm_discard(f"Replace the {film} film?"):
            return
        self._pending = (film, str(path), "")
        self.loader.submit(load_image, str(path))

    def open_demo(self) -> None:
        """The demo project (regions, scores, an arrow and a label) or, without it, the pair."""
        from xraycompare.resources import demo_pair, demo_project

        project = demo_project()
        if project is not None and hasattr(self, "project"):
            self.project.open_project(project, as_template=True)  # Save asks for a new file
            return
        before, after = demo_pair()
        self.open_pair(before, after)

    def open_pair_dialog(self) -> None:
        paths, _ = QFileDialog.getOpenFileNames(
            self,
            "Open pair: select the Before and the After film",
            self.settings.last_directory,
            IMAGE_FILTER,
        )
        if not paths:
            return
        self.settings.last_directory = str(Path(paths[0]).parent)
        if len(paths) != 2:
            show_error(self, "Open pair", "Select exactly two films: Before first, then After.")
            return
        self.open_pair(paths[0], paths[1], by_date=True)

    def open_film_dialog(self, film: Film) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, f"Open the {film} film", self.settings.last_directory, IMAGE_FILTER
        )
        if path:
            self.settings.last_directory = str(Path(path).parent)
            self.open_film(film, path)

    def on_files_dropped(self, film: str, paths: list[str]) -> None:
        if len(paths) >= 2:
            self.open_pair(paths[0], paths[1], by_date=True)
        elif paths:
            self.open_film(film, paths[0])  # type: ignore[arg-type]

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        paths = [u.toLocalFile() for u in event.mimeData().urls() if u.isLocalFile()]
        if paths:
            event.acceptProposedAction()
            self.on_files_dropped(self.active_film, paths)

    def _on_pair_loaded(self, result: object) -> None:
        kind, first, second = self._pending
        if kind.startswith("pair"):
            before, after = result  # type: ignore[misc]
            if kind == "pair-by-date":
                before, after, swapped = in_time_order(before, after)
                if swapped:
                    first, second = second, first
                    self.statusBar().showMessage(
                        f"Ordered by study date: {before.name} is Before.", 8000
                    )
            self.document.set_pair(before, after)
            self.settings.add_recent_pair(first, second)
        else:
            self.document.set_image(kind, result)  # type: ignore[arg-type]
        self.undo_stack.clear()
        self.actions.refresh_recent()
        self.pair_shown.emit()
        if self.auto_register_allowed and self.settings.auto_register and self.document.has_pair:
            self.registration.align_automatically(after_open=True)
        else:
            self._announce_ready()

    def _announce_ready(self) -> None:
        """``ready`` once the comparison shown is computed for the final alignment."""
        self.comparison.when_settled(self.ready.emit)

    def set_mode(self, mode: str) -> None:
        """Show a view mode: side-by-side or a comparison (difference, overlay, ...)."""
        self.comparison.set_mode(mode)

    def prepare_screenshot(self) -> None:
        """One definite frame for a documentation screenshot (flicker: the after phase)."""
        prepare_screenshot(self.comparison)

    def _on_load_failed(self, exc: object, details: str) -> None:
        if isinstance(exc, ImageLoadError):
            text = f"Cannot open {exc.path.name}: {exc.reason}."
            details = str(exc.path)
        else:
            text = f"Cannot open the file: {exc}"
        self.statusBar().showMessage(text, 10000)
        show_error(self, "Cannot open file", text, details)
        self.load_failed.emit(text)

    def swap_films(self) -> None:
        self.document.swap()

    # -- closing -------------------------------------------------------------------------
    def closeEvent(self, event: QCloseEvent) -> None:
        if not self.confirm_discard("Close xraycompare?"):
            event.ignore()
            return
        for runner in (self.loader, self.registration.runner, self.registration.quality_runner):
            runner.cancel()
        self.loader.wait(5000)
        if self.persist_layout:
            self.settings.save_window(self.saveGeometry(), self.saveState())
            self.settings.sync()
        event.accept()

    def about_text(self) -> str:
        return (
            f"xraycompare {__version__}\n\nCompare hand radiographs taken years apart: "
            "register, view side by side, see the change, score erosions, export figures."
        )
