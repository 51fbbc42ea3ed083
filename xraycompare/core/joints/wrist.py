"""The centre of the radiocarpal joint, found down the line of the middle finger's
metacarpal.

The capitate and lunate lie in line with the third metacarpal, and the radiocarpal joint
about twice the middle finger's proximal phalanx beyond its MCP (1.8–2.4 on the
development films). Along that line the carpus shows many narrow joint spaces; the
radiocarpal one is the last of them before the radius, whose broad end shows no more
joint spaces: it is the most proximal clear notch in the expected stretch with a quiet
stretch of bone beyond it. Without such a notch the wrist is reported "not found".
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
    inside = (points[:, 0] >= 0) & (points[:, 1] >= 0) & (points[:, 0] < w) & (points[:, 1] < h)
    if not inside.all():
        return None
    values = profile(view.fine, points * 2.0 + 0.5, 0.6 * view.finger_width)
    gaps = find_gaps(values, step, view.finger_width)
    best, best_value = None, 0.0
    for g in gaps:
        if not (_NEAR * scale <= g.t <= _FAR * scale) or g.strength < _MIN_DEPTH:
            continue
        # the radius's end shows as a bright line right beyond the joint space
        i = int(round(g.t / step))
        rim = values[i : i + int(0.15 * scale / step) + 1].max() - values[i]
        spread = np.ptp(values[max(0, i - int(scale / step)) : i + int(scale / step)]) or 1.0
        value = (g.strength + rim / spread) * np.exp(-0.5 * ((g.t / scale - _AT) / 0.3) ** 2)
        if value > best_value:
            best, best_value = g, value
    return (mcp + best.t * down, best.strength) if best is not None else None
