"""Finger rays: the centre line of a digit's bones, followed from its tip into the palm.

At a scale of about a fifth of a finger's width the bones of one ray (metacarpal and
phalanges) blur into one bright bar: the joint spaces are a few pixels wide and vanish. So
the ridge of a bone-enhanced image (a white top-hat removes the soft tissue) runs through
the joints, and a ray is followed along it from the fingertip, step by step, re-centring on
the ridge across the bone at each step.
"""

from __future__ import annotations

import cv2
import numpy as np


def bone_tophat(unit: np.ndarray, finger_width: float) -> np.ndarray:
    """Bone above its soft tissue: a white top-hat a little narrower than a finger."""
    k = max(3, int(0.9 * finger_width) | 1)
    se = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (k, k))
    return unit - cv2.morphologyEx(unit, cv2.MORPH_OPEN, se)


def _curvatures(bone: np.ndarray, finger_width: float) -> tuple[np.ndarray, ...]:
    """Second derivatives (xx, yy, xy) at about a fifth of a finger's width, and that scale."""
    s = max(1.0, 0.18 * finger_width)
    g = cv2.GaussianBlur(bone, (0, 0), s)
    xx = cv2.Sobel(g, cv2.CV_32F, 2, 0, ksize=3)
    yy = cv2.Sobel(g, cv2.CV_32F, 0, 2, ksize=3)
    xy = cv2.Sobel(g, cv2.CV_32F, 1, 1, ksize=3)
    return xx, yy, xy, s


def ridge_strength(bone: np.ndarray, finger_width: float) -> np.ndarray:
    """How strongly each pixel lies on a bright bar about a bone's width across."""
    xx, yy, xy, s = _curvatures(bone, finger_width)
    root = np.sqrt(((xx - yy) / 2) ** 2 + xy**2)
    low = (xx + yy) / 2 - root  # the most negative curvature: across a bright bar
    return np.maximum(-low, 0.0) * s * s


def ridge_across(bone: np.ndarray, finger_width: float) -> np.ndarray:
    """The direction (radians, from the x axis) across the bar through each pixel: that of
    the strongest curvature, near 0 or π where the bar stands upright."""
    xx, yy, xy, _ = _curvatures(bone, finger_width)
    return 0.5 * np.arctan2(2 * xy, xx - yy) + np.pi / 2


def sample(image: np.ndarray, pts: np.ndarray) -> np.ndarray:
    """Bilinear samples of ``image`` at (x, y) points (N, 2); 0 outside."""
    mx = pts[:, 0].astype(np.float32).reshape(1, -1)
    my = pts[:, 1].astype(np.float32).reshape(1, -1)
    return cv2.remap(image, mx, my, cv2.INTER_LINEAR, borderValue=0.0).ravel()


def track(
    strength: np.ndarray,
    start: np.ndarray,
    direction: np.ndarray,
    finger_width: float,
    *,
    max_length: float,
    floor: float,
) -> np.ndarray:
    """Follow a ridge of ``strength`` from ``start`` along ``direction`` (points (N, 2)).

    Each step moves a tenth of a finger's width ahead and re-centres on the strongest
    response across the ridge, so joint spaces (short weak stretches) are crossed on
    momentum; the sideways move per step is limited, so a ray bends with its bones (a
    thumb at its joints) but does not jump to a neighbour. Past the end of the ridge
    (response under ``floor`` for most of a finger's width) or a turn of 40° from the
    start, the ray goes on straight to ``max_length``: a metacarpal head inside the palm is
    often too blurred by the soft tissue to hold a ridge.
    """
    f = finger_width
    step = max(1.0, 0.1 * f)
    offsets = np.linspace(-0.25 * f, 0.25 * f, 11)
    prior = 1.0 - 0.3 * (offsets / (0.25 * f)) ** 2
    p = np.asarray(start, dtype=np.float64)
    d = np.asarray(direction, dtype=np.float64)
    d = d / (np.hypot(*d) or 1.0)
    first = d.copy()
    points = [p]
    weak = 0
    limit = max(3, int(0.8 * f / step))
    h, w = strength.shape
    steering = True
    while len(points) * step < max_length:
        q = p + step * d
        if not (0 <= q[0] < w and 0 <= q[1] < h):
            break
        if steering:
            n = np.array([-d[1], d[0]])
            across = q[None, :] + offsets[:, None] * n[None, :]
            values = sample(strength, across)
            k = int(np.argmax(values * prior))
            # re-centre on the ridge, at most a tenth of a finger sideways per step
            shift = float(np.clip(offsets[k], -0.1 * f, 0.1 * f)) if values[k] > 0 else 0.0
            new = q + shift * n
            move = new - p
            move /= np.hypot(*move) or 1.0
            d_new = 0.75 * d + 0.25 * move
            d_new /= np.hypot(*d_new) or 1.0
            weak = weak + 1 if values[k] < floor else 0
            if d_new @ first < 0.77 or weak > limit:
                # the ridge ends or turns away: go on straight from where it was last held
                if weak > limit:
                    points = points[: max(1, len(points) - weak)]
                    p = points[-1]
                steering = False
                continue
            p, d = new, d_new
        else:
            p = q
        points.append(p)
    return np.array(points)
