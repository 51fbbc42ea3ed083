"""Rheumatoid damage simulated on a marked real film: fused and eroded joints.

The marked films are fracture films with healthy joints, while the app's readers follow
rheumatoid hands, where a joint space can be gone (ankylosis) and the bone beside it
bitten away (erosions). These copies show how the finder copes: a fused joint may be
found where it is or not at all, but must not be reported elsewhere, and must not pull
its neighbours off their joints.

- **Fused**: bone bridges the joint space. Within 0.07 of the proximal phalanx either side
  of the joint along the finger, each point takes the film interpolated between the two
  bone ends at its own distance across the finger (faded out beyond a quarter phalanx
  across), so the bones' outline runs on across a joint space that is gone.
- **Eroded**: marginal bites next to the joint, on either bone end and either side: discs
  16 % of the phalanx across, darkened 70 % of the way to the soft tissue beside the bone.

The marks stay where they were: a fused joint is still a joint.
"""

from __future__ import annotations

from collections.abc import Iterable

import cv2
import numpy as np

FINGER_JOINTS = tuple(f"{kind}{k}" for k in range(2, 6) for kind in ("MCP", "PIP"))


def finger_axis(
    joints: dict[str, tuple[float, float]], site: str
) -> tuple[np.ndarray, float] | None:
    """The unit vector from PIPk to MCPk of ``site``'s finger and that phalanx's length."""
    k = site[-1]
    mcp, pip = joints.get(f"MCP{k}"), joints.get(f"PIP{k}")
    if mcp is None or pip is None:
        return None
    v = np.subtract(mcp, pip).astype(np.float64)
    length = float(np.hypot(*v))
    return (v / length, length) if length > 4 else None


def _frames(joints: dict[str, tuple[float, float]], sites: Iterable[str]):
    """For each of ``sites`` that has a finger axis: its centre, the unit vectors along
    (towards the wrist) and across the finger, and the proximal phalanx's length."""
    for site in sites:
        axis = finger_axis(joints, site)
        if axis is None or site not in joints:
            continue
        u, length = axis
        yield np.asarray(joints[site], dtype=np.float64), u, np.array([-u[1], u[0]]), length


def _window(shape: tuple[int, int], centre: np.ndarray, radius: float):
    """The pixel grid (x, y float32) of a square around ``centre`` clipped to the film,
    and the slices it covers; None when it lies outside."""
    h, w = shape
    x0, y0 = max(0, int(centre[0] - radius)), max(0, int(centre[1] - radius))
    x1, y1 = min(w, int(centre[0] + radius) + 2), min(h, int(centre[1] + radius) + 2)
    if x1 <= x0 or y1 <= y0:
        return None
    yy, xx = np.mgrid[y0:y1, x0:x1].astype(np.float32)
    return xx, yy, (slice(y0, y1), slice(x0, x1))


def _at(image: np.ndarray, xx: np.ndarray, yy: np.ndarray) -> np.ndarray:
    xs, ys = xx.astype(np.float32), yy.astype(np.float32)
    return cv2.remap(image, xs, ys, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)


def fused(
    pixels: np.ndarray, joints: dict[str, tuple[float, float]], sites: Iterable[str]
) -> np.ndarray:
    """A copy of ``pixels`` (bone bright) with the joint spaces of ``sites`` bridged."""
    out = pixels.astype(np.float32)
    for centre, u, n, length in _frames(joints, sites):
        grid = _window(out.shape, centre, 0.3 * length)
        if grid is None:
            continue
        xx, yy, region = grid
        dx, dy = xx - centre[0], yy - centre[1]
        along, across = dx * u[0] + dy * u[1], dx * n[0] + dy * n[1]
        reach = 0.07 * length
        # each point between the two bone ends, at its own distance across the finger,
        # takes the film interpolated between the proximal and the distal end
        t = np.clip((along + reach) / (2.0 * reach), 0.0, 1.0)
        sx, sy = xx - (along - reach) * u[0], yy - (along - reach) * u[1]  # proximal end
        proximal = _at(out, sx, sy)
        distal = _at(out, sx - 2.0 * reach * u[0], sy - 2.0 * reach * u[1])
        bridged = t * proximal + (1.0 - t) * distal
        # across, faded out beyond the bone's width; along, the ends match the film
        weight = np.clip(2.0 * (1.0 - (across / (0.25 * length)) ** 2), 0.0, 1.0)
        weight = np.where(np.abs(along) <= reach, weight, 0.0)
        out[region] = weight * bridged + (1.0 - weight) * out[region]
    return _as(out, pixels.dtype)


def eroded(
    pixels: np.ndarray,
    joints: dict[str, tuple[float, float]],
    sites: Iterable[str],
    *,
    rng: np.random.Generator,
) -> np.ndarray:
    """A copy of ``pixels`` (bone bright) with a marginal erosion at each of ``sites``."""
    out = pixels.astype(np.float32)
    for centre, u, n, length in _frames(joints, sites):
        side, end = rng.choice([-1.0, 1.0]), rng.choice([-1.0, 1.0])
        bite = centre + end * 0.06 * length * u + side * 0.13 * length * n
        radius = 0.08 * length
        grid = _window(out.shape, bite, 1.5 * radius)
        if grid is None:
            continue
        xx, yy, region = grid
        # the soft tissue beside the bone, on the bite's side
        soft_at = centre + side * 0.32 * length * n
        soft = float(np.median(_at(out, *_disc(soft_at, 0.04 * length))))
        r = np.hypot(xx - bite[0], yy - bite[1]) / radius
        weight = 0.7 * np.clip(1.5 - r, 0.0, 1.0)  # a soft rim half a radius wide
        values = out[region]
        out[region] = values - weight * np.maximum(values - soft, 0.0)
    return _as(out, pixels.dtype)


def _disc(centre: np.ndarray, radius: float) -> tuple[np.ndarray, np.ndarray]:
    """Sample points (x, y float32 arrays) filling a disc."""
    offsets = np.linspace(-radius, radius, 5)
    gx, gy = np.meshgrid(offsets, offsets)
    inside = np.hypot(gx, gy) <= radius
    xs = (centre[0] + gx[inside]).astype(np.float32)[None, :]
    ys = (centre[1] + gy[inside]).astype(np.float32)[None, :]
    return xs, ys


def _as(values: np.ndarray, dtype: np.dtype) -> np.ndarray:
    if np.dtype(dtype).kind in "ui":
        info = np.iinfo(dtype)
        return np.clip(np.rint(values), info.min, info.max).astype(dtype)
    return values.astype(dtype)
