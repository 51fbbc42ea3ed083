"""Every menu, action, shortcut and toolbar of the main window, described once as data.

:data:`MENUS` lists the menus in menu-bar order (Help last) with their actions; action
names are a contract (tests, the F1 page and scripts reach actions by name) and so are the
shortcuts. :func:`build_menus` turns the description into QActions, connecting each to the
handler of the same name that the main window supplies; the parts own the behaviour, this
module only the layout. Every action gets a tooltip that ends with its shortcut.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from PySide6.QtGui import QAction, QActionGroup, QKeySequence
from PySide6.QtWidgets import QMainWindow, QMenu, QToolBar

from xraycompare.core.annotations.export import FORMAT_TITLES
from xraycompare.core.types import MODELS, VIEW_MODES


@dataclass(frozen=True)
class Act:
    """One action: its name, menu text, shortcuts, tooltip and how it behaves.

    ``group`` makes it one of an exclusive set (modes, tools); ``short`` is its toolbar text.
    """

    name: str
    text: str
    keys: tuple[str, ...] = ()
    tip: str = ""
    checkable: bool = False
    checked: bool = False
    group: str | None = None
    short: str | None = None


@dataclass(frozen=True)
class Sub:
    """A submenu: fixed actions, or filled each time it opens (``dynamic``: recent files)."""

    name: str
    text: str
    items: tuple[Item, ...] = ()
    dynamic: bool = False


@dataclass(frozen=True)
class Use:
    """An action made elsewhere (undo/redo, a dock's show/hide), placed here."""

    name: str


SEP = "---"
LABEL_SIZES = (  # name, menu text, tooltip; the scale is in handlers.LABEL_SCALES
    ("normal", "&Normal", "Pane titles, captions, tags and the colour bar at their usual size"),
    ("large", "&Large (150 %)", "Larger labels for a big screen"),
    ("projector", "&Projector (200 %)", "Labels that read across a room"),
)
Item = Act | Sub | Use | str

MODE_TEXTS = {
    "side-by-side": ("&Side by side", "Side by side"),
    "difference": ("&Difference (after − before, exposure matched)", "Difference"),
    "overlay": ("&Overlay (before green, after magenta)", "Overlay"),
    "blend": ("&Blend", "Blend"),
    "checkerboard": ("&Checkerboard (with a reveal square)", "Checker"),
    "swipe": ("S&wipe (drag the divider)", "Swipe"),
    "flicker": ("F&licker (hold B for before)", "Flicker"),
}
LAYOUT_TEXTS = {
    "two": ("&Two panes: before | after", "2 panes"),
    "three": ("T&hree panes: before | after | comparison", "3 panes"),
    "one": ("&One large comparison view", "1 pane"),
}
REGION_TOOLS = (
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
NUDGES = (  # name, text, key, dx, dy (screen pixels)
    ("nudge_left", "Nudge after film left", "Left", -1, 0),
    ("nudge_right", "Nudge after film right", "Right", 1, 0),
    ("nudge_up", "Nudge after film up", "Up", 0, -1),
    ("nudge_down", "Nudge after film down", "Down", 0, 1),
    ("nudge_left_10", "Nudge after film left ×10", "Shift+Left", -10, 0),
    ("nudge_right_10", "Nudge after film right ×10", "Shift+Right", 10, 0),
    ("nudge_up_10", "Nudge after film up ×10", "Shift+Up", 0, -10),
    ("nudge_down_10", "Nudge after film down ×10", "Shift+Down", 0, 10),
)
ROTATIONS = (  # name, text, key, degrees
    ("rotate_ccw", "Rotate after film 0.1° anticlockwise", "[", 0.1),
    ("rotate_cw", "Rotate after film 0.1° clockwise", "]", -0.1),
    ("rotate_ccw_1", "Rotate after film 1° anticlockwise", "{", 1.0),
    ("rotate_cw_1", "Rotate after film 1° clockwise", "}", -1.0),
)


def mode_action_name(mode: str) -> str:
    return f"mode_{mode.replace('-', '_')}"


MENUS: tuple[tuple[str, tuple[Item, ...]], ...] = (
    ("&File", (
        Act("open_pair", "Open &pair…", ("Ctrl+O",), "Pick the Before and the After film",
            short="Open pair"),
        Act("open_before", "Open &before…", tip="Replace the Before film"),
        Act("open_after", "Open &after…", tip="Replace the After film"),
        Act("open_demo", "Open &demo pair", tip="A real CR hand film and a simulated follow-up"),
        Sub("recent_pairs", "&Recent pairs", dynamic=True),
        SEP,
        Act("open_project", "Open pro&ject…", ("Ctrl+Shift+O",),
            "Open a saved project (*.xrc.json)"),
        Sub("recent_projects", "Recent pro&jects", dynamic=True),
        SEP,
        Act("save", "&Save project", ("Ctrl+S",), "Save the project (films stay where they are)"),
        Act("save_as", "Save project &as…", ("Ctrl+Shift+S",), "Save the project in another file"),
        Act("autosave_interval", "Auto&save interval…",
            tip="Unsaved work is kept in a recovery file this often (default 30 s)"),
        SEP,
        Act("export_figure", "Export &figure…", ("Ctrl+Shift+E",),
            "Before | After panels at print resolution (PNG, TIFF, PDF, SVG), with a "
            "provenance file that says what was done to the images"),
        Act("export_animation", "Export a&nimation…", ("Ctrl+Shift+A",),
            "The flicker, swipe or blend as a GIF or MP4 for slides, without patient data"),
        Act("import_figure", "Import side-by-side &figure…",
            tip="A published Before | After figure, split into two films and opened as a pair"),
        Act("import_regions", "&Import regions (labelme, GeoJSON)…",
            tip="Add the regions of a labelme or GeoJSON file to one film"),
        Sub("export_regions", "&Export regions", tuple(
            Act(f"export_{fmt}", f"{title}…", tip=f"Export the regions as {title}")
            for fmt, title in FORMAT_TITLES.items()
        )),
        SEP,
        Act("swap", "S&wap Before and After", ("X",), "Exchange the two films", short="Swap"),
        SEP,
        Act("quit", "&Quit", ("Ctrl+Q",), "Close xraycompare"),
    )),
    ("&Edit", (
        Use("undo"),
        Use("redo"),
        SEP,
        Act("delete_regions", "&Delete selected regions", ("Delete",)),
        Act("copy_regions", "&Copy regions", ("Ctrl+C",), "Copy the selected regions"),
        Act("paste_regions", "&Paste regions", ("Ctrl+V",), "Paste regions onto the active film"),
        Act("select_all_regions", "Select &all regions", ("Ctrl+A",)),
        Act("propagate_regions", "Co&py selected regions to the other film", ("Ctrl+Shift+P",),
            "A linked counterpart through the alignment, for regions without one"),
        SEP,
        Act("propagate_new", "Propagate &new regions to the other film", checkable=True,
            tip="A region drawn on one film also appears on the other as a linked counterpart"),
        Act("snap", "S&nap to region vertices", checkable=True,
            tip="New points snap onto nearby vertices of other regions"),
    )),
    ("&View", (
        Act("fit", "&Fit to window", ("F",), "Show the whole film", short="Fit"),
        Act("one_to_one", "&1:1 (one film pixel per screen pixel)", ("1",),
            "One film pixel per screen pixel", short="1:1"),
        Act("zoom_in", "Zoom &in", ("+", "="), "Zoom in to the next step (100, 200, 400 %…)"),
        Act("zoom_out", "Zoom &out", ("-",), "Zoom out to the previous step"),
        Act("zoom_to", "&Zoom to… (type a percentage)", ("Z",),
            "Type an exact zoom in the status bar's zoom box (400, fit…)"),
        SEP,
        Act("link_panes", "&Link panes (zoom, pan, cursor)", ("Ctrl+L",),
            "Unlinked panes move on their own; hold Ctrl to move one pane alone",
            checkable=True, checked=True, short="Link panes"),
        Act("reset_offsets", "&Re-align panes", ("Ctrl+Shift+R",),
            "Drop the offsets made while the panes were unlinked"),
        Act("smooth", "&Smooth interpolation", ("Ctrl+I",),
            "Off: nearest neighbour, to see single pixels", checkable=True, checked=True),
        SEP,
        Act("show_regions", "Show &regions", ("H",),
            "Hide the regions to see the film, or to reveal findings later",
            checkable=True, checked=True),
        Act("show_identifiers", "Show patient &identifiers", checkable=True,
            tip="Names, IDs, dates and file names on screen (hidden by default)"),
        SEP,
        Act("presentation", "&Presentation (full screen)", ("F11",),
            "For a room: only the films, large labels, no patient data; arrows step "
            "through the views, Esc leaves", checkable=True),
        Sub("label_size", "&Label size", tuple(
            Act(f"labels_{name}", text, checkable=True, group="label_size", tip=tip)
            for name, text, tip in LABEL_SIZES
        )),
        Act("show_gallery", "Joint &gallery", ("Ctrl+J",),
            "Every joint site before | after on one screen, each aligned on its own joint",
            checkable=True, short="Gallery"),
        SEP,
        Use("dock_info"),
        Use("dock_alignment"),
        Use("dock_comparison"),
        Use("dock_region"),
        Use("dock_scores"),
        Use("dock_measurements"),
        Sub("theme", "&Theme", (
            Act("theme_dark", "&Dark (reading room)", checkable=True, group="theme",
                tip="Dark surroundings for reading films"),
            Act("theme_system", "&System", checkable=True, group="theme",
                tip="The desktop's own look"),
        )),
    )),
    ("&Image", (
        Sub("window_presets", "Window &presets", dynamic=True),
        Act("auto_window", "&Auto window (inside the hand)", ("A",),
            "A window from the values inside the hand", short="Auto W/L"),
        Act("invert", "&Invert", ("I",), "Flip black and white", short="Invert"),
        Act("reset_display", "&Reset window and polarity", ("R",),
            "Back to the file's own window and polarity", short="Reset W/L"),
        Act("link_window", "&Link window/level", ("Ctrl+Shift+L",),
            "One window/level for both films (through the exposure match)",
            checkable=True, checked=True, short="Link W/L"),
    )),
    ("&Align", (
        Act("align", "&Align automatically", ("Ctrl+R",),
            "Register the after film onto the before film (rotation, shift, scale)",
            short="Align"),
        Sub("models", "&Model", tuple(
            Act(f"model_{m}", m.capitalize(), checkable=True, group="model",
                tip=f"Align with a {m} transform")
            for m in MODELS
        )),
        Act("auto_align", "Align automatically after &opening", checkable=True,
            tip="Align every newly opened pair at once"),
        SEP,
        Act("use_landmarks", "Align from &landmarks", ("Ctrl+Shift+M",),
            "Two pairs give a similarity, three or more an affine (least squares)",
            short="Use landmarks"),
        Act("refine", "&Refine from landmarks", ("Ctrl+Shift+F",),
            "Automatic refinement starting from the landmark fit", short="Refine"),
        Act("align_selection", "Align the &joint of the selected region", ("Ctrl+Shift+G",),
            "A local alignment around the selected region, named after its site"),
        Act("reset_alignment", "Re&set alignment", tip="Forget every alignment of this pair"),
        SEP,
        Sub("nudge", "&Nudge", tuple(
            [Act(n, text, (key,), text) for n, text, key, _dx, _dy in NUDGES]
            + [Act(n, text, (key,), text) for n, text, key, _deg in ROTATIONS]
        )),
    )),
    ("&Tools", (
        Act("tool_navigate", "&Navigate (drag pans)", ("N",), "The left mouse button pans",
            checkable=True, checked=True, group="tool"),
        Act("tool_landmarks", "&Landmarks (click pairs)", ("M",),
            "Click a point on either film; drag its partner where it belongs",
            checkable=True, group="tool", short="Landmarks"),
        Act("tool_region", "Align a &region (drag a rectangle)", ("G",),
            "Drag a rectangle around a finger or joint to align it on its own",
            checkable=True, group="tool", short="Align region…"),
        SEP,
        *(Act(f"tool_{name}", text, (key,), checkable=True, group="tool")
          for name, text, key in REGION_TOOLS),
    )),
    ("&Compare", (
        *(Act(mode_action_name(m), MODE_TEXTS[m][0], (f"Ctrl+{i}",), checkable=True,
              group="mode", short=MODE_TEXTS[m][1])
          for i, m in enumerate(VIEW_MODES, start=1)),
        SEP,
        *(Act(f"layout_{lay}", LAYOUT_TEXTS[lay][0], (f"Ctrl+Shift+{i}",), checkable=True,
              group="layout", short=LAYOUT_TEXTS[lay][1])
          for i, lay in enumerate(LAYOUT_TEXTS, start=1)),
        SEP,
        Act("magnifier", "&Magnifier: both films at the cursor", ("Ctrl+8",),
            "A loupe next to the cursor with the before and the after film side by side",
            checkable=True, short="Magnifier"),
        Act("flicker_play", "&Flicker automatically", checkable=True, checked=True,
            tip="Off: the flicker view shows after, and before while B is held"),
        Act("absolute_difference", "&Absolute difference", checkable=True,
            tip="Show |after − before| instead of the signed difference"),
        Act("tolerant_difference", "&Edge-tolerant difference", ("Ctrl+E",),
            "Hide sub-pixel misregistration along bone edges (the nearest match within "
            "±1 film pixel); recorded in the project and the figure's methods text",
            checkable=True),
        Act("dim_outside_hand", "&Dim outside the hand", checkable=True, checked=True,
            tip="Outside the hand, show the before film dimmed instead of the difference"),
        SEP,
        Act("show_colour_bar", "Show the &colour bar", checkable=True, checked=True,
            tip="The difference's colour scale at the pane's edge (it fades near the cursor)"),
        Act("show_captions", "Show &captions", checkable=True, checked=True,
            tip="The alignment and its quality on the comparison (it fades near the cursor)"),
        Act("show_badges", "Show the flicker &badge", checkable=True, checked=True,
            tip="BEFORE / AFTER on the flickering film (it fades near the cursor)"),
    )),
    ("&Teach", (
        Act("quiz", "&Quiz: hide the regions", ("Ctrl+Shift+H",),
            "Hide every region and label; reveal the findings one at a time (V) or all",
            checkable=True),
        Act("reveal_next", "Re&veal the next finding", ("V",),
            "Show the hidden finding nearest the middle of the view, with its counterpart"),
        Act("reveal_all", "Reveal &all findings", ("Shift+V",), "End the quiz: show every region"),
        SEP,
        Act("add_bookmark", "&Bookmark this view", ("Ctrl+D",),
            "Keep the view on screen (place, zoom, mode, alignment) as the tour's next stop"),
        Act("bookmark_joints", "Bookmark every &joint",
            tip="A tour stop at each joint found, MCP1–5, IP1, PIP2–5 and the wrist, in order"),
        Act("tour", "&Tour the bookmarks", ("Ctrl+T",),
            "Step through the bookmarked views with ← → (Page Up / Page Down), each with "
            "its caption", checkable=True),
        Use("dock_bookmarks"),
        SEP,
        Act("start_blinded", "Start a b&linded reading",
            tip="The films as A and B in random order, dates and names hidden, until you "
            "reveal the order; saved in the project"),
        Act("reveal_order", "&Reveal the time order",
            tip="Say which film is earlier; the scores as read blind are kept in the project"),
    )),
    ("&Help", (
        Act("shortcuts", "&Help: workflow, keyboard and mouse…", ("F1",),
            "How to read a pair, and every shortcut"),
        Act("about", "&About xraycompare"),
    )),
)  # fmt: skip

TOOLBARS: dict[str, tuple[str, ...]] = {
    "toolbar-main": (
        # Reset W/L (R) lives in the Image menu: with it both toolbars overflow at 1280 px
        "open_pair", "swap", "fit", "one_to_one", "link_panes", "auto_window", "invert",
        "link_window",
    ),
    "toolbar-compare": (
        *(mode_action_name(m) for m in VIEW_MODES), SEP,
        *(f"layout_{lay}" for lay in LAYOUT_TEXTS), SEP, "magnifier",
    ),
}  # fmt: skip

Handler = Callable[..., object]


@dataclass
class Actions:
    """The window's actions and dynamic submenus, by name."""

    items: dict[str, QAction] = field(default_factory=dict)
    menus: dict[str, QMenu] = field(default_factory=dict)
    groups: dict[str, QActionGroup] = field(default_factory=dict)

    def __getitem__(self, name: str) -> QAction:
        return self.items[name]

    def set_checked(self, name: str, checked: bool) -> None:
        """Show a state that changed elsewhere, without triggering the action."""
        action = self.items.get(name)
        if action is not None and action.isCheckable() and action.isChecked() != checked:
            action.blockSignals(True)
            action.setChecked(checked)
            action.blockSignals(False)

    def sync(self, states: Mapping[str, bool]) -> None:
        for name, checked in states.items():
            self.set_checked(name, checked)


def tooltip(text: str, tip: str, keys: tuple[str, ...]) -> str:
    """The tooltip of an action: what it does, then its shortcut in the platform's spelling."""
    what = tip or text.replace("&", "").rstrip("…").strip()
    shown = [QKeySequence(k).toString(QKeySequence.SequenceFormat.NativeText) for k in keys]
    return f"{what} ({' or '.join(s for s in shown if s)})" if any(shown) else what


def build_menus(
    window: QMainWindow,
    handlers: Mapping[str, Handler],
    *,
    fillers: Mapping[str, Callable[[QMenu], None]],
    made: Mapping[str, QAction],
) -> Actions:
    """Create the menu bar and toolbars of ``window`` from :data:`MENUS` and :data:`TOOLBARS`.

    Parameters
    ----------
    window
        The main window.
    handlers
        Action name -> callable: called with no argument when a plain action triggers, with
        the new state when a checkable one is toggled, with no argument when one of an
        exclusive group is chosen. Actions without a handler are created disabled.
    fillers
        Dynamic submenu name -> callable filling the menu each time it is about to show.
    made
        Actions made elsewhere (:class:`Use`), by name.
    """
    actions = Actions()
    bar = window.menuBar()
    for title, items in MENUS:
        _fill(bar.addMenu(title), items, window, handlers, fillers, made, actions)
    for name, members in TOOLBARS.items():
        toolbar = QToolBar(name.removeprefix("toolbar-").capitalize(), window)
        toolbar.setObjectName(name)
        toolbar.setMovable(False)
        for member in members:
            if member == SEP:
                toolbar.addSeparator()
            else:
                toolbar.addAction(actions[member])
        window.addToolBar(toolbar)
    return actions


def _fill(menu, items, window, handlers, fillers, made, actions: Actions) -> None:
    for item in items:
        if item == SEP:
            menu.addSeparator()
        elif isinstance(item, Use):
            action = made[item.name]
            menu.addAction(action)
            actions.items[item.name] = action
        elif isinstance(item, Sub):
            sub = menu.addMenu(item.text)
            sub.setObjectName(f"menu-{item.name}")
            actions.menus[item.name] = sub
            if item.dynamic:
                filler = fillers[item.name]
                sub.aboutToShow.connect(lambda m=sub, f=filler: f(m))
            else:
                _fill(sub, item.items, window, handlers, fillers, made, actions)
        else:
            menu.addAction(_action(item, window, handlers.get(item.name), actions))


def _action(spec: Act, window: QMainWindow, handler: Handler | None, actions: Actions) -> QAction:
    action = QAction(spec.text, window)
    action.setObjectName(f"action-{spec.name}")
    if spec.keys:
        action.setShortcuts([QKeySequence(k) for k in spec.keys])
    text = tooltip(spec.text, spec.tip, spec.keys)
    action.setToolTip(text)
    action.setStatusTip(text)
    if spec.short:
        action.setIconText(spec.short)
    if spec.checkable:
        action.setCheckable(True)
        action.setChecked(spec.checked)
    if spec.group is not None:
        group = actions.groups.get(spec.group)
        if group is None:
            group = actions.groups[spec.group] = QActionGroup(window)
        group.addAction(action)
    if handler is None:
        action.setEnabled(False)
    elif spec.group is not None:
        action.triggered.connect(lambda _checked=False, h=handler: h())
    elif spec.checkable:
        action.toggled.connect(handler)
    else:
        action.triggered.connect(lambda _checked=False, h=handler: h())
    actions.items[spec.name] = action
    return action
