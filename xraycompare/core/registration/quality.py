"""How good an alignment is, measured inside the hand; and resampling the after film.

Quality is measured on copies about 400 px on a side, so it costs a few milliseconds and can
follow live nudges (:class:`QualityProbe` keeps the copies between calls).
"""

from __future__ import annotations

import threading
import weakref
from dataclasses import dataclass

import cv2
import numpy as np

from xraycompare.core.io.hand_mask import foreground_mask

_PROBE_SIDE = 400
_INTERPOLATIONS = {
    "nearest": cv2.INTER_NEAREST,
    "linear": cv2.INTER_LINEAR,
    "cubic": cv2.INTER_CUBIC,
}


@dataclass(frozen=True)
class RegistrationQuality:
    """Alignment figures inside the before film's hand.

    ``ncc_initial`` / ``ncc_final``: normalised (Pearson) correlation of the two films'
    values inside the hand, unaligned (identity) and aligned; ``mi_final``: normalised
    mutual information ``2 I(A;B) / (H(A) + H(B))`` in [0, 1] after alignment (robust to
    exposure and processing differences); ``overlap``: the fraction of the before hand that
    the aligned after hand covers.
    """

    ncc_initial: float
    ncc_final: float
    mi_final: float
    overlap: float

    def as_dict(self) -> dict[str, float]:
        """The figures as a plain dict (for JSON)."""
        return {
            "ncc_initial": float(self.ncc_initial),
            "ncc_final": float(self.ncc_final),
            "mi_final": float(self.mi_final),
            "overlap": float(self.overlap),
        }


def bone_bright(film) -> np.ndarray:
    """A film's values as float32 with bone bright, from an XrayImage or an (H, W) array."""
    if hasattr(film, "pixels") and hasattr(film, "invert"):
        values = np.asarray(film.pixels, dtype=np.float32)
        return -values if film.invert else values
    values = np.asarray(film)
    if values.ndim != 2:
        raise ValueError(f"expected an (H, W) film, got an array of shape {values.shape}")
    return values.astype(np.float32, copy=False)


def _small(values: np.ndarray, side: int) -> tuple[np.ndarray, float]:
    h, w = values.shape
    factor = max(1.0, max(h, w) / side)
    if factor == 1.0:
        return values, 1.0
    size = (max(1, round(w / factor)), max(1, round(h / factor)))
    small = cv2.resize(values, size, interpolation=cv2.INTER_AREA)
    return small, 0.5 * (w / size[0] + h / size[1])


def _to_small(factor: float) -> np.ndarray:
    """Full-resolution pixel coordinates -> area-downsampled copy coordinates."""
    return np.array(
        [[1 / factor, 0, 0.5 / factor - 0.5], [0, 1 / factor, 0.5 / factor - 0.5], [0, 0, 1]]
    )


def _fit_mask(mask: np.ndarray | None, values: np.ndarray) -> np.ndarray:
    if mask is None:
        return foreground_mask(values)
    m = np.asarray(mask)
    if m.shape != values.shape:
        m = cv2.resize(m.astype(np.uint8), values.shape[::-1], interpolation=cv2.INTER_NEAREST)
    return m.astype(bool)


class QualityProbe:
    """Quality figures of many candidate matrices for one pair (live nudges, scoring).

    Parameters
    ----------
    before, after
        XrayImage or (H, W) arrays (bone bright).
    mask, after_mask
        Optional hand masks of each film at any resolution; computed when None.
    """

    def __init__(
        self,
        before,
        after,
        *,
        mask: np.ndarray | None = None,
        after_mask: np.ndarray | None = None,
        side: int = _PROBE_SIDE,
        factors: tuple[float, float] = (1.0, 1.0),
    ) -> None:
        # ``factors``: full-resolution px per px of ``before`` / ``after`` when the caller
        # already holds area-downsampled copies (the registration does)
        self._b, fb = _small(bone_bright(before), side)
        self._a, fa = _small(bone_bright(after), side)
        fb, fa = fb * factors[0], fa * factors[1]
        self._mb = _fit_mask(mask, self._b)
        self._ma = _fit_mask(after_mask, self._a).astype(np.float32)
        self._sb, self._sa_inv = _to_small(fb), np.linalg.inv(_to_small(fa))
        inside = self._b[self._mb] if self._mb.any() else self._b.ravel()
        self._b_edges = _bin_edges(inside)
        inside_a = self._a[self._ma > 0] if (self._ma > 0).any() else self._a.ravel()
        self._a_edges = _bin_edges(inside_a)

    def _warp(self, image: np.ndarray, m: np.ndarray, border: float) -> np.ndarray:
        h, w = self._b.shape
        if np.allclose(m[2], [0, 0, 1]):
            return cv2.warpAffine(
                image,
                m[:2],
                (w, h),
                flags=cv2.INTER_LINEAR,
                borderMode=cv2.BORDER_CONSTANT,
                borderValue=border,
            )
        return cv2.warpPerspective(
            image,
            m,
            (w, h),
            flags=cv2.INTER_LINEAR,
            borderMode=cv2.BORDER_CONSTANT,
            borderValue=border,
        )

    def evaluate(self, matrix: np.ndarray) -> RegistrationQuality:
        """Figures for one after -> before matrix (``ncc_initial`` is that of the identity)."""
        final = self._figures(np.asarray(matrix, dtype=np.float64))
        initial = self._figures(np.eye(3))
        return RegistrationQuality(initial[0], final[0], final[1], final[2])

    def _figures(self, matrix: np.ndarray) -> tuple[float, float, float]:
        m = self._sb @ matrix @ self._sa_inv
        warped = self._warp(self._a, m, np.nan)
        covered = self._warp(self._ma, m, 0.0) > 0.5
        region = self._mb & np.isfinite(warped)
        hand = int(self._mb.sum())
        overlap = float((covered & self._mb).sum() / hand) if hand else 0.0
        if region.sum() < 50:
            return 0.0, 0.0, overlap
        x = self._b[region].astype(np.float64)
        y = warped[region].astype(np.float64)
        x -= x.mean()
        y -= y.mean()
        den = np.sqrt((x * x).sum() * (y * y).sum())
        ncc = float((x * y).sum() / den) if den > 0 else 0.0
        mi = _normalised_mi(self._b[region], warped[region], self._b_edges, self._a_edges)
        return ncc, mi, overlap


def _bin_edges(values: np.ndarray, bins: int = 32) -> np.ndarray:
    lo, hi = np.percentile(values, [0.5, 99.5]) if values.size else (0.0, 1.0)
    if not hi > lo:
        hi = lo + 1.0
    return np.linspace(lo, hi, bins + 1)


def _normalised_mi(x: np.ndarray, y: np.ndarray, ex: np.ndarray, ey: np.ndarray) -> float:
    joint, _, _ = np.histogram2d(
        np.clip(x, ex[0], ex[-1]), np.clip(y, ey[0], ey[-1]), bins=(ex, ey)
    )
    p = joint / max(joint.sum(), 1.0)
    px, py = p.sum(axis=1), p.sum(axis=0)

    def entropy(q: np.ndarray) -> float:
        q = q[q > 0]
        return float(-(q * np.log(q)).sum())

    hx, hy, hxy = entropy(px), entropy(py), entropy(p.ravel())
    if hx + hy <= 0:
        return 0.0
    return float(np.clip(2 * (hx + hy - hxy) / (hx + hy), 0.0, 1.0))


def evaluate_quality(
    before, after, matrix: np.ndarray, *, mask: np.ndarray | None = None
) -> RegistrationQuality:
    """Quality figures of an after -> before ``matrix`` (a nudge, a landmark fit).

    Parameters
    ----------
    before, after
        XrayImage or (H, W) arrays, bone bright.
    matrix
        3x3 after -> before pixel transform.
    mask
        Optional before-frame hand mask (any resolution).

    Returns
    -------
    RegistrationQuality
        Repeated calls on the same pair of XrayImage objects (live nudges) reuse the
        downsampled copies and hand masks of the previous call: a few milliseconds each.
    """
    if mask is None and _frozen_film(before) and _frozen_film(after):
        return _cached_probe(before, after).evaluate(matrix)
    return QualityProbe(before, after, mask=mask).evaluate(matrix)


_CACHE_LOCK = threading.Lock()
_CACHE: list[tuple[weakref.ref, weakref.ref, QualityProbe]] = []


def _frozen_film(film) -> bool:
    """An XrayImage: immutable, so a probe built from it stays valid while it lives."""
    return hasattr(film, "pixels") and hasattr(film, "invert")


def _cached_probe(before, after) -> QualityProbe:
    """The probe of the last pair asked about (live nudges ask about one pair many times)."""
    with _CACHE_LOCK:
        for ref_b, ref_a, probe in _CACHE:
            if ref_b() is before and ref_a() is after:
                return probe
    probe = QualityProbe(before, after)
    with _CACHE_LOCK:
        _CACHE[:] = [(weakref.ref(before), weakref.ref(after), probe)]
    return probe


def warp_to_before(
    after_pixels,
    matrix: np.ndarray,
    before_shape: tuple[int, ...],
    *,
    interpolation: str = "linear",
) -> np.ndarray:
    """Resample the after film into the before film's pixel grid.

    Parameters
    ----------
    after_pixels
        (H, W) array (or an XrayImage, whose stored pixels are used), any dtype OpenCV
        warps (uint8, uint16, int16, float32).
    matrix
        3x3 after -> before pixel transform.
    before_shape
        (H, W) of the before film.
    interpolation
        ``"nearest"``, ``"linear"`` or ``"cubic"``.

    Returns
    -------
    numpy.ndarray
        (H, W) of the before film, dtype of the input; 0 where the after film has no data.
    """
    pixels = after_pixels.pixels if hasattr(after_pixels, "pixels") else np.asarray(after_pixels)
    if pixels.ndim != 2:
        raise ValueError(f"expected an (H, W) film, got shape {pixels.shape}")
    if interpolation not in _INTERPOLATIONS:
        raise ValueError(f"interpolation must be one of {sorted(_INTERPOLATIONS)}")
    m = np.asarray(matrix, dtype=np.float64)
    h, w = int(before_shape[0]), int(before_shape[1])
    flags = _INTERPOLATIONS[interpolation]
    if pixels.dtype == np.bool_ or pixels.dtype.kind not in "uif":
        raise ValueError(f"unsupported pixel type {pixels.dtype}")
    src = pixels if pixels.dtype != np.float64 else pixels.astype(np.float32)
    if np.allclose(m[2], [0.0, 0.0, 1.0]):
        out = cv2.warpAffine(
            src, m[:2], (w, h), flags=flags, borderMode=cv2.BORDER_CONSTANT, borderValue=0
        )
    else:
        out = cv2.warpPerspective(
            src, m, (w, h), flags=flags, borderMode=cv2.BORDER_CONSTANT, borderValue=0
        )
    return out.astype(pixels.dtype, copy=False)
