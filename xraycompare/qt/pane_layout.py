"""Comparison views in the main window: the pane, the layouts, the menu, toolbar and dock.

:func:`install_comparison` is the one call the main window makes. The comparison pane joins
the film panes in the window's splitter; the layout shows two panes (before | after, the
side-by-side mode), three (before | after | comparison) or the comparison alone. The mode
lives in the Document's ViewState, so choosing a comparison mode opens the comparison pane
in the layout last chosen for it, and choosing "two panes" returns to side by side.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtGui import QActionGroup
from PySide6.QtWidgets import QDockWidget, QMenu, QToolBar

from xraycompare.core.types import VIEW_MODES
from xraycompare.qt.comparison_controller import LAYOUTS, SIDE_BY_SIDE, ComparisonController
from xraycompare.qt.comparison_controls import ComparisonControls
from xraycompare.qt.comparison_view import ComparisonView
from xraycompare.qt.magnifier import Magnifier

if TYPE_CHECKING:
    from xraycompare.qt.main_window import MainWindow
    from xraycompare.qt.pane_view import PaneView

MODE_ACTIONS = {
    "side-by-side": ("&Side by side", "Side by side"),
    "difference": ("&Difference (after − before, exposure matched)", "Difference"),
    "overlay": ("&Overlay (before green, after magenta)", "Overlay"),
    "blend": ("&Blend", "Blend"),
    "checkerboard": ("&Checkerboard (with a reveal square)", "Checker"),
    "swipe": ("S&wipe (drag the divider)", "Swipe"),
    "flicker": ("F&licker (hold B for before)", "Flicker"),
}
LAYOUT_ACTIONS = {
    "two": ("&Two panes: before | after", "2 panes"),
    "three": ("T&hree panes: before | after | comparison", "3 panes"),
    "one": ("&One large comparison view", "1 pane"),
}
MAGNIFIER_SHORTCUT = "Ctrl+8"


def mode_action_name(mode: str) -> str:
    return f"mode_{mode.replace('-', '_')}"


def reference_pane(window: MainWindow) -> PaneView:
    """The pane whose size stands for "the view" (the before pane, or the comparison alone)."""
    before = window.panes["before"]
    view = getattr(window, "comparison_view", None)
    if view is not None and before.isHidden() and not view.isHidden():
        return view
    return before


def install_comparison(window: MainWindow) -> ComparisonController:
    """Add the comparison pane, magnifier, dock, menu, toolbar and shortcuts to ``window``."""
    comparison = ComparisonController(window)
    window.comparison = comparison
    view = ComparisonView(window.document, window.controller, comparison)
    view.setObjectName("pane-comparison")
    view.setAcceptDrops(False)  # files dropped here go to the window: a pair, or the active film
    view.activated.connect(lambda _film: setattr(window, "active_film", "before"))
    view.hovered.connect(window.readout.on_hovered)
    window.splitter.addWidget(view)
    window.comparison_view = view
    window.panes["after"].colouring_source = comparison.pane_colouring

    magnifier = Magnifier(comparison, window.stack)
    window.magnifier = magnifier
    for pane in (*window.panes.values(), view):
        pane.hovered.connect(lambda _film, xy, p=pane: _follow(magnifier, p, xy))

    controls = ComparisonControls(comparison)
    dock = QDockWidget("Compare", window)
    dock.setObjectName("dock-comparison")
    dock.setWidget(controls)
    window.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, dock)
    window.tabifyDockWidget(window.registration_dock, dock)
    window.comparison_dock = dock

    _build_actions(window, comparison)

    def on_layout(layout: str) -> None:
        apply_layout(window, layout)
        if layout != "two":
            dock.raise_()

    comparison.layout_changed.connect(on_layout)
    window.document.view_changed.connect(lambda: _check_actions(window, comparison))
    apply_layout(window, comparison.layout)
    _check_actions(window, comparison)
    return comparison


def _follow(magnifier: Magnifier, pane: PaneView, film_xy) -> None:
    magnifier.follow(pane, film_xy)


def apply_layout(window: MainWindow, layout: str) -> None:
    """Show the panes of ``layout`` in the splitter, sharing its width equally."""
    if layout not in LAYOUTS:
        raise ValueError(f"unknown layout {layout!r}")
    view = window.comparison_view
    shown = {
        "two": (True, True, False),
        "three": (True, True, True),
        "one": (False, False, True),
    }[layout]
    widgets = (window.panes["before"], window.panes["after"], view)
    for widget, visible in zip(widgets, shown, strict=True):
        widget.setVisible(visible)
    total = max(1, window.splitter.width())
    count = sum(shown)
    sizes = [total // count if visible else 0 for visible in shown]
    window.splitter.setSizes(sizes)
    for widget, visible in zip(widgets, shown, strict=True):
        if visible:
            widget.apply_view()
    _check_actions(window, window.comparison)


def _choice_actions(
    window: MainWindow,
    menu: QMenu,
    toolbar: QToolBar,
    choices: list[tuple[str, str, str, str]],  # (value, action name, text, toolbar text)
    shortcut: str,
    current: str,
    choose: Callable[[str], None],
) -> None:
    """One exclusive group of checkable actions (modes or layouts), numbered 1, 2, ..."""
    group = QActionGroup(window)
    for i, (value, name, text, short) in enumerate(choices, start=1):
        action = window.actions.add(
            menu, name, text, None, shortcut.format(i), checkable=True, checked=value == current
        )
        action.triggered.connect(lambda _=False, v=value: choose(v))
        action.setIconText(short)
        group.addAction(action)
        toolbar.addAction(action)
    menu.addSeparator()
    toolbar.addSeparator()


def _build_actions(window: MainWindow, comparison: ComparisonController) -> None:
    a = window.actions
    bar = window.menuBar()
    menu = QMenu("&Compare", window)
    help_action = next((m for m in bar.actions() if m.text().replace("&", "") == "Help"), None)
    if help_action is not None:
        bar.insertMenu(help_action, menu)
    else:
        bar.addMenu(menu)
    toolbar = QToolBar("Compare", window)
    toolbar.setObjectName("toolbar-compare")
    toolbar.setMovable(False)

    _choice_actions(
        window,
        menu,
        toolbar,
        [(m, mode_action_name(m), *MODE_ACTIONS[m]) for m in VIEW_MODES],
        "Ctrl+{}",
        comparison.mode,
        comparison.set_mode,
    )
    _choice_actions(
        window,
        menu,
        toolbar,
        [(lay, f"layout_{lay}", *LAYOUT_ACTIONS[lay]) for lay in LAYOUTS],
        "Ctrl+Shift+{}",
        comparison.layout,
        comparison.set_layout,
    )
    magnifier = a.add(
        menu,
        "magnifier",
        "&Magnifier: both films at the cursor",
        lambda on: comparison.set_options(magnifier=on),
        MAGNIFIER_SHORTCUT,
        checkable=True,
        tip="A loupe next to the cursor with the before and the after film side by side",
    )
    magnifier.setIconText("Magnifier")
    toolbar.addAction(magnifier)
    a.add(
        menu,
        "flicker_play",
        "&Flicker automatically",
        comparison.flicker.set_playing,
        checkable=True,
        checked=comparison.flicker.playing,
        tip="Off: the flicker view shows after, and before while B is held",
    )
    a.add(
        menu,
        "absolute_difference",
        "&Absolute difference",
        lambda on: comparison.set_difference(absolute=on),
        checkable=True,
    )
    menu.addAction(window.comparison_dock.toggleViewAction())
    comparison.options_changed.connect(lambda: _check_actions(window, comparison))
    comparison.flicker.playing_changed.connect(lambda _on: _check_actions(window, comparison))
    window.document.difference_changed.connect(lambda: _check_actions(window, comparison))
    window.addToolBar(toolbar)


def _check_actions(window: MainWindow, comparison: ComparisonController) -> None:
    """Keep the checkable actions in step with the model (changed from anywhere)."""
    a = window.actions.items
    states = {mode_action_name(m): m == comparison.mode for m in VIEW_MODES}
    states.update({f"layout_{lay}": lay == comparison.layout for lay in LAYOUTS})
    states["magnifier"] = comparison.options.magnifier
    states["flicker_play"] = comparison.flicker.playing
    states["absolute_difference"] = window.document.difference.absolute
    for name, checked in states.items():
        action = a.get(name)
        if action is not None and action.isChecked() != checked:
            action.blockSignals(True)
            action.setChecked(checked)
            action.blockSignals(False)


def prepare_screenshot(comparison: ComparisonController) -> None:
    """A documentation screenshot shows one definite frame: flicker stops on its after phase."""
    comparison.flicker.stop_on("after")
    if comparison.mode == SIDE_BY_SIDE:
        return
    comparison.changed.emit()
