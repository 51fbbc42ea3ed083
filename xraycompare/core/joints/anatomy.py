"""Which gap along a ray is which joint: bone-length proportions of the hand.

Phalanx and metacarpal lengths keep close proportions in adults and children alike
(relative to the proximal phalanx P of the same ray: middle phalanx about 0.6 P, distal
about 0.45 P, metacarpal about 1.5 P; in the thumb the distal phalanx is about 0.75 P and
there is no middle phalanx). A ray's gaps are assigned by choosing the set whose spacing
fits these proportions best while the gaps are deep; a choice that fits badly is not
taken, so a joint is reported missing rather than guessed.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

from xraycompare.core.joints.gaps import Gap

# log-ratio means and spreads (of bone lengths to the proximal phalanx)
_FINGER_MIDDLE = (math.log(0.6), 0.18)
# from the DIP (IP) to the fingertip's soft tissue: the distal phalanx and its pad
_FINGER_DISTAL_TIP = (math.log(0.62), 0.25)
_THUMB_DISTAL_TIP = (math.log(0.9), 0.25)
_PROXIMAL_TO_WIDTH = (math.log(2.1), 0.35)  # proximal phalanx length in finger widths
_THUMB_TO_WIDTH = (math.log(1.6), 0.35)


@dataclass(frozen=True)
class RayFit:
    """Arc lengths of a ray's joints from its top (None: not found) and how well they fit."""

    distal: float | None  # DIP (fingers); IP (thumb)
    proximal: float | None  # PIP (fingers); MCP (thumb)
    base: float | None  # MCP (fingers); None (thumb)
    score: float
    depths: tuple[float, ...]
    proximal_length: float


def _penalty(value: float, prior: tuple[float, float]) -> float:
    mean, spread = prior
    return ((math.log(max(value, 1e-6)) - mean) / spread) ** 2


def _between(gaps: list[Gap], start: float, end: float) -> float:
    """The deepest gap strictly inside a bone (from ``start`` to ``end``), or 0."""
    return max((g.strength for g in gaps if start < g.t < end), default=0.0)


def fit_finger(gaps: list[Gap], length: float, tip: float, finger_width: float) -> RayFit | None:
    """The best (DIP, PIP, MCP) among ``gaps`` of a ray ``length`` long, or None.

    ``tip`` is the arc length of the fingertip's soft tissue (zero or negative: the ray
    starts on bone).
    """
    best: RayFit | None = None
    for a, b, c in itertools.combinations(gaps, 3):
        p = c.t - b.t
        m = b.t - a.t
        if p <= 0 or m <= 0:
            continue
        if length - c.t < 0.4 * p:  # a metacarpal must follow the MCP
            continue
        cost = _penalty(m / p, _FINGER_MIDDLE)
        cost += _penalty(max(a.t - tip, 0.05 * p) / p, _FINGER_DISTAL_TIP)
        cost += _penalty(p / finger_width, _PROXIMAL_TO_WIDTH)
        # the bones between the chosen joints, and the metacarpal, have no deeper gaps
        # (a child's growth plates lie within a fifth of P of a joint)
        inner = max(
            _between(gaps, a.t + 0.2 * p, b.t - 0.2 * p),
            _between(gaps, b.t + 0.2 * p, c.t - 0.2 * p),
            _between(gaps, c.t + 0.25 * p, c.t + 1.2 * p),
        )
        depth = a.strength + b.strength + c.strength
        score = 3 * depth - 0.5 * cost - 4 * inner
        if best is None or score > best.score:
            best = RayFit(a.t, b.t, c.t, score, (a.strength, b.strength, c.strength), p)
    return best


def fit_thumb(gaps: list[Gap], length: float, tip: float, finger_width: float) -> RayFit | None:
    """The best (IP, MCP) among ``gaps`` of a thumb ray, or None."""
    best: RayFit | None = None
    for a, b in itertools.combinations(gaps, 2):
        p = b.t - a.t
        if p <= 0 or length - b.t < 0.4 * p:
            continue
        cost = _penalty(max(a.t - tip, 0.05 * p) / p, _THUMB_DISTAL_TIP)
        cost += _penalty(p / finger_width, _THUMB_TO_WIDTH)
        inner = max(
            _between(gaps, a.t + 0.2 * p, b.t - 0.2 * p),
            _between(gaps, b.t + 0.25 * p, b.t + 1.0 * p),
        )
        depth = a.strength + b.strength
        score = 3 * depth - 0.5 * cost - 4 * inner
        if best is None or score > best.score:
            best = RayFit(a.t, b.t, None, score, (a.strength, b.strength), p)
    return best
