"""The comparison views' state in the GUI: the prepared pair, the exposure match, options.

One per window. The Document holds what a project records (the
mode in the ViewState, the exposure method and difference range in ``document.difference``);
this controller holds how the picture is presented (blend weight, tiles, divider, flicker,
magnifier) and what is derived for speed: the films' pyramids, the exposure samples of the
active alignment and the :class:`~xraycompare.core.compare.comparison.ComparisonPair` every frame is
rendered from.

The exposure match is re-fitted only when the alignment (or a film) changes: the sampling
and the fit run on the thread pool (newest request wins), and the fit for another method
is made there too from the same samples (tens of milliseconds for the histogram match: too
long for the GUI thread, which must answer within 50 ms). Meanwhile the previous match keeps
the view responsive (a nudge moves the after film at once; its match follows a moment later).
"""

from __future__ import annotations

import math
from collections import OrderedDict
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import numpy as np
from PySide6.QtCore import QObject, QTimer, Signal

from xraycompare.core.compare.comparison import ComparisonPair, film_hand_weight
from xraycompare.core.compare.exposure import (
    ExposureMatch,
    ExposureSamples,
    identity_match,
    match_exposure,
    sample_exposure,
    sampling_mask,
)
from xraycompare.core.compare.settings import ComparisonSettings, DifferenceSettings
from xraycompare.core.document import Document
from xraycompare.core.document_comparison import document_comparison
from xraycompare.core.io.image import XrayImage
from xraycompare.core.io.pyramid import ImagePyramid, pyramid_for
from xraycompare.core.types import SIDE_BY_SIDE, VIEW_MODES, ExposureMethod, Film
from xraycompare.qt.compare.flicker import Flicker
from xraycompare.qt.view.film_item import Colouring
from xraycompare.qt.workers import JobRunner

if TYPE_CHECKING:
    from collections.abc import Callable

LAYOUTS = ("two", "three", "one")  # before | after; + comparison; the comparison alone
CACHED_ALIGNMENTS = 8  # exposure samples kept (~0.5 MB each): undo, global <-> local are free


@dataclass(frozen=True)
class ComparisonOptions:
    """How the comparison modes are presented (UI state, not part of a project).

    ``reveal_size`` is in logical screen pixels; ``swipe_fraction`` places the divider as a
    fraction of the pane's width (vertical divider) or height (horizontal).
    """

    blend_weight: float = 0.5
    tile_size: float = 64.0
    reveal: bool = True
    reveal_size: float = 160.0
    swipe_fraction: float = 0.5
    swipe_orientation: str = "vertical"
    colormap: str = "difference"
    magnifier: bool = False
    magnifier_factor: float = 4.0
    colour_bar: bool = True  # the difference's colour scale on the pane
    captions: bool = True  # the alignment caption
    badges: bool = True  # the flicker badge (which film is on screen)


def sample_alignment(
    before: XrayImage,
    after: XrayImage,
    matrix: np.ndarray,
    after_pyramid: ImagePyramid,
    before_mask: np.ndarray | None,
    method: ExposureMethod,
) -> tuple[np.ndarray, ExposureSamples, ExposureMatch]:
    """(the before film's sampling mask, paired samples, their ``method`` fit): the worker
    half of a match."""
    mask = sampling_mask(before) if before_mask is None else before_mask
    samples = sample_exposure(before, after, matrix, before_mask=mask, after_pyramid=after_pyramid)
    film_hand_weight(before)  # made once per film, here rather than on the GUI thread
    return mask, samples, match_exposure(samples, method=method)


class ComparisonController(QObject):
    """Everything the comparison pane, the magnifier and the controls draw from."""

    changed = Signal()  # the comparison picture must be redrawn
    match_changed = Signal()  # a new exposure match (labels, colour bar)
    options_changed = Signal()
    layout_changed = Signal(str)
    quality_changed = Signal()
    colouring_changed = Signal()  # the after pane's colouring (pane_colouring) changed
    message = Signal(str)

    def __init__(self, document: Document, runner: JobRunner) -> None:
        super().__init__(runner)
        self.document = doc = document
        self.runner = runner
        self.flicker = Flicker(self)
        self.options = ComparisonOptions()
        self.preferred_layout = "three"  # what a comparison mode opens in
        self.last_comparison_mode = "difference"
        self.pair: ComparisonPair | None = None
        self.match: ExposureMatch | None = None
        self.quality: dict | None = None
        # alignment key -> {"samples": ExposureSamples, method: ExposureMatch, ...}
        self._fits: OrderedDict[tuple, dict] = OrderedDict()
        self._fit_key: tuple | None = None
        self._pending_key: tuple | None = None
        self._mask: tuple[XrayImage, np.ndarray] | None = None
        self._settled: list[Callable[[], None]] = []
        # A new alignment's sampling starts once the frame it changed is painted: run at the
        # same time, it held the GIL so long that the paint took 3-4 times as long.
        self._sampling = QTimer(self)
        self._sampling.setSingleShot(True)
        self._sampling.setInterval(0)
        self._sampling.timeout.connect(self._start_sampling)
        self._mode = doc.view.mode
        self.flicker.phase_changed.connect(lambda _phase: self.changed.emit())
        doc.pair_changed.connect(self._on_pair_changed)
        doc.alignment_changed.connect(self._on_alignment_changed)
        doc.display_changed.connect(lambda _film: self._rebuild())
        doc.sync_changed.connect(self._rebuild)
        doc.difference_changed.connect(self._on_difference_changed)
        doc.view_changed.connect(self._on_view_changed)

    # -- mode and layout -------------------------------------------------------------------
    @property
    def mode(self) -> str:
        return self.document.view.mode

    @property
    def layout(self) -> str:
        return "two" if self.mode == SIDE_BY_SIDE else self.preferred_layout

    def set_mode(self, mode: str) -> None:
        """Show a mode: side-by-side (two panes) or a comparison (three panes or one)."""
        if mode not in VIEW_MODES:
            raise ValueError(f"unknown view mode {mode!r}; one of {', '.join(VIEW_MODES)}")
        doc = self.document
        doc.set_view(replace(doc.view, mode=mode))

    def set_layout(self, layout: str) -> None:
        if layout not in LAYOUTS:
            raise ValueError(f"unknown layout {layout!r}")
        if layout == "two":
            self.set_mode(SIDE_BY_SIDE)
            return
        changed = layout != self.preferred_layout
        self.preferred_layout = layout
        if self.mode == SIDE_BY_SIDE:
            self.set_mode(self.last_comparison_mode)  # emits layout_changed
        elif changed:
            self.layout_changed.emit(self.layout)

    def _on_view_changed(self) -> None:
        mode = self.mode
        if mode == self._mode:
            return
        was_shown = self._mode != SIDE_BY_SIDE
        self._mode = mode
        if mode != SIDE_BY_SIDE:
            self.last_comparison_mode = mode
        self.flicker.set_active(mode == "flicker")
        if mode == "flicker":
            self.flicker.set_phase("after")
        if was_shown != (mode != SIDE_BY_SIDE):
            self.layout_changed.emit(self.layout)
        self.changed.emit()

    # -- options ---------------------------------------------------------------------------
    def set_options(self, **changes) -> None:
        options = replace(self.options, **changes)
        if options != self.options:
            self.options = options
            self.options_changed.emit()
            self.changed.emit()

    def set_difference(self, **changes) -> None:
        """Change the exposure method, range or absolute option (recorded in the project)."""
        doc = self.document
        doc.set_difference(replace(doc.difference, **changes))

    @property
    def difference_range(self) -> float | None:
        """The ± range the difference shows: the user's, else the match's suggestion."""
        chosen = self.document.difference.difference_range
        return chosen if chosen is not None else self.suggested_range

    @property
    def suggested_range(self) -> float | None:
        """The automatic ± range: the 99th percentile of |difference| inside the hand."""
        if self.match is None:
            return None
        suggested = self.match.difference_range
        if math.isfinite(suggested) and suggested > 0:
            return suggested
        window = self.document.effective_window("before")  # a match made without samples
        return window.width / 4 if window is not None else None

    def render_settings(
        self,
        *,
        reveal_center: tuple[float, float] | None = None,
        reveal_size: float = 0.0,
        swipe_position: float | None = None,
    ) -> ComparisonSettings | None:
        """The core settings of the current mode (frame positions in device pixels)."""
        mode = self.mode
        if mode == SIDE_BY_SIDE or self.pair is None:
            return None
        o = self.options
        settings = ComparisonSettings(
            mode=mode,  # type: ignore[arg-type]
            blend_weight=o.blend_weight,
            tile_size=o.tile_size,
            reveal_center=reveal_center if mode == "checkerboard" and o.reveal else None,
            reveal_size=reveal_size,
            swipe_position=swipe_position,
            swipe_orientation=o.swipe_orientation,  # type: ignore[arg-type]
            flicker_phase=self.flicker.phase,
            colormap=o.colormap,
        ).using(self.document.difference)
        return replace(settings, difference_range=self.difference_range)

    # -- exposure match ------------------------------------------------------------------
    @property
    def busy(self) -> bool:
        """A match is on its way: sampling (or about to), or fitting."""
        return self.runner.busy or self._sampling.isActive()

    def when_settled(self, callback: Callable[[], None]) -> None:
        """Call back once the match of the current alignment is in use (now if it is)."""
        if self.busy:
            self._settled.append(callback)
        else:
            callback()

    def _key(self) -> tuple | None:
        doc = self.document
        if not doc.has_pair:
            return None
        return (id(doc.before), id(doc.after), doc.alignment_matrix.tobytes())

    def _on_pair_changed(self) -> None:
        self.match, self._fit_key, self._pending_key = None, None, None
        self._fits.clear()
        before = self.document.before
        if self._mask is not None and self._mask[0] is not before:
            self._mask = None
        self._on_alignment_changed()

    def _on_alignment_changed(self) -> None:
        key = self._key()
        active = self.document.active_alignment
        if key is not None and active is not None and not active.trusted:
            self._untrusted()
            return
        if key is None:
            self._stop_sampling()
            self._rebuild()
            self._release_settled()
            return
        if key in self._fits:
            # an alignment seen before (undo, redo, global <-> local): its samples are kept
            if self.busy:  # sampling another alignment, or fitting one
                self._stop_sampling()
            self._use_fit(key)
            self._release_settled()
            return
        if key != self._pending_key:
            self.runner.cancel()  # another alignment's samples are no use now
            self._pending_key = key
            self._sampling.start()
        self._rebuild()  # the new alignment at once, with the match we have

    def _start_sampling(self) -> None:
        key = self._key()
        if key is None or key != self._pending_key:
            self._pending_key = None
            self._release_settled()
            return
        doc = self.document
        before, after = doc.before, doc.after
        assert before is not None and after is not None
        mask = self._mask[1] if self._mask is not None else None
        self.runner.submit(
            sample_alignment,
            before,
            after,
            doc.alignment_matrix,
            pyramid_for(after),
            mask,
            doc.difference.exposure_method,
            on_done=self._on_sampled,
            on_error=self._on_sampling_failed,
        )

    def _stop_sampling(self) -> None:
        self._sampling.stop()
        self.runner.cancel()
        self._pending_key = None

    def _untrusted(self) -> None:
        """A failed alignment pairs different anatomy: no exposure match is fitted from it
        (one such fit had a gain of 0.05 and washed the after film out)."""
        after = self.document.after
        assert after is not None
        if self._pending_key is not None:
            self._stop_sampling()
        self._fit_key = None
        self.match = identity_match(after)
        self._rebuild()
        self.match_changed.emit()
        self._release_settled()

    def _on_sampled(self, result: object) -> None:
        mask, samples, match = result  # type: ignore[misc]
        key, self._pending_key = self._pending_key, None
        if key is None or key[:2] != (self._key() or ())[:2]:
            self._release_settled()  # for films no longer open
            return
        before = self.document.before
        assert before is not None
        self._mask = (before, mask)
        self._fits[key] = {"samples": samples, match.method: match}
        while len(self._fits) > CACHED_ALIGNMENTS:
            self._fits.popitem(last=False)
        if key == self._key():
            self._use_fit(key)
        self._release_settled()

    def _on_sampling_failed(self, exc: object, details: str) -> None:
        self._pending_key = None
        after = self.document.after
        if self.match is None and after is not None:
            # the views still work, on the films as exposed (and say so)
            self.match = identity_match(after)
            self._rebuild()
            self.match_changed.emit()
        self.message.emit(f"Exposure matching failed ({exc}): comparing the films as exposed.")
        self._release_settled()

    def _release_settled(self) -> None:
        callbacks, self._settled = self._settled, []
        for callback in callbacks:
            callback()

    def _use_fit(self, key: tuple) -> None:
        """Use the samples of alignment ``key``: the chosen method's fit (made once, on the
        thread pool), recorded."""
        self._fits.move_to_end(key)
        self._fit_key = key
        fits = self._fits[key]
        doc = self.document
        method = doc.difference.exposure_method
        if method not in fits:
            self._fit_later(key, method)
            return
        self.match = fits[method]
        linear = method == "linear"
        doc.set_difference(
            replace(
                doc.difference,
                exposure_gain=round(self.match.gain, 6) if linear else None,
                exposure_offset=round(self.match.intercept, 4) if linear else None,
            )
        )
        self._rebuild()
        self.match_changed.emit()

    def _fit_later(self, key: tuple, method: ExposureMethod) -> None:
        """Fit ``method`` to the samples of alignment ``key`` off the GUI thread; the view keeps
        the match it has until the fit arrives."""
        if self._pending_key is not None:
            return  # a sampling job is under way: its result is fitted with the method in use
        self.runner.submit(
            match_exposure,
            self._fits[key]["samples"],
            method=method,
            on_done=lambda match: self._on_fitted(key, match),
            on_error=self._on_sampling_failed,
        )
        self.changed.emit()  # labels say the match is on its way

    def _on_fitted(self, key: tuple, match: ExposureMatch) -> None:
        if key in self._fits:
            self._fits[key][match.method] = match
            if key == self._key():
                self._use_fit(key)
        self._release_settled()

    def _on_difference_changed(self) -> None:
        method = self.document.difference.exposure_method
        if self.match is not None and self.match.method != method and self._fit_key in self._fits:
            self._use_fit(self._fit_key)  # emits changed through _rebuild
        else:
            self.changed.emit()

    def set_quality(self, quality: object) -> None:
        """The active alignment's quality figures (shown on the comparison), or None."""
        self.quality = quality if isinstance(quality, dict) else None
        self.quality_changed.emit()

    # -- the pair every frame is drawn from -------------------------------------------------
    def _rebuild(self) -> None:
        doc = self.document
        before, after = doc.before, doc.after
        match = self.match
        if before is None or after is None or match is None:
            self.pair = None
        else:
            self.pair = document_comparison(doc, match=match)
        self.colouring_changed.emit()
        self.changed.emit()

    def pane_colouring(self, film: Film) -> Colouring | None:
        """The after pane through the match and the before window, when W/L is linked.

        Only once the films are aligned: a match fitted on unaligned films pairs different
        anatomy and flattens the contrast (regression to the mean), so until then each film
        keeps its own window.
        """
        pair = self.pair
        if (
            film != "after"
            or pair is None
            or not self.document.link_window
            or pair.match.method == "none"
            or self.document.active_alignment is None
        ):
            return None
        return pair.after_lut.apply

    @property
    def match_description(self) -> str:
        """What was done to the exposure, for labels: the method and its fit."""
        d: DifferenceSettings = self.document.difference
        if self.match is None:
            return "matching exposure…" if self.busy else "exposure not matched yet"
        active = self.document.active_alignment
        if active is not None and not active.trusted:
            return "no exposure matching (the alignment failed)"
        if self.match.method != d.exposure_method and self.busy:
            return "matching exposure…"  # the chosen method's fit is on its way
        if self.match.method == "none":
            return "no exposure matching"
        if self.match.method == "histogram":
            return "histogram matching (non-linear)"
        return f"linear match: {self.match.label}" if d.exposure_gain is not None else "linear"

    def prepare_screenshot(self) -> None:
        """One definite frame for a documentation screenshot: flicker stops on after."""
        self.flicker.stop_on("after")
        if self.mode != SIDE_BY_SIDE:
            self.changed.emit()
