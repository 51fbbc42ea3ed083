"""What ordinary follow-up films add that has nothing to do with the hand.

Companion of :mod:`xraycompare.core.synthetic` for registration tests and benchmarks: real
films carry burnt-in text in many fonts and sizes, white label boxes, lead "L"/"R" markers
and clinic logos at places unrelated to the hand; cassette and plate edges, collimation
bands and the film's own edge; processing differences (edge enhancement, a heel-effect
ramp); children's films have little bone contrast; and the other hand is often partly in
view. Each function here adds one of these to a film (bone bright, any integer or float
dtype) and returns a new array of the same dtype; nothing is changed in place. Randomness
comes from the ``numpy.random.Generator`` passed in, so a seed gives the same film.

Functions that cover anatomy also return a bool mask of what they covered, so that an
error measured on the hand can leave those points out (nobody can align what is hidden).
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

FONTS = (
    cv2.FONT_HERSHEY_SIMPLEX,
    cv2.FONT_HERSHEY_PLAIN,
    cv2.FONT_HERSHEY_DUPLEX,
    cv2.FONT_HERSHEY_COMPLEX,
    cv2.FONT_HERSHEY_TRIPLEX,
    cv2.FONT_HERSHEY_COMPLEX_SMALL,
    cv2.FONT_HERSHEY_SCRIPT_SIMPLEX,
    cv2.FONT_HERSHEY_SCRIPT_COMPLEX,
)
WORDS = (
    "L", "R", "LT", "RT", "PA", "AP", "HAND", "WRIST", "Hand B/V", "Wrist PA", "LEFT",
    "RIGHT", "ERECT", "CR", "DR", "75 kV", "2.5 mAs", "ROOM 2", "PORTABLE", "JB", "MK",
    "x0.5", "STANDING", "ORTHO", "Radiology",
)  # fmt: skip


@dataclass(frozen=True)
class Range:
    """The value range of a film: air-ish low end and the ceiling burnt-in lead reaches."""

    low: float
    top: float

    @property
    def span(self) -> float:
        return max(self.top - self.low, 1e-6)


def film_range(pixels: np.ndarray) -> Range:
    """Low end (0.5th percentile) and ceiling (the dtype's own for 8-bit, else the max)."""
    sample = pixels[:: max(1, pixels.shape[0] // 256), :: max(1, pixels.shape[1] // 256)]
    low = float(np.percentile(sample, 0.5))
    top = 255.0 if pixels.dtype == np.uint8 else float(pixels.max())
    return Range(low, max(top, low + 1.0))


def _like(values: np.ndarray, reference: np.ndarray) -> np.ndarray:
    if reference.dtype.kind in "ui":
        info = np.iinfo(reference.dtype)
        return np.clip(np.rint(values), info.min, info.max).astype(reference.dtype)
    return values.astype(reference.dtype)


def _side(pixels: np.ndarray) -> int:
    return int(min(pixels.shape[:2]))


def _text_stamp(text: str, height_px: float, font: int, *, bold: bool, pad: float = 0.4):
    """An 8-bit stamp of ``text`` whose capitals are ``height_px`` tall, with a margin."""
    scale = max(0.3, height_px / _base(font))
    thickness = max(1, round(scale * (2.5 if bold else 1.2)))
    (tw, th), base = cv2.getTextSize(text, font, scale, thickness)
    margin = int(pad * height_px) + thickness + 1
    stamp = np.zeros((th + base + 2 * margin, tw + 2 * margin), np.uint8)
    cv2.putText(stamp, text, (margin, th + margin), font, scale, 255, thickness, cv2.LINE_AA)
    return stamp


def _rotated_stamp(stamp: np.ndarray, angle: float) -> np.ndarray:
    """A small 8-bit stamp turned by ``angle`` degrees on a canvas that holds it."""
    h, w = stamp.shape
    side = int(np.ceil(np.hypot(h, w))) + 2
    canvas = np.zeros((side, side), np.uint8)
    y0, x0 = (side - h) // 2, (side - w) // 2
    canvas[y0 : y0 + h, x0 : x0 + w] = stamp
    m = cv2.getRotationMatrix2D(((side - 1) / 2, (side - 1) / 2), angle, 1.0)
    return cv2.warpAffine(canvas, m, (side, side), flags=cv2.INTER_LINEAR)


def _place(values: np.ndarray, stamp: np.ndarray, x: int, y: int, level: float) -> None:
    """Blend an 8-bit stamp (alpha) at (x, y) toward ``level``, clipped to the film (in place)."""
    h, w = values.shape
    sh, sw = stamp.shape
    x0, y0 = max(0, x), max(0, y)
    x1, y1 = min(w, x + sw), min(h, y + sh)
    if x1 <= x0 or y1 <= y0:
        return
    alpha = stamp[y0 - y : y1 - y, x0 - x : x1 - x].astype(np.float32) / 255.0
    patch = values[y0:y1, x0:x1]
    values[y0:y1, x0:x1] = patch * (1 - alpha) + level * alpha


def _place_ink(ink: np.ndarray, stamp: np.ndarray, x: int, y: int) -> None:
    """Copy an 8-bit stamp into ``ink`` at (x, y), clipped (in place)."""
    h, w = ink.shape
    x0, y0, x1, y1 = max(0, x), max(0, y), min(w, x + stamp.shape[1]), min(h, y + stamp.shape[0])
    if x1 > x0 and y1 > y0:
        ink[y0:y1, x0:x1] = np.maximum(ink[y0:y1, x0:x1], stamp[y0 - y : y1 - y, x0 - x : x1 - x])


def _where(rng: np.random.Generator, shape, size: tuple[int, int], avoid: np.ndarray | None):
    """A top-left corner for a stamp of ``size`` (h, w), off ``avoid`` when it can be."""
    h, w = shape
    sh, sw = size
    for _ in range(30):
        x = int(rng.uniform(-0.05 * sw, max(1, w - 0.95 * sw)))
        y = int(rng.uniform(-0.05 * sh, max(1, h - 0.95 * sh)))
        if avoid is None:
            return x, y
        region = avoid[max(0, y) : y + sh, max(0, x) : x + sw]
        if region.size and region.mean() < 0.05:
            return x, y
    return x, y


def burn_text(
    pixels: np.ndarray,
    rng: np.random.Generator,
    *,
    count: int | None = None,
    avoid: np.ndarray | None = None,
) -> np.ndarray:
    """Burnt-in text: words in random fonts, sizes (1-5 % of the short side) and angles.

    Most lines are at the film's ceiling (lead or a digital overlay); some sit in a dark
    box (a digital annotation); a few are dark. ``avoid`` (bool, film-sized) is where the
    text should not go (the hand), honoured when there is room.
    """
    out = pixels.astype(np.float32)
    r = film_range(pixels)
    side = _side(pixels)
    for _ in range(int(rng.integers(1, 7)) if count is None else count):
        text = str(rng.choice(WORDS))
        font = int(rng.choice(FONTS)) | (cv2.FONT_ITALIC if rng.random() < 0.2 else 0)
        height = float(rng.uniform(0.01, 0.06)) * side
        stamp = _text_stamp(text, height, font, bold=rng.random() < 0.5)
        angle = float(rng.choice([0, 0, 0, 90, -90, 180]) + rng.normal(0, 3))
        style = rng.random()
        if style < 0.2:  # white text in a black box, as digital annotations are
            box = np.full(stamp.shape, 255, np.uint8)
            x, y = _where(rng, out.shape, _rotated_stamp(box, angle).shape, avoid)
            _place(out, _rotated_stamp(box, angle), x, y, r.low)
            _place(out, _rotated_stamp(stamp, angle), x, y, r.top)
            continue
        stamp = _rotated_stamp(stamp, angle)
        x, y = _where(rng, out.shape, stamp.shape, avoid)
        level = r.top if style < 0.9 else r.low + 0.05 * r.span
        _place(out, stamp, x, y, level)
    return _like(out, pixels)


def _base(font: int) -> int:
    return cv2.getTextSize("H", font, 1.0, 1)[0][1]


def add_label_box(
    pixels: np.ndarray,
    rng: np.random.Generator,
    *,
    avoid: np.ndarray | None = None,
    like: tuple[int, int] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """A constant-value label box (white, or black) with lines of dark (light) text in it.

    ``like`` is the (H, W) the box's size and place are drawn for (default the film's): a
    department stamp drawn with the same seed and ``like`` sits at the same pixels of two
    films of different sizes. Returns (film, covered): the box hides what is under it.
    """
    out = pixels.astype(np.float32)
    r = film_range(pixels)
    h, w = out.shape if like is None else like
    bw = int(rng.uniform(0.12, 0.32) * w)
    bh = int(rng.uniform(0.04, 0.12) * h)
    white = rng.random() < 0.75
    fill, ink_level = (r.top, r.low) if white else (r.low, r.top)
    fill = fill if not white else r.low + float(rng.uniform(0.92, 1.0)) * r.span
    x, y = _where(rng, (h, w), (bh, bw), avoid if rng.random() < 0.8 else None)
    h, w = out.shape
    x0, y0, x1, y1 = max(0, x), max(0, y), min(w, x + bw), min(h, y + bh)
    covered = np.zeros((h, w), bool)
    if x1 <= x0 or y1 <= y0:
        return pixels.copy(), covered
    out[y0:y1, x0:x1] = fill
    covered[y0:y1, x0:x1] = True
    lines = int(rng.integers(1, 5))
    line_h = bh / (lines + 0.5)
    font = int(rng.choice(FONTS[:6]))
    for i in range(lines):
        chars = "".join(rng.choice(list("ABCDEFGHJKLMNPRSTUVWXYZ0123456789 -/"), 24))
        stamp = _text_stamp(chars, 0.5 * line_h, font, bold=False, pad=0.1)
        ink = np.zeros((h, w), np.uint8)
        _place_ink(ink, stamp, x + 2, int(y + (i + 0.1) * line_h))
        ink[~covered] = 0
        _place(out, ink, 0, 0, ink_level)
    return _like(out, pixels), covered


def add_lead_marker(
    pixels: np.ndarray, rng: np.random.Generator, *, avoid: np.ndarray | None = None
) -> np.ndarray:
    """A lead side marker: a bold "L" or "R" (3-12 % of the short side), often in a ring or a
    square, at any angle, with the soft halo of scatter around it."""
    out = pixels.astype(np.float32)
    r = film_range(pixels)
    side = _side(pixels)
    height = float(rng.uniform(0.03, 0.12)) * side
    letter = str(rng.choice(["L", "R", "LT", "RT"]))
    font = int(rng.choice([cv2.FONT_HERSHEY_SIMPLEX, cv2.FONT_HERSHEY_DUPLEX]))
    stamp = _text_stamp(letter, height, font, bold=True, pad=0.5)
    thickness = max(2, round(height / _base(font) * 2.5))
    frame = rng.random()
    sh, sw = stamp.shape
    ring = max(2, thickness // 2)
    if frame < 0.35:
        cv2.circle(stamp, (sw // 2, sh // 2), int(0.48 * max(sh, sw)), 255, ring, cv2.LINE_AA)
    elif frame < 0.6:
        cv2.rectangle(stamp, (ring, ring), (sw - ring - 1, sh - ring - 1), 255, ring)
    stamp = _rotated_stamp(stamp, float(rng.uniform(-180, 180)))
    halo = cv2.GaussianBlur(stamp, (0, 0), max(1.0, 0.08 * height))
    x, y = _where(rng, out.shape, stamp.shape, avoid)
    _place(out, (0.25 * halo).astype(np.uint8), x, y, r.top)
    _place(out, stamp, x, y, r.top)
    return _like(out, pixels)


def add_plate_edges(pixels: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Straight edges that are not anatomy: collimation bands, a cassette or plate edge, the
    film's own edge, and a heel-effect ramp.

    Returns (film, covered): bands and the film's edge hide the anatomy under them.
    """
    out = pixels.astype(np.float32)
    r = film_range(pixels)
    h, w = out.shape
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    covered = np.zeros((h, w), bool)
    # heel effect: a smooth multiplicative ramp along a random direction
    a = rng.uniform(0, 2 * np.pi)
    ramp = (np.cos(a) * (xx / w - 0.5) + np.sin(a) * (yy / h - 0.5)).astype(np.float32)
    out = r.low + (out - r.low) * (1 + float(rng.uniform(0.05, 0.3)) * ramp)
    soft = float(rng.uniform(0.5, 4.0))
    # a cassette or plate edge: the background steps up or down across a straight line
    if rng.random() < 0.7:
        t = rng.uniform(0, np.pi)
        d = _signed_distance(xx, yy, t, rng.uniform(0.1, 0.9) * w, rng.uniform(0.1, 0.9) * h)
        step = float(rng.choice([-1, 1]) * rng.uniform(0.04, 0.2)) * r.span
        out = out + step * _soft_step(d, soft)
    # collimation bands along some sides, unexposed (bright) or blanked (black)
    for k in range(4):
        if rng.random() > 0.45:
            continue
        depth = float(rng.uniform(0.02, 0.25)) * (h if k % 2 == 0 else w)
        tilt = float(np.radians(rng.uniform(-3, 3)))
        nx, ny = [(0.0, 1.0), (-1.0, 0.0), (0.0, -1.0), (1.0, 0.0)][k]
        ox, oy = [(0, depth), (w - 1 - depth, 0), (0, h - 1 - depth), (depth, 0)][k]
        c, s = np.cos(tilt), np.sin(tilt)
        nx, ny = c * nx - s * ny, s * nx + c * ny
        d = (xx - ox) * nx + (yy - oy) * ny  # > 0 inside the field
        inside = _soft_step(d, soft)
        level = r.low + float(rng.uniform(0.8, 1.0) if rng.random() < 0.7 else 0.0) * r.span
        texture = rng.normal(0, 0.004 * r.span, out.shape).astype(np.float32)
        out = out * inside + (level + texture) * (1 - inside)
        covered |= inside < 0.5
    # the film's own edge: a strip beyond the detector, at the bottom of the range
    if rng.random() < 0.35:
        k = int(rng.integers(4))
        depth = int(rng.uniform(0.01, 0.05) * (h if k % 2 == 0 else w))
        edge = [np.s_[:depth, :], np.s_[:, w - depth :], np.s_[h - depth :, :], np.s_[:, :depth]]
        out[edge[k]] = float(rng.uniform(0, 0.02)) * r.span
        covered[edge[k]] = True
    top = r.top if pixels.dtype.kind in "ui" else np.inf
    return _like(np.clip(out, 0, top), pixels), covered


def _signed_distance(xx, yy, angle: float, x0: float, y0: float) -> np.ndarray:
    return (xx - x0) * np.float32(np.cos(angle)) + (yy - y0) * np.float32(np.sin(angle))


def _soft_step(d: np.ndarray, width: float) -> np.ndarray:
    return (0.5 * (1 + np.tanh(d / max(width, 1e-3)))).astype(np.float32)


def reprocess(pixels: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Another plant's processing: unsharp-mask edge enhancement of random strength and
    radius, sometimes followed by a sigmoid tone curve."""
    r = film_range(pixels)
    unit = (pixels.astype(np.float32) - r.low) / r.span
    sigma = float(rng.uniform(2, 0.02 * _side(pixels) + 2))
    amount = float(rng.uniform(0.3, 2.0))
    unit = unit + amount * (unit - cv2.GaussianBlur(unit, (0, 0), sigma))
    if rng.random() < 0.5:
        k = float(rng.uniform(3, 8))
        mid = float(np.median(unit))
        unit = 1 / (1 + np.exp(-k * (unit - mid)))
        unit = (unit - unit.min()) / max(float(unit.max() - unit.min()), 1e-6)
    top = r.top if pixels.dtype.kind in "ui" else np.inf
    return _like(np.clip(r.low + unit * r.span, 0, top), pixels)


def lower_contrast(pixels: np.ndarray, factor: float, *, air: float | None = None) -> np.ndarray:
    """A child's (or an osteoporotic) film: everything above the air brought ``factor``
    times closer to it; bone contrast falls, the noise of the film does not."""
    values = pixels.astype(np.float32)
    level = float(np.percentile(values[::4, ::4], 20)) if air is None else air
    return _like(level + factor * (values - level), pixels)


def add_noise(pixels: np.ndarray, sd: float, rng: np.random.Generator) -> np.ndarray:
    """Gaussian noise of ``sd`` times the film's range."""
    r = film_range(pixels)
    noise = rng.normal(0.0, sd * r.span, pixels.shape).astype(np.float32)
    top = r.top if pixels.dtype.kind in "ui" else np.inf
    return _like(np.clip(pixels.astype(np.float32) + noise, 0, top), pixels)


def add_other_hand(
    pixels: np.ndarray,
    hand: np.ndarray,
    hand_mask: np.ndarray,
    rng: np.random.Generator,
    *,
    keep_clear: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """The other hand partly in view: ``hand`` (a film of the same size, bone bright, with
    its mask) mirrored, turned a little and slid in from a side so that a fifth to a half of
    it shows. X-ray attenuation adds up, so it adds to the film above the air.

    ``keep_clear`` (the film's own hand) is overlapped by at most a few per cent when a
    placement allows it. Returns (film, covered).
    """
    h, w = pixels.shape
    r = film_range(pixels)
    src = np.ascontiguousarray(hand[:, ::-1]).astype(np.float32)
    m = cv2.resize(hand_mask.astype(np.uint8), (w, h), interpolation=cv2.INTER_NEAREST)
    m = np.ascontiguousarray(m[:, ::-1])
    air = float(np.percentile(src[m == 0], 50)) if (m == 0).any() else r.low
    excess = np.where(m > 0, np.maximum(src - air, 0), 0).astype(np.float32)
    excess = cv2.GaussianBlur(excess, (0, 0), 1.0)
    ys, xs = np.nonzero(m)
    if len(xs) == 0:
        return pixels.copy(), np.zeros((h, w), bool)
    cx, cy = float(xs.mean()), float(ys.mean())
    pts = np.stack([xs, ys], axis=1)[:: max(1, len(xs) // 4000)].astype(np.float64)
    best = None
    for _ in range(12):
        mat = cv2.getRotationMatrix2D((cx, cy), float(rng.uniform(-25, 25)), 1.0)
        turned = pts @ mat[:, :2].T + mat[:, 2]
        (x0, y0), (x1, y1) = turned.min(axis=0), turned.max(axis=0)
        shown = float(rng.uniform(0.2, 0.5)) * (x1 - x0)
        # slide it in from the left or the right until ``shown`` of its width is inside
        dx = (w - shown - x0) if rng.random() < 0.5 else (shown - x1)
        dy = float(rng.uniform(-0.15, 0.15)) * h + (0.5 * (h - 1) - 0.5 * (y0 + y1)) * 0.5
        mat[:, 2] += (dx, dy)
        moved = cv2.warpAffine(excess, mat, (w, h), flags=cv2.INTER_LINEAR)
        cover = moved > 0.02 * r.span
        clash = 0.0
        if keep_clear is not None:
            clash = float((cover & keep_clear).sum() / max(int(keep_clear.sum()), 1))
        if best is None or clash < best[0]:
            best = (clash, moved, cover)
        if clash < 0.03:
            break
    _, moved, cover = best
    top = r.top if pixels.dtype.kind in "ui" else np.inf
    out = np.clip(pixels.astype(np.float32) + moved, 0, top)
    return _like(out, pixels), cover


@dataclass(frozen=True)
class Blob:
    """A burnt-in marker cut out of a film: its pixels, alpha and where it was."""

    values: np.ndarray  # float32 patch
    alpha: np.ndarray  # float32 0..1
    x: int
    y: int


def cut_markers(pixels: np.ndarray, hand_mask: np.ndarray) -> tuple[np.ndarray, tuple[Blob, ...]]:
    """The film without its burnt-in markers and logos (bright blobs off the hand), and the
    markers themselves, to be put back elsewhere (:func:`paste_markers`).

    A follow-up film made from the same source would otherwise carry the markers to exactly
    where the hand's transform puts them, which real films never do.
    """
    h, w = pixels.shape
    r = film_range(pixels)
    values = pixels.astype(np.float32)
    hand = cv2.resize(hand_mask.astype(np.uint8), (w, h), interpolation=cv2.INTER_NEAREST) > 0
    bright = (values >= r.low + 0.85 * r.span) & ~hand
    side = _side(pixels)
    k = max(3, int(0.01 * side) | 1)
    grown = cv2.dilate(bright.astype(np.uint8), np.ones((k, k), np.uint8))
    count, labels, stats, _ = cv2.connectedComponentsWithStats(grown, connectivity=8)
    out = values.copy()
    blobs = []
    air = float(np.median(values[~hand])) if (~hand).any() else r.low
    for i in range(1, count):
        x, y, bw, bh, area = stats[i]
        if area < 4 or bw > 0.3 * w or bh > 0.3 * h:
            continue  # specks, or a band along a side (not a marker)
        pad = max(2, k)
        x0, y0 = max(0, x - pad), max(0, y - pad)
        x1, y1 = min(w, x + bw + pad), min(h, y + bh + pad)
        own = cv2.dilate((labels[y0:y1, x0:x1] == i).astype(np.uint8), np.ones((k, k), np.uint8))
        if (own.astype(bool) & hand[y0:y1, x0:x1]).any():
            continue
        alpha = cv2.GaussianBlur(own.astype(np.float32), (0, 0), 1.0)
        patch = values[y0:y1, x0:x1]
        ring = patch[(own == 0)] if (own == 0).any() else np.array([air])
        fill = float(np.median(ring))
        blobs.append(Blob(patch.copy(), alpha, int(x0), int(y0)))
        noise = np.random.default_rng(i).normal(0, 0.003 * r.span, patch.shape)
        out[y0:y1, x0:x1] = patch * (1 - alpha) + (fill + noise.astype(np.float32)) * alpha
    return _like(out, pixels), tuple(blobs)


def paste_markers(
    pixels: np.ndarray,
    blobs: tuple[Blob, ...],
    rng: np.random.Generator,
    *,
    scale: float = 1.0,
    avoid: np.ndarray | None = None,
) -> np.ndarray:
    """Put markers (from :func:`cut_markers`) at new places, upright or turned by a multiple
    of 90 degrees, resized by ``scale`` (the other film's pixel size)."""
    out = pixels.astype(np.float32)
    turn = int(rng.integers(4)) if rng.random() < 0.3 else 0
    for b in blobs:
        vals, alpha = np.rot90(b.values, turn), np.rot90(b.alpha, turn)
        if scale != 1.0:
            size = (max(2, round(vals.shape[1] * scale)), max(2, round(vals.shape[0] * scale)))
            vals = cv2.resize(np.ascontiguousarray(vals), size, interpolation=cv2.INTER_AREA)
            alpha = cv2.resize(np.ascontiguousarray(alpha), size, interpolation=cv2.INTER_AREA)
        x, y = _where(rng, out.shape, vals.shape, avoid)
        hh, ww = out.shape
        x0, y0 = max(0, x), max(0, y)
        x1, y1 = min(ww, x + vals.shape[1]), min(hh, y + vals.shape[0])
        if x1 <= x0 or y1 <= y0:
            continue
        a = alpha[y0 - y : y1 - y, x0 - x : x1 - x]
        v = vals[y0 - y : y1 - y, x0 - x : x1 - x]
        out[y0:y1, x0:x1] = out[y0:y1, x0:x1] * (1 - a) + v * a
    return _like(out, pixels)
