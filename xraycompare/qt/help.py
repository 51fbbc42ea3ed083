"""Help ▸ Help (F1): how a pair is read, step by step, and every shortcut from the live actions."""

from __future__ import annotations

from collections.abc import Mapping
from html import escape

from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QTextBrowser, QVBoxLayout, QWidget

from xraycompare import __version__

WORKFLOW = (
    (
        "Open",
        "File ▸ Open pair… (Ctrl+O): pick the Before and the After film, or drop two "
        "files on the window. Films are put in time order by their study dates. A saved project "
        "opens with Ctrl+Shift+O.",
    ),
    (
        "Align",
        "The pair is aligned automatically after opening (Align ▸ Align automatically, "
        "Ctrl+R, does it again). Check the alignment's quality in the Alignment dock; when it is "
        "poor, place landmarks (M, then click the same point on both films) and use them "
        "(Ctrl+Shift+M). Fingers move between visits: drag a rectangle around a finger or joint "
        "(G) to align it on its own.",
    ),
    (
        "Compare",
        "Side by side panes share zoom, pan and cursor through the alignment, so the "
        "same bone stays under the cursor. Ctrl+2 … Ctrl+7 show the difference (exposure "
        "matched, on a colour bar), overlay, blend, checkerboard, swipe and flicker; Ctrl+8 a "
        "magnifier with both films at the cursor.",
    ),
    (
        "Annotate",
        "Outline an erosion with the polygon (P), freehand (D) or ellipse (O) tool; "
        "mark with arrows (W) and text (T). A region drawn on one film appears on the other "
        "through the alignment, linked, to be adjusted on its own.",
    ),
    (
        "Score",
        "Give each region its SvdH site, hand, kind and score in the Region dock, or "
        "type scores straight into the Scores dock; the sheet sums erosion and narrowing per "
        "film and the change.",
    ),
    (
        "Teach",
        "F11 presents the films full screen without patient data; arrows step the views. "
        "Teach ▸ Quiz (Ctrl+Shift+H) hides the regions, V reveals them one finding at a time; "
        "Ctrl+D bookmarks a view and Ctrl+T tours the bookmarks with their captions; a blinded "
        "reading shows the films as A and B in random order until you reveal the order.",
    ),
    (
        "Save and export",
        "Ctrl+S saves a project (films stay where they are; unsaved work is "
        "kept in a recovery file). File ▸ Export regions writes GeoJSON, labelme or CSV.",
    ),
)

MOUSE = (
    ("Mouse wheel", "Zoom, anchored at the cursor (both panes); steps hit 100, 200, 400 %"),
    ("Left drag, middle drag, or Space + drag", "Pan (both panes)"),
    ("Ctrl + wheel / Ctrl + drag", "Zoom or pan one pane alone; the offset is kept"),
    ("Right drag", "Window/level: horizontal = width, vertical = level"),
    ("Drop one file on a pane", "Replace that film"),
    ("Drop two files on the window", "Open them as Before and After"),
    ("Swipe: drag the divider, or Shift + click", "Move the curtain between Before and After"),
    ("Checkerboard: move the mouse", "The square at the cursor shows the other film"),
    ("Flicker: hold B", "Show the Before film while held; release for After"),
    ("Magnifier (Ctrl+8): move the mouse", "Both films at the cursor, magnified, side by side"),
)  # fmt: skip


def shortcut_rows(actions: Mapping[str, QAction]) -> list[tuple[str, str]]:
    """(keys, what) for every action that has a shortcut, in menu order."""
    rows = []
    for action in actions.values():
        keys = [k.toString(QKeySequence.SequenceFormat.NativeText) for k in action.shortcuts()]
        keys = [k for k in keys if k]
        if keys:
            rows.append((" or ".join(keys), action.text().replace("&", "")))
    return rows


def help_html(actions: Mapping[str, QAction]) -> str:
    steps = "".join(f"<li><b>{escape(step)}.</b> {escape(text)}</li>" for step, text in WORKFLOW)
    rows = "".join(
        f"<tr><td><b>{escape(k)}</b></td><td>{escape(v)}</td></tr>"
        for k, v in shortcut_rows(actions) + list(MOUSE)
    )
    return (
        "<h3>Reading a pair</h3>"
        f"<ol>{steps}</ol>"
        "<h3>Keyboard and mouse</h3>"
        f"<table cellpadding='3'>{rows}</table>"
    )


def show_help(parent: QWidget, actions: Mapping[str, QAction]) -> QDialog:
    """The help page, opened without blocking (returned, so tests can read and close it)."""
    dialog = QDialog(parent)
    dialog.setObjectName("help")
    dialog.setWindowTitle("xraycompare help")
    browser = QTextBrowser(dialog)
    browser.setHtml(help_html(actions))
    buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, parent=dialog)
    buttons.rejected.connect(dialog.reject)
    layout = QVBoxLayout(dialog)
    layout.addWidget(browser)
    layout.addWidget(buttons)
    dialog.resize(640, 640)
    dialog.open()
    return dialog


def about_text() -> str:
    return (
        f"xraycompare {__version__}\n\nCompare hand radiographs taken years apart: register, "
        "view side by side, see the change, score erosions, export regions and figures."
    )
