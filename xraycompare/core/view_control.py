"""What zoom, pan and window/level gestures do to the Document, without Qt.

The panes translate mouse and keys into these calls. Linked panes change the shared
ViewState (in the before frame), so both move; an independent gesture (panes unlinked, or
the pause-sync modifier held) changes only that pane's offset, which is kept afterwards.
"""

from __future__ import annotations

import math

import numpy as np

from xraycompare.core.document import Document, ViewState
from xraycompare.core.geometry import IDENTITY, compose, similarity, translation
from xraycompare.core.io.display import DisplaySettings
from xraycompare.core.io.image import Window
from xraycompare.core.types import FILMS, Film

FIT_MARGIN = 0.96
MIN_ZOOM, MAX_ZOOM = 0.01, 64.0
RUNGS_PER_DOUBLING = 4  # zoom rungs 2**(k/4): 100, 119, 141, 168, 200 % ... every doubling is one


def stepped_zoom(zoom: float, steps: float) -> float:
    """The zoom ``steps`` rungs up (down when negative) the ladder of 2**(k/4).

    Whole steps (a wheel notch, a zoom key) land on rungs, so 100, 200 and 400 % are
    reached exactly from any zoom (a fitted view's 37 % goes on to 42, 50, ... 100 %);
    fractional steps (a trackpad's smooth scroll) scale continuously.
    """
    if not (math.isfinite(zoom) and zoom > 0 and math.isfinite(steps)) or steps == 0:
        return zoom
    k = RUNGS_PER_DOUBLING * math.log2(zoom)
    if float(steps).is_integer():
        start = math.floor(k + 1e-6) if steps > 0 else math.ceil(k - 1e-6)
        target = start + steps
    else:
        target = k + steps
    return float(np.clip(2.0 ** (target / RUNGS_PER_DOUBLING), MIN_ZOOM, MAX_ZOOM))


def fit_view(before_shape: tuple[int, int], viewport: tuple[float, float]) -> ViewState:
    """Centre and zoom that show the whole before film in a viewport (width, height)."""
    h, w = before_shape
    vw, vh = viewport
    zoom = FIT_MARGIN * min(vw / max(w, 1), vh / max(h, 1)) if vw > 0 and vh > 0 else 1.0
    return ViewState(center=((w - 1) / 2, (h - 1) / 2), zoom=max(zoom, MIN_ZOOM))


class ViewController:
    """Gestures on a Document's shared view, for one or both panes."""

    def __init__(self, document: Document) -> None:
        self.document = document

    def resolved(self, viewport: tuple[float, float]) -> ViewState:
        """The current view with "fit" turned into a concrete centre and zoom."""
        doc = self.document
        view = doc.view
        if not view.is_fit or doc.before is None:
            return view
        fit = fit_view(doc.before.shape, viewport)
        return ViewState(center=fit.center, zoom=fit.zoom, mode=view.mode)

    def fit(self) -> None:
        doc = self.document
        doc.set_view(ViewState(mode=doc.view.mode))
        for film in FILMS:
            doc.set_pane_offset(film, IDENTITY)

    def set_zoom(self, zoom: float, viewport: tuple[float, float]) -> None:
        """Absolute zoom about the view centre (1:1, 200 %, ...)."""
        view = self.resolved(viewport)
        zoom = float(np.clip(zoom, MIN_ZOOM, MAX_ZOOM))
        self.document.set_view(ViewState(center=view.center, zoom=zoom, mode=view.mode))

    def show_box(
        self, box: tuple[float, float, float, float], viewport: tuple[float, float]
    ) -> None:
        """Centre the view on a before-frame box (x, y, w, h) and zoom until it fills the
        view (a joint opened from the gallery)."""
        x, y, w, h = box
        vw, vh = viewport
        zoom = 0.9 * min(vw / max(w, 1.0), vh / max(h, 1.0))
        zoom = float(np.clip(zoom, MIN_ZOOM, MAX_ZOOM))
        centre = (x + (w - 1) / 2, y + (h - 1) / 2)
        self.document.set_view(ViewState(center=centre, zoom=zoom, mode=self.document.view.mode))

    def zoom_steps(
        self,
        film: Film,
        steps: float,
        anchor: tuple[float, float],
        viewport: tuple[float, float],
        *,
        independent: bool = False,
    ) -> None:
        """Zoom ``steps`` rungs (see :func:`stepped_zoom`), keeping ``anchor`` in place."""
        view = self.resolved(viewport)
        if view.zoom is None:
            return
        base = view.zoom
        if independent:  # a pane zoomed alone: its own scale is the view's times its offset
            offset = self.document.pane_offset(film)
            base *= math.sqrt(abs(float(np.linalg.det(np.asarray(offset)[:2, :2]))))
        target = stepped_zoom(base, steps)
        self.zoom(film, target / base, anchor, viewport, independent=independent)

    def zoom(
        self,
        film: Film,
        factor: float,
        anchor: tuple[float, float],
        viewport: tuple[float, float],
        *,
        independent: bool = False,
    ) -> None:
        """Zoom by ``factor`` keeping the before-frame point ``anchor`` under the mouse."""
        if not (math.isfinite(factor) and factor > 0):
            return
        view = self.resolved(viewport)
        assert view.center is not None and view.zoom is not None
        if independent:
            offset = self.document.pane_offset(film)
            scale = similarity(scale=factor, center=anchor)
            self.document.set_pane_offset(film, compose(scale, offset))
            return
        new_zoom = float(np.clip(view.zoom * factor, MIN_ZOOM, MAX_ZOOM))
        ratio = view.zoom / new_zoom
        ax, ay = anchor
        cx, cy = view.center
        center = (ax - (ax - cx) * ratio, ay - (ay - cy) * ratio)
        self.document.set_view(ViewState(center=center, zoom=new_zoom, mode=view.mode))

    def pan(
        self,
        film: Film,
        dx: float,
        dy: float,
        viewport: tuple[float, float],
        *,
        independent: bool = False,
    ) -> None:
        """Move the picture by (dx, dy) logical screen pixels."""
        view = self.resolved(viewport)
        assert view.center is not None and view.zoom is not None
        if independent:
            offset = self.document.pane_offset(film)
            shift = translation(dx / view.zoom, dy / view.zoom)
            self.document.set_pane_offset(film, compose(shift, offset))
            return
        cx, cy = view.center
        center = (cx - dx / view.zoom, cy - dy / view.zoom)
        self.document.set_view(ViewState(center=center, zoom=view.zoom, mode=view.mode))

    def reset_offsets(self) -> None:
        for film in FILMS:
            self.document.set_pane_offset(film, IDENTITY)

    # -- window / level --------------------------------------------------------------------
    def adjust_window(self, film: Film, dx: float, dy: float) -> None:
        """Right-drag: horizontal changes the width, vertical the level (drag down = darker).

        The sensitivity follows each film's default window width, so a linked drag changes
        both films by the same visual amount whatever their bit depth.
        """
        doc = self.document
        films: tuple[Film, ...] = FILMS if doc.link_window else (film,)
        for f in films:
            image = doc.image(f)
            if image is None:
                continue
            current = doc.effective_window(f)
            assert current is not None
            unit = image.default_window.width / 400.0
            width = max(current.width + dx * unit, unit * 0.5, 1e-6)
            center = current.center + dy * unit
            window = Window(center, width, current.function)
            doc.set_display(f, _with(doc.display(f), window=window, voi_lut_index=None))

    def set_window(self, film: Film, window: Window | None, *, voi_lut_index: int | None = None):
        """Apply a preset window (or the file default with None) to one film."""
        doc = self.document
        doc.set_display(film, _with(doc.display(film), window=window, voi_lut_index=voi_lut_index))

    def auto_window(self, film: Film) -> None:
        from xraycompare.core.io.display import auto_window

        films: tuple[Film, ...] = FILMS if self.document.link_window else (film,)
        for f in films:
            image = self.document.image(f)
            if image is not None:
                self.set_window(f, auto_window(image))

    def reset_display(self, film: Film) -> None:
        """Back to the file's own default window and polarity."""
        films: tuple[Film, ...] = FILMS if self.document.link_window else (film,)
        for f in films:
            self.document.set_display(f, DisplaySettings())

    def toggle_invert(self, film: Film) -> None:
        doc = self.document
        films: tuple[Film, ...] = FILMS if doc.link_window else (film,)
        target = not doc.display(film).inverted
        for f in films:
            doc.set_display(f, _with(doc.display(f), inverted=target))


def _with(settings: DisplaySettings, **changes) -> DisplaySettings:
    from dataclasses import replace

    return replace(settings, **changes)
