"""How well a candidate transform lines up the hands: a robust score, cheap enough for dozens.

Helper module of :mod:`xraycompare.core.registration`. Every candidate of a registration
(the unaligned start, each feature hypothesis, each flip and quarter turn) is scored the
same way, so that the best one wins whatever produced it:

- both films are *locally normalised* on a coarse copy (value minus a local mean, over a
  local spread with a floor): exposure, gamma, processing and a heel ramp drop out, and
  flat background contributes nothing;
- the correlation of the two normalised copies is taken over the before film's hand, with
  the rigid part (palm, carpus, forearm) weighted fully and the fingers half (they move
  on their own), leaving out burnt-in text and labels on either film and what the after
  film does not show;
- it is multiplied by the square root of how much of the before hand lands on after film
  that shows something (inside its frame, off its labels, bands and open air along its
  sides; capped at 1 from 60 % on), so that a candidate which overlaps a corner of the
  hand with a lucky correlation does not beat one that overlaps all of it. (The after
  film's own hand mask is not trusted for this: strong processing, bands and labels can
  spoil it.)

A :class:`Scorer` holds the normalised copies of one pair; :meth:`Scorer.score` costs two
small ``warpAffine`` calls.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

FINGER_WEIGHT = 0.5
_FULL_COVER = 0.6


@dataclass(frozen=True)
class Score:
    """``value``: the score (ncc times the coverage factor); ``ncc``: the weighted
    correlation of the normalised copies; ``coverage``: the fraction of the before hand
    landing on after film that shows something (inside its frame, off its labels, bands
    and open air); ``support``: the fraction of the before hand's weight inside the after
    film's frame and off its labels; ``rigid_support``: the fraction of the rigid part
    (palm, carpus, wrist) landing on after film that shows something."""

    value: float
    ncc: float
    coverage: float
    support: float
    rigid_support: float = 1.0


def to_grid(shape_full: tuple[int, int], shape_grid: tuple[int, int]) -> np.ndarray:
    """Full-resolution pixel coordinates -> coordinates of an area-downsampled copy."""
    fy, fx = shape_full[0] / shape_grid[0], shape_full[1] / shape_grid[1]
    return np.array([[1 / fx, 0, 0.5 / fx - 0.5], [0, 1 / fy, 0.5 / fy - 0.5], [0, 0, 1.0]])


def normalised(values: np.ndarray, sigma: float) -> np.ndarray:
    """Locally normalised copy: (v - local mean) / sqrt(local variance + floor^2)."""
    v = values.astype(np.float32)
    mean = cv2.GaussianBlur(v, (0, 0), sigma)
    var = np.maximum(cv2.GaussianBlur(v * v, (0, 0), sigma) - mean * mean, 0.0)
    sd = np.sqrt(var)
    floor = max(float(np.percentile(sd[::2, ::2], 75)) * 0.2, 1e-6)
    return ((v - mean) / np.sqrt(var + floor * floor)).astype(np.float32)


def _shrink(values: np.ndarray, side: int) -> np.ndarray:
    h, w = values.shape
    f = max(h, w) / side
    if f <= 1:
        return values.astype(np.float32)
    size = (max(8, round(w / f)), max(8, round(h / f)))
    return cv2.resize(values.astype(np.float32), size, interpolation=cv2.INTER_AREA)


class Scorer:
    """Scores of after -> before matrices (full-resolution pixels) for one pair.

    Parameters
    ----------
    before, after
        Small copies (float32, bone bright) of each film.
    full_shapes
        (H, W) of each film at full resolution.
    before_hand
        The before film's hand mask on its small copy (artefacts taken out).
    before_rigid
        The before hand's rigid part (palm, carpus, forearm) on its small copy.
    before_artefacts, after_artefacts
        Burnt-in text, labels and blanked patches on each small copy.
    after_blank
        Bands and open air along the after film's sides (it shows nothing there).
    side
        Long side of the copies compared (px); ``sigma`` the local normalisation's scale
        on them.
    """

    def __init__(
        self,
        before: np.ndarray,
        after: np.ndarray,
        *,
        full_shapes: tuple[tuple[int, int], tuple[int, int]],
        before_hand: np.ndarray,
        before_rigid: np.ndarray,
        before_artefacts: np.ndarray,
        after_artefacts: np.ndarray,
        after_blank: np.ndarray | None = None,
        side: int = 200,
        sigma: float = 2.0,
    ) -> None:
        b = _shrink(before, side)
        a = _shrink(after, side * max(after.shape) / max(max(before.shape), 1))
        self.shape = b.shape
        self._lb = normalised(b, sigma)
        self._la = normalised(a, sigma)
        to_b = (b.shape[1], b.shape[0])
        to_a = (a.shape[1], a.shape[0])

        def fit(mask: np.ndarray, size) -> np.ndarray:
            return cv2.resize(mask.astype(np.float32), size, interpolation=cv2.INTER_AREA)

        hand_b = fit(before_hand, to_b)
        rigid_b = fit(before_rigid, to_b)
        clean_b = 1.0 - np.minimum(fit(before_artefacts, to_b) * 2, 1.0)
        self._wb = (hand_b * (FINGER_WEIGHT + (1 - FINGER_WEIGHT) * rigid_b) * clean_b).astype(
            np.float32
        )
        self._hb = (hand_b * clean_b).astype(np.float32)
        self._rb = (hand_b * rigid_b * clean_b).astype(np.float32)
        self._rb_sum = max(float(self._rb.sum()), 1e-6)
        self._wb_sum = max(float(self._wb.sum()), 1e-6)
        self._hb_sum = max(float(self._hb.sum()), 1e-6)
        # what the after film shows: its frame (1 inside) minus its artefacts
        self._va = (1.0 - np.minimum(fit(after_artefacts, to_a) * 2, 1.0)).astype(np.float32)
        blank_a = np.zeros(after.shape, bool) if after_blank is None else after_blank
        self._sa_shown = (self._va * (1.0 - fit(blank_a, to_a))).astype(np.float32)
        self._sb = to_grid(full_shapes[0], b.shape)
        self._sa = to_grid(full_shapes[1], a.shape)
        self._lbw = self._lb * self._wb

    def grid_map(self, matrix: np.ndarray) -> np.ndarray:
        """Before-grid pixels -> after-grid pixels for an after -> before full matrix."""
        return self._sa @ np.linalg.inv(np.asarray(matrix, np.float64)) @ np.linalg.inv(self._sb)

    def _warp(self, image: np.ndarray, m: np.ndarray) -> np.ndarray:
        h, w = self.shape
        return cv2.warpAffine(
            image,
            m[:2],
            (w, h),
            flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
            borderMode=cv2.BORDER_CONSTANT,
            borderValue=0.0,
        )

    def score(self, matrix: np.ndarray) -> Score:
        """The score of one after -> before matrix (affine; any determinant sign)."""
        m = self.grid_map(matrix)
        if not np.all(np.isfinite(m)):
            return Score(-1.0, 0.0, 0.0, 0.0)
        la = self._warp(self._la, m)
        va = self._warp(self._va, m)
        w = self._wb * va
        support = float(w.sum()) / self._wb_sum
        shown = self._warp(self._sa_shown, m)
        rigid = float((self._rb * shown).sum()) / self._rb_sum
        # float rounding can leave the sum a hair below 0 when almost nothing is shown (sqrt below)
        coverage = max(0.0, float((self._hb * shown).sum()) / self._hb_sum)
        if support < 0.02:
            return Score(-1.0, 0.0, coverage, support, rigid)
        num = float((self._lbw * va * la).sum())
        den = float(np.sqrt((w * self._lb * self._lb).sum() * (w * la * la).sum()))
        ncc = num / den if den > 0 else 0.0
        factor = float(np.sqrt(min(1.0, coverage / _FULL_COVER)))
        return Score(ncc * factor, ncc, coverage, support, rigid)

    def best_shift(self, matrix: np.ndarray) -> tuple[np.ndarray, float]:
        """``matrix`` moved so that the before hand best matches the after film under it.

        The before hand's bounding box (normalised, weighted by the hand) is slid over the
        after film resampled through ``matrix`` (a template match with half a film of
        margin on every side). Returns (after -> before matrix, match peak in [-1, 1]).
        """
        ys, xs = np.nonzero(self._wb > 0.2)
        if len(xs) == 0:
            return np.asarray(matrix, np.float64), 0.0
        y0, y1, x0, x1 = ys.min(), ys.max() + 1, xs.min(), xs.max() + 1
        template = (self._lb * np.minimum(self._wb * 2, 1.0))[y0:y1, x0:x1]
        h, w = self.shape
        pad = max(h, w) // 2
        to_canvas = np.array([[1.0, 0, pad], [0, 1.0, pad], [0, 0, 1.0]])
        m = self.grid_map(matrix) @ np.linalg.inv(to_canvas)
        canvas = cv2.warpAffine(
            self._la,
            m[:2],
            (w + 2 * pad, h + 2 * pad),
            flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
            borderMode=cv2.BORDER_CONSTANT,
            borderValue=0.0,
        )
        found = cv2.matchTemplate(canvas, template.astype(np.float32), cv2.TM_CCORR_NORMED)
        _, peak, _, (lx, ly) = cv2.minMaxLoc(found)
        # the template's corner sits at (x0, y0) + pad when nothing moves
        dx, dy = lx - x0 - pad, ly - y0 - pad
        shift = np.linalg.inv(self._sb) @ np.array([[1.0, 0, -dx], [0, 1.0, -dy], [0, 0, 1.0]])
        return shift @ self._sb @ np.asarray(matrix, np.float64), float(peak)
