"""Image ▸ Window presets: the active film's own windows, its full range, auto and reset."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMenu

from xraycompare.core.document import Document
from xraycompare.core.io.display import full_range_window
from xraycompare.core.types import FILM_TITLES, Film
from xraycompare.core.view_control import ViewController


def fill_window_presets(
    menu: QMenu,
    document: Document,
    view: ViewController,
    film: Film,
    extra: Sequence[QAction] = (),
) -> None:
    """Refill ``menu`` with ``film``'s presets (the file's windows with their explanations)."""
    menu.clear()
    image = document.image(film)
    if image is None:
        menu.addAction("Open a film first").setEnabled(False)
        return
    menu.addAction(f"{FILM_TITLES[film]} film").setEnabled(False)
    for preset in image.presets:
        text = preset.label
        if preset.window is not None:
            text += f"  (C {preset.window.center:.6g} / W {preset.window.width:.6g})"
        action = menu.addAction(text)
        action.triggered.connect(
            lambda _=False, p=preset: view.set_window(film, p.window, voi_lut_index=p.voi_lut_index)
        )
    full = full_range_window(image)
    menu.addAction("Full range").triggered.connect(lambda: view.set_window(film, full))
    menu.addSeparator()
    for action in extra:
        menu.addAction(action)
