"""Publication figures: Before | After panels at print quality, with provenance.

The core renders figures without any display: :class:`FigureSpec` holds every option,
:func:`render_figure` composes the picture (a live preview at a low resolution),
:func:`write_figure` writes PNG, TIFF (LZW), PDF or SVG and the provenance sidecar.

Names are loaded on first use, so importing the spec (settings, a dialog's form) does not
load matplotlib; rendering does.
"""

from __future__ import annotations

import importlib
from typing import Any

_WHERE = {
    "FigureLayout": "layout",
    "PanelLayout": "layout",
    "RenderedFigure": "render",
    "WrittenFigure": "render",
    "inset_around": "render",
    "render_figure": "render",
    "write_figure": "render",
    "COMMAND_LAYOUTS": "spec",
    "DPI_PRESETS": "spec",
    "FORMATS": "spec",
    "LAYOUTS": "spec",
    "WIDTH_PRESETS_MM": "spec",
    "FigureError": "spec",
    "FigureSpec": "spec",
    "format_for_path": "spec",
    "sidecar_path": "spec",
}
__all__ = sorted(_WHERE)


def __getattr__(name: str) -> Any:
    if name not in _WHERE:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{_WHERE[name]}"), name)
