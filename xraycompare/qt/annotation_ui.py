"""Annotation, scoring and projects in the main window: the one call is
:func:`install_annotations`.

It adds the region editor (``window.regions``), a region layer per pane, the region tools
(``window.region_tools``, switched with ``window.set_tool(name)``), the Region, Measurements
and Score sheet docks, the project controller (``window.project``) and autosave
(``window.autosave``), and their menu entries: File (projects, import, export), Edit
(delete, copy, paste, propagate), View (docks, show regions) and Tools (the region tools in
the same exclusive group as navigate / landmarks / align region).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QDockWidget, QMenu, QScrollArea, QWidget

from xraycompare.qt.autosave import Autosave, ask_interval
from xraycompare.qt.export_dialogs import FORMAT_TITLES, export_dialog, import_dialog
from xraycompare.qt.measurements_dock import MeasurementsPanel
from xraycompare.qt.project_controller import ProjectController
from xraycompare.qt.region_editor import RegionEditor
from xraycompare.qt.region_layer import RegionLayer
from xraycompare.qt.region_panel import RegionPanel
from xraycompare.qt.region_select import SelectTool
from xraycompare.qt.region_tools import DRAW_TOOLS, DrawTool
from xraycompare.qt.score_sheet_dock import ScoreSheetPanel

if TYPE_CHECKING:
    from xraycompare.qt.main_window import MainWindow
    from xraycompare.qt.menus import Actions

TOOL_ACTIONS = (
    ("select", "&Select and edit regions", "S"),
    ("polygon", "&Polygon (click vertices, double-click to close)", "P"),
    ("freehand", "&Freehand outline (drag)", "D"),
    ("ellipse", "&Ellipse (drag; Shift: circle)", "O"),
    ("rectangle", "Rec&tangle (drag; Shift: square)", "Q"),
    ("point", "Poi&nt (click)", "."),
    ("arrow", "&Arrow (drag from tail to tip)", "W"),
    ("text", "Te&xt label (click, then type)", "T"),
    ("length", "&Length calliper (drag)", "L"),
)
REGION_TOOLS = frozenset(name for name, _text, _key in TOOL_ACTIONS)


def install_annotations(window: MainWindow) -> None:
    """Add regions, scores and projects to ``window`` (see the module docstring)."""
    editor = RegionEditor(window)
    window.regions = editor
    layers = {film: RegionLayer(pane, editor) for film, pane in window.panes.items()}
    window.region_layers = layers
    tools = {"select": SelectTool(editor, layers)}
    tools.update({g: DrawTool(editor, layers, g) for g in DRAW_TOOLS})
    window.region_tools = tools

    window.region_panel = RegionPanel(editor)
    window.measurements_panel = MeasurementsPanel(editor)
    window.score_sheet = ScoreSheetPanel(editor)
    right = Qt.DockWidgetArea.RightDockWidgetArea
    scroll = QScrollArea()  # a tall form must not set the window's minimum height
    scroll.setWidgetResizable(True)
    scroll.setFrameShape(QScrollArea.Shape.NoFrame)
    scroll.setWidget(window.region_panel)
    window.region_dock = _dock(window, "Region", "dock-region", scroll, right)
    window.score_dock = _dock(window, "Scores", "dock-scores", window.score_sheet, right)
    window.measurements_dock = _dock(
        window,
        "Measurements",
        "dock-measurements",
        window.measurements_panel,
        Qt.DockWidgetArea.BottomDockWidgetArea,
    )
    for dock in (window.region_dock, window.score_dock):
        window.tabifyDockWidget(window.info_dock, dock)
    window.registration_dock.raise_()
    window.measurements_dock.hide()  # a table for when it is wanted (View menu)

    window.project = ProjectController(window)
    window.autosave = Autosave(window)
    _file_menu(window, window.actions)
    _edit_menu(window, window.actions)
    _view_menu(window, window.actions)
    _tools_menu(window, window.actions)


def _dock(window: MainWindow, title: str, name: str, widget: QWidget, area) -> QDockWidget:
    dock = QDockWidget(title, window)
    dock.setObjectName(name)
    dock.setWidget(widget)
    window.addDockWidget(area, dock)
    return dock


def _menu_holding(window: MainWindow, action: QAction) -> QMenu | None:
    for top in window.menuBar().actions():
        menu = top.menu()
        if menu is not None and action in menu.actions():
            return menu
    return None


def _insert(menu: QMenu, before: QAction | None, actions: list[QAction | None]) -> None:
    """Move ``actions`` (None: a separator) to just before ``before`` in ``menu``."""
    for action in actions:
        if action is None:
            separator = QAction(menu)
            separator.setSeparator(True)
            action = separator
        menu.removeAction(action)
        if before is None:
            menu.addAction(action)
        else:
            menu.insertAction(before, action)


def _file_menu(w: MainWindow, a: Actions) -> None:
    menu = _menu_holding(w, a["open_pair"])
    assert menu is not None
    project = w.project
    added = [
        None,
        a.add(
            menu,
            "open_project",
            "Open pro&ject…",
            project.open_project_dialog,
            "Ctrl+Shift+O",
            tip="Open a saved project (*.xrc.json)",
        ),
    ]
    recent = QMenu("Recent pro&jects", menu)
    recent.aboutToShow.connect(lambda: _fill_recent(w, recent))
    added.append(recent.menuAction())
    added += [
        None,
        a.add(menu, "save", "&Save project", project.save, "Ctrl+S"),
        a.add(menu, "save_as", "Save project &as…", project.save_as, "Ctrl+Shift+S"),
        a.add(
            menu,
            "autosave_interval",
            "Auto&save interval…",
            lambda: ask_interval(w),
            tip="Unsaved work is kept in a recovery file this often (default 30 s)",
        ),
        None,
        a.add(
            menu, "import_regions", "&Import regions (labelme, GeoJSON)…", lambda: import_dialog(w)
        ),
    ]
    export = QMenu("&Export regions", menu)
    for fmt, title in FORMAT_TITLES.items():
        a.add(export, f"export_{fmt}", f"{title}…", lambda _=False, f=fmt: export_dialog(w, f))
    added.append(export.menuAction())
    swap = a["swap"]
    actions = menu.actions()
    index = actions.index(swap)
    before = actions[index - 1] if index > 0 and actions[index - 1].isSeparator() else swap
    _insert(menu, before, added)


def _fill_recent(w: MainWindow, menu: QMenu) -> None:
    menu.clear()
    paths = w.project.recent.paths()
    for path in paths:
        action = menu.addAction(Path(path).name)
        action.setToolTip(path)
        action.triggered.connect(lambda _=False, p=path: w.project.open_project(p))
    if paths:
        menu.addSeparator()
        menu.addAction("Clear recent projects").triggered.connect(w.project.recent.clear)
    else:
        menu.addAction("No recent projects").setEnabled(False)


def _edit_menu(w: MainWindow, a: Actions) -> None:
    menu = _menu_holding(w, a["undo"])
    assert menu is not None
    editor = w.regions
    menu.addSeparator()
    delete = a.add(
        menu, "delete_regions", "&Delete selected regions", editor.delete_selected, "Delete"
    )
    copy = a.add(menu, "copy_regions", "&Copy regions", editor.copy_selected, "Ctrl+C")
    a.add(menu, "paste_regions", "&Paste regions", lambda: editor.paste(w.active_film), "Ctrl+V")
    a.add(
        menu,
        "select_all_regions",
        "Select &all regions",
        lambda: editor.selection.set(r.id for r in w.document.annotations),
        "Ctrl+A",
    )
    propagate = a.add(
        menu,
        "propagate_regions",
        "Co&py selected regions to the other film",
        editor.propagate_selected,
        "Ctrl+Shift+P",
        tip="A linked counterpart through the alignment, for regions without one",
    )
    menu.addSeparator()
    a.add(
        menu,
        "propagate_new",
        "Propagate &new regions to the other film",
        editor.set_propagate_new,
        checkable=True,
        checked=editor.propagate_new,
        tip="A region drawn on one film also appears on the other as a linked counterpart",
    )
    a.add(
        menu,
        "snap",
        "S&nap to region vertices",
        editor.set_snapping,
        checkable=True,
        checked=editor.snapping,
    )

    def sync() -> None:
        has = bool(editor.selection.ids)
        for action in (delete, copy, propagate):
            action.setEnabled(has)
        for name, on in (
            ("propagate_new", editor.propagate_new),
            ("snap", editor.snapping),
            ("show_regions", editor.visible),
        ):
            action = a.items.get(name)
            if action is not None and action.isChecked() != on:
                action.blockSignals(True)
                action.setChecked(on)
                action.blockSignals(False)

    editor.selection.changed.connect(sync)
    editor.options_changed.connect(sync)
    sync()


def _view_menu(w: MainWindow, a: Actions) -> None:
    menu = _menu_holding(w, a["fit"])
    assert menu is not None
    menu.addSeparator()
    a.add(
        menu,
        "show_regions",
        "Show &regions",
        w.regions.set_visible,
        "H",
        checkable=True,
        checked=True,
        tip="Hide the regions to see the film, or to reveal findings later",
    )
    for dock in (w.region_dock, w.measurements_dock, w.score_dock):
        menu.addAction(dock.toggleViewAction())


def _tools_menu(w: MainWindow, a: Actions) -> None:
    navigate = a["tool_navigate"]
    menu = _menu_holding(w, navigate)
    group = navigate.actionGroup()
    assert menu is not None and group is not None
    menu.addSeparator()
    for name, text, key in TOOL_ACTIONS:
        action = a.add(menu, f"tool_{name}", text, None, key, checkable=True)
        action.triggered.connect(lambda _=False, t=name: w.set_tool(t))
        action.triggered.connect(lambda: w.regions.set_visible(True))  # no drawing blind
        group.addAction(action)
    for name in ("tool_navigate", "tool_landmarks", "tool_region"):
        action = a.items.get(name)
        if action is not None:  # other tools take the mouse: no region stays selected
            action.triggered.connect(w.regions.selection.clear)
