"""The pixels of each panel, sampled straight from the films' pyramids.

A :class:`FigureSource` holds what stays fixed while a figure's options change (the films,
the alignment the after panel uses, the exposure match and the prepared comparison pair);
it is cached for the last document state, so a live preview only resamples. Every panel is
rendered by :meth:`ComparisonPair.render` through the panel's own frame: before panels from
the before film, after panels through the alignment, comparison panels composed, all with
one interpolation, at any raster size (figure pixels, or the film's resolution for PDF/SVG).
"""

from __future__ import annotations

import math
import threading
import weakref
from dataclasses import dataclass, replace

import numpy as np

from xraycompare.core.compare.comparison import ComparisonPair, prepare_pair
from xraycompare.core.compare.exposure import ExposureMatch, match_exposure, sample_exposure
from xraycompare.core.compare.settings import ComparisonSettings, DifferenceSettings
from xraycompare.core.document import Document
from xraycompare.core.figures.layout import PanelLayout
from xraycompare.core.figures.spec import FigureError, FigureSpec
from xraycompare.core.io.display import DisplaySettings
from xraycompare.core.io.image import XrayImage
from xraycompare.core.io.pyramid import pyramid_for
from xraycompare.core.registration.alignment import GLOBAL, Alignment, placement
from xraycompare.core.types import FILMS


@dataclass(frozen=True, eq=False)
class FigureSource:
    """The pair as a figure shows it.

    ``alignment`` is the alignment used (None when the films are unaligned);
    ``after_to_before`` is the matrix the after panels are resampled through (the
    alignment's, or the films' plain placement when unaligned). The exposure match is
    always fitted through the real alignment, so it matches the same anatomy.
    """

    before: XrayImage
    after: XrayImage
    alignment: Alignment | None
    after_to_before: np.ndarray
    match: ExposureMatch
    pair: ComparisonPair
    difference: DifferenceSettings
    displays: tuple[DisplaySettings, DisplaySettings]
    shared_window: bool

    @property
    def after_scale(self) -> float:
        """Before pixels per after pixel along a line (the alignment's mean scale)."""
        m = self.after_to_before
        return math.sqrt(abs(m[0, 0] * m[1, 1] - m[0, 1] * m[1, 0]))

    def difference_settings(self, spec: FigureSpec) -> ComparisonSettings:
        """The difference panel's mode, colour map and ± range (before modality units)."""
        settings = ComparisonSettings(mode="difference", colormap=spec.colormap)
        settings = settings.using(self.difference)
        return replace(
            settings,
            difference_range=self.difference.difference_range or self.pair.difference_range,
        )


def chosen_alignment(document: Document, name: str | None) -> Alignment | None:
    """The alignment a figure uses: ``name`` (``"Global"`` or a local one), else the active.

    Raises
    ------
    FigureError
        No alignment has that name.
    """
    if name is None:
        return document.active_alignment
    if name == GLOBAL:
        return document.global_alignment
    for alignment in document.local_alignments:
        if alignment.name == name:
            return alignment
    known = ", ".join([GLOBAL, *(a.name for a in document.local_alignments)])
    raise FigureError(f"there is no alignment named {name!r} (there are: {known})")


_LOCK = threading.Lock()
_LAST: list[tuple[tuple, weakref.ref, weakref.ref, FigureSource]] = []


def figure_source(document: Document, spec: FigureSpec) -> FigureSource:
    """The films ready for rendering, reused while the document state stays the same.

    Raises
    ------
    FigureError
        The document has no pair, or the spec names an unknown alignment.
    """
    before, after = document.before, document.after
    if before is None or after is None:
        raise FigureError("open a pair first: a figure needs a before and an after film")
    alignment = chosen_alignment(document, spec.alignment)
    aligned = alignment.matrix if alignment is not None else placement(before, after)
    shown = placement(before, after) if spec.unaligned else aligned
    displays = (document.display("before"), document.display("after"))
    key = (
        aligned.tobytes(),
        np.asarray(shown).tobytes(),
        spec.unaligned,
        _described(alignment),
        document.difference,
        displays,
        spec.window,
    )
    with _LOCK:
        for cached_key, b, a, source in _LAST:
            if b() is before and a() is after and cached_key == key:
                return source
    samples = sample_exposure(before, after, aligned, after_pyramid=pyramid_for(after))
    match = match_exposure(samples, method=document.difference.exposure_method)
    pair = prepare_pair(
        before,
        after,
        shown,
        match=match,
        before_display=displays[0],
        after_display=displays[1],
        link_window=spec.window == "shared",
        before_pyramid=pyramid_for(before),
        after_pyramid=pyramid_for(after),
    )
    source = FigureSource(
        before=before,
        after=after,
        alignment=None if spec.unaligned else alignment,
        after_to_before=np.asarray(shown),
        match=match,
        pair=pair,
        difference=document.difference,
        displays=displays,
        shared_window=spec.window == "shared",
    )
    with _LOCK:
        _LAST[:] = [(key, weakref.ref(before), weakref.ref(after), source)]
    return source


def _described(alignment: Alignment | None) -> tuple | None:
    """What the provenance reads from an alignment (a cached source must agree on it)."""
    if alignment is None:
        return None
    a = alignment
    quality = tuple(sorted(a.quality.items()))
    return (a.name, a.model, a.method, a.roi, quality, a.mirrored, a.warning)


def render_panel(
    source: FigureSource,
    panel: PanelLayout,
    spec: FigureSpec,
    size: tuple[int, int] | None = None,
) -> np.ndarray:
    """One panel's pixels: (height, width, 3) uint8 RGB at ``size`` (default its box).

    Parameters
    ----------
    source
        From :func:`figure_source`.
    panel
        The panel (its content and before-frame region).
    spec
        The figure's interpolation and colour map.
    size
        (width, height) of the raster covering the panel: the figure pixels for PNG and
        TIFF, the film's own resolution for PDF and SVG.
    """
    size = panel.size if size is None else size
    frame = panel.frame_to_before(size)
    if panel.content in FILMS:
        settings = ComparisonSettings(mode="flicker", flicker_phase=panel.content)
    elif panel.content == "difference":
        settings = source.difference_settings(spec)
    else:
        settings = ComparisonSettings(mode=panel.content)
    return source.pair.render(frame, size, settings=settings, interpolation=spec.interpolation)


def film_resolution_size(panel: PanelLayout) -> tuple[int, int]:
    """The raster size that shows a panel's region at one pixel per before pixel."""
    _, _, w, h = panel.crop
    return max(1, round(w)), max(1, round(h))


def enlarged_panels(
    source: FigureSource, panels: tuple[PanelLayout, ...], *, layout_dpi: float, print_dpi: float
) -> dict[str, float]:
    """Panels that show a film enlarged beyond its resolution when printed at ``print_dpi``.

    Returns letter -> enlargement (printed pixels per film pixel, > 1); ``layout_dpi`` is
    the resolution the panels were laid out at (a preview's, or finer for PDF and SVG).
    """
    out = {}
    for panel in panels:
        factor = panel.scale * print_dpi / layout_dpi
        if panel.content == "after":
            factor *= source.after_scale
        elif panel.content != "before":
            factor *= max(1.0, source.after_scale)
        if factor > 1.0 + 1e-6:
            out[panel.letter] = factor
    return out
