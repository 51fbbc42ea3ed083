"""Which notches along a ray are its joints: the bones' proportions.

Measured from the fingertip's soft tissue along a finger's ray, the distal joint (DIP)
lies about 0.48 proximal phalanx lengths (PP) in, the middle phalanx is about 0.58 PP long,
and the proximal phalanx itself about 0.95 of the hand's unit (the middle finger's PP;
0.8 for the little finger). In the thumb the interphalangeal joint lies about 0.82 of its
proximal phalanx from the tip, and that phalanx is about 0.73 units long. These proportions
hold within 10–15 % in adults and children alike (the means and spreads were measured on
the development films' marks and agree with anatomy texts).

A ray's joints are the notches whose spacing fits these proportions best while they are
deep. Each joint may also be *unseen* (ankylosis, an overlapping bone, a blurred palm): its
place is then predicted from the others, it costs a fixed penalty and it is never reported.
The few best distinct readings of each ray are kept, so that the hand as a whole (the
digits' proportions to each other, :mod:`.naming`) can choose among them.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

import numpy as np

from xraycompare.core.joints.gaps import Gap

# (mean, spread) of log-free ratios; log-normal for lengths against the hand's unit
_DISTAL = (0.48, 0.07)  # tip -> DIP, in proximal phalanx lengths
_MIDDLE = (0.575, 0.075)  # DIP -> PIP
_THUMB_DISTAL = (0.82, 0.08)  # tip -> IP, in thumb proximal phalanx lengths
_FINGER_PP = (math.log(0.95), 0.3)  # proximal phalanx / unit (the scale is only roughly known)
_THUMB_PP = (math.log(0.73), 0.3)
_UNSEEN = 0.8  # cost of a joint with no notch
_MAX_DEPTH = 0.9  # deeper notches count no more than this
_KEEP = 6  # readings kept per ray
# readings closer than this at every joint (proximal phalanx lengths) count as one; apart
# beyond it, so that the hand's proportions can choose between near neighbours (a thumb's
# deep MCP notch a few pixels from a shallow one that suits the tip a little better)
_DISTINCT = 0.1
_OPTIONS = 14  # the deepest notches tried as joints


@dataclass(frozen=True)
class RayFit:
    """One reading of a ray: joint arc lengths from the tip, distal first (fingers: DIP,
    PIP, MCP; thumb: IP, MCP), each with its notch depth (0: unseen, predicted)."""

    joints: tuple[float, ...]
    depths: tuple[float, ...]
    score: float
    proximal: float  # the proximal phalanx's length, work pixels

    @property
    def seen(self) -> tuple[bool, ...]:
        return tuple(d > 0 for d in self.depths)


def _sq(value: float, prior: tuple[float, float]) -> float:
    return ((value - prior[0]) / prior[1]) ** 2


def _gain(depth: float) -> float:
    return 3.0 * min(depth, _MAX_DEPTH) if depth > 0 else -_UNSEEN


def _inner(gaps: np.ndarray, joints: tuple[float, ...], pp: float, length: float) -> float:
    """The deepest notch inside a bone (away from every chosen joint), 0 when none.

    ``gaps`` is (N, 2): arc length and depth of every notch of the ray."""
    t, depth = gaps[:, 0], gaps[:, 1]
    inside = (t > joints[0]) & (t < min(joints[-1] + 0.6 * pp, length))
    for j in joints:
        inside &= np.abs(t - j) > 0.22 * pp
    return float(depth[inside].max()) if inside.any() else 0.0


def _options(gaps: list[Gap], unit: float) -> tuple[list[tuple[float, float]], np.ndarray]:
    """The notches worth trying as joints (the deepest few within reach of a hand's
    joints, in order along the ray), and all notches as an array for :func:`_inner`."""
    near = sorted((g for g in gaps if g.t < 3.2 * unit), key=lambda g: -g.strength)
    chosen = sorted(near[:_OPTIONS], key=lambda g: g.t)
    every = np.array([(g.t, g.strength) for g in gaps], dtype=np.float64).reshape(-1, 2)
    return [(g.t, g.strength) for g in chosen], every


def fit_finger(gaps: list[Gap], length: float, unit: float) -> list[RayFit]:
    """The best readings (DIP, PIP, MCP) of a finger ray ``length`` long, best first."""
    options, every = _options(gaps, unit)
    fits: list[RayFit] = []
    for (b, sb), (c, sc) in itertools.combinations(options, 2):
        pp = c - b
        if pp < 0.4 * unit or pp > 1.8 * unit:
            continue
        prior = _sq(math.log(pp / unit), _FINGER_PP)
        # an unseen DIP goes where it fits both the distal and the middle phalanx best
        wd, wm = 1.0 / _DISTAL[1] ** 2, 1.0 / _MIDDLE[1] ** 2
        predicted = pp * (wd * _DISTAL[0] + wm * (b / pp - _MIDDLE[0])) / (wd + wm)
        distal = [(a, sa) for a, sa in options if 0.15 * pp < a < b - 0.25 * pp]
        distal.append((predicted, 0.0))
        for a, sa in distal:
            if a <= 0:
                continue
            cost = prior + _sq(a / pp, _DISTAL) + _sq((b - a) / pp, _MIDDLE)
            fits.append(_fit(every, (a, b, c), (sa, sb, sc), cost, pp, length))
    # the MCP unseen (blurred in the palm): its place follows from the phalanges
    for (a, sa), (b, sb) in itertools.combinations(options, 2):
        pp = 0.5 * (a / _DISTAL[0] + (b - a) / _MIDDLE[0])
        if pp < 0.4 * unit or pp > 1.8 * unit or b + pp > length:
            continue
        cost = _sq(math.log(pp / unit), _FINGER_PP) + _sq(a / pp, _DISTAL)
        cost += _sq((b - a) / pp, _MIDDLE)
        fits.append(_fit(every, (a, b, b + pp), (sa, sb, 0.0), cost, pp, length))
    return _distinct(fits)


def _fit(
    gaps: np.ndarray,
    joints: tuple[float, ...],
    depths: tuple[float, ...],
    cost: float,
    pp: float,
    length: float,
) -> RayFit:
    """A reading's worth: its notches' depths, less its misfit to the proportions and
    any deep notch left inside a bone."""
    inner = _inner(gaps, joints, pp, length)
    score = sum(_gain(d) for d in depths) - 0.5 * cost - 3.0 * max(0.0, inner - 0.15)
    return RayFit(joints, depths, score, pp)


def fit_thumb(gaps: list[Gap], length: float, unit: float) -> list[RayFit]:
    """The best readings (IP, MCP) of a thumb ray, best first."""
    options, every = _options(gaps, unit)
    fits: list[RayFit] = []
    for (a, sa), (b, sb) in itertools.combinations(options, 2):
        pp = b - a
        if pp < 0.3 * unit or pp > 1.4 * unit:
            continue
        cost = _sq(math.log(pp / unit), _THUMB_PP) + _sq(a / pp, _THUMB_DISTAL)
        fits.append(_fit(every, (a, b), (sa, sb), cost, pp, length))
    # one joint unseen: its place follows from the other and the tip
    ratio = _THUMB_DISTAL[0]
    for t, depth in options:
        for a, b, depths in (
            (t, t * (1 + 1 / ratio), (depth, 0.0)),
            (t * ratio / (1 + ratio), t, (0.0, depth)),
        ):
            pp = b - a
            if pp < 0.3 * unit or pp > 1.4 * unit or b > length:
                continue
            cost = _sq(math.log(pp / unit), _THUMB_PP) + 1.0
            fits.append(_fit(every, (a, b), depths, cost, pp, length))
    return _distinct(fits)


def _distinct(fits: list[RayFit]) -> list[RayFit]:
    """The best readings that differ somewhere by more than a tenth of a phalanx."""
    kept: list[RayFit] = []
    for fit in sorted(fits, key=lambda f: -f.score):
        if all(
            max(abs(x - y) for x, y in zip(fit.joints, k.joints, strict=True))
            > _DISTINCT * k.proximal
            for k in kept
        ):
            kept.append(fit)
            if len(kept) == _KEEP:
                break
    return kept
