"""The joint gallery: every joint of a pair, before | after, each aligned on its own joint.

:func:`build_gallery` makes the tiles (:mod:`.tiles`, :mod:`.align`, :mod:`.sites`);
:func:`render_gallery` and :func:`write_gallery` (:mod:`.render`) make the figure, and
:func:`tile_images` a tile's pixels for a view. The figure's names are loaded on first use,
so building a gallery does not load matplotlib.
"""

from __future__ import annotations

import importlib
from typing import Any

from xraycompare.core.gallery.sites import (
    GALLERY_SITES,
    GALLERY_SITES_WITH_DIP,
    gallery_sites,
    grid_position,
    site_label,
)
from xraycompare.core.gallery.tiles import Gallery, GalleryTile, TileQuality, build_gallery

_RENDER = (
    "GALLERY_MODES",
    "GalleryMode",
    "RenderedGallery",
    "check_options",
    "gallery_record",
    "gallery_source",
    "render_gallery",
    "tile_images",
    "write_gallery",
)
__all__ = [
    "GALLERY_SITES",
    "GALLERY_SITES_WITH_DIP",
    "Gallery",
    "GalleryTile",
    "TileQuality",
    "build_gallery",
    "gallery_sites",
    "grid_position",
    "site_label",
    *_RENDER,
]


def __getattr__(name: str) -> Any:
    if name not in _RENDER:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.render"), name)
