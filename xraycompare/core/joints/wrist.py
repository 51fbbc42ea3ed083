"""The centre of the radiocarpal joint, found down the line of the middle finger's
metacarpal.

The capitate and lunate lie in line with the third metacarpal, and the radiocarpal joint
about twice the middle finger's proximal phalanx beyond its MCP (1.8–2.4 on the
development films). Along that line the carpus shows many narrow joint spaces; the
radiocarpal one is the last of them before the radius, whose broad end shows no more
joint spaces: it is the most proximal clear notch in the expected stretch with a quiet
stretch of bone beyond it. Without such a notch the wrist is reported "not found".

That line meets the joint wherever the hand is deviated (under the ulna, at the radius's
edge), so the centre is then moved along the joint: lines parallel to it, a tenth of a
phalanx apart, show the same notch as far as the radius reaches (beyond, over the ulna's
head or the soft tissue, they do not), and the centre is the middle of that stretch.
"""

from __future__ import annotations

import numpy as np

from xraycompare.core.joints.gaps import find_gaps, profile
from xraycompare.core.joints.naming import PP_RATIO, Naming
from xraycompare.core.joints.view import HandView

_NEAR, _FAR = 1.5, 2.7  # where to look, in middle-finger proximal phalanx lengths
_QUIET = 0.6  # how far beyond the joint the profile is read
_AT = 2.05  # where it usually is
_MIN_DEPTH = 0.2
_ACROSS = 1.6  # how far either side of the line the joint is followed, in those lengths
_ACROSS_STEP = 0.1
_SHOWS = 0.3  # a parallel line's notch, against the line's own, that still counts as the joint


def radiocarpal(view: HandView, naming: Naming) -> tuple[np.ndarray, float] | None:
    """(work (x, y), notch depth) of the radiocarpal centre, or None when not seen."""
    if 3 not in naming.digits:
        return None
    ray, fit = naming.digits[3]
    scale = float(
        np.median([f.proximal / PP_RATIO[d] for d, (_, f) in naming.digits.items() if d > 1])
    )
    mcp = ray.point_at(fit.joints[-1])
    # the metacarpal's own direction, from the ray beyond the MCP
    start = int(round(fit.joints[-1] / ray.step))
    end = min(len(ray.points) - 1, start + int(0.8 * scale / ray.step))
    down = ray.points[end] - ray.points[start]
    if np.hypot(*down) < 0.4 * scale:
        return None
    down = down / np.hypot(*down)
    step = 0.5
    t = np.arange(0.0, (_FAR + _QUIET + 0.2) * scale, step)
    points = mcp[None, :] + t[:, None] * down[None, :]
    h, w = view.mask.shape
    if not _inside(points, w, h):
        return None
    values = profile(view.fine, points * 2.0 + 0.5, 0.6 * view.finger_width)
    best, value = _joint_notch(values, step, view.finger_width, scale, _NEAR, _FAR)
    if best is None:
        return None
    centre = _middle_across(view, points, down, scale, best.t, value)
    return (centre if centre is not None else mcp + best.t * down), best.strength


def _middle_across(
    view: HandView, points: np.ndarray, down: np.ndarray, scale: float, t: float, value: float
) -> np.ndarray | None:
    """The joint's centre: the middle of the stretch across the wrist where lines parallel
    to ``points`` (the line down the third metacarpal, the joint ``t`` along it with notch
    worth ``value``) show the same notch; None when none does."""
    h, w = view.mask.shape
    step = float(np.hypot(*(points[1] - points[0])))
    normal = np.array([-down[1], down[0]])
    seen: dict[int, float] = {}
    reach = int(round(_ACROSS / _ACROSS_STEP))
    near, far = t / scale - 0.25, t / scale + 0.25
    for k in range(-reach, reach + 1):
        line = points + k * _ACROSS_STEP * scale * normal
        if not _inside(line, w, h):
            continue
        values = profile(view.fine, line * 2.0 + 0.5, 0.25 * view.finger_width)
        other, other_value = _joint_notch(values, step, view.finger_width, scale, near, far)
        if other is not None and other_value >= _SHOWS * value:
            seen[k] = other.t
    if not seen:
        return None
    lo = hi = min(seen, key=abs)  # the stretch holding the line (or the nearest to it)
    while lo - 1 in seen:
        lo -= 1
    while hi + 1 in seen:
        hi += 1
    middle = (lo + hi) // 2
    return points[0] + middle * _ACROSS_STEP * scale * normal + seen[middle] * down


def _inside(points: np.ndarray, w: int, h: int) -> bool:
    return bool(
        ((points[:, 0] >= 0) & (points[:, 1] >= 0) & (points[:, 0] < w) & (points[:, 1] < h)).all()
    )


def _joint_notch(
    values: np.ndarray, step: float, finger_width: float, scale: float, near: float, far: float
):
    """The radiocarpal notch of a profile down the wrist (arc length ``near`` to ``far``
    middle-finger phalanx lengths from the MCP) and its worth; (None, 0) when none shows."""
    best, best_value = None, 0.0
    for g in find_gaps(values, step, finger_width):
        if not (near * scale <= g.t <= far * scale) or g.strength < _MIN_DEPTH:
            continue
        # the radius's end shows as a bright line right beyond the joint space
        i = int(round(g.t / step))
        rim = values[i : i + int(0.15 * scale / step) + 1].max() - values[i]
        spread = np.ptp(values[max(0, i - int(scale / step)) : i + int(scale / step)]) or 1.0
        value = (g.strength + rim / spread) * np.exp(-0.5 * ((g.t / scale - _AT) / 0.3) ** 2)
        if value > best_value:
            best, best_value = g, value
    return best, best_value
