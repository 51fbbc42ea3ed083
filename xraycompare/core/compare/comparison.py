"""Comparison images of a registered pair, per screen frame or at full resolution.

Views draw in the *before* frame: a frame is the raster of device pixels a view shows, and
``device_to_before`` maps its pixel (x, y) to before pixel coordinates. A
:class:`ComparisonPair` holds what stays fixed between frames (both pyramids, the alignment,
the display tables, the exposure match); :meth:`ComparisonPair.render` samples both films
straight into the frame (the after film through the inverse alignment) and composes the
mode, so a frame costs O(screen pixels) whatever the film size. Rebuild the pair (cheap,
given the pyramids and the match) when the alignment, the match or a window changes.

The signed difference is ``after_matched - before`` in the before film's modality units,
signed so that positive means *brighter in the bone-white display* (more bone): the sign is
flipped for MONOCHROME1-like films, whose modality values fall as bone density rises.
"""

from __future__ import annotations

import threading
import weakref
from dataclasses import dataclass

import cv2
import numpy as np

from xraycompare.core.compare import compositing
from xraycompare.core.compare.exposure import (
    ExposureMatch,
    match_exposure,
    matched_display_lut,
    modality_table,
    sample_exposure,
    sampling_mask,
    value_range,
)
from xraycompare.core.compare.frames import frame_valid_mask, sample_frame
from xraycompare.core.compare.quieting import (
    dim_outside,
    film_pixels_per_device,
    hand_weight,
    quieted,
)
from xraycompare.core.compare.settings import ComparisonSettings
from xraycompare.core.geometry import IDENTITY, as_matrix, invert
from xraycompare.core.io.display import DisplayLut, DisplaySettings, display_lut
from xraycompare.core.io.image import XrayImage
from xraycompare.core.io.pyramid import ImagePyramid
from xraycompare.core.types import Interpolation


def render_comparison(
    before: np.ndarray | None,
    after: np.ndarray | None,
    *,
    settings: ComparisonSettings,
    device_to_before: np.ndarray | None = None,
    before_valid: np.ndarray | None = None,
    after_valid: np.ndarray | None = None,
    before_values: np.ndarray | None = None,
    after_values: np.ndarray | None = None,
) -> np.ndarray:
    """Compose one comparison frame from two co-registered rasters.

    Parameters
    ----------
    before, after
        (H, W) uint8 display values of each film in the frame (unused by the difference).
    settings
        The mode and its options.
    device_to_before
        3×3 map from frame pixels to before pixels (checkerboard anchoring); None when the
        frame is the before grid.
    before_valid, after_valid
        Bool (H, W), True where each film has data; None = everywhere.
    before_values, after_values
        For the difference only: float32 values in one unit (after exposure-matched).

    Returns
    -------
    numpy.ndarray
        (H, W, 3) uint8 RGB.
    """
    s = settings
    common = {"no_data": s.no_data}
    if s.mode == "difference":
        if before_values is None or after_values is None:
            raise ValueError("the difference needs before_values and after_values")
        if s.difference_range is None:
            raise ValueError("the difference needs settings.difference_range here")
        valid = _both(before_valid, after_valid)
        return compositing.difference_image(
            before_values,
            after_values,
            limit=s.difference_range,
            absolute=s.absolute_difference,
            colormap=s.difference_colormap,
            valid=valid,
            **common,
        )
    if s.mode == "flicker":
        shown, valid = (
            (before, before_valid) if s.flicker_phase == "before" else (after, after_valid)
        )
        if shown is None:
            raise ValueError(f"flicker phase {s.flicker_phase} needs that film's display values")
        return compositing.single(shown, valid=valid, **common)
    if before is None or after is None:
        raise ValueError(f"{s.mode} needs both films' display values")
    masks = {"before_valid": before_valid, "after_valid": after_valid, **common}
    if s.mode == "overlay":
        return compositing.overlay(before, after, **masks)
    if s.mode == "blend":
        return compositing.blend(before, after, weight=s.blend_weight, **masks)
    if s.mode == "checkerboard":
        return compositing.checkerboard(
            before,
            after,
            tile_size=s.tile_size,
            device_to_before=device_to_before,
            reveal_center=s.reveal_center,
            reveal_size=s.reveal_size,
            **masks,
        )
    return compositing.swipe(
        before, after, position=s.swipe_position, orientation=s.swipe_orientation, **masks
    )


@dataclass(frozen=True, eq=False)
class ComparisonPair:
    """Both films ready for per-frame comparison rendering in the before frame.

    Build with :func:`prepare_pair`. ``before_values`` / ``after_values`` are float32
    tables from stored value (minus the offset) to signed before modality units (after
    through the exposure match); ``polarity`` is the sign applied (−1 for MONOCHROME1-like
    before films), so ``after - before`` is positive where the after film looks brighter.
    """

    before_pyramid: ImagePyramid
    after_pyramid: ImagePyramid
    after_to_before: np.ndarray
    match: ExposureMatch
    before_lut: DisplayLut
    after_lut: DisplayLut
    before_values: np.ndarray
    before_offset: int
    after_values: np.ndarray
    after_offset: int
    polarity: float
    hand_weight: np.ndarray | None = None  # feathered before hand (quieting.hand_weight)
    hand_to_before: np.ndarray | None = None  # its pixel -> before pixel

    @property
    def difference_range(self) -> float:
        """The suggested ± range of the difference view (before modality units)."""
        return self.match.difference_range

    def render(
        self,
        device_to_before: np.ndarray,
        size: tuple[int, int],
        *,
        settings: ComparisonSettings,
        interpolation: Interpolation = "linear",
    ) -> np.ndarray:
        """One frame: (height, width, 3) uint8 RGB for ``size`` = (width, height).

        Parameters
        ----------
        device_to_before
            3×3 map from frame pixel (x, y) to before pixel coordinates.
        size
            The frame's (width, height) in device pixels.
        settings
            Mode and options; a None ``difference_range`` uses :attr:`difference_range`.
        interpolation
            How stored values are resampled (``"nearest"``, ``"linear"``, ``"cubic"``).
        """
        d = as_matrix(device_to_before)
        w, h = max(1, int(size[0])), max(1, int(size[1]))
        to_after = invert(self.after_to_before) @ d
        s = settings
        need_before = s.mode != "flicker" or s.flicker_phase == "before"
        need_after = s.mode != "flicker" or s.flicker_phase == "after"
        how = {"interpolation": interpolation}
        before = sample_frame(self.before_pyramid, d, (w, h), **how) if need_before else None
        after = sample_frame(self.after_pyramid, to_after, (w, h), **how) if need_after else None
        before_valid = (
            frame_valid_mask(self.before_pyramid.shape, d, (w, h)) if need_before else None
        )
        after_valid = (
            frame_valid_mask(self.after_pyramid.shape, to_after, (w, h)) if need_after else None
        )
        if s.mode == "difference":
            return self._difference(d, (w, h), before, after, before_valid, after_valid, s)
        return render_comparison(
            None if before is None else self.before_lut.apply(before),
            None if after is None else self.after_lut.apply(after),
            settings=s,
            device_to_before=d,
            before_valid=before_valid,
            after_valid=after_valid,
        )

    def _difference(
        self,
        d: np.ndarray,
        size: tuple[int, int],
        before: np.ndarray | None,
        after: np.ndarray | None,
        before_valid: np.ndarray | None,
        after_valid: np.ndarray | None,
        s: ComparisonSettings,
    ) -> np.ndarray:
        """The difference frame: quieted as chosen, dimmed outside the hand if asked."""
        radius = s.filter_radius / film_pixels_per_device(d)  # film pixels -> frame pixels
        if s.difference_filter == "tolerant":
            # zoomed out, a frame pixel averages several film pixels and a shifted edge still
            # leaves a seam a frame pixel wide: never tolerate less than one frame pixel
            radius = max(1.0, radius)
        b, a = quieted(
            _lookup(self.before_values, before, self.before_offset),
            _lookup(self.after_values, after, self.after_offset),
            method=s.difference_filter,
            radius=radius,
        )
        rgb = compositing.difference_image(
            b,
            a,
            limit=s.difference_range or self.difference_range,
            absolute=s.absolute_difference,
            colormap=s.difference_colormap,
            valid=_both(before_valid, after_valid),
            no_data=s.no_data,
        )
        if s.outside_hand != "dim" or self.hand_weight is None or self.hand_to_before is None:
            return rgb
        to_hand = invert(self.hand_to_before) @ d
        weight = cv2.warpAffine(
            self.hand_weight,
            to_hand[:2],
            size,
            flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
            borderMode=cv2.BORDER_CONSTANT,
            borderValue=0.0,
        )
        assert before is not None
        grey = self.before_lut.apply(before)
        return dim_outside(
            rgb,
            grey,
            weight,
            valid=before_valid,
            no_data=s.no_data,
            neutral=s.difference_colormap.centre,
        )


def prepare_pair(
    before: XrayImage,
    after: XrayImage,
    matrix: np.ndarray,
    *,
    match: ExposureMatch | None = None,
    before_display: DisplaySettings | None = None,
    after_display: DisplaySettings | None = None,
    link_window: bool = True,
    before_pyramid: ImagePyramid | None = None,
    after_pyramid: ImagePyramid | None = None,
    before_hand: np.ndarray | None = None,
) -> ComparisonPair:
    """Get a pair ready for :meth:`ComparisonPair.render`.

    Parameters
    ----------
    before, after
        The films.
    matrix
        3×3 alignment, after pixel coordinates -> before pixel coordinates.
    match
        The exposure match for this alignment; fitted here (default method) when None,
        which takes tens of milliseconds: pass it from a worker in an interactive view.
    before_display, after_display
        Each film's window settings (file defaults when None).
    link_window
        Show the after film through the match and the *before* window, so one window/level
        control makes both look alike; otherwise through its own settings.
    before_pyramid, after_pyramid
        The films' shared pyramids; built here when None.
    before_hand
        The before film's hand mask (bool, any resolution covering the whole film) that
        the difference dims outside; :func:`.exposure.sampling_mask` (made once per film)
        when None.

    Returns
    -------
    ComparisonPair
        Cheap to rebuild once pyramids and match exist (tables of the stored range only).
    """
    m = as_matrix(matrix)
    before_pyramid = before_pyramid if before_pyramid is not None else ImagePyramid(before.pixels)
    after_pyramid = after_pyramid if after_pyramid is not None else ImagePyramid(after.pixels)
    if match is None:
        match = match_exposure(sample_exposure(before, after, m, after_pyramid=after_pyramid))
    low, high = value_range(after)
    if match.offset != low or len(match.table) != high - low + 1:
        raise ValueError("the exposure match was fitted for another after film")
    bd = before_display or DisplaySettings()
    ad = after_display or DisplaySettings()
    before_lut = display_lut(
        before, bd.window, voi_lut_index=bd.voi_lut_index, inverted=bd.inverted
    )
    if link_window:
        after_lut = matched_display_lut(
            before,
            after,
            match=match,
            window=bd.window,
            voi_lut_index=bd.voi_lut_index,
            inverted=bd.inverted,
        )
    else:
        after_lut = display_lut(
            after, ad.window, voi_lut_index=ad.voi_lut_index, inverted=ad.inverted
        )
    polarity = -1.0 if before.invert else 1.0
    before_values, before_offset = modality_table(before)
    weight = film_hand_weight(before) if before_hand is None else hand_weight(before_hand)
    mh, mw = weight.shape
    sx, sy = before.width / mw, before.height / mh
    hand_to_before = np.array([[sx, 0, 0.5 * sx - 0.5], [0, sy, 0.5 * sy - 0.5], [0, 0, 1.0]])
    return ComparisonPair(
        before_pyramid=before_pyramid,
        after_pyramid=after_pyramid,
        after_to_before=m,
        match=match,
        before_lut=before_lut,
        after_lut=after_lut,
        before_values=(before_values * np.float32(polarity)).astype(np.float32),
        before_offset=before_offset,
        after_values=(match.table * np.float32(polarity)).astype(np.float32),
        after_offset=match.offset,
        polarity=polarity,
        hand_weight=weight,
        hand_to_before=hand_to_before,
    )


def comparison_image(
    before: XrayImage,
    after: XrayImage,
    matrix: np.ndarray,
    *,
    settings: ComparisonSettings,
    match: ExposureMatch | None = None,
    before_display: DisplaySettings | None = None,
    after_display: DisplaySettings | None = None,
    link_window: bool = True,
) -> np.ndarray:
    """A comparison at full resolution in the before frame, for exports, tests, headless use.

    Parameters are those of :func:`prepare_pair` and :meth:`ComparisonPair.render`; frame
    coordinates (swipe position, reveal square) are before pixel coordinates here.

    Returns
    -------
    numpy.ndarray
        (before.height, before.width, 3) uint8 RGB.
    """
    pair = prepare_pair(
        before,
        after,
        matrix,
        match=match,
        before_display=before_display,
        after_display=after_display,
        link_window=link_window,
    )
    return pair.render(IDENTITY, (before.width, before.height), settings=settings)


def film_hand_weight(before: XrayImage) -> np.ndarray:
    """The feathered weight of the film's own hand mask, made once per film and kept while
    the film lives: a pair is prepared again for every window/level step and match, and the
    feathering (a dilation and a blur) cost milliseconds of each.

    Returns
    -------
    numpy.ndarray
        Read-only float32 weight at :func:`.exposure.sampling_mask` resolution (see
        :func:`.quieting.hand_weight`).
    """
    with _WEIGHT_LOCK:
        cached = _WEIGHTS.get(before)
    if cached is None:
        cached = hand_weight(sampling_mask(before))
        cached.flags.writeable = False
        with _WEIGHT_LOCK:
            _WEIGHTS[before] = cached
    return cached


_WEIGHTS: weakref.WeakKeyDictionary[XrayImage, np.ndarray] = weakref.WeakKeyDictionary()
_WEIGHT_LOCK = threading.Lock()


def _lookup(table: np.ndarray, stored: np.ndarray | None, offset: int) -> np.ndarray:
    assert stored is not None
    index = stored if offset == 0 and stored.dtype != np.int16 else stored.astype(np.int32) - offset
    return np.take(table, index, mode="clip")


def _both(a: np.ndarray | None, b: np.ndarray | None) -> np.ndarray | None:
    if a is None:
        return b
    if b is None:
        return a
    return a & b
