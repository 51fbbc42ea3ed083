"""Exposure matching: bring the after film's values into the before film's units.

Films years apart never share exposure, processing or even detector, so a difference image
or a shared window/level is meaningless until the after film's values are mapped onto the
before film's. The mapping is fitted once per alignment, off the UI thread, from both films
sampled at low resolution in the before frame through the alignment, inside the before
film's hand mask where the after film has data. It is stored as a float32 table over every
stored value of the after film, so applying it to a frame is one lookup.

Methods
-------
``"none"``
    The after film's modality values as they are.
``"linear"`` (the default)
    ``matched = gain * after + offset``, fitted by least trimmed squares on the paired
    samples: the quarter of pairs with the largest residuals (erosions, remodeling,
    positioning errors at the skin edge, burnt-in markers) is dropped at every step, so
    local change does not bias the fit. It is the default because two numbers cannot
    absorb a local change, so erosions keep their true contrast, and because a whole-image
    linear adjustment is what journals accept without disclosure.
``"histogram"``
    The after values' distribution (CDF) mapped onto the before values' distribution over
    the same pixels: follows any monotonic change of processing (gamma, a different
    detector curve), at the price of being non-linear (disclose it in a figure legend) and of
    absorbing a little of any change that covers much of the hand.
"""

from __future__ import annotations

import math
import threading
import weakref
from dataclasses import dataclass

import cv2
import numpy as np

from xraycompare.core.geometry import as_matrix, invert
from xraycompare.core.io.display import DisplayLut, voi_transform
from xraycompare.core.io.hand_mask import foreground_mask, sample_pixels
from xraycompare.core.io.image import Window, XrayImage
from xraycompare.core.io.pyramid import ImagePyramid
from xraycompare.core.types import ExposureMethod

# The robust one: two numbers cannot absorb a local change, so erosions keep their true
# contrast, and it is a whole-image linear adjustment (see the module notes).
DEFAULT_EXPOSURE_METHOD: ExposureMethod = "linear"

_KEEP = 0.75  # least trimmed squares keeps the best-fitting three quarters of the pairs
_QUANTILES = 512  # CDF knots for histogram matching
_DIFFERENCE_PERCENTILE = 99.0  # default ± range of the difference view


@dataclass(frozen=True, eq=False)
class ExposureSamples:
    """Paired values of both films at the same anatomy, ready for any matching method.

    ``before`` and ``after`` are 1-D float32 modality values of the same pixels (inside the
    before film's hand, where the after film has data), in each film's own units.
    """

    before: np.ndarray
    after: np.ndarray
    same_polarity: bool
    after_values: np.ndarray  # after modality value of every stored value (float32)
    after_offset: int  # the stored value of after_values[0]


@dataclass(frozen=True, eq=False)
class ExposureMatch:
    """A fitted mapping from after stored values to before modality units.

    ``table[s - offset]`` is the matched value of after stored value ``s``; ``gain`` and
    ``intercept`` are the linear part (the fit itself for ``"linear"``, the tails for
    ``"histogram"``). ``residual`` is the robust spread (1.4826 × MAD) of matched after
    minus before inside the hand and ``difference_range`` a suggested ± range for the
    difference view, both in before modality units.
    """

    method: ExposureMethod
    table: np.ndarray
    offset: int
    gain: float = 1.0
    intercept: float = 0.0
    residual: float = math.nan
    difference_range: float = math.nan
    samples: int = 0

    def __post_init__(self) -> None:
        table = np.array(self.table, dtype=np.float32)
        table.flags.writeable = False
        object.__setattr__(self, "table", table)

    @property
    def label(self) -> str:
        """What was done, for the UI: e.g. "gain 1.12, offset −40"."""
        if self.method == "none":
            return "no exposure matching"
        if self.method == "histogram":
            return "histogram matching inside the hand"
        return f"gain {_signed(self.gain)}, offset {_signed(self.intercept)}"

    @property
    def is_linear(self) -> bool:
        """True when the mapping is a whole-image linear adjustment (no disclosure needed)."""
        return self.method != "histogram"

    @property
    def legend(self) -> str:
        """A sentence for a figure legend."""
        if self.method == "none":
            return "No exposure matching was applied."
        if self.method == "linear":
            return (
                "Follow-up intensities were linearly matched to baseline "
                f"(gain {_signed(self.gain)}, offset {_signed(self.intercept)}) inside the hand."
            )
        return (
            "Follow-up intensities were matched to baseline by histogram matching inside "
            "the hand (a non-linear adjustment)."
        )

    def apply(self, stored: np.ndarray) -> np.ndarray:
        """After stored values (any shape) -> matched values (float32, before units)."""
        return np.take(self.table, np.asarray(stored).astype(np.int32) - self.offset, mode="clip")


def value_range(image: XrayImage) -> tuple[int, int]:
    """The stored values a table must cover: the declared range plus any outliers.

    The same range as :func:`xraycompare.core.io.image.display_lut`, so tables line up.
    """
    cached = _RANGES.get(image)
    if cached is None:
        low, high = image.stored_range
        if image.pixels.size:
            low, high = min(low, int(image.pixels.min())), max(high, int(image.pixels.max()))
        cached = _RANGES[image] = (low, high)
    return cached


_RANGES: weakref.WeakKeyDictionary[XrayImage, tuple[int, int]] = weakref.WeakKeyDictionary()


def modality_table(image: XrayImage) -> tuple[np.ndarray, int]:
    """(float32 modality value of every stored value, the stored value of entry 0)."""
    low, high = value_range(image)
    return image.modality_values(np.arange(low, high + 1, dtype=np.int32)), low


def sample_exposure(
    before: XrayImage,
    after: XrayImage,
    matrix: np.ndarray,
    *,
    max_side: int = 512,
    before_mask: np.ndarray | None = None,
    after_pyramid: ImagePyramid | None = None,
) -> ExposureSamples:
    """Sample both films at low resolution in the before frame, inside the hand.

    Parameters
    ----------
    before, after
        The films.
    matrix
        3×3 alignment, after pixel coordinates -> before pixel coordinates.
    max_side
        Longer side of the sampling raster (area-averaged, so noise is averaged out too).
    before_mask
        The before film's hand mask at the sampling resolution; computed when None.
    after_pyramid
        The after film's pyramid, if one exists already.

    Returns
    -------
    ExposureSamples
        Paired values; falls back to the whole overlap when the hand mask and the after
        film barely overlap.
    """
    before_low = sample_pixels(before.pixels, max_side=max_side)
    h, w = before_low.shape
    sx, sy = before.width / w, before.height / h
    low_to_before = np.array([[sx, 0, 0.5 * sx - 0.5], [0, sy, 0.5 * sy - 0.5], [0, 0, 1.0]])
    pyramid = after_pyramid if after_pyramid is not None else ImagePyramid(after.pixels)
    low_to_after = invert(as_matrix(matrix)) @ low_to_before
    after_low = pyramid.sample(low_to_after, (w, h))
    # Pixels near the after film's edge mix in the border value; keep clear of them.
    valid = pyramid.valid_mask(low_to_after, (w, h)).astype(np.uint8)
    valid = cv2.erode(valid, np.ones((5, 5), np.uint8), borderValue=0).astype(bool)
    before_values = before.modality_values(before_low)
    if before_mask is None:
        before_mask = foreground_mask(before_values, invert=before.invert)
    elif before_mask.shape != before_low.shape:
        raise ValueError(f"the before mask is {before_mask.shape}, sampling is {before_low.shape}")
    inside = before_mask & valid
    if inside.sum() < 0.05 * valid.sum() or inside.sum() < 64:
        inside = valid if valid.sum() >= 64 else np.ones_like(valid)
    after_values, after_offset = modality_table(after)
    return ExposureSamples(
        before=before_values[inside].astype(np.float32),
        after=after.modality_values(after_low)[inside].astype(np.float32),
        same_polarity=before.invert == after.invert,
        after_values=after_values,
        after_offset=after_offset,
    )


def sampling_mask(before: XrayImage, *, max_side: int = 512) -> np.ndarray:
    """The before film's hand mask at the resolution :func:`sample_exposure` samples at.

    It costs most of a sampling (tens of milliseconds) and depends on the before film only,
    so it is made once per film and kept while the film lives (read-only; pass it as
    ``before_mask`` for every new alignment). The difference view dims outside it.
    """
    key = (max_side,)
    with _MASK_LOCK:
        cached = _MASKS.get(before, {}).get(key)
    if cached is not None:
        return cached
    before_low = sample_pixels(before.pixels, max_side=max_side)
    mask = foreground_mask(before.modality_values(before_low), invert=before.invert)
    mask.flags.writeable = False
    with _MASK_LOCK:
        _MASKS.setdefault(before, {})[key] = mask
    return mask


_MASKS: weakref.WeakKeyDictionary[XrayImage, dict[tuple, np.ndarray]] = weakref.WeakKeyDictionary()
_MASK_LOCK = threading.Lock()


def match_exposure(
    samples: ExposureSamples, *, method: ExposureMethod = DEFAULT_EXPOSURE_METHOD
) -> ExposureMatch:
    """Fit one matching method to paired samples (milliseconds; the sampling is the cost).

    Parameters
    ----------
    samples
        From :func:`sample_exposure`.
    method
        ``"none"``, ``"linear"`` or ``"histogram"`` (see the module notes).

    Returns
    -------
    ExposureMatch
        The table over every after stored value, with its label and fit statistics.
    """
    x, y = samples.after.astype(np.float64), samples.before.astype(np.float64)
    values = samples.after_values.astype(np.float64)
    gain, intercept = 1.0, 0.0
    if method == "none":
        table, matched = values, x
    elif method in ("linear", "histogram"):
        gain, intercept = _trimmed_linear_fit(x, y, same_polarity=samples.same_polarity)
        if method == "linear":
            table, matched = gain * values + intercept, gain * x + intercept
        else:
            knots = _quantile_knots(x, y, same_polarity=samples.same_polarity)
            table = _through_knots(values, knots, gain)
            matched = _through_knots(x, knots, gain)
    else:
        raise ValueError(f"unknown exposure matching method {method!r}")
    residual, suggested = 0.0, 1.0
    if len(y):
        diff = matched - y
        residual = float(1.4826 * np.median(np.abs(diff - np.median(diff))))
        suggested = float(np.percentile(np.abs(diff), _DIFFERENCE_PERCENTILE))
        suggested = max(suggested, 1e-3 * float(np.ptp(y)), 1e-6)
    return ExposureMatch(
        method=method,
        table=table,
        offset=samples.after_offset,
        gain=float(gain),
        intercept=float(intercept),
        residual=residual,
        difference_range=suggested,
        samples=len(y),
    )


def fit_exposure_match(
    before: XrayImage,
    after: XrayImage,
    matrix: np.ndarray,
    *,
    method: ExposureMethod = DEFAULT_EXPOSURE_METHOD,
    max_side: int = 512,
) -> ExposureMatch:
    """Sample and fit in one call (see :func:`sample_exposure` and :func:`match_exposure`)."""
    samples = sample_exposure(before, after, matrix, max_side=max_side)
    return match_exposure(samples, method=method)


def identity_match(after: XrayImage) -> ExposureMatch:
    """The ``"none"`` match without sampling: the after film's own modality values."""
    table, offset = modality_table(after)
    return ExposureMatch(method="none", table=table, offset=offset)


def matched_display_lut(
    before: XrayImage,
    after: XrayImage,
    *,
    match: ExposureMatch,
    window: Window | None = None,
    voi_lut_index: int | None = None,
    inverted: bool = False,
) -> DisplayLut:
    """The after film's display table through the match and the *before* film's window.

    With it both films look alike on one window/level control: the after film is shown as
    if it had been taken with the before film's exposure.

    Parameters
    ----------
    before
        The film whose window, VOI LUT and polarity apply.
    after
        The film the table is for (``match`` must have been fitted for it).
    match
        The exposure match.
    window, voi_lut_index, inverted
        The before film's display settings, as for
        :func:`xraycompare.core.io.image.display_lut`.

    Returns
    -------
    DisplayLut
        After stored value -> display byte.
    """
    low, high = value_range(after)
    if match.offset != low or len(match.table) != high - low + 1:
        raise ValueError("the exposure match was fitted for another after film")
    values = match.table
    if voi_lut_index is not None:
        lut = before.voi_luts[voi_lut_index]
        unit = np.clip(lut.apply(values) / np.float32((1 << lut.output_bits) - 1), 0.0, 1.0)
    else:
        unit = voi_transform(values, window or before.default_window)
    if before.invert != inverted:
        unit = 1.0 - unit
    return DisplayLut(table=np.rint(unit * 255.0).astype(np.uint8), offset=match.offset)


def _trimmed_linear_fit(
    x: np.ndarray, y: np.ndarray, *, same_polarity: bool
) -> tuple[float, float]:
    """y ≈ gain·x + intercept by least trimmed squares (concentration steps)."""
    if len(x) < 8 or not np.ptp(x) > 0:
        return 1.0, float(np.median(y - x)) if len(x) else 0.0
    # Start from the robust spreads (quartiles), signed by the films' polarities.
    qx, qy = np.percentile(x, [25, 50, 75]), np.percentile(y, [25, 50, 75])
    gain = (qy[2] - qy[0]) / max(qx[2] - qx[0], 1e-12) * (1.0 if same_polarity else -1.0)
    intercept = qy[1] - gain * qx[1]
    keep_count = max(8, int(_KEEP * len(x)))
    for _ in range(30):
        residual = np.abs(y - (gain * x + intercept))
        keep = residual <= np.partition(residual, keep_count - 1)[keep_count - 1]
        xk, yk = x[keep], y[keep]
        dx = xk - xk.mean()
        # Elementwise sums, not BLAS dot products: OpenBLAS threads spin for hundreds of
        # milliseconds when the cores are busy (the UI, a registration, other work).
        new_gain = float(np.sum(dx * (yk - yk.mean())) / max(float(np.sum(dx * dx)), 1e-12))
        new_intercept = float(yk.mean() - new_gain * xk.mean())
        # Each step lowers the trimmed sum of squares; near the end the kept set creeps and
        # the line moves by far less than the films' noise, so stop there.
        span = float(np.ptp(y)) or 1.0
        done = (
            abs(new_gain - gain) * float(np.ptp(x)) <= 1e-4 * span
            and abs(new_intercept - intercept) <= 1e-4 * span
        )
        gain, intercept = new_gain, new_intercept
        if done:
            break
    return float(gain), float(intercept)


def _quantile_knots(
    x: np.ndarray, y: np.ndarray, *, same_polarity: bool
) -> tuple[np.ndarray, np.ndarray]:
    """Matching quantiles of x and y: the CDF of x mapped onto the CDF of y."""
    q = np.linspace(0.0, 100.0, _QUANTILES)
    qx = np.percentile(x, q)
    qy = np.percentile(y, q if same_polarity else q[::-1])
    # Flat runs of x (many equal samples) would make the mapping ambiguous: average them.
    qx, inverse = np.unique(qx, return_inverse=True)
    qy = np.bincount(inverse, weights=qy) / np.bincount(inverse)
    return qx, qy


def _through_knots(v: np.ndarray, knots: tuple[np.ndarray, np.ndarray], gain: float) -> np.ndarray:
    """Piecewise-linear through the knots; beyond them (air, markers) the linear slope."""
    qx, qy = knots
    if len(qx) < 2:
        return gain * (v - qx[0]) + qy[0]
    out = np.interp(v, qx, qy)
    below, above = v < qx[0], v > qx[-1]
    out[below] = qy[0] + gain * (v[below] - qx[0])
    out[above] = qy[-1] + gain * (v[above] - qx[-1])
    return out


def _signed(value: float) -> str:
    text = f"{value:.3g}" if abs(value) < 1000 else f"{value:.0f}"
    return text.replace("-", "\u2212")
