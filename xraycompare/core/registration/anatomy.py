"""Where the anatomy is on a film's small copy, and what is burnt in or blanked on top of it.

Helper module of :mod:`xraycompare.core.registration`. A feature match or an intensity fit
that uses burnt-in text, a lead marker, a white label box or a blanked collimation band
aligns the *labels*, not the hand; these are found here so that the registration can leave
them out:

- :func:`artefacts`: pixels at the film's ceiling (lead and burnt-in text stop the beam or
  are written at the top of the range), large constant-value patches at either end of
  the range (blanked margins, the film's edge), white label boxes full of text, and
  unexposed bands, grown by a margin so that the features around their corners go too.
- :func:`blank`: smooth bands along the sides (collimation, the film's edge, open air):
  where a film shows nothing.
- :func:`hand_or_field`: the hand mask without artefacts, or the film's exposed field
  when the mask is implausibly small (it took a label for the hand).
- :func:`feature_mask`: the anatomy proper: inside the hand, a few pixels away from its
  outline (the outline depends on the background and the exposure) and off artefacts;
  :func:`feature_field` is where keypoints are sought (the anatomy and whatever else the
  film shows but labels and bands) and :func:`match_weights` how much each match counts.
- :func:`rigid_part`: the palm, carpus and distal forearm without the fingers (a
  morphological opening of the hand mask, cut short of a long forearm): fingers move on
  their own between visits, so the global fit weights them down.
"""

from __future__ import annotations

import cv2
import numpy as np

_FLAT_SD = 0.002  # of the film's range: a burnt-in patch has no noise at all
_MAX_SATURATED = 0.05  # of the hand: more than this at the ceiling is clipped bone, not text
_MAX_LETTER = 0.004  # of the film: a blob at the ceiling bigger than this is not a letter
_BAND_SD = 0.012  # of the range: the local spread of a collimation band (its noise alone)


def _range(values: np.ndarray) -> tuple[float, float]:
    """The film's low end (0.5th percentile) and its ceiling (the maximum)."""
    sample = values[:: max(1, values.shape[0] // 200), :: max(1, values.shape[1] // 200)]
    lo = float(np.percentile(sample, 0.5))
    return lo, float(values.max())


def _local_sd(v: np.ndarray) -> np.ndarray:
    """The spread of the values in each 7 x 7 neighbourhood."""
    mean = cv2.blur(v, (7, 7))
    return np.sqrt(np.maximum(cv2.blur(v * v, (7, 7)) - mean * mean, 0.0))


def artefacts(values: np.ndarray, hand: np.ndarray | None = None) -> np.ndarray:
    """Burnt-in text, markers, label boxes and blanked patches (bool, ``values``' shape).

    Parameters
    ----------
    values
        A film's small copy (float32, bone bright).
    hand
        Its hand mask, if known: ceiling pixels covering more than a few per cent of the
        hand are clipped bone (an overexposed film) and are kept.
    """
    v = np.asarray(values, dtype=np.float32)
    lo, top = _range(v)
    span = max(top - lo, 1e-6)
    side = min(v.shape)
    out = np.zeros(v.shape, bool)
    ceiling = v >= top - 0.012 * span
    inside = hand if hand is not None and hand.any() else None
    clipped = inside is not None and float(ceiling[inside].mean()) > _MAX_SATURATED
    if not clipped and ceiling.mean() < 0.1:
        # letters and lead markers are small blobs; a bone shaft that strong processing
        # drove to the ceiling is a large one, and stays
        count, labels, stats, _ = cv2.connectedComponentsWithStats(
            ceiling.astype(np.uint8), connectivity=8
        )
        small = np.zeros(count, bool)
        small[1:] = stats[1:, cv2.CC_STAT_AREA] < _MAX_LETTER * v.size
        out |= small[labels]
    # constant-value patches at either end of the range (label boxes, blanked bands)
    sd = _local_sd(v)
    flat = (sd < _FLAT_SD * span) & ((v >= lo + 0.85 * span) | (v <= lo + 0.03 * span))
    flat = cv2.morphologyEx(flat.astype(np.uint8), cv2.MORPH_OPEN, np.ones((3, 3), np.uint8))
    count, labels, stats, _ = cv2.connectedComponentsWithStats(flat, connectivity=8)
    if count > 1:
        big = np.zeros(count, bool)
        big[1:] = stats[1:, cv2.CC_STAT_AREA] >= max(20, (0.02 * side) ** 2)
        out |= big[labels]
    out |= _bands(v >= lo + 0.8 * span, sd, span)
    out |= _label_boxes(v, lo, span, side)
    if inside is not None and inside.mean() > 0.05 and float(out[inside].mean()) > 0.4:
        # the "artefact" is the hand itself (a flat phantom); a small "hand" that is mostly
        # artefact is a label the hand mask took for the hand
        return np.zeros(v.shape, bool)
    k = max(3, int(round(0.015 * side)) | 1)
    return cv2.dilate(out.astype(np.uint8), np.ones((k, k), np.uint8)).astype(bool)


def _label_boxes(v: np.ndarray, lo: float, span: float, side: int) -> np.ndarray:
    """White label boxes, with text of any size in them: bright components (letters
    closed over a little) whose bounding box has a bright rim (the box's frame), is a good
    part bright inside, and whose bright pixels nearly all share one value (the fill). A
    bright bone has a dark rim around it and no single value."""
    bright = v >= lo + 0.85 * span
    closed = cv2.morphologyEx(bright.astype(np.uint8), cv2.MORPH_CLOSE, np.ones((3, 3), np.uint8))
    count, _, stats, _ = cv2.connectedComponentsWithStats(closed, connectivity=8)
    out = np.zeros(v.shape, bool)
    for i in range(1, count):
        x, y, bw, bh, area = stats[i]
        if min(bw, bh) < 0.03 * side or area < 0.25 * bw * bh:
            continue
        inside = closed[y : y + bh, x : x + bw] > 0
        rim = np.concatenate([inside[:2].ravel(), inside[-2:].ravel(),
                              inside[:, :2].ravel(), inside[:, -2:].ravel()])  # fmt: skip
        if rim.mean() < 0.8:
            continue
        fill = v[y : y + bh, x : x + bw][bright[y : y + bh, x : x + bw]]
        if fill.size and np.mean(np.abs(fill - np.median(fill)) < 0.02 * span) >= 0.6:
            out[y : y + bh, x : x + bw] = True
    return out


def blank(values: np.ndarray) -> np.ndarray:
    """Where a film shows nothing: smooth bands along its sides at either end of the range
    (unexposed or blanked collimation, the film's edge, open air beside the hand).

    Not an artefact to leave out of a fit (there is nothing in it to fit), but where the
    after film cannot confirm an alignment: see :class:`.scoring.Score` ``rigid_support``.
    """
    v = np.asarray(values, dtype=np.float32)
    lo, top = _range(v)
    span = max(top - lo, 1e-6)
    sd = _local_sd(v)
    return _bands((v >= lo + 0.8 * span) | (v <= lo + 0.05 * span), sd, span)


def _bands(extreme: np.ndarray, sd: np.ndarray, span: float) -> np.ndarray:
    """Smooth (only the film's noise) ``extreme`` regions lying along a side of the film
    over a good part of it: collimation bands. A bone shaft reaching the edge is as bright,
    but narrow."""
    h, w = extreme.shape
    smooth = (sd < _BAND_SD * span) & extreme
    count, labels, stats, _ = cv2.connectedComponentsWithStats(
        smooth.astype(np.uint8), connectivity=8
    )
    keep = np.zeros(count, bool)
    for i in range(1, count):
        x, y, bw, bh, area = stats[i]
        if area < (0.02 * min(h, w)) ** 2:
            continue
        along_row = (y == 0 or y + bh >= h) and bw >= 0.3 * w
        along_col = (x == 0 or x + bw >= w) and bh >= 0.3 * h
        keep[i] = along_row or along_col
    return keep[labels]


def main_parts(hand: np.ndarray) -> np.ndarray:
    """The hand mask's large parts: the biggest, and any at least 30 % of its size (the
    other hand, a forearm cut off by a band). What is left of a marker or a label once its
    letters are taken out is small and goes."""
    m = hand.astype(np.uint8)
    count, labels, stats, _ = cv2.connectedComponentsWithStats(m, connectivity=8)
    if count <= 2:
        return hand.copy()
    areas = stats[1:, cv2.CC_STAT_AREA]
    keep = np.zeros(count, bool)
    keep[1:] = areas >= 0.3 * areas.max()
    return keep[labels]


MIN_HAND = 0.01  # of the film: a hand mask smaller than this is a misread (a child's hand
# on a big film covers about 4 %)


def hand_or_field(
    values: np.ndarray, hand: np.ndarray, artefact: np.ndarray
) -> tuple[np.ndarray, bool]:
    """The hand mask without artefacts, or, when that is implausibly small (the mask took a
    label for the hand, or found nothing), the film's exposed field: (mask, fell_back).

    The exposed field is everything but the artefacts, the bands and the open air along
    the sides (:func:`blank`). Coarser than a hand mask, but it never loses the hand, and
    the scoring and refinement, which work on local structure, ignore the flat air in it.
    """
    clean = main_parts(hand & ~artefact)
    if clean.sum() >= MIN_HAND * clean.size:
        return clean, False
    field = main_parts(~artefact & ~blank(values))
    return (field, True) if field.sum() > clean.sum() else (clean, True)


def feature_mask(hand: np.ndarray, artefact: np.ndarray) -> np.ndarray:
    """Where keypoints may sit: in the hand, off its outline, off the artefacts (bool).

    Falls back to the hand mask without the artefacts when the margin leaves too little
    (a close-up of a few fingers).
    """
    side = min(hand.shape)
    margin = max(2, int(round(0.006 * side)))
    inner = cv2.erode(
        hand.astype(np.uint8), np.ones((2 * margin + 1, 2 * margin + 1), np.uint8)
    ).astype(bool)
    keep = inner & ~artefact
    if keep.sum() < 0.25 * max(int(hand.sum()), 1):
        keep = hand & ~artefact
    if not keep.any():
        keep = hand.copy()
    return keep


def feature_field(hand: np.ndarray, artefact: np.ndarray, nothing: np.ndarray | None) -> np.ndarray:
    """Where keypoints may be looked for: the hand and whatever else the film shows, but
    not labels, text, bands or open air along the sides (bool).

    The hand mask itself can miss the hand (a label taken for it, a low-contrast child's
    film), so keypoints are not confined to it; :func:`match_weights` then counts the ones
    on the anatomy (:func:`feature_mask`) fully and the rest little.
    """
    field = ~artefact
    if nothing is not None:
        field &= ~nothing
    return field | feature_mask(hand, artefact)


def match_weights(
    points: np.ndarray, factor: float, anatomy: np.ndarray, rigid: np.ndarray
) -> np.ndarray:
    """Weights of matched keypoints (full-resolution (x, y) on the before film): 1 on the
    rigid part of the hand, 0.5 on the rest of it (fingers move), 0.15 elsewhere."""
    h, w = anatomy.shape
    ij = np.rint((np.asarray(points, float) + 0.5) / factor - 0.5).astype(int)
    ij[:, 0] = np.clip(ij[:, 0], 0, w - 1)
    ij[:, 1] = np.clip(ij[:, 1], 0, h - 1)
    on_hand = anatomy[ij[:, 1], ij[:, 0]]
    on_rigid = rigid[ij[:, 1], ij[:, 0]]
    return np.where(on_hand, np.where(on_rigid, 1.0, 0.5), 0.15)


def rigid_part(hand: np.ndarray) -> np.ndarray:
    """The hand without its fingers (bool): an opening by a disc about half the palm wide.

    The fingers are the thin parts of the mask: an opening with a disc wider than a finger
    and narrower than the palm removes them and keeps the palm, carpus and forearm. Returns
    the whole mask when the opening leaves less than a fifth of it (a close-up of fingers).
    """
    m = hand.astype(np.uint8)
    if m.sum() < 50:
        return hand.copy()
    dist = cv2.distanceTransform(m, cv2.DIST_L2, 5)
    # the palm's half-width: a high percentile of the distance inside, not the maximum
    # (a forearm or a blob of soft tissue can be wider than the palm)
    radius = 0.55 * float(np.percentile(dist[m > 0], 97))
    if radius < 2:
        return hand.copy()
    # an opening by a disc, from two distance transforms (a big kernel would be slow)
    core = (dist > radius).astype(np.uint8)
    if not core.any():
        return hand.copy()
    reach = cv2.distanceTransform(1 - core, cv2.DIST_L2, 5)
    opened = (reach <= radius) & hand
    if opened.sum() < 0.2 * hand.sum():
        return hand.copy()
    return _without_far_forearm(opened, hand & ~opened, 2 * radius / 0.55)


def _without_far_forearm(rigid: np.ndarray, thin: np.ndarray, palm_width: float) -> np.ndarray:
    """The rigid part cut about two palm widths short of the fingers' middle.

    The carpus, metacarpals and distal radius and ulna are what the global alignment must
    follow; a long forearm (wrist films show half of it) can turn a few degrees against
    the hand between visits, and would outweigh the hand. The fingers (the thin parts
    attached to the rigid part) say which way the hand points; without them (closed
    fingers, a wrist film) nothing is cut.
    """
    count, labels, stats, centroids = cv2.connectedComponentsWithStats(
        thin.astype(np.uint8), connectivity=8
    )
    grown = cv2.dilate(rigid.astype(np.uint8), np.ones((5, 5), np.uint8)).astype(bool)
    pts, areas = [], []
    for i in range(1, count):
        area = stats[i, cv2.CC_STAT_AREA]
        long_side = max(stats[i, cv2.CC_STAT_WIDTH], stats[i, cv2.CC_STAT_HEIGHT])
        if long_side < 0.5 * palm_width or area < 0.02 * palm_width**2:
            continue  # a speck of soft tissue, not a finger
        if not (grown & (labels == i)).any():
            continue  # not attached to the hand (the other hand's fingers)
        pts.append(centroids[i])
        areas.append(area)
    if sum(areas) < 0.05 * rigid.sum() or len(pts) < 2:
        return rigid
    fingers = np.average(np.asarray(pts), axis=0, weights=areas)
    ys, xs = np.nonzero(rigid)
    centre = np.array([xs.mean(), ys.mean()])
    axis = centre - fingers
    norm = float(np.hypot(*axis))
    if norm < 1e-6:
        return rigid
    along = ((xs - fingers[0]) * axis[0] + (ys - fingers[1]) * axis[1]) / norm
    keep = along <= 2.3 * palm_width
    out = np.zeros_like(rigid)
    out[ys[keep], xs[keep]] = True
    # what is left must still be a good part of the hand (a misread would cut the palm)
    return out if out.sum() >= 0.15 * (rigid | thin).sum() else rigid
