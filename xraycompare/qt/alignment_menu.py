"""The Align and Tools menus: automatic/local/landmark alignment, nudges, pane tools."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtGui import QActionGroup

if TYPE_CHECKING:
    from xraycompare.qt.main_window import MainWindow
    from xraycompare.qt.menus import Actions

NUDGES = (
    ("nudge_left", "Nudge after film left", "Left", -1, 0),
    ("nudge_right", "Nudge after film right", "Right", 1, 0),
    ("nudge_up", "Nudge after film up", "Up", 0, -1),
    ("nudge_down", "Nudge after film down", "Down", 0, 1),
    ("nudge_left_10", "Nudge after film left ×10", "Shift+Left", -10, 0),
    ("nudge_right_10", "Nudge after film right ×10", "Shift+Right", 10, 0),
    ("nudge_up_10", "Nudge after film up ×10", "Shift+Up", 0, -10),
    ("nudge_down_10", "Nudge after film down ×10", "Shift+Down", 0, 10),
)
ROTATIONS = (
    ("rotate_ccw", "Rotate after film 0.1° anticlockwise", "[", 0.1),
    ("rotate_cw", "Rotate after film 0.1° clockwise", "]", -0.1),
    ("rotate_ccw_1", "Rotate after film 1° anticlockwise", "{", 1.0),
    ("rotate_cw_1", "Rotate after film 1° clockwise", "}", -1.0),
)


def build_alignment_menus(w: MainWindow, a: Actions) -> None:
    """Add the Align and Tools menus to ``w`` (after the Image menu)."""
    reg = w.registration
    bar = w.menuBar()
    align = bar.addMenu("&Align")
    a.add(
        align,
        "align",
        "&Align automatically",
        reg.align_automatically,
        "Ctrl+R",
        tip="Register the after film onto the before film (rotation, shift, scale)",
    )
    a["align"].setIconText("Align")
    models = align.addMenu("&Model")
    group = QActionGroup(w)
    for model in ("rigid", "similarity", "affine"):
        action = a.add(
            models,
            f"model_{model}",
            model.capitalize(),
            None,
            checkable=True,
            checked=reg.model == model,
        )
        action.triggered.connect(lambda _=False, m=model: reg.set_model(m))
        group.addAction(action)
    a.add(
        align,
        "auto_align",
        "Align automatically after &opening",
        lambda on: setattr(w.settings, "auto_register", on),
        checkable=True,
        checked=w.settings.auto_register,
    )
    align.addSeparator()
    a.add(
        align,
        "use_landmarks",
        "Align from &landmarks",
        reg.apply_landmarks,
        "Ctrl+Shift+M",
        tip="Two pairs give a similarity, three or more an affine (least squares)",
    )
    a["use_landmarks"].setIconText("Use landmarks")
    a.add(
        align,
        "refine",
        "&Refine from landmarks",
        reg.refine_from_landmarks,
        "Ctrl+Shift+F",
        tip="Automatic refinement starting from the landmark fit",
    )
    a["refine"].setIconText("Refine")
    a.add(
        align,
        "align_selection",
        "Align the &joint of the selected region",
        reg.align_around_selection,
        "Ctrl+Shift+G",
        tip="A local alignment around the selected region, named after its site",
    )
    a.add(align, "reset_alignment", "Re&set alignment", reg.reset_alignment)
    align.addSeparator()
    nudge = align.addMenu("&Nudge")
    for name, text, key, dx, dy in NUDGES:
        a.add(nudge, name, text, lambda _=False, x=dx, y=dy: reg.nudge(x, y), key)
    for name, text, key, degrees in ROTATIONS:
        a.add(nudge, name, text, lambda _=False, d=degrees: reg.rotate(d), key)

    tools = bar.addMenu("&Tools")
    group = QActionGroup(w)
    for name, text, key, tool in (
        ("tool_navigate", "&Navigate (drag pans)", "N", None),
        ("tool_landmarks", "&Landmarks (click pairs)", "M", "landmarks"),
        ("tool_region", "Align a &region (drag a rectangle)", "G", "region"),
    ):
        action = a.add(tools, name, text, None, key, checkable=True, checked=tool is None)
        action.triggered.connect(lambda _=False, t=tool: w.set_tool(t))
        group.addAction(action)
    a["tool_landmarks"].setIconText("Landmarks")
    a["tool_region"].setIconText("Align region…")
