"""Follow-up films with known truth, made from one real radiograph.

No public same-hand pair years apart exists, so tests, benchmarks and the demo pair make
the *after* film from a real *before*: a known geometric transform, an exposure and
processing change, noise, burnt-in markers, simulated local bone change (erosion or
remodeling) and finger posture changes (each finger turned about its MCP joint, with the
exact truth from :func:`followup_truth`). Everything is deterministic for a given seed.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import cv2
import numpy as np

from xraycompare.core.geometry import as_matrix


@dataclass(frozen=True)
class BoneChange:
    """A local change at (x, y) in *before* pixel coordinates.

    ``depth`` > 0 removes bone (an erosion: values fall toward the local soft-tissue level),
    ``depth`` < 0 adds bone (remodeling / sclerosis). ``radius`` is in pixels.
    """

    x: float
    y: float
    radius: float
    depth: float = 0.6


@dataclass(frozen=True)
class FollowupSpec:
    """How the simulated follow-up differs from the baseline."""

    matrix: np.ndarray  # after -> before pixel coordinates
    out_shape: tuple[int, int] | None = None  # (H, W) of the after film; before's when None
    gamma: float = 1.0
    gain: float = 1.0
    offset: float = 0.0
    blur_sigma: float = 0.0
    noise_sd: float = 0.0  # in units of the full intensity range
    changes: tuple[BoneChange, ...] = ()
    markers: tuple[tuple[int, int, str], ...] = ()  # (x, y, text) burnt into the after film
    seed: int = 0
    extra: dict[str, float] = field(default_factory=dict)
    # fingers turned about their MCP joints before the global transform (see FingerMove)
    posture: tuple[FingerMove, ...] = ()
    # what the after film shows outside the before film: "reflect" (mirrored anatomy) or
    # "air" (the before film's air level, like a detector seeing nothing)
    border: str = "reflect"


@dataclass(frozen=True)
class Finger:
    """A finger in *before* pixel coordinates: its MCP joint (the pivot), tip, half-width."""

    mcp: tuple[float, float]
    tip: tuple[float, float]
    half_width: float


@dataclass(frozen=True)
class FingerMove:
    """A posture change: ``finger`` turned rigidly by ``angle_deg`` about its MCP joint.

    The angle follows :func:`xraycompare.core.geometry.similarity` (positive turns
    counter-clockwise on screen).
    """

    finger: Finger
    angle_deg: float


def apply_bone_changes(
    pixels: np.ndarray, changes: tuple[BoneChange, ...] | list[BoneChange]
) -> np.ndarray:
    """Return a copy of ``pixels`` (bone bright) with local bone removed or added.

    Each change blends the values inside a soft disc toward the local background level
    (a wide median), so an erosion looks like a lucent defect with a soft margin.
    """
    src = pixels.astype(np.float32)
    if not changes:
        return pixels.copy()
    out = src.copy()
    h, w = src.shape
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    for change in changes:
        r = float(change.radius)
        x0, x1 = int(max(0, change.x - 3 * r)), int(min(w, change.x + 3 * r + 1))
        y0, y1 = int(max(0, change.y - 3 * r)), int(min(h, change.y + 3 * r + 1))
        if x0 >= x1 or y0 >= y1:
            continue
        patch = out[y0:y1, x0:x1]
        d2 = (xx[y0:y1, x0:x1] - change.x) ** 2 + (yy[y0:y1, x0:x1] - change.y) ** 2
        weight = np.clip(1.5 - np.sqrt(d2) / r, 0.0, 1.0) ** 2  # soft-edged disc
        background = float(np.percentile(patch, 20))
        top = float(np.percentile(patch, 99))
        target = background if change.depth >= 0 else top
        out[y0:y1, x0:x1] = patch + abs(change.depth) * weight * (target - patch)
    return _like(out, pixels)


def _smoothstep(x: np.ndarray, lo: float, hi: float) -> np.ndarray:
    t = np.clip((x - lo) / max(hi - lo, 1e-9), 0.0, 1.0)
    return t * t * (3 - 2 * t)


def posture_source(points: np.ndarray, moves: tuple[FingerMove, ...] | list[FingerMove]):
    """Where the anatomy shown at ``points`` of the posture-changed film sits originally.

    Parameters
    ----------
    points
        (N, 2) (x, y) points in the posture-changed *before* frame.
    moves
        The finger moves.

    Returns
    -------
    numpy.ndarray
        (N, 2) points in the original before film. Inside a moved finger the map is that
        finger's exact rotation; it fades to the identity over a quarter finger-width around
        the MCP joint and over 0.6 finger-widths beside the finger (the web stretches), with
        overlapping fades shared out so the map stays continuous.
    """
    q = np.asarray(points, dtype=np.float64).reshape(-1, 2)
    shift = np.zeros_like(q)
    total = np.zeros(len(q))
    parts = []
    for move in moves:
        f = move.finger
        c = np.asarray(f.mcp, dtype=np.float64)
        axis = np.asarray(f.tip, dtype=np.float64) - c
        length = float(np.hypot(*axis))
        a = np.radians(move.angle_deg)
        # the moved finger's axis (same sense as geometry.similarity: y points down)
        rot = np.array([[np.cos(a), np.sin(a)], [-np.sin(a), np.cos(a)]])
        u = rot @ (axis / max(length, 1e-9))
        d = q - c
        along = d @ u
        across = np.abs(d[:, 0] * u[1] - d[:, 1] * u[0])
        hw = float(f.half_width)
        weight = (
            _smoothstep(along, -0.25 * hw, 0.25 * hw)
            * (1 - _smoothstep(across, hw, 1.6 * hw))
            * (1 - _smoothstep(along, length + hw, length + 1.6 * hw))
        )
        source = d @ rot + c  # the inverse rotation about the MCP joint
        parts.append((weight, source - q))
        total += weight
    norm = np.maximum(total, 1.0)
    for weight, delta in parts:
        shift += (weight / norm)[:, None] * delta
    return q + shift


def posture_map(shape: tuple[int, int], moves, *, step: int = 4) -> np.ndarray:
    """Dense (H, W, 2) float32 :func:`posture_source` of every pixel (a ``cv2.remap`` map).

    Evaluated every ``step`` pixels and interpolated: inside a finger the map is linear, so
    the interpolation is exact there and only the fades are approximated.
    """
    h, w = shape
    gh, gw = -(-h // step), -(-w // step)
    # grid points sit where cv2.resize by ``step`` puts its source pixel centres
    ys = (np.arange(gh) + 0.5) * step - 0.5
    xs = (np.arange(gw) + 0.5) * step - 0.5
    gx, gy = np.meshgrid(xs, ys)
    pts = np.stack([gx.ravel(), gy.ravel()], axis=1)
    coarse = posture_source(pts, moves).astype(np.float32).reshape(gh, gw, 2)
    dense = cv2.resize(coarse, (gw * step, gh * step), interpolation=cv2.INTER_LINEAR)
    return np.ascontiguousarray(dense[:h, :w])


def followup_truth(spec: FollowupSpec, after_points: np.ndarray) -> np.ndarray:
    """Before-film positions of the anatomy at ``after_points`` of a simulated follow-up."""
    from xraycompare.core.geometry import transform_points

    pts = transform_points(as_matrix(spec.matrix), np.asarray(after_points, dtype=np.float64))
    return posture_source(pts, spec.posture) if spec.posture else pts


def followup_position(spec: FollowupSpec, before_point) -> tuple[np.ndarray, bool]:
    """Where a simulated follow-up shows the anatomy at a before-film point (the inverse of
    :func:`followup_truth`), and whether that is exact.

    Exact where one finger's rotation (or none) holds; in the fades between a moved finger
    and the palm or a neighbour it is solved numerically and flagged False.
    """
    from xraycompare.core.geometry import transform_points

    p = np.asarray(before_point, dtype=np.float64).reshape(2)
    to_after = np.linalg.inv(as_matrix(spec.matrix))
    moves = spec.posture
    for move in moves:
        c = np.asarray(move.finger.mcp, dtype=np.float64)
        a = np.radians(move.angle_deg)
        rot = np.array([[np.cos(a), np.sin(a)], [-np.sin(a), np.cos(a)]])
        moved = c + rot @ (p - c)  # where the finger's turn put it, in the before frame
        if np.linalg.norm(posture_source(moved[None], moves)[0] - p) < 1e-6:
            return transform_points(to_after, moved[None])[0], True
    q = p.copy()  # no finger's own motion, or a fade: solve posture_source(q) = p
    for _ in range(50):
        q = q + (p - (posture_source(q[None], moves)[0] if moves else q))
    exact = not moves or bool(np.linalg.norm(q - p) < 1e-9)
    return transform_points(to_after, q[None])[0], exact


def fingers_from_joints(points, phalanx: float) -> dict[int, Finger]:
    """Each digit (1 = thumb) as a :class:`Finger` pivoting at its MCP joint.

    ``points`` maps joint sites (``MCP2``, ``PIP2``, ``DIP2``, ``IP1``, ...) to before
    (x, y); ``phalanx`` is the MCP3–PIP3 distance, which sets the fingers' widths. A digit
    without its MCP and next joint is left out; the tip lies beyond the last joint known.
    """
    out = {}
    for d in range(1, 6):
        names = (f"MCP{d}", "IP1" if d == 1 else f"PIP{d}", f"DIP{d}")
        mcp, mid, far = (points.get(n) for n in names)
        if mcp is None or mid is None:
            continue
        last, before_last = (far, mid) if far is not None else (mid, mcp)
        tip = np.asarray(last, float) + (0.8 if d == 1 else 0.6) * np.subtract(last, before_last)
        half_width = (0.24 if d == 1 else 0.19) * phalanx
        out[d] = Finger((float(mcp[0]), float(mcp[1])), (float(tip[0]), float(tip[1])), half_width)
    return out


def simulate_followup(before: np.ndarray, spec: FollowupSpec) -> np.ndarray:
    """Make an *after* film from a real *before* film and a :class:`FollowupSpec`.

    Parameters
    ----------
    before
        (H, W) stored values of the real film, bone bright (uint8 or uint16).
    spec
        The transform (after -> before), exposure change, noise and bone changes.

    Returns
    -------
    numpy.ndarray
        The after film, same dtype as ``before``; sampling it at ``p`` shows the anatomy
        found at ``spec.matrix @ p`` in the before film (at ``followup_truth(spec, p)`` when
        fingers moved).
    """
    rng = np.random.default_rng(spec.seed)
    changed = apply_bone_changes(before, spec.changes).astype(np.float32)
    if spec.posture:
        pmap = posture_map(before.shape, spec.posture)
        changed = cv2.remap(changed, pmap, None, cv2.INTER_CUBIC, borderMode=cv2.BORDER_REFLECT)
    m = as_matrix(spec.matrix)
    h, w = spec.out_shape or before.shape
    if spec.border == "air":
        border = {
            "borderMode": cv2.BORDER_CONSTANT,
            "borderValue": float(np.percentile(changed[::8, ::8], 5)),
        }
    elif spec.border == "reflect":
        border = {"borderMode": cv2.BORDER_REFLECT}
    else:
        raise ValueError(f"border must be 'reflect' or 'air', got {spec.border!r}")
    if np.allclose(m[2], [0, 0, 1]):
        warped = cv2.warpAffine(
            changed,
            m[:2],
            (w, h),
            flags=cv2.INTER_CUBIC | cv2.WARP_INVERSE_MAP,
            **border,
        )
    else:
        warped = cv2.warpPerspective(
            changed,
            m,
            (w, h),
            flags=cv2.INTER_CUBIC | cv2.WARP_INVERSE_MAP,
            **border,
        )
    # the film's own ceiling (a 12-bit film in 16-bit words tops out at 4095, not 65535):
    # markers burn in there, and no value may exceed it
    top = float(before.max()) if before.dtype.kind in "ui" else 1.0
    lo, hi = float(np.percentile(changed, 0.1)), float(np.percentile(changed, 99.9))
    span = max(hi - lo, 1.0)
    unit = np.clip((warped - lo) / span, 0.0, 1.0)
    if spec.blur_sigma > 0:
        unit = cv2.GaussianBlur(unit, (0, 0), spec.blur_sigma)
    unit = spec.gain * np.power(unit, spec.gamma) + spec.offset
    if spec.noise_sd > 0:
        unit = unit + rng.normal(0.0, spec.noise_sd, unit.shape).astype(np.float32)
    out = np.clip(lo + unit * span, 0, top)
    if spec.markers:
        # putText draws on 8-bit images only: draw the lettering as a mask, burn it in at the
        # top of the range (lead stops the beam: the brightest value on a bone-bright film)
        ink = np.zeros((h, w), np.uint8)
        for x, y, text in spec.markers:
            cv2.putText(
                ink,
                text,
                (int(x), int(y)),
                cv2.FONT_HERSHEY_SIMPLEX,
                max(1.0, h / 400),
                255,
                thickness=max(2, h // 300),
                lineType=cv2.LINE_AA,
            )
        alpha = ink.astype(np.float32) / 255.0
        out = out * (1 - alpha) + float(top) * alpha
    return _like(out, before)


def _like(values: np.ndarray, reference: np.ndarray) -> np.ndarray:
    if reference.dtype.kind in "ui":
        info = np.iinfo(reference.dtype)
        return np.clip(np.rint(values), info.min, info.max).astype(reference.dtype)
    return values.astype(reference.dtype)
