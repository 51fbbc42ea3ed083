"""find_joints: the joints of a hand film, found by tracing the finger rays.

1. The hand (:func:`~xraycompare.core.io.hand_mask.foreground_mask`) is turned upright at a
   working size (:mod:`.frame`).
2. The bones' centre lines are traced as ridges of a bone-enhanced image (:mod:`.ridges`);
   a ray that starts at a fingertip is a finger or the thumb.
3. Along each ray the dark gaps (joint spaces, growth plates) are found in an intensity
   profile (:mod:`.gaps`) and assigned to joints by the bones' proportions (:mod:`.anatomy`).
4. The rays are named at the level of the hand: the thumb is the outer ray whose MCP lies
   well below the fingers' MCPs; the fingers follow it in order. Laterality follows from the
   thumb's side.

Nothing is guessed: a ray whose gaps fit the proportions badly, or a gap too shallow to be
a joint space, leaves its sites "not found".
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import cv2
import numpy as np

from xraycompare.core.io.hand_mask import foreground_mask, sample_pixels
from xraycompare.core.io.image import XrayImage
from xraycompare.core.joints.anatomy import RayFit, fit_finger, fit_thumb
from xraycompare.core.joints.frame import HandFrame, main_component, upright_frame
from xraycompare.core.joints.gaps import find_gaps, profile, resample
from xraycompare.core.joints.model import JOINT_SITES, FingerAxis, Joint, JointMap
from xraycompare.core.joints.ridges import (
    bone_tophat,
    ridge_map,
    soft_tip,
    trace_chains,
    track,
)
from xraycompare.core.progress import ProgressFn, Reporter, Stage, StopFn

_WORK_SIDE = 768
_FINE = 2  # profiles are read at twice the working resolution
_STEP = 0.5  # profile step, upright pixels
_MIN_DEPTH = 0.08  # shallower gaps are not reported as joints
_MIN_FINGER_SCORE = 3.0  # below this a ray's fit is too often wrong (dev films)
_STAGES = (
    Stage("Finding the hand", 0.3),
    Stage("Tracing the fingers", 0.7),
    Stage("Locating the joints", 1.0),
)


@dataclass(frozen=True)
class _Ray:
    points: np.ndarray  # resampled centre line, upright pixels, top (tip) first
    tip: float  # arc length of the fingertip's soft tissue (<= 0)
    gaps: list
    finger: RayFit | None
    thumb: RayFit | None

    def point_at(self, t: float) -> np.ndarray:
        i = int(round(t / _STEP))
        return self.points[min(max(i, 0), len(self.points) - 1)]


def find_joints(
    image: XrayImage | np.ndarray,
    *,
    progress: ProgressFn | None = None,
    should_stop: StopFn | None = None,
) -> JointMap:
    """Find the joints of a PA (or oblique) hand radiograph.

    Parameters
    ----------
    image
        A loaded film, or an (H, W) array with bone bright.
    progress, should_stop
        Optional callbacks (see :mod:`xraycompare.core.progress`).

    Returns
    -------
    JointMap
        Every site of :data:`~xraycompare.core.joints.model.JOINT_SITES`, found or not,
        in the film's pixel coordinates, with the finger axes and the laterality when the
        thumb tells it.

    Raises
    ------
    Cancelled
        ``should_stop()`` returned True.
    """
    start = time.perf_counter()
    reporter = Reporter(progress, should_stop)
    reporter.enter(_STAGES[0])
    work, fine, scale = _prepare(image)
    body = main_component(foreground_mask(work))
    if body.mean() > 0.85:  # the mask's "nothing stands out" answer: no hand to trace
        return JointMap.empty(time.perf_counter() - start)
    unit = _unit(work, body)
    frame = upright_frame(unit, body) if unit is not None else None
    if frame is None:
        return JointMap.empty(time.perf_counter() - start)
    upright = cv2.warpAffine(unit, frame.to_upright, frame.size, flags=cv2.INTER_LINEAR)
    mask = (
        cv2.warpAffine(body.astype(np.uint8), frame.to_upright, frame.size, flags=cv2.INTER_NEAREST)
        > 0
    )
    fine_unit = _unit(fine, cv2.resize(body.astype(np.uint8), fine.shape[::-1]) > 0)
    fine_to = frame.to_upright.copy() * 1.0
    fine_to = _fine_matrix(frame, work.shape, fine.shape)
    fine_size = (frame.size[0] * _FINE, frame.size[1] * _FINE)
    fine_upright = cv2.warpAffine(fine_unit, fine_to, fine_size, flags=cv2.INTER_LINEAR)

    reporter.enter(_STAGES[1])
    f = frame.finger_width
    ridge, strength = ridge_map(bone_tophat(upright, f), mask, f)
    rays = _rays(trace_chains(ridge, strength, f), mask, strength, fine_upright, f)

    reporter.enter(_STAGES[2])
    named = _name_rays(rays, f)
    joints, axes, laterality = _joints(named, frame, work.shape, scale)
    reporter.done()
    return JointMap(joints, axes, laterality, time.perf_counter() - start)


def _prepare(image: XrayImage | np.ndarray) -> tuple[np.ndarray, np.ndarray, float]:
    """(working values, fine values, working px per film px), bone bright."""
    if isinstance(image, XrayImage):
        pixels = image.pixels
        work = image.modality_values(sample_pixels(pixels, max_side=_WORK_SIDE))
        fine = image.modality_values(sample_pixels(pixels, max_side=_WORK_SIDE * _FINE))
        if image.invert:
            work, fine = -work, -fine
    else:
        pixels = np.asarray(image)
        if pixels.ndim != 2 or pixels.size == 0:
            raise ValueError("find_joints expects a non-empty (H, W) array")
        work = sample_pixels(pixels, max_side=_WORK_SIDE).astype(np.float32)
        fine = sample_pixels(pixels, max_side=_WORK_SIDE * _FINE).astype(np.float32)
    scale = work.shape[1] / pixels.shape[1]
    return work.astype(np.float32), fine.astype(np.float32), scale


def _unit(values: np.ndarray, body: np.ndarray) -> np.ndarray | None:
    if body.sum() < 100:
        return None
    lo, hi = np.percentile(values[body], [1, 99.5])
    if not hi > lo:
        return None
    return np.clip((values - lo) / (hi - lo), 0.0, 1.0).astype(np.float32)


def _fine_matrix(frame: HandFrame, work_shape, fine_shape) -> np.ndarray:
    """The upright matrix for the fine image, at _FINE times the upright size."""
    sx = work_shape[1] / fine_shape[1]
    sy = work_shape[0] / fine_shape[0]
    # fine pixel -> working pixel (centres at integers), then upright, then x _FINE
    to_work = np.array([[sx, 0, 0.5 * sx - 0.5], [0, sy, 0.5 * sy - 0.5], [0, 0, 1]])
    up = np.vstack([frame.to_upright, [0, 0, 1]])
    zoom = np.array([[_FINE, 0, 0.5 * _FINE - 0.5], [0, _FINE, 0.5 * _FINE - 0.5], [0, 0, 1]])
    return (zoom @ up @ to_work)[:2]


def _rays(
    chains, mask: np.ndarray, strength: np.ndarray, fine_upright: np.ndarray, f: float
) -> list[_Ray]:
    rays: list[_Ray] = []
    floor = 0.3 * float(np.median(strength[mask])) if mask.any() else 0.0
    for chain in sorted(chains, key=lambda c: c.top[1]):
        if chain.length < 1.5 * f:
            continue
        # a ridge piece often stops at a flared joint: follow the ridge on into the palm
        span = max(3, int(0.5 * f))
        d = chain.points[-1] - chain.points[max(0, len(chain.points) - span)]
        more = track(strength, chain.points[-1], d, f, max_length=4 * f, floor=floor)
        points = np.concatenate([chain.points, more[1:]]) if len(more) > 1 else chain.points
        pts = resample(points, _STEP, 0.3 * f)
        if len(pts) * _STEP < 2.5 * f:
            continue
        tip = soft_tip(mask, pts, f)
        if tip is None:
            continue
        if any(np.hypot(*(r.points[0] - pts[0])) < 0.5 * f for r in rays):
            continue  # a second trace of a ray already taken
        zoom = pts * _FINE + 0.5 * _FINE - 0.5
        values = profile(fine_upright, zoom, 0.12 * f * _FINE)
        gaps = find_gaps(values, _STEP, f)
        length = len(pts) * _STEP
        rays.append(
            _Ray(
                pts, -tip, gaps, fit_finger(gaps, length, -tip, f), fit_thumb(gaps, length, -tip, f)
            )
        )
    return rays


def _name_rays(rays: list[_Ray], f: float) -> dict[int, _Ray]:
    """Finger number (1 = thumb) -> ray, for the best way of naming the rays."""
    if not rays:
        return {}
    tops = np.array([r.points[0] for r in rays])
    centre = np.array([tops[:, 0].mean(), max(r.points[-1][1] for r in rays) + 2 * f])
    angles = np.arctan2(tops[:, 0] - centre[0], centre[1] - tops[:, 1])
    order = [rays[i] for i in np.argsort(angles)]
    best: dict[int, _Ray] = {}
    best_score = -np.inf
    n = len(order)
    for t in range(n):
        thumb = order[t]
        if thumb.thumb is None:
            continue
        for side in (1, -1):
            fingers = [order[t + side * k] for k in range(1, 5) if 0 <= t + side * k < n]
            fits = [r.finger for r in fingers]
            if not fingers or any(fit is None for fit in fits[:2]):
                continue
            score = thumb.thumb.score + sum(fit.score for fit in fits if fit is not None)
            mcps = [r.point_at(fit.base)[1] for r, fit in zip(fingers, fits, strict=True) if fit]
            lengths = [fit.proximal_length for fit in fits if fit is not None]
            thumb_mcp = thumb.point_at(thumb.thumb.proximal)[1]
            # the thumb's MCP lies well below the fingers' (towards the wrist)
            drop = (thumb_mcp - float(np.mean(mcps))) / float(np.mean(lengths))
            score -= 4.0 * max(0.0, 0.5 - drop)
            if score > best_score:
                best_score = score
                best = {1: thumb}
                for k, r in enumerate(fingers):
                    best[2 + k] = r
                best["side"] = side  # type: ignore[index]
    return best


def _to_film(frame: HandFrame, scale: float, points: np.ndarray) -> np.ndarray:
    """Upright (x, y) points -> film pixel coordinates (centres at integers)."""
    inv = np.linalg.inv(np.vstack([frame.to_upright, [0, 0, 1]]))
    p = np.c_[points, np.ones(len(points))] @ inv[:2].T
    return (p + 0.5) / scale - 0.5


def _confidence(depth: float, score: float) -> float:
    return float(np.clip(depth / 0.3, 0.0, 1.0) * (1 / (1 + np.exp(-(score - 0.5)))))


def _joints(named: dict, frame: HandFrame, work_shape, scale: float):
    found: dict[str, tuple[float, float, float]] = {}
    axes: list[FingerAxis] = []
    side = named.pop("side", None)
    good = [r.finger for k, r in named.items() if k > 1 and r.finger]
    if len(good) < 3:
        # fewer than three convincing fingers: the naming itself is not to be trusted
        return tuple(Joint(s, None, None, 0.0) for s in JOINT_SITES), (), None
    lengths = [fit.proximal_length for fit in good]
    typical = float(np.median(lengths)) if len(lengths) >= 3 else None
    for finger, ray in named.items():
        fit = ray.thumb if finger == 1 else ray.finger
        if fit is None or fit.score < _MIN_FINGER_SCORE:
            continue
        # proximal phalanges of neighbouring fingers differ by a quarter at most
        if finger > 1 and typical is not None and not 0.7 < fit.proximal_length / typical < 1.35:
            continue
        if finger == 1:
            sites = (("IP1", fit.distal), ("MCP1", fit.proximal))
        else:
            sites = (
                (f"DIP{finger}", fit.distal),
                (f"PIP{finger}", fit.proximal),
                (f"MCP{finger}", fit.base),
            )
        for (site, t), depth in zip(sites, fit.depths, strict=True):
            if t is None or depth < _MIN_DEPTH:
                continue
            x, y = _to_film(frame, scale, ray.point_at(t)[None, :])[0]
            found[site] = (float(x), float(y), _confidence(depth, fit.score))
        pts = _to_film(frame, scale, ray.points[:: max(1, int(2 / _STEP))])
        axes.append(FingerAxis(finger, tuple((float(x), float(y)) for x, y in pts)))
    joints = tuple(
        Joint(s, *found[s]) if s in found else Joint(s, None, None, 0.0) for s in JOINT_SITES
    )
    laterality = None
    if side is not None:
        # upright and not mirrored: fingers to the thumb's right (side 1) = thumb on the
        # viewer's left = a right hand in PA
        det = np.linalg.det(frame.to_upright[:, :2])
        right = (side == 1) == (det > 0)
        laterality = "right" if right else "left"
    return joints, tuple(sorted(axes, key=lambda a: a.finger)), laterality
