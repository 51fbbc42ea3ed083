"""Which ray is which digit, and which reading of each ray the hand as a whole supports.

The rays are taken in the order their tips lie around the hand (by angle, seen from below
the palm in the upright work image). A naming gives each ray a digit (1 = thumb … 5 =
little finger) or none, in order along the hand, with the thumb only at an end: the thumb
on the viewer's left of an upright hand is a right hand seen PA. A naming is worth the sum
of its rays' readings (:mod:`.anatomy`) under one scale for the whole hand: the proximal
phalanges keep their proportions to the middle finger's (thumb 0.69, index 0.90, ring
0.94, little 0.76; measured on the development films, as anatomy texts give them), so the
reading of each ray is chosen together with that scale. The thumb's joints also lie well
down towards the wrist from the fingers' MCPs, which tells a thumb from a little finger.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

import numpy as np

from xraycompare.core.joints.anatomy import RayFit

# proximal phalanx lengths relative to the middle finger's (arc length along the ray)
PP_RATIO = {1: 0.69, 2: 0.90, 3: 1.0, 4: 0.94, 5: 0.76}
_PP_SPREAD = 0.09  # of the log ratio
_SCALES = np.exp(np.linspace(math.log(0.6), math.log(1.7), 25))  # middle-finger PP / unit
_THUMB_DROP = 0.35  # the thumb's MCP lies at least this far below the fingers' MCPs
# MCP to next MCP (1: thumb to index, 2: index to middle, ...), in middle-finger PP lengths
MCP_SPACING = {1: 0.9, 2: 0.5, 3: 0.45, 4: 0.42}
_TIP_SLACK = 0.05  # how far (middle-finger PP lengths) a neighbour's tip may pass the middle's
_SKIPPED = 2.0  # cost of a digit, or a ray, left out between named ones
_UNNAMED = 1.5  # cost of a ray (a fingertip on the outline) left unnamed
_RIVALS = 4  # the runner-up namings kept (a finger the outline missed can reorder them)


@dataclass(frozen=True)
class Ray:
    """A traced digit: its tip and centre line (work pixels, tip first, ``step`` apart),
    its readings as a finger and as a thumb, and whether it started from a fingertip on
    the outline (rather than from bone beside a named digit)."""

    tip: np.ndarray
    points: np.ndarray
    step: float
    finger: tuple[RayFit, ...]
    thumb: tuple[RayFit, ...]
    from_tip: bool = True

    def point_at(self, t: float) -> np.ndarray:
        i = int(round(t / self.step))
        return self.points[min(max(i, 0), len(self.points) - 1)]


@dataclass(frozen=True)
class Naming:
    """The chosen naming: digit -> (ray, reading), the hand's side, and the score margin
    over the best naming that names the digits differently."""

    digits: dict[int, tuple[Ray, RayFit]]
    thumb_left: bool | None
    score: float
    margin: float
    # the next best namings that name the digits differently, best first, with their scores
    rivals: tuple[tuple[float, dict[int, tuple[Ray, RayFit]]], ...] = ()

    def runners_up(self) -> list[Naming]:
        """The rival namings as Namings of their own."""
        return [
            Naming(named, _thumb_left(named), score, score - self.score)
            for score, named in self.rivals
        ]


def name_rays(rays: list[Ray], unit: float) -> Naming | None:
    """The best naming of ``rays`` (work image, fingers up), or None when nothing fits."""
    if len(rays) < 2:
        return None
    tips = np.array([r.tip for r in rays])
    centre = np.array([tips[:, 0].mean(), tips[:, 1].max() + 2.0 * unit])
    angles = np.arctan2(tips[:, 0] - centre[0], centre[1] - tips[:, 1])
    order = [rays[i] for i in np.argsort(angles)]
    table = {(i, d): _values(r, d, unit) for i, r in enumerate(order) for d in range(1, 6)}
    results: list[tuple[float, dict[int, tuple[Ray, RayFit]]]] = []
    n = len(order)
    for count in range(min(n, 5), 1, -1):
        for chosen in itertools.combinations(range(n), count):
            for labels in itertools.combinations(range(1, 6), count):
                for seq in (labels, labels[::-1]):
                    if 1 in seq and not _thumb_at_end(chosen, seq, n):
                        continue
                    pairs = list(zip(chosen, seq, strict=True))
                    if any(table[p] is None for p in pairs):
                        continue
                    total = sum(table[p][0] for p in pairs)
                    k = int(np.argmax(total))
                    named = {d: (order[i], table[(i, d)][1][k]) for i, d in pairs}
                    value = float(total[k]) + _geometry(named, _SCALES[k] * unit)
                    # a ray left out between named ones is worse than one left at an end
                    skipped = chosen[-1] - chosen[0] + 1 - count
                    results.append((value - _SKIPPED * skipped - _UNNAMED * (n - count), named))
    if not results:
        return None
    results.sort(key=lambda r: -r[0])
    best_score, best = results[0]
    key = {d: id(r) for d, (r, _) in best.items()}
    rivals: list[tuple[float, dict[int, tuple[Ray, RayFit]]]] = []
    seen = [key]
    for s, named in results[1:]:
        k = {d: id(r) for d, (r, _) in named.items()}
        if k not in seen:
            seen.append(k)
            rivals.append((s, named))
            if len(rivals) == _RIVALS:
                break
    margin = best_score - rivals[0][0] if rivals else best_score
    return Naming(best, _thumb_left(best), best_score, margin, tuple(rivals))


def _values(ray: Ray, digit: int, unit: float) -> tuple[np.ndarray, list[RayFit]] | None:
    """For each common scale: the best reading of ``ray`` as ``digit``, and its worth."""
    fits = ray.thumb if digit == 1 else ray.finger
    if not fits:
        return None
    expected = np.log(PP_RATIO[digit] * _SCALES * unit)
    worth = np.array(
        [f.score - 0.5 * ((math.log(f.proximal) - expected) / _PP_SPREAD) ** 2 for f in fits]
    )
    pick = np.argmax(worth, axis=0)
    return worth.max(axis=0), [fits[i] for i in pick]


def _thumb_left(named: dict[int, tuple[Ray, RayFit]]) -> bool | None:
    """Whether the thumb (or, without one, the index side) is on the viewer's left."""
    digits = sorted(named)
    if len(digits) < 2:
        return None
    return bool(named[digits[0]][0].tip[0] < named[digits[-1]][0].tip[0])


def _thumb_at_end(chosen: tuple[int, ...], seq: tuple[int, ...], n: int) -> bool:
    """The thumb is the first or last ray around the hand (nothing beyond it)."""
    i = seq.index(1)
    return (i == 0 and chosen[0] == 0) or (i == len(seq) - 1 and chosen[-1] == n - 1)


def _geometry(named: dict[int, tuple[Ray, RayFit]], scale: float) -> float:
    """How well the named MCPs lie as MCPs do (``scale``: the middle finger's proximal
    phalanx, work pixels).

    Neighbouring finger MCPs are about 0.5, 0.45 and 0.42 of that length apart (index to
    little; the rays' MCP points are only good to a third of a finger across, so this is
    a loose check), and a digit is rarely missed between two named ones; the thumb's MCP
    lies about 0.9 from the index's, well down towards the wrist from the fingers' MCPs,
    and its tip does not reach as far as theirs.
    """
    mcp = {d: r.point_at(f.joints[-1]) for d, (r, f) in named.items()}
    cost = 0.0
    if 3 in named:
        # the middle finger reaches farthest: a neighbour's tip standing higher (fingers
        # up) means the fingers are named in the wrong direction
        top = named[3][0].tip[1]
        for d in (2, 4):
            if d in named:
                cost += 6.0 * max(0.0, (top - named[d][0].tip[1]) / scale - _TIP_SLACK)
    fingers = sorted(d for d in named if d > 1)
    for a, b in itertools.pairwise(fingers):
        expected = scale * sum(MCP_SPACING[k] for k in range(a, b))
        seen = float(np.hypot(*(mcp[a] - mcp[b])))
        cost += 0.5 * (math.log(max(seen, 1.0) / expected) / 0.4) ** 2 + _SKIPPED * (b - a - 1)
    if 1 in named and fingers:
        ray = named[1][0]
        near = fingers[0]
        expected = scale * (MCP_SPACING[1] + sum(MCP_SPACING[k] for k in range(2, near)))
        seen = float(np.hypot(*(mcp[1] - mcp[near])))
        cost += 0.5 * (math.log(max(seen, 1.0) / expected) / 0.4) ** 2 + _SKIPPED * (near - 2)
        drop = (mcp[1][1] - float(np.mean([mcp[d][1] for d in fingers]))) / scale
        reach = (ray.tip[1] - min(named[d][0].tip[1] for d in fingers)) / scale
        cost += 8.0 * max(0.0, _THUMB_DROP - drop) + 4.0 * max(0.0, 0.5 - reach)
    return -cost
