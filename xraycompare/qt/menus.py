"""Menus, toolbar and keyboard shortcuts of the main window (actions only call the model)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtGui import QAction, QActionGroup, QKeySequence
from PySide6.QtWidgets import QApplication, QMenu, QMessageBox, QToolBar

from xraycompare.core.io.display import full_range_window
from xraycompare.qt.pane_layout import reference_pane
from xraycompare.qt.shortcuts import show_shortcuts
from xraycompare.qt.theme import apply_theme

if TYPE_CHECKING:
    from xraycompare.qt.main_window import MainWindow


@dataclass
class Actions:
    """The window's actions, by name (tests and later features reach them here)."""

    window: MainWindow
    items: dict[str, QAction] = field(default_factory=dict)
    recent_menu: QMenu | None = None
    presets_menu: QMenu | None = None

    def __getitem__(self, name: str) -> QAction:
        return self.items[name]

    def add(
        self,
        menu: QMenu,
        name: str,
        text: str,
        slot=None,
        shortcut: str | None = None,
        *,
        checkable: bool = False,
        checked: bool = False,
        tip: str = "",
    ) -> QAction:
        action = QAction(text, self.window)
        action.setObjectName(f"action-{name}")
        if shortcut:
            action.setShortcut(QKeySequence(shortcut))
        if checkable:
            action.setCheckable(True)
            action.setChecked(checked)
        if tip:
            action.setToolTip(tip)
            action.setStatusTip(tip)
        if slot is not None:
            (action.toggled if checkable else action.triggered).connect(slot)
        menu.addAction(action)
        self.items[name] = action
        return action

    def refresh_recent(self) -> None:
        menu = self.recent_menu
        assert menu is not None
        menu.clear()
        pairs = self.window.settings.recent_pairs()
        for before, after in pairs:
            action = menu.addAction(f"{Path(before).name}  ↔  {Path(after).name}")
            action.setToolTip(f"{before}\n{after}")
            action.triggered.connect(lambda _=False, b=before, a=after: self.window.open_pair(b, a))
        if pairs:
            menu.addSeparator()
            clear = menu.addAction("Clear recent pairs")
            clear.triggered.connect(self._clear_recent)
        menu.setEnabled(bool(pairs))

    def _clear_recent(self) -> None:
        self.window.settings.clear_recent_pairs()
        self.refresh_recent()

    def refresh_presets(self) -> None:
        """Window presets of the active film: the file's own windows, Auto, Reset."""
        menu = self.presets_menu
        assert menu is not None
        menu.clear()
        w = self.window
        film = w.active_film
        image = w.document.image(film)
        title = "Before" if film == "before" else "After"
        if image is None:
            menu.setEnabled(False)
            return
        menu.setEnabled(True)
        header = menu.addAction(f"{title} film")
        header.setEnabled(False)
        for preset in image.presets:
            if preset.window is not None:
                text = (
                    f"{preset.label}  (C {preset.window.center:.6g} / W {preset.window.width:.6g})"
                )
            else:
                text = preset.label
            action = menu.addAction(text)
            action.triggered.connect(
                lambda _=False, p=preset: w.controller.set_window(
                    film, p.window, voi_lut_index=p.voi_lut_index
                )
            )
        full = full_range_window(image)
        action = menu.addAction("Full range")
        action.triggered.connect(lambda: w.controller.set_window(film, full))
        menu.addSeparator()
        menu.addAction(self.items["auto_window"])
        menu.addAction(self.items["reset_display"])


TOOLBAR = (
    ("open_pair", "Open pair"),
    ("swap", "Swap"),
    ("fit", "Fit"),
    ("one_to_one", "1:1"),
    ("link_panes", "Link panes"),
    ("auto_window", "Auto W/L"),
    ("invert", "Invert"),
    ("reset_display", "Reset W/L"),
    ("link_window", "Link W/L"),
)


def build_menus(w: MainWindow) -> Actions:
    """Create every menu and the toolbar of ``w``; returns the named actions."""
    a = Actions(w)
    bar = w.menuBar()

    file = bar.addMenu("&File")
    a.add(
        file,
        "open_pair",
        "Open &pair…",
        w.open_pair_dialog,
        "Ctrl+O",
        tip="Pick the Before and the After film",
    )
    a.add(file, "open_before", "Open &before…", lambda: w.open_film_dialog("before"))
    a.add(file, "open_after", "Open &after…", lambda: w.open_film_dialog("after"))
    a.add(
        file,
        "open_demo",
        "Open &demo pair",
        w.open_demo,
        tip="A real CR hand film and a simulated follow-up",
    )
    a.recent_menu = file.addMenu("&Recent pairs")
    file.addSeparator()
    a.add(file, "swap", "S&wap Before and After", w.swap_films, "X")
    file.addSeparator()
    a.add(file, "quit", "&Quit", w.close, "Ctrl+Q")

    edit = bar.addMenu("&Edit")
    undo = w.undo_stack.createUndoAction(w, "&Undo")
    undo.setShortcut(QKeySequence.StandardKey.Undo)
    redo = w.undo_stack.createRedoAction(w, "&Redo")
    redo.setShortcut(QKeySequence.StandardKey.Redo)
    edit.addAction(undo)
    edit.addAction(redo)
    a.items["undo"], a.items["redo"] = undo, redo

    view = bar.addMenu("&View")
    c = w.controller
    a.add(view, "fit", "&Fit to window", c.fit, "F")
    a.add(
        view,
        "one_to_one",
        "&1:1 (one film pixel per screen pixel)",
        lambda: c.set_zoom(1.0 / w.devicePixelRatioF(), reference_pane(w).viewport_size()),
        "1",
    )
    a.add(view, "zoom_in", "Zoom &in", lambda: _zoom_centre(w, 1.25), "+")
    a.items["zoom_in"].setShortcuts([QKeySequence("+"), QKeySequence("=")])
    a.add(view, "zoom_out", "Zoom &out", lambda: _zoom_centre(w, 0.8), "-")
    view.addSeparator()
    a.add(
        view,
        "link_panes",
        "&Link panes (zoom, pan, cursor)",
        lambda on: w.document.set_sync(panes=on),
        "Ctrl+L",
        checkable=True,
        checked=True,
        tip="Unlinked panes move on their own; hold Ctrl to move one pane alone",
    )
    a.add(
        view,
        "reset_offsets",
        "&Re-align panes",
        c.reset_offsets,
        "Ctrl+Shift+R",
        tip="Drop the offsets made while the panes were unlinked",
    )
    a.add(
        view,
        "smooth",
        "&Smooth interpolation",
        lambda on: _interpolation(w, on),
        "Ctrl+I",
        checkable=True,
        checked=True,
        tip="Off: nearest neighbour, to see single pixels",
    )
    view.addSeparator()
    view.addAction(w.info_dock.toggleViewAction())
    theme = view.addMenu("&Theme")
    group = QActionGroup(w)
    for name, text in (("dark", "&Dark (reading room)"), ("system", "&System")):
        action = a.add(
            theme, f"theme_{name}", text, None, checkable=True, checked=w.settings.theme == name
        )
        action.triggered.connect(lambda _=False, n=name: _set_theme(w, n))
        group.addAction(action)

    image = bar.addMenu("&Image")
    a.presets_menu = image.addMenu("Window &presets")
    a.add(
        image,
        "auto_window",
        "&Auto window (inside the hand)",
        lambda: c.auto_window(w.active_film),
        "A",
    )
    a.add(image, "invert", "&Invert", lambda: c.toggle_invert(w.active_film), "I")
    a.add(
        image,
        "reset_display",
        "&Reset window and polarity",
        lambda: c.reset_display(w.active_film),
        "R",
    )
    a.add(
        image,
        "link_window",
        "&Link window/level",
        lambda on: w.document.set_sync(window=on),
        "Ctrl+Shift+L",
        checkable=True,
        checked=True,
    )
    a.presets_menu.aboutToShow.connect(a.refresh_presets)

    help_menu = bar.addMenu("&Help")
    a.add(help_menu, "shortcuts", "&Keyboard and mouse…", lambda: show_shortcuts(w), "F1")
    a.add(
        help_menu,
        "about",
        "&About xraycompare",
        lambda: QMessageBox.about(w, "About xraycompare", w.about_text()),
    )

    toolbar = QToolBar("Main", w)
    toolbar.setObjectName("toolbar-main")
    toolbar.setMovable(False)
    for name, short in TOOLBAR:
        a[name].setIconText(short)
        toolbar.addAction(a[name])
    w.addToolBar(toolbar)
    a.refresh_recent()
    return a


def _zoom_centre(w: MainWindow, factor: float) -> None:
    pane = reference_pane(w)  # the before pane, or the comparison pane shown alone
    size = pane.viewport_size()
    view = w.controller.resolved(size)
    if view.center is not None:
        w.controller.zoom("before", factor, view.center, size)


def _interpolation(w: MainWindow, smooth: bool) -> None:
    for pane in w.panes.values():
        pane.set_interpolation("linear" if smooth else "nearest")


def _set_theme(w: MainWindow, name: str) -> None:
    w.settings.theme = name
    app = QApplication.instance()
    if isinstance(app, QApplication):
        apply_theme(app, name)
