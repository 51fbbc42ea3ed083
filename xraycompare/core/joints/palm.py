"""Fingers read from the palm up, for a hand whose fingertips the outline does not show.

When the other hand lies across the fingers (or a cast, or the film's edge, hides the
fingertips) no ray starts at a fingertip, but the bones of each finger still show as one
long upright bar from the carpus through the metacarpal and the proximal phalanx: at the
ridge scale most joint spaces blur away (pieces a wide one leaves are joined end to end),
while the bones of a hand lying across are bars at another angle and stay apart. Along
each bar the metacarpal is the most proximal long stretch without a joint space, the MCP
the joint space at its distal end, and the PIP lies about one proximal phalanx beyond.
Four bars side by side with their MCPs in an arch a metacarpal head's width apart are the
fingers; which end of the row is the index is told by the thumb's bar beside it, and the
hand is reported only when its MCPs lie as a hand's do (the thumb's well below the
fingers', the little finger's the lowest of theirs).

Read without fingertips this is less sure than :mod:`.rays`: forced on every marked film
and its transformed copies it reads 204 sites with 6 % more than the scoring tolerance
away, so :func:`~.locate.find_joints` uses it only when the fingertips name no hand.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, replace

import cv2
import numpy as np

from xraycompare.core.joints.gaps import find_gaps, profile, resample
from xraycompare.core.joints.naming import PP_RATIO
from xraycompare.core.joints.rays import RayTracer
from xraycompare.core.joints.ridges import ridge_across
from xraycompare.core.joints.view import HandView

STEP = 0.5
_UPRIGHT = math.radians(35.0)  # a bar this far from upright belongs to another hand
_BELOW = 0.3  # units a bar's line is carried past its lower end
_MIN_PIECE = 0.4  # units: a piece of bar this tall may join others end to end
_JOIN = 0.35  # units between the pieces of one ray, at most
_MIN_BAR = 1.0  # units: shorter bars are single bones or noise
_BEYOND = 0.7  # units a bar's line is carried past its upper end (to reach the PIP)
_MIN_DEPTH = 0.12  # an MCP or PIP notch read from the palm must be this clear
_QUIET = 0.12  # a shaft holds no notch deeper than this
_UNSEEN = 1.5  # cost of a PIP with no notch
_BASE = (0.6, 1.8)  # units from the MCP to the end of its bar, the metacarpal's base
_SHAFT = 0.7  # units of quiet metacarpal shaft below an MCP, at least
_PP_ODD = math.log(1.3)  # a proximal phalanx this far out of proportion: its PIP misread
_SPACING = (0.25, 0.75)  # neighbouring MCPs apart, in units
_THUMB_DROP = 0.35  # units the thumb's MCP lies below the fingers' MCPs, at least


@dataclass(frozen=True)
class PalmRay:
    """A finger's line (work pixels, distal end first, ``STEP`` apart) with its PIP and
    MCP (arc lengths from the distal end) and their notch depths."""

    points: np.ndarray
    pip: float
    mcp: float
    depths: tuple[float, float]  # (PIP, MCP)
    score: float

    def point_at(self, t: float) -> np.ndarray:
        i = int(round(t / STEP))
        return self.points[min(max(i, 0), len(self.points) - 1)]

    @property
    def proximal(self) -> float:
        return self.mcp - self.pip


@dataclass(frozen=True)
class PalmNaming:
    """Digits named from the palm: digit (1–5) -> ray, whether the index is on the
    viewer's left, and how much more bone showed beside the index than beyond the little
    finger (0–1: the evidence for that side)."""

    digits: dict[int, PalmRay]
    index_left: bool
    margin: float


def fingers_from_palm(tracer: RayTracer) -> PalmNaming | None:
    """The digits of an upright hand view read from the palm up.

    Parameters
    ----------
    tracer
        The view's :class:`~.rays.RayTracer`: the hand upright at the work scale, its
        bone, bone ridge map and that map's noise floor.

    Returns
    -------
    PalmNaming or None
        The four fingers and the thumb, or None when the palm does not show them plainly.
    """
    view = tracer.view
    bars = _upright_bars(tracer)
    rays = [r for r in (_read(view, bar) for bar in bars) if r is not None]
    rays.sort(key=lambda r: float(r.point_at(r.mcp)[0]))
    best: tuple[float, tuple[PalmRay, ...]] | None = None
    for group in itertools.combinations(rays, 4):
        value = _row_value(group, view.unit)
        if value is not None and (best is None or value > best[0]):
            best = (value, group)
    if best is None:
        return None
    group = best[1]
    side = _thumb_side(group, bars, view.unit)
    if side is None:
        return None
    index_left, margin, thumb_bar = side
    order = group if index_left else group[::-1]
    digits = _proportioned({2 + i: r for i, r in enumerate(order)})
    thumb = _read(view, thumb_bar, thumb=True)
    if thumb is None or not _hand_like(digits, thumb, view.unit):
        return None
    digits[1] = thumb
    return PalmNaming(digits, index_left, margin)


def _hand_like(digits: dict[int, PalmRay], thumb: PalmRay, unit: float) -> bool:
    """Whether the MCPs read lie as a hand's do: the thumb's well below the fingers', the
    little finger's the lowest of the fingers' and the middle's among the highest.
    Read without fingertips, only a hand that fits all of these is reported."""
    y = {d: float(r.point_at(r.mcp)[1]) for d, r in digits.items()}
    drop = (float(thumb.point_at(thumb.mcp)[1]) - float(np.mean(list(y.values())))) / unit
    if drop < _THUMB_DROP:
        return False
    if y[5] < max(y[3], y[4]) - 0.05 * unit:
        return False
    return y[3] <= max(y[2], y[4]) + 0.15 * unit


def _upright_bars(tracer: RayTracer) -> list[np.ndarray]:
    """Centre lines (x, y), top first, of the long upright bone bars of the view."""
    view, strength = tracer.view, tracer.strength
    unit = view.unit
    upright = np.abs(np.cos(ridge_across(tracer.bone, view.finger_width))) > math.cos(_UPRIGHT)
    bars = (strength > 2.0 * tracer.floor) & upright & view.mask
    count, labels, stats, _ = cv2.connectedComponentsWithStats(bars.astype(np.uint8), 8)
    h = bars.shape[0]
    pieces = []  # (top, bottom, x at top, x at bottom, rows, centres, weights)
    for i in range(1, count):
        top, height = stats[i, cv2.CC_STAT_TOP], stats[i, cv2.CC_STAT_HEIGHT]
        if height < _MIN_PIECE * unit:
            continue
        ys, xs = np.nonzero(labels == i)
        weight = strength[ys, xs]
        sums = np.bincount(ys - top, weights=weight, minlength=height)
        centres = np.bincount(ys - top, weights=weight * xs, minlength=height)
        ok = sums > 0
        rows = np.arange(top, top + height)[ok]
        mid = centres[ok] / sums[ok]
        k = max(1, len(rows) // 5)
        pieces.append((rows[0], rows[-1], mid[:k].mean(), mid[-k:].mean(), rows, mid, sums[ok]))
    # a joint space wide enough to break a bar (a young hand's MCP) leaves two pieces end
    # to end: the finger's and its metacarpal's, one ray
    pieces.sort(key=lambda p: p[0])
    chains: list[list[tuple]] = []
    for piece in pieces:
        for chain in chains:
            last = chain[-1]
            step = piece[0] - last[1]
            if -0.1 * unit <= step <= _JOIN * unit and abs(piece[2] - last[3]) < 0.12 * unit:
                chain.append(piece)
                break
        else:
            chains.append([piece])
    lines = []
    for chain in chains:
        top, bottom = chain[0][0], chain[-1][1]
        if bottom - top < _MIN_BAR * unit:
            continue
        rows = np.concatenate([p[4] for p in chain])
        mid = np.concatenate([p[5] for p in chain])
        weight = np.concatenate([p[6] for p in chain])
        if len(rows) < 0.6 * (bottom - top):
            continue
        fit = np.polyfit(rows, mid, 2, w=np.sqrt(weight))
        y = np.arange(max(0.0, top - _BEYOND * unit), min(h - 1.0, bottom + 1 + _BELOW * unit))
        lines.append(np.c_[np.polyval(fit, y), y])
    return lines


def _read(view: HandView, line: np.ndarray, *, thumb: bool = False) -> PalmRay | None:
    """The MCP (a clear joint space at the distal end of a long stretch of metacarpal
    shaft, deeper than any notch along it) and the PIP (a clear joint space a proximal
    phalanx beyond, or unseen: depth 0) of a bar's line, or None when no MCP shows. For
    the ``thumb``: its MCP and IP (a shorter metacarpal and proximal phalanx)."""
    unit, f = view.unit, view.finger_width
    shortest, longest, typical = (0.4, 1.0, 0.7) if thumb else (0.55, 1.25, 0.9)
    shaft_min = 0.5 if thumb else _SHAFT
    points = resample(line, STEP, 0.3 * f)
    if len(points) < int(1.5 * unit / STEP):
        return None
    values = profile(view.fine, points * 2.0 + 0.5, f / 3.0)
    gaps = find_gaps(values, STEP, f)
    t = np.array([g.t for g in gaps])
    depth = np.array([g.strength for g in gaps])
    end = (len(points) - 1) * STEP
    best = None
    mcps = []
    for m, dm in zip(t, depth, strict=True):
        if dm < _MIN_DEPTH:
            continue
        # the shaft runs to the first notch below nearly as deep as the MCP's own
        quiet = max(_QUIET, 0.65 * dm)
        below = (t > m + 0.3 * unit) & (depth > quiet)  # past the metacarpal head
        shaft = (float(t[below].min()) if below.any() else end) - m
        # the bar itself ends at the metacarpal's base, about a metacarpal below the MCP
        # (a PIP read as the MCP has a whole finger's metacarpal and more below it)
        base = end - _BELOW * unit - m
        if shaft >= shaft_min * unit and _BASE[0] * unit <= base <= _BASE[1] * unit:
            mcps.append((m, dm, shaft))
    # the metacarpal is the finger's most proximal long bone (a proximal phalanx can be
    # as quiet, but lies distal to it); its head may show a shallower notch or two just
    # proximal to the joint space, which is the deepest of them
    last = mcps[-1][0] if mcps else 0.0
    for m, dm, shaft in sorted((c for c in mcps if c[0] >= last - 0.3 * unit), key=lambda c: -c[1])[
        :1
    ]:
        base = 3.0 * min(dm, 0.9) + min(shaft / unit, 1.5)
        pips = [(p, dp) for p, dp in zip(t, depth, strict=True) if dp >= _MIN_DEPTH]
        options = [(p, dp) for p, dp in pips if shortest * unit <= m - p <= longest * unit]
        options.append((m - typical * unit, 0.0))  # the PIP unseen (hidden or blurred)
        for p, dp in options:
            pp = m - p
            between = (t > p + 0.15 * pp) & (t < m - 0.15 * pp)
            inner = float(depth[between].max(initial=0.0))
            score = base + (3.0 * min(dp, 0.9) if dp > 0 else -_UNSEEN)
            score -= 6.0 * max(0.0, inner - max(_QUIET, 0.65 * min(dm, dp or dm)))
            if dp > 0:
                score -= 0.5 * ((math.log(pp / unit) - math.log(typical)) / 0.2) ** 2
            if best is None or score > best[0]:
                best = (score, p, m, dp, dm)
    if best is None:
        return None
    score, p, m, dp, dm = best
    return PalmRay(points, float(p), float(m), (float(dp), float(dm)), float(score))


def _row_value(group: tuple[PalmRay, ...], unit: float) -> float | None:
    """How well four rays lie as the fingers: MCPs a head's width apart in a gentle arch;
    None when they do not."""
    mcps = np.array([r.point_at(r.mcp) for r in group])
    steps = np.diff(mcps[:, 0]) / unit
    if steps.min() < _SPACING[0] or steps.max() > _SPACING[1]:
        return None
    if np.abs(np.diff(mcps[:, 1])).max() > 0.5 * unit:
        return None
    return float(sum(r.score for r in group))


def _proportioned(digits: dict[int, PalmRay]) -> dict[int, PalmRay]:
    """The named fingers with any PIP whose proximal phalanx is out of proportion to the
    others' (index 0.90, ring 0.94, little 0.76 of the middle finger's) taken as unseen:
    a joint space of the middle phalanx or the head read in its place."""
    seen = {d: r.proximal / PP_RATIO[d] for d, r in digits.items() if r.depths[0] > 0}
    if not seen:
        return digits
    scale = float(np.median(list(seen.values())))
    out = {}
    for d, r in digits.items():
        if d in seen and abs(math.log(seen[d] / scale)) > _PP_ODD:
            r = replace(r, pip=r.mcp - PP_RATIO[d] * scale, depths=(0.0, r.depths[1]))
        out[d] = r
    return out


def _thumb_side(
    group: tuple[PalmRay, ...], bars: list[np.ndarray], unit: float
) -> tuple[bool, float, np.ndarray] | None:
    """Whether the index is the leftmost of the row, from the thumb's bar beside one end
    (its line passing below that end's MCP, within reach of a thumb), the evidence's
    margin and the thumb's bar; None when no thumb shows or one shows at both ends."""
    mcps = [r.point_at(r.mcp) for r in group]
    found = {True: 0.0, False: 0.0}
    thumbs: dict[bool, np.ndarray] = {}
    for bar in bars:
        for left, mcp in ((True, mcps[0]), (False, mcps[-1])):
            # the thumb's metacarpal runs below the index's MCP, 0.4 to 1.4 units aside
            near = bar[(bar[:, 1] > mcp[1]) & (bar[:, 1] < mcp[1] + 1.5 * unit)]
            if len(near) == 0:
                continue
            aside = (mcp[0] - near[:, 0]) if left else (near[:, 0] - mcp[0])
            reach = len(near) / (1.5 * unit)  # how much of the stretch the bar covers
            if np.median(aside) > 0.4 * unit and aside.max() < 1.6 * unit and reach > found[left]:
                found[left] = reach
                thumbs[left] = bar
    if (found[True] > 0.5) == (found[False] > 0.5):
        return None
    index_left = found[True] > found[False]
    return index_left, abs(found[True] - found[False]), thumbs[index_left]
