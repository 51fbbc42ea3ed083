"""The main window: it creates the parts, connects them and lays them out. Nothing else.

Every part is constructed with the narrow things it needs (the Document, the undo stack, the
settings, a job runner, the dialogs, the panes it drives) and reports upward through
signals; this is the only module that imports them all, and no module imports it but the
app's entry. Opening a pair reads top to bottom: ``FilmLoader.open_pair`` loads both films
in the background and puts them in the Document -> ``opened`` -> :meth:`_on_pair_opened`
shows them and starts the automatic alignment -> ``AlignmentController.ready`` ->
:meth:`_announce_ready` once the comparison is computed. Opening a project takes the same
path from ``ProjectController.opened``, without aligning (the project has its alignments).
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent, QDragEnterEvent, QDropEvent, QUndoStack
from PySide6.QtWidgets import (
    QDockWidget,
    QMainWindow,
    QSplitter,
    QStackedWidget,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from xraycompare.core.document import Document
from xraycompare.core.gallery.sites import gallery_sites, site_label
from xraycompare.core.io.film_labels import pair_caption
from xraycompare.core.site_names import site_name_for
from xraycompare.core.types import FILMS, Film
from xraycompare.core.view_control import ViewController
from xraycompare.qt.alignment.controller import AlignmentController
from xraycompare.qt.alignment.landmarks import LandmarkLayer, LandmarkTool
from xraycompare.qt.alignment.panel import AlignmentPanel
from xraycompare.qt.alignment.region_outline import RegionOutline
from xraycompare.qt.compare.controller import ComparisonController
from xraycompare.qt.compare.controls import ComparisonControls
from xraycompare.qt.compare.layout import PaneLayout
from xraycompare.qt.compare.magnifier import Magnifier
from xraycompare.qt.compare.view import ComparisonView
from xraycompare.qt.dialogs import Dialogs
from xraycompare.qt.figures.launcher import FigureLaunchers
from xraycompare.qt.handlers import (
    ActionTargets,
    action_enabled,
    action_handlers,
    action_states,
    apply_label_scale,
)
from xraycompare.qt.joints.finder import JointFinder
from xraycompare.qt.joints.gallery_controller import GalleryController
from xraycompare.qt.joints.gallery_page import GalleryPage
from xraycompare.qt.menus import build_menus
from xraycompare.qt.project.autosave import Autosave, offer_recovery
from xraycompare.qt.project.controller import ProjectController
from xraycompare.qt.project.films import FilmLoader
from xraycompare.qt.regions.draw_tools import DRAW_TOOLS, DrawTool
from xraycompare.qt.regions.editor import RegionEditor
from xraycompare.qt.regions.exchange import RegionExchange
from xraycompare.qt.regions.layer import RegionLayer
from xraycompare.qt.regions.measurements import MeasurementsPanel
from xraycompare.qt.regions.panel import RegionPanel
from xraycompare.qt.regions.score_sheet import ScoreSheetPanel
from xraycompare.qt.regions.select_tool import SelectTool
from xraycompare.qt.settings import Settings
from xraycompare.qt.status import StatusReadout
from xraycompare.qt.teaching.parts import TeachingParts
from xraycompare.qt.view.info_panel import InfoPanel
from xraycompare.qt.view.notice_bar import NoticeBar
from xraycompare.qt.view.pair_notices import PairNotices
from xraycompare.qt.view.pane import PaneTool, PaneView, accept_files, dropped_paths
from xraycompare.qt.view.presentation import Presentation
from xraycompare.qt.view.tools import RectangleSelectTool
from xraycompare.qt.view.welcome import WelcomePage
from xraycompare.qt.view.window_presets import fill_window_presets
from xraycompare.qt.view.zoom_box import ZoomBox
from xraycompare.qt.workers import JobRunner, warm_process_pool

DOCK_WIDTH = 360  # logical px of the tabbed docks on a first start
RIGHT = Qt.DockWidgetArea.RightDockWidgetArea
BOTTOM = Qt.DockWidgetArea.BottomDockWidgetArea
_ALIGN_AFTER_PAINT_MS = 30  # the opened pair is painted before its alignment starts


class MainWindow(QMainWindow):
    """Two synchronised panes on one Document, with menus, docks and a status bar."""

    pair_shown = Signal()  # the pair is on screen (after a load)
    ready = Signal()  # the pair is shown and, if that is on, aligned (or alignment failed)
    load_failed = Signal(str, str)  # the message shown to the user, the file concerned

    def __init__(
        self,
        settings: Settings | None = None,
        *,
        auto_register: bool = True,
        persist_layout: bool = True,
        interactive: bool = True,
    ) -> None:
        super().__init__()
        # False for --screenshot: a documentation run neither reads nor writes the layout
        self.auto_register_allowed = auto_register
        self.persist_layout = persist_layout
        self.settings = settings or Settings()
        self.document = doc = Document()
        self.undo_stack = QUndoStack(self)
        self.controller = ViewController(doc)
        self.dialogs = Dialogs(self, interactive=interactive)
        self.active_film: Film = "before"
        self.setAcceptDrops(True)
        self._build_views()
        self._build_parts()
        self._build_docks()
        made = {"undo": self.undo_stack.createUndoAction(self, "&Undo"),
                "redo": self.undo_stack.createRedoAction(self, "&Redo")}  # fmt: skip
        made["undo"].setShortcut("Ctrl+Z")
        made["redo"].setShortcut("Ctrl+Shift+Z")
        made.update({name: dock.toggleViewAction() for name, dock in self.docks.items()})
        self._targets = self._action_targets()
        self.actions = build_menus(
            self,
            action_handlers(self._targets),
            fillers={
                "recent_pairs": self.films.fill_recent,
                "recent_projects": self.project.fill_recent,
                "window_presets": lambda menu: fill_window_presets(
                    menu,
                    doc,
                    self.controller,
                    self.active_film,
                    (self.actions["auto_window"], self.actions["reset_display"]),
                ),
            },
            made=made,
        )
        self.alignment_panel = AlignmentPanel(
            doc, self.alignment, self.actions.items, self.landmark_tool
        )
        self.docks["dock_alignment"].setWidget(self.alignment_panel)
        self.presentation = Presentation(
            self, doc,
            chrome=lambda: [self.menuBar(), *self.findChildren(QToolBar), *self.docks.values(),
                            self.statusBar(), self.notices],
            set_mode=self.set_mode,
            label_scale=lambda: self.settings.label_scale,
            set_label_scale=lambda scale: apply_label_scale(self._targets, scale),
            step_saved_view=self.teaching.step_tour,
            changed=lambda on: self.actions.set_checked("presentation", on),
        )  # fmt: skip
        self._wire()
        self._restore_layout()
        if self.settings.label_scale != 1.0:
            apply_label_scale(self._targets, self.settings.label_scale)
        warm_process_pool()  # decoders start now, while the reader picks the films
        self._on_pair_changed()

    # -- composition -----------------------------------------------------------------------
    def _build_views(self) -> None:
        doc = self.document
        self.panes: dict[Film, PaneView] = {f: PaneView(doc, self.controller, f) for f in FILMS}
        self.comparison = ComparisonController(doc, JobRunner(self))
        self.comparison_view = ComparisonView(doc, self.controller, self.comparison)
        self.comparison_view.setObjectName("pane-comparison")
        self.comparison_view.setAcceptDrops(False)  # dropped files go to the window
        self.panes["after"].colouring_source = self.comparison.pane_colouring
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.setObjectName("panes")
        self.splitter.setHandleWidth(3)
        for film, pane in self.panes.items():
            pane.setObjectName(f"pane-{film}")
        self.pane_layout = PaneLayout(
            self.splitter, *self.panes.values(), self.comparison_view, self.comparison
        )
        self.welcome = WelcomePage()
        self.notices = NoticeBar()
        self.reading = QWidget()  # the notices above the films
        column = QVBoxLayout(self.reading)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(0)
        column.addWidget(self.notices)
        column.addWidget(self.splitter, 1)
        self.stack = QStackedWidget()
        self.stack.addWidget(self.welcome)
        self.stack.addWidget(self.reading)
        self.setCentralWidget(self.stack)
        self.magnifier = Magnifier(self.comparison, self.stack)
        self.readout = StatusReadout(self.statusBar(), doc)
        self.zoom_box = ZoomBox(doc, self.controller, self.pane_layout.view_size)
        self.statusBar().addPermanentWidget(self.zoom_box)

    def _build_parts(self) -> None:
        doc, stack, settings, dialogs = self.document, self.undo_stack, self.settings, self.dialogs
        self.project = ProjectController(doc, stack, settings, JobRunner(self), dialogs)
        self.films = FilmLoader(
            doc, stack, settings, JobRunner(self), dialogs, confirm=self.project.confirm_close
        )
        self.autosave = Autosave(doc, stack, settings)
        self.alignment = AlignmentController(
            doc, stack, settings, self.controller, self.pane_layout.view_size,
            runner=JobRunner(self), quality_runner=JobRunner(self),
        )  # fmt: skip
        self.regions = RegionEditor(
            doc, stack, settings, self.controller,
            lambda film: self.panes[film].viewport_size(), ask_hand=lambda: dialogs.ask_hand(),
        )  # fmt: skip
        self.region_layers = {f: RegionLayer(p, self.regions) for f, p in self.panes.items()}
        self.landmark_layers = {f: LandmarkLayer(p) for f, p in self.panes.items()}
        self.landmark_tool = LandmarkTool(self.alignment, self.landmark_layers)
        self.region_outlines = [RegionOutline(p) for p in self.panes.values()]
        self.region_outlines.append(RegionOutline(self.comparison_view, before_frame=True))
        self.joint_finder = JointFinder(doc, JobRunner(self))
        self.gallery = GalleryController(doc, stack, self.joint_finder, JobRunner(self))
        self.gallery_page = GalleryPage(
            doc, self.gallery, self.stack, films_page=self.reading, empty_page=self.welcome,
            add_local=self.alignment.add_local, view=self.controller,
            score=self._score_from_gallery,
            settings=settings, dialogs=dialogs, view_size=self.view_size,
            notice=self.readout.notice, problem=self.readout.problem,
            shown_changed=lambda on: self.actions.set_checked("show_gallery", on),
        )  # fmt: skip
        self.gallery_view = self.gallery_page.widget
        self.region_tool = RectangleSelectTool(self._on_region_selected)

        def ask_text(title: str, default: str = "") -> str | None:
            return dialogs.ask_text(title, "Text:", default)

        self.region_tools: dict[str, PaneTool] = {
            "select": SelectTool(self.regions, self.region_layers, ask_text=ask_text)
        }
        for geometry in DRAW_TOOLS:
            self.region_tools[geometry] = DrawTool(
                self.regions, self.region_layers, geometry, ask_text=ask_text
            )
        self.exchange = RegionExchange(doc, stack, settings, dialogs, self.regions.selection.set)
        self.figures = FigureLaunchers(
            doc, lambda: self.comparison.pair, settings, dialogs, self,
            current_view=self.panes["before"].visible_film_box,
            joints=lambda: self.joint_finder.joints("before"), open_pair=self.films.open_pair,
            notice=self.readout.notice, problem=self.readout.problem,
        )  # fmt: skip
        self.teaching = TeachingParts(
            self, doc, stack, panes=self.panes, caption_host=self.reading,
            view_box=self.view_box,
            name_view=lambda box: site_name_for(
                doc, box, joints=self.joint_finder.joints("before")),
            confirm=lambda text: dialogs.confirm("Blinded reading", text),
            inform=dialogs.inform, label_scale=lambda: self.settings.label_scale,
            joints=self._named_joints, view_size=self.view_size,
            presenting=lambda: self.presentation.active, show_panel=self._show_bookmarks,
        )  # fmt: skip

    def _build_docks(self) -> None:
        self.info_panel = InfoPanel(self.document)
        self.region_panel = RegionPanel(self.regions)
        self.measurements_panel = MeasurementsPanel(self.regions)
        self.score_sheet = ScoreSheetPanel(self.regions)
        self.comparison_controls = ComparisonControls(self.comparison)
        self.docks: dict[str, QDockWidget] = {}
        for name, title, widget, area in (
            ("dock_info", "Info", self.info_panel, RIGHT),
            ("dock_alignment", "Alignment", None, RIGHT),
            ("dock_comparison", "Compare", self.comparison_controls, RIGHT),
            ("dock_region", "Region", self.region_panel, RIGHT),
            ("dock_scores", "Scores", self.score_sheet, RIGHT),
            ("dock_measurements", "Measurements", self.measurements_panel, BOTTOM),
            ("dock_bookmarks", "Bookmarks", self.teaching.panel, RIGHT),
        ):
            dock = QDockWidget(title, self)
            dock.setObjectName(name.replace("_", "-"))
            if widget is not None:
                dock.setWidget(widget)
            self.addDockWidget(area, dock)
            self.docks[name] = dock
        first = self.docks["dock_info"]
        for name in ("dock_alignment", "dock_comparison", "dock_region", "dock_scores",
                     "dock_bookmarks"):  # fmt: skip
            self.tabifyDockWidget(first, self.docks[name])
        self.docks["dock_measurements"].hide()  # a table for when it is wanted (View menu)
        self.docks["dock_bookmarks"].hide()  # teaching: shown when a view is bookmarked
        self._open_before_blinding: list[str] = []  # docks closed by a blinded reading
        self.docks["dock_alignment"].raise_()

    def _action_targets(self) -> ActionTargets:
        return ActionTargets(
            window=self, document=self.document, undo_stack=self.undo_stack,
            view=self.controller, settings=self.settings, dialogs=self.dialogs,
            readout=self.readout, panes=self.panes, pane_layout=self.pane_layout,
            films=self.films, project=self.project, autosave=self.autosave,
            alignment=self.alignment, regions=self.regions, exchange=self.exchange,
            comparison=self.comparison, active_film=lambda: self.active_film,
            set_tool=self.set_tool, open_demo=self.open_demo,
            actions=lambda: self.actions, teaching=self.teaching,
        )  # fmt: skip

    def _wire(self) -> None:
        doc, r = self.document, self.readout
        for pane in (*self.panes.values(), self.comparison_view):
            pane.hovered.connect(r.on_hovered)
            pane.hovered.connect(lambda _f, xy, p=pane: self.magnifier.follow(p, xy))
            pane.activated.connect(self._set_active_film)
        for pane in self.panes.values():
            pane.files_dropped.connect(self.on_files_dropped)
        self.welcome.open_pair.connect(self.films.open_pair_dialog)
        self.welcome.open_demo.connect(self.open_demo)
        # opening: one path for films and projects
        self.films.opened.connect(lambda: self._on_pair_opened(align=True))
        self.project.opened.connect(lambda _path: self._on_pair_opened(align=False))
        self.films.failed.connect(self._on_open_failed)
        self.pair_notices = PairNotices(
            doc, self.notices, place_landmarks=lambda: self.set_tool("landmarks")
        )
        self.films.reordered.connect(self.pair_notices.reordered)
        self.project.failed.connect(self.load_failed.emit)
        self.alignment.ready.connect(self._announce_ready)
        self.alignment.failed.connect(lambda text, details: self.dialogs.error(
            "Alignment failed", text, details))  # fmt: skip
        self.alignment.quality_measured.connect(self.comparison.set_quality)
        for outline in self.region_outlines:
            self.alignment.quality_measured.connect(outline.set_measured)
        self.ready.connect(self.joint_finder.find)  # after the alignment: cores are free
        self.project.path_changed.connect(self._update_title)
        self.project.discarded.connect(self.autosave.discard)
        self.project.recovery_opened.connect(self.autosave.adopt)
        doc.pair_changed.connect(self._on_pair_changed)
        doc.identifiers_changed.connect(self._update_title)
        self.teaching.blinding_changed.connect(self._on_blinding)
        self.undo_stack.cleanChanged.connect(lambda clean: self.setWindowModified(not clean))
        self.comparison.colouring_changed.connect(self.panes["after"].refresh_colouring)
        self.comparison.layout_changed.connect(self._on_layout_changed)
        self.comparison.flicker.watch_hold_key(self)
        self.alignment_panel.rms_changed.connect(r.landmarks.setText)
        # messages and background work in the status bar
        for part in (self.films, self.project, self.alignment, self.regions, self.exchange,
                     self.comparison, self.teaching):  # fmt: skip
            part.message.connect(r.notice)
        self.autosave.failed.connect(r.problem)
        for runner, text in (
            (self.films.runner, "Opening…"),
            (self.project.runner, "Opening project…"),
            (self.alignment.runner, "Aligning…"),
        ):
            runner.busy_changed.connect(lambda busy, t=text: r.set_busy(busy, t))
            runner.progressed.connect(r.show_progress)
        r.cancel.clicked.connect(self.films.runner.cancel)
        r.cancel.clicked.connect(self.alignment.cancel)
        # checkable actions follow the state they show, wherever it changed
        for signal in (doc.view_changed, doc.sync_changed, doc.difference_changed,
                       doc.identifiers_changed, doc.quiz_changed, doc.blinding_changed,
                       self.teaching.quiz.tour_changed,
                       self.comparison.options_changed, self.regions.options_changed,
                       self.regions.selection.changed):  # fmt: skip
            signal.connect(self._sync_actions)
        self.comparison.flicker.playing_changed.connect(lambda _on: self._sync_actions())
        self._sync_actions()

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
            dock = self.docks["dock_alignment"]
            self.resizeDocks([dock], [DOCK_WIDTH], Qt.Orientation.Horizontal)

    # -- state shown -------------------------------------------------------------------------
    def _sync_actions(self) -> None:
        self.actions.sync(action_states(self._targets))
        for name, enabled in action_enabled(self._targets).items():
            self.actions[name].setEnabled(enabled)

    def _on_layout_changed(self, layout: str) -> None:
        if layout != "two":
            self.docks["dock_comparison"].raise_()
        self._sync_actions()

    def _on_pair_changed(self) -> None:
        doc = self.document
        has_any = doc.before is not None or doc.after is not None
        if not (has_any and self.stack.currentWidget() is self.gallery_view):
            self.stack.setCurrentWidget(self.reading if has_any else self.welcome)
        self._update_title()

    def _update_title(self) -> None:
        doc = self.document
        shown = doc.show_identifiers
        pair = pair_caption(doc.before, doc.after, show_identifiers=shown, blinded=doc.is_blinded)
        project = ""
        if doc.project_path is not None:
            project = doc.project_path.name if shown else "Project"
        title = f"{project}: {pair}" if project and pair else project or pair
        self.setWindowTitle(f"{title} [*] — xraycompare" if title else "xraycompare")

    def _set_active_film(self, film: str) -> None:
        self.active_film = film  # type: ignore[assignment]

    def view_size(self) -> tuple[float, float]:
        """Size of the pane that stands for the view (the comparison when it is shown alone)."""
        return self.pane_layout.view_size()

    def view_box(self) -> tuple[float, float, float, float] | None:
        """The part of the before frame on screen: (x, y, width, height), None without films."""
        size = self.view_size()
        view = self.controller.resolved(size)
        if view.center is None or view.zoom is None or view.zoom <= 0:
            return None
        w, h = size[0] / view.zoom, size[1] / view.zoom
        return view.center[0] - w / 2, view.center[1] - h / 2, w, h

    def _show_bookmarks(self) -> None:
        dock = self.docks["dock_bookmarks"]
        if not self.presentation.active:  # presenting hides every dock
            dock.show()
            dock.raise_()

    def _named_joints(self) -> list[tuple[str, tuple[float, float]]] | None:
        """The before film's joints (as corrected), named and in reading order; None while
        they are being found."""
        found = self.joint_finder.joints("before")
        if found is None:
            return None
        points = self.document.joint_corrections.applied("before", found).points()
        hand = self.document.film_hand("before")
        suffix = f" {hand}" if hand else ""
        return [(site_label(s) + suffix, points[s]) for s in gallery_sites() if s in points]

    def _on_blinding(self, blind: bool) -> None:
        """While blind, close what names the films by time (dates, alignment, comparison
        figures, notices about the order); put back what was open at the reveal."""
        revealing = ("dock_info", "dock_alignment", "dock_comparison", "dock_measurements")
        if blind:
            self._open_before_blinding = [n for n in revealing if self.docks[n].isVisible()]
            for name in revealing:
                self.docks[name].hide()
            self.docks["dock_scores"].show()
            self.docks["dock_scores"].raise_()
        else:
            for name in self._open_before_blinding:
                self.docks[name].show()
        self._update_title()
        for pane in self.panes.values():
            pane.viewport().update()

    # -- tools -----------------------------------------------------------------------------
    def tools(self) -> dict[str, PaneTool]:
        return {"landmarks": self.landmark_tool, "region": self.region_tool, **self.region_tools}

    def set_tool(self, name: str | None) -> None:
        """Give the left mouse button to a tool (None: navigate) in both panes."""
        tools = self.tools()
        tool = tools.get(name) if name else None
        for candidate in tools.values():
            if candidate is not tool:
                candidate.deactivate()
        for pane in self.panes.values():
            pane.set_tool(tool)
        if name in self.region_tools:
            self.regions.set_visible(True)  # no drawing blind
        else:
            self.regions.selection.clear()  # other tools take the mouse
        action = self.actions.items.get(f"tool_{name or 'navigate'}")
        if action is not None and not action.isChecked():
            action.setChecked(True)

    def _on_region_selected(self, roi: tuple[float, float, float, float]) -> None:
        known = site_name_for(self.document, roi, joints=self.joint_finder.joints("before"))
        taken = {a.name for a in self.document.local_alignments}
        name = self.dialogs.ask_text(
            "Align a region",
            "Name of this local alignment (e.g. PIP3 left):",
            known if known and known not in taken else self.alignment.free_name(),
        )
        if name and name != "Global":
            self.alignment.align_region(roi, name)

    # -- opening ---------------------------------------------------------------------------
    def open_pair(self, before: str | Path, after: str | Path, *, by_date: bool = False) -> None:
        self.films.open_pair(before, after, by_date=by_date)

    def open_demo(self) -> None:
        """The demo project (regions, scores, an arrow and a label) or, without it, the pair."""
        from xraycompare.resources import demo_pair, demo_project

        project = demo_project()
        if project is not None:
            self.project.open_project(project, as_template=True)  # Save asks for a new file
        else:
            self.films.open_pair(*demo_pair())

    def on_files_dropped(self, film: str, paths: list[str]) -> None:
        self.films.open_dropped(film, paths)  # type: ignore[arg-type]

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        accept_files(event)

    def dropEvent(self, event: QDropEvent) -> None:
        paths = dropped_paths(event)
        if paths:
            self.on_files_dropped(self.active_film, paths)

    def offer_recovery(self) -> bool:
        """Work left by a crash or a kill, offered at start; True when it was opened."""
        return offer_recovery(self.autosave, self.dialogs, self.project.recover)

    def _on_pair_opened(self, *, align: bool) -> None:
        self.pair_shown.emit()
        if align and self.auto_register_allowed and self.settings.auto_register:
            # after the films are painted: handing them to the worker holds the GIL for
            # a while, and the window should show the pair before that
            QTimer.singleShot(
                _ALIGN_AFTER_PAINT_MS,
                lambda: self.alignment.align_automatically(after_open=True),  # ready follows
            )
        else:
            self._announce_ready()

    def _announce_ready(self) -> None:
        """``ready`` once the comparison shown is computed for the final alignment."""
        self.comparison.when_settled(self.ready.emit)

    def _on_open_failed(self, text: str, path: str) -> None:
        self.readout.problem(text)
        self.dialogs.error("Cannot open file", text, path if self.document.show_identifiers else "")
        self.load_failed.emit(text, path)

    def _score_from_gallery(self, film: Film, site: str, score: int | None) -> None:
        hand = self.regions.ensure_hand()
        if hand is not None:
            self.regions.set_score(film, hand, "erosion", site, score)

    # -- modes -----------------------------------------------------------------------------
    def set_mode(self, mode: str) -> None:
        """Show a view mode: side-by-side or a comparison (difference, overlay, ...)."""
        self.comparison.set_mode(mode)

    def prepare_screenshot(self) -> None:
        """One definite frame for a documentation screenshot (flicker: the after phase)."""
        self.comparison.prepare_screenshot()

    # -- closing ---------------------------------------------------------------------------
    def closeEvent(self, event: QCloseEvent) -> None:
        self.presentation.leave()  # the cursor, the chrome and the reader's settings back
        if not self.project.confirm_close("Close xraycompare?"):
            event.ignore()
            return
        for runner in (self.films.runner, self.project.runner, self.alignment.runner,
                       self.alignment.quality_runner, self.comparison.runner,
                       self.joint_finder.runner):  # fmt: skip
            runner.cancel()
        self.films.runner.wait(5000)
        if self.persist_layout:
            self.settings.save_window(self.saveGeometry(), self.saveState())
            self.settings.sync()
        event.accept()
