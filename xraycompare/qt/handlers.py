"""What each menu action does, and the state each checkable action shows: one table each.

The main window passes its parts in (this module imports no window); :func:`action_handlers`
maps every action name of :mod:`xraycompare.qt.menus` to the part's method it calls, and
:func:`action_states` reads back what the checkable ones should show, so a change made
anywhere (a dock, a shortcut, an undo) is reflected in the menus and toolbars.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtGui import QFont, QUndoStack
from PySide6.QtWidgets import QApplication, QMainWindow

from xraycompare.core.document import Document
from xraycompare.core.types import MODELS, VIEW_MODES, Film
from xraycompare.core.view_control import ViewController, stepped_zoom
from xraycompare.qt.alignment.controller import AlignmentController
from xraycompare.qt.compare.controller import LAYOUTS, ComparisonController
from xraycompare.qt.compare.layout import PaneLayout
from xraycompare.qt.dialogs import Dialogs
from xraycompare.qt.help import about_text, show_help
from xraycompare.qt.menus import NUDGES, REGION_TOOLS, ROTATIONS, Actions, mode_action_name
from xraycompare.qt.project.autosave import Autosave
from xraycompare.qt.project.controller import ProjectController
from xraycompare.qt.project.films import FilmLoader
from xraycompare.qt.regions.editor import RegionEditor
from xraycompare.qt.regions.exchange import RegionExchange
from xraycompare.qt.regions.look import set_label_scale
from xraycompare.qt.settings import Settings
from xraycompare.qt.status import StatusReadout
from xraycompare.qt.teaching.parts import TeachingParts
from xraycompare.qt.theme import switch_theme
from xraycompare.qt.view.pane import PaneView


@dataclass(frozen=True)
class ActionTargets:
    """The parts the menus act on, and the few window-level operations they call."""

    window: QMainWindow
    document: Document
    undo_stack: QUndoStack
    view: ViewController
    settings: Settings
    dialogs: Dialogs
    readout: StatusReadout
    panes: dict[Film, PaneView]
    pane_layout: PaneLayout
    films: FilmLoader
    project: ProjectController
    autosave: Autosave
    alignment: AlignmentController
    regions: RegionEditor
    exchange: RegionExchange
    comparison: ComparisonController
    active_film: Callable[[], Film]
    set_tool: Callable[[str | None], None]
    open_demo: Callable[[], None]
    actions: Callable[[], Actions]
    teaching: TeachingParts


LABEL_SCALES = {"normal": 1.0, "large": 1.5, "projector": 2.0}


def action_handlers(t: ActionTargets) -> dict[str, Callable[..., object]]:
    """Action name -> what it does (see :func:`xraycompare.qt.menus.build_menus`)."""
    doc, view, regions, comparison = t.document, t.view, t.regions, t.comparison

    def zoom_by(steps: int) -> None:
        size = t.pane_layout.view_size()
        current = view.resolved(size)
        if current.center is not None and current.zoom is not None:
            factor = stepped_zoom(current.zoom, steps) / current.zoom
            view.zoom("before", factor, current.center, size)

    def notice(text: str | None) -> None:
        if text:
            t.readout.notice(text)

    handlers: dict[str, Callable[..., object]] = {
        # File
        "open_pair": t.films.open_pair_dialog,
        "open_before": lambda: t.films.open_film_dialog("before"),
        "open_after": lambda: t.films.open_film_dialog("after"),
        "open_demo": t.open_demo,
        "open_project": t.project.open_project_dialog,
        "save": t.project.save,
        "save_as": t.project.save_as,
        "autosave_interval": lambda: notice(t.autosave.ask_interval(t.dialogs)),
        "import_regions": lambda: t.exchange.import_dialog(t.active_film()),
        "swap": doc.swap,
        "quit": t.window.close,
        # Edit
        "delete_regions": regions.delete_selected,
        "copy_regions": regions.copy_selected,
        "paste_regions": lambda: regions.paste(t.active_film()),
        "select_all_regions": lambda: regions.selection.set(r.id for r in doc.annotations),
        "propagate_regions": regions.propagate_selected,
        "propagate_new": regions.set_propagate_new,
        "snap": regions.set_snapping,
        # View
        "fit": view.fit,
        "one_to_one": lambda: view.set_zoom(
            1.0 / t.window.devicePixelRatioF(), t.pane_layout.view_size()
        ),
        "zoom_in": lambda: zoom_by(1),
        "zoom_out": lambda: zoom_by(-1),
        "zoom_to": lambda: t.window.zoom_box.start_typing(),
        "export_figure": lambda: t.window.figures.export_figure(),
        "export_animation": lambda: t.window.figures.export_animation(),
        "import_figure": lambda: t.window.figures.import_figure(),
        "show_gallery": lambda on: t.window.gallery_page.show(on),
        "presentation": lambda _on: t.window.presentation.toggle(),
        "link_panes": lambda on: doc.set_sync(panes=on),
        "reset_offsets": view.reset_offsets,
        "smooth": lambda on: [
            pane.set_interpolation("linear" if on else "nearest") for pane in t.panes.values()
        ],
        "show_regions": regions.set_visible,
        "show_identifiers": doc.set_show_identifiers,
        "theme_dark": lambda: switch_theme(t.settings, "dark"),
        "theme_system": lambda: switch_theme(t.settings, "system"),
        # Image
        "auto_window": lambda: view.auto_window(t.active_film()),
        "invert": lambda: view.toggle_invert(t.active_film()),
        "reset_display": lambda: view.reset_display(t.active_film()),
        "link_window": lambda on: doc.set_sync(window=on),
        # Align
        "align": t.alignment.align_automatically,
        "auto_align": lambda on: setattr(t.settings, "auto_register", on),
        "use_landmarks": t.alignment.apply_landmarks,
        "refine": t.alignment.refine_from_landmarks,
        "align_selection": lambda: t.alignment.align_joint_of(regions.selection.current),
        "reset_alignment": t.alignment.reset_alignment,
        # Tools
        "tool_navigate": lambda: t.set_tool(None),
        "tool_landmarks": lambda: t.set_tool("landmarks"),
        "tool_region": lambda: t.set_tool("region"),
        # Compare
        "magnifier": lambda on: comparison.set_options(magnifier=on),
        "flicker_play": comparison.flicker.set_playing,
        "absolute_difference": lambda on: comparison.set_difference(absolute=on),
        "tolerant_difference": lambda on: comparison.set_difference(
            difference_filter="tolerant" if on else "none"
        ),
        "dim_outside_hand": lambda on: comparison.set_difference(
            outside_hand="dim" if on else "show"
        ),
        "show_colour_bar": lambda on: comparison.set_options(colour_bar=on),
        "show_captions": lambda on: comparison.set_options(captions=on),
        "show_badges": lambda on: comparison.set_options(badges=on),
        # Teach
        "quiz": t.teaching.quiz.set_hidden,
        "reveal_next": t.teaching.quiz.reveal_next,
        "reveal_all": t.teaching.quiz.reveal_all,
        "add_bookmark": t.teaching.add_bookmark,
        "bookmark_joints": t.teaching.bookmark_joints,
        "tour": t.teaching.set_touring,
        "start_blinded": lambda: t.teaching.blinded.start(),
        "reveal_order": t.teaching.reveal_order,
        # Help
        "shortcuts": lambda: show_help(t.window, t.actions().items),
        "about": lambda: t.dialogs.about("About xraycompare", about_text()),
    }
    for fmt in ("geojson", "labelme", "csv"):
        handlers[f"export_{fmt}"] = lambda f=fmt: t.exchange.export_dialog(f)
    for model in MODELS:
        handlers[f"model_{model}"] = lambda m=model: t.alignment.set_model(m)
    for name, _text, _key, dx, dy in NUDGES:
        handlers[name] = lambda x=dx, y=dy: t.alignment.nudge(x, y)
    for name, _text, _key, degrees in ROTATIONS:
        handlers[name] = lambda d=degrees: t.alignment.rotate(d)
    for name, _text, _key in REGION_TOOLS:
        handlers[f"tool_{name}"] = lambda n=name: t.set_tool(n)
    for mode in VIEW_MODES:
        handlers[mode_action_name(mode)] = lambda m=mode: comparison.set_mode(m)
    for name, scale in LABEL_SCALES.items():
        handlers[f"labels_{name}"] = lambda s=scale: choose_label_scale(t, s)
    for layout in LAYOUTS:
        handlers[f"layout_{layout}"] = lambda lay=layout: comparison.set_layout(lay)
    return handlers


def apply_label_scale(t: ActionTargets, scale: float) -> None:
    """Draw pane titles, captions, the colour bar and region tags ``scale`` times larger."""
    set_label_scale(scale)
    app_font = QApplication.font()
    for pane in (*t.panes.values(), t.window.comparison_view):
        font = QFont(app_font)
        font.setPointSizeF(app_font.pointSizeF() * scale)
        pane.setFont(font)
        pane.viewport().update()  # region tags are drawn from the new size at the next paint


def choose_label_scale(t: ActionTargets, scale: float) -> None:
    """View ▸ Label size: remembered, and applied now."""
    t.settings.label_scale = scale
    apply_label_scale(t, scale)


def action_states(t: ActionTargets) -> dict[str, bool]:
    """What each checkable action shows now."""
    doc, comparison, regions = t.document, t.comparison, t.regions
    states = {mode_action_name(m): m == comparison.mode for m in VIEW_MODES}
    states.update({f"layout_{lay}": lay == comparison.layout for lay in LAYOUTS})
    states.update({f"model_{m}": m == t.alignment.model for m in MODELS})
    states.update(
        {
            "magnifier": comparison.options.magnifier,
            "flicker_play": comparison.flicker.playing,
            "absolute_difference": doc.difference.absolute,
            "tolerant_difference": doc.difference.difference_filter == "tolerant",
            "dim_outside_hand": doc.difference.outside_hand == "dim",
            "show_colour_bar": comparison.options.colour_bar,
            "show_captions": comparison.options.captions,
            "show_badges": comparison.options.badges,
            "presentation": t.window.presentation.active,
            **{f"labels_{n}": t.settings.label_scale == v for n, v in LABEL_SCALES.items()},
            "link_panes": doc.link_panes,
            "link_window": doc.link_window,
            "propagate_new": regions.propagate_new,
            "snap": regions.snapping,
            "show_regions": regions.visible,
            "show_identifiers": doc.show_identifiers,
            "auto_align": t.settings.auto_register,
            "theme_dark": t.settings.theme == "dark",
            "theme_system": t.settings.theme == "system",
            "quiz": doc.quiz.active,
            "tour": t.teaching.touring,
        }
    )
    return states


def action_enabled(t: ActionTargets) -> dict[str, bool]:
    """Actions that only make sense with something to act on."""
    selected = bool(t.regions.selection.ids)
    enabled = {name: selected for name in ("delete_regions", "copy_regions", "propagate_regions")}
    doc = t.document
    enabled.update(reveal_next=doc.quiz.active, reveal_all=doc.quiz.active)
    blind = doc.is_blinded
    enabled.update(start_blinded=not blind, reveal_order=blind)
    # while blind, nothing may show which film is the later one: the comparison views,
    # exports and the gallery say "before" and "after"
    for mode in VIEW_MODES:
        if mode != "side-by-side":
            enabled[mode_action_name(mode)] = not blind
    for name in ("layout_three", "layout_one", "export_figure", "export_animation",
                 "show_gallery", "show_identifiers", "magnifier"):  # fmt: skip
        enabled[name] = not blind
    return enabled
