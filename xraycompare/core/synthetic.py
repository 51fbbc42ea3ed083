"""Follow-up films with known truth, made from one real radiograph.

No public same-hand pair years apart exists, so tests, benchmarks and the demo pair make
the *after* film from a real *before*: a known geometric transform, an exposure and
processing change, noise, burnt-in markers and simulated local bone change (erosion or
remodeling). Everything is deterministic for a given seed.
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
        found at ``spec.matrix @ p`` in the before film.
    """
    rng = np.random.default_rng(spec.seed)
    changed = apply_bone_changes(before, spec.changes).astype(np.float32)
    m = as_matrix(spec.matrix)
    h, w = spec.out_shape or before.shape
    if np.allclose(m[2], [0, 0, 1]):
        warped = cv2.warpAffine(
            changed,
            m[:2],
            (w, h),
            flags=cv2.INTER_CUBIC | cv2.WARP_INVERSE_MAP,
            borderMode=cv2.BORDER_REFLECT,
        )
    else:
        warped = cv2.warpPerspective(
            changed,
            m,
            (w, h),
            flags=cv2.INTER_CUBIC | cv2.WARP_INVERSE_MAP,
            borderMode=cv2.BORDER_REFLECT,
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
