"""Finger rays: the centre lines of the bones, traced from the fingertips into the palm.

At a scale of about a fifth of a finger's width the bones of one ray (metacarpal and
phalanges) blur into one bright bar: the joint spaces are a few pixels wide and vanish. So
the ridge of a bone-enhanced image (a white top-hat removes the soft tissue) runs through
the joints, and a ray is one long ridge line, or a few pieces of one that line up.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np


@dataclass(frozen=True)
class Chain:
    """A traced ridge line: points (x, y) from its finger end (top) to its palm end."""

    points: np.ndarray  # (N, 2) float, one point per pixel of arc length or so
    strength: float  # mean ridge response along it

    @property
    def length(self) -> float:
        d = np.diff(self.points, axis=0)
        return float(np.hypot(d[:, 0], d[:, 1]).sum())

    @property
    def top(self) -> np.ndarray:
        return self.points[0]

    @property
    def bottom(self) -> np.ndarray:
        return self.points[-1]


def bone_tophat(unit: np.ndarray, finger_width: float) -> np.ndarray:
    """Bone above its soft tissue: a white top-hat a little narrower than a finger."""
    k = max(3, int(0.9 * finger_width) | 1)
    se = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (k, k))
    return unit - cv2.morphologyEx(unit, cv2.MORPH_OPEN, se)


def ridge_map(
    bone: np.ndarray, body: np.ndarray, finger_width: float
) -> tuple[np.ndarray, np.ndarray]:
    """(thin ridge pixels, ridge strength) of bright bars about a bone's width across."""
    s = max(1.0, 0.18 * finger_width)
    g = cv2.GaussianBlur(bone, (0, 0), s)
    xx = cv2.Sobel(g, cv2.CV_32F, 2, 0, ksize=3)
    yy = cv2.Sobel(g, cv2.CV_32F, 0, 2, ksize=3)
    xy = cv2.Sobel(g, cv2.CV_32F, 1, 1, ksize=3)
    root = np.sqrt(((xx - yy) / 2) ** 2 + xy**2)
    low = (xx + yy) / 2 - root  # the most negative curvature: across a bright bar
    strength = np.maximum(-low, 0.0) * s * s
    # the direction across the bar, for non-maximum suppression
    nx, ny = xy, low - xx
    norm = np.hypot(nx, ny) + 1e-9
    nx, ny = nx / norm, ny / norm
    h, w = strength.shape
    gy, gx = np.mgrid[0:h, 0:w].astype(np.float32)
    plus = cv2.remap(strength, gx + nx, gy + ny, cv2.INTER_LINEAR)
    minus = cv2.remap(strength, gx - nx, gy - ny, cv2.INTER_LINEAR)
    inside = body & (strength > 0)
    if not inside.any():
        return np.zeros_like(body), strength
    threshold = float(np.percentile(strength[inside], 70))
    ridge = (strength >= plus) & (strength >= minus) & (strength > threshold) & body
    return ridge, strength


def _longest_path(ys: np.ndarray, xs: np.ndarray) -> np.ndarray:
    """The longest path through a thin 8-connected set of pixels, as (x, y) points."""
    index = {(int(y), int(x)): i for i, (y, x) in enumerate(zip(ys, xs, strict=True))}
    neighbours: list[list[int]] = [[] for _ in range(len(ys))]
    for i, (y, x) in enumerate(zip(ys, xs, strict=True)):
        for dy in (-1, 0, 1):
            for dx in (-1, 0, 1):
                j = index.get((int(y) + dy, int(x) + dx))
                if j is not None and j != i:
                    neighbours[i].append(j)

    def farthest(start: int) -> tuple[int, list[int]]:
        parent = {start: -1}
        order = [start]
        for node in order:
            for nxt in neighbours[node]:
                if nxt not in parent:
                    parent[nxt] = node
                    order.append(nxt)
        end = order[-1]
        path = [end]
        while parent[path[-1]] != -1:
            path.append(parent[path[-1]])
        return end, path

    a, _ = farthest(0)
    _, path = farthest(a)
    return np.stack([xs[path], ys[path]], axis=1).astype(np.float64)


def trace_chains(ridge: np.ndarray, strength: np.ndarray, finger_width: float) -> list[Chain]:
    """Ridge pieces (top to bottom), joined where one continues another in line."""
    f = finger_width
    count, labels, stats, _ = cv2.connectedComponentsWithStats(ridge.astype(np.uint8), 8)
    pieces: list[np.ndarray] = []
    for i in range(1, count):
        if stats[i, cv2.CC_STAT_AREA] < max(4, 0.25 * f):
            continue
        x0, y0, w, h = stats[i, :4]
        ys, xs = np.nonzero(labels[y0 : y0 + h, x0 : x0 + w] == i)
        path = _longest_path(ys + y0, xs + x0)
        if path[0, 1] > path[-1, 1]:
            path = path[::-1]
        if len(path) >= max(4, 0.25 * f):
            pieces.append(path)
    links = _link(pieces, f)
    chains = []
    starts = set(range(len(pieces))) - set(links.values())
    for s in starts:
        parts, node = [pieces[s]], s
        while node in links:
            node = links[node]
            parts.append(pieces[node])
        points = np.concatenate(parts)
        xi = np.clip(points[:, 0].astype(int), 0, strength.shape[1] - 1)
        yi = np.clip(points[:, 1].astype(int), 0, strength.shape[0] - 1)
        chains.append(Chain(points, float(strength[yi, xi].mean())))
    return chains


def _end_direction(path: np.ndarray, at_bottom: bool, span: int) -> np.ndarray:
    part = path[-span:] if at_bottom else path[:span]
    d = part[-1] - part[0]
    n = np.hypot(*d)
    return d / n if n > 0 else np.array([0.0, 1.0])


def _link(pieces: list[np.ndarray], f: float) -> dict[int, int]:
    """Which piece continues which (bottom end of a -> top end of b), greedily by cost."""
    span = max(3, int(0.4 * f))
    candidates = []
    for a, pa in enumerate(pieces):
        da = _end_direction(pa, True, span)
        for b, pb in enumerate(pieces):
            if a == b:
                continue
            v = pb[0] - pa[-1]
            dist = float(np.hypot(*v))
            if dist > 1.6 * f:
                continue
            along = float(v @ da)
            lateral = abs(float(v[0] * da[1] - v[1] * da[0]))
            db = _end_direction(pb, False, span)
            cos = float(da @ db)
            if along < -0.2 * f or lateral > 0.35 * f + 0.2 * max(along, 0.0) or cos < 0.75:
                continue
            candidates.append((lateral / f + 0.5 * abs(along) / f + (1 - cos), a, b))
    links: dict[int, int] = {}
    taken: set[int] = set()
    for _cost, a, b in sorted(candidates):
        if a in links or b in taken:
            continue
        links[a] = b
        taken.add(b)
    # a cycle cannot arise: links run top to bottom (tops lie below the previous bottoms)
    return links


def _sample(image: np.ndarray, pts: np.ndarray) -> np.ndarray:
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
    momentum; the trace ends where the response stays under ``floor`` for most of a
    finger's width, or turns sharply.
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
    while len(points) * step < max_length:
        q = p + step * d
        n = np.array([-d[1], d[0]])
        across = q[None, :] + offsets[:, None] * n[None, :]
        values = _sample(strength, across)
        k = int(np.argmax(values * prior))
        new = across[k] if values[k] > 0 else q
        if not (0 <= new[0] < w and 0 <= new[1] < h):
            break
        move = new - p
        move /= np.hypot(*move) or 1.0
        d_new = 0.75 * d + 0.25 * move
        d_new /= np.hypot(*d_new) or 1.0
        if d_new @ d < 0.95 or d_new @ first < 0.94:  # a bone ray is nearly straight
            break
        weak = weak + 1 if values[k] < floor else 0
        if weak > limit:
            points = points[: max(1, len(points) - weak)]
            break
        p, d = new, d_new
        points.append(p)
    return np.array(points)


def trace_rays(ridge: np.ndarray, strength: np.ndarray, finger_width: float) -> list[Chain]:
    """Bone rays: tracks down the ridge from the top of every ridge piece, duplicates merged.

    Each track starts at the top of a ridge piece, runs up to the tip of the bone and down
    into the palm. Tracks that follow the same ray are merged into the longest.
    """
    f = finger_width
    pieces = trace_chains(ridge, strength, f)
    if not pieces:
        return []
    floor = 0.3 * float(np.median(strength[ridge])) if ridge.any() else 0.0
    span = max(3, int(0.4 * f))
    tracks: list[np.ndarray] = []
    for piece in sorted(pieces, key=lambda c: c.top[1]):
        if piece.length < 0.5 * f:
            continue
        pts = piece.points
        down = _end_direction(pts, False, span)
        if down[1] < -0.2:  # a piece running across the hand: carpal outlines, not a ray
            continue
        up = track(strength, pts[0], -down, f, max_length=3 * f, floor=floor)
        start = up[-1]
        rest = track(strength, start, down, f, max_length=12 * f, floor=floor)
        if len(rest) * max(1.0, 0.1 * f) < 1.0 * f:
            continue
        if any(_same_ray(rest, t, f) for t in tracks):
            continue
        tracks.append(rest)
    out = []
    for t in tracks:
        yi = np.clip(t[:, 1].astype(int), 0, strength.shape[0] - 1)
        xi = np.clip(t[:, 0].astype(int), 0, strength.shape[1] - 1)
        out.append(Chain(t, float(strength[yi, xi].mean())))
    return out


def _same_ray(a: np.ndarray, b: np.ndarray, f: float) -> bool:
    """True when track ``a`` mostly runs along track ``b`` (within a fifth of a finger)."""
    d = np.hypot(a[:, None, 0] - b[None, :, 0], a[:, None, 1] - b[None, :, 1]).min(axis=1)
    return float((d < 0.2 * f).mean()) > 0.5


def soft_tip(body: np.ndarray, points: np.ndarray, finger_width: float) -> float | None:
    """How far beyond a ray's top the soft tissue ends (the fingertip), or None.

    Walks from the top point up along the ray's direction until the hand mask ends;
    None when the mask does not end within three finger widths (the ray does not start
    near a fingertip).
    """
    f = finger_width
    span = max(2, int(0.5 * f))
    d = points[0] - points[min(span, len(points) - 1)]
    n = np.hypot(*d)
    if n == 0:
        return None
    d = d / n
    h, w = body.shape
    for k in range(int(3 * f)):
        x, y = points[0] + k * d
        if not (0 <= x < w and 0 <= y < h) or not body[int(y), int(x)]:
            return float(k)
    return None
