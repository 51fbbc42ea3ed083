"""The hand at a normalised size and upright: what every later step works on.

Films come at any angle (fingers up, down, sideways, stored rotated or mirrored), with the
hand small on a large film or filling a small one. Rules about bones are written once, for
a *work* image in which the fingers point up and a proximal phalanx of the middle finger is
about :data:`UNIT` pixels long, whatever the film:

1. The hand's outline is the foreground mask of an overview (at most 512 px).
2. The hand's size comes from that outline twice over: an opening with a disk a little
   wider than half a finger removes the free parts of the fingers (the radius that cuts
   off the most finger-like pieces tells a finger's width, about a third of a proximal
   phalanx), and the palm's inscribed circle has a radius of about one proximal phalanx.
   Fingers held together or a thin outline fool the first; where the two disagree, the
   palm decides.
3. The fingertips are the local maxima of the geodesic distance inside the outline
   (:mod:`.digits`); they point away from the palm, which gives the hand's direction,
   corrected once from the work image's own fingertips.
4. The film is resampled once into the work image and once at twice that resolution (the
   *fine* image, for joint-space profiles), from a copy prefiltered to the target scale.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import cv2
import numpy as np

from xraycompare.core.io.hand_mask import foreground_mask, sample_pixels
from xraycompare.core.io.image import XrayImage
from xraycompare.core.joints.digits import Tip, find_tips

UNIT = 64.0  # work pixels per proximal phalanx of the middle finger (expected)
FINGER_WIDTHS_PER_UNIT = 3.0  # a free finger's outline width, as the opening measures it
_PALM_PER_UNIT = 1.0  # the palm's inscribed radius (0.88-1.13 on the development films)
_OVERVIEW_SIDE = 512
_CLEAR_TIP = 0.8  # a fingertip standing out by this many finger widths is clear


@dataclass(frozen=True)
class HandView:
    """The hand upright at the work scale.

    ``to_work`` maps film (x, y) to work (x, y) (2×3); the fine image is at twice the work
    resolution (fine = 2 · work + 0.5). Images are float32 scaled to 0–1 over the hand,
    bone bright. ``tips`` are the fingertips found on the outline (work coordinates);
    ``shallow_tips`` stand out from their neighbours less clearly (a finger lying against
    the next one), tried only when the clear ones do not name the hand.
    """

    to_work: np.ndarray
    image: np.ndarray
    fine: np.ndarray
    mask: np.ndarray
    tips: tuple[Tip, ...]
    finger_width: float  # a finger's outline width in work pixels
    shallow_tips: tuple[Tip, ...] = ()
    unit: float = UNIT

    @property
    def size(self) -> tuple[int, int]:
        return (self.image.shape[1], self.image.shape[0])

    def to_film(self, points: np.ndarray) -> np.ndarray:
        """Work (x, y) points (N, 2) -> film (x, y)."""
        inv = np.linalg.inv(np.vstack([self.to_work, [0.0, 0.0, 1.0]]))
        pts = np.asarray(points, dtype=np.float64).reshape(-1, 2)
        return np.c_[pts, np.ones(len(pts))] @ inv[:2].T


def film_values(image: XrayImage | np.ndarray, max_side: int | None = None) -> np.ndarray:
    """Float32 values with bone bright, area-downsampled to ``max_side`` when given."""
    if isinstance(image, XrayImage):
        pixels = image.pixels
        if max_side is not None:
            pixels = sample_pixels(pixels, max_side=max_side)
        values = image.modality_values(pixels).astype(np.float32)
        return -values if image.invert else values
    pixels = np.asarray(image)
    if pixels.ndim != 2 or pixels.size == 0:
        raise ValueError("find_joints expects a non-empty (H, W) array")
    if max_side is not None:
        pixels = sample_pixels(pixels, max_side=max_side)
    return pixels.astype(np.float32)


def main_component(mask: np.ndarray) -> np.ndarray:
    """The largest connected piece of ``mask`` (the hand and forearm)."""
    count, labels, stats, _ = cv2.connectedComponentsWithStats(mask.astype(np.uint8), 8)
    if count <= 1:
        return np.zeros(mask.shape, dtype=bool)
    best = 1 + int(np.argmax(stats[1:, cv2.CC_STAT_AREA]))
    return labels == best


def opened(mask: np.ndarray, radius: float, dist: np.ndarray) -> np.ndarray:
    """``mask`` opened with a disk of ``radius`` (``dist``: its distance transform)."""
    core = (dist >= radius).astype(np.uint8)
    return (cv2.distanceTransform(1 - core, cv2.DIST_L2, 3) < radius) & mask


def finger_width(mask: np.ndarray) -> float | None:
    """A free finger's width in ``mask``'s pixels, or None when no finger stands free."""
    dist = cv2.distanceTransform(mask.astype(np.uint8), cv2.DIST_L2, 3)
    top = float(dist.max())
    if top < 3:
        return None
    best: tuple[int, float] = (0, 0.0)
    for r in np.geomspace(2.5, max(3.0, 0.6 * top), 16):
        rest = mask & ~opened(mask, r, dist)
        count, labels, stats, _ = cv2.connectedComponentsWithStats(rest.astype(np.uint8), 8)
        widths = []
        for i in range(1, count):
            area = stats[i, cv2.CC_STAT_AREA]
            if area < 2 * r * r:
                continue
            ys, xs = np.nonzero(labels == i)
            _, (a, b), _ = cv2.minAreaRect(np.c_[xs, ys].astype(np.float32))
            length, width = max(a, b), min(a, b)
            if length >= 2.0 * width and width <= 2.4 * r and length >= 2.5 * r:
                widths.append(area / length)
        if min(len(widths), 5) > best[0]:
            best = (min(len(widths), 5), float(np.median(widths)))
    return best[1] if best[0] >= 2 else None


def hand_view(image: XrayImage | np.ndarray) -> HandView | None:
    """The hand of ``image`` upright at the work scale, or None when there is no hand."""
    overview = film_values(image, _OVERVIEW_SIDE)
    mask = main_component(foreground_mask(overview))
    if mask.sum() < 200 or mask.mean() > 0.85:  # the mask's "nothing stands out" answer
        return None
    width = finger_width(mask)
    dist = cv2.distanceTransform(mask.astype(np.uint8), cv2.DIST_L2, 3)
    tips = find_tips(mask, width if width is not None else float(dist.max()) / 3.2)
    if len(tips) < 2:
        return None
    palm = _palm(mask, dist, tips)
    if palm is None:
        return None
    centre, radius = palm
    # two measures of the hand's size: a free finger's width (about a third of a proximal
    # phalanx) and the palm's inscribed radius (about one); fingers held together or a thin
    # mask fool the first, so where they disagree the palm decides
    by_palm = radius / _PALM_PER_UNIT / FINGER_WIDTHS_PER_UNIT
    if width is None or abs(np.log(width / by_palm)) > 0.25:
        width = by_palm
    else:
        width = float(np.sqrt(width * by_palm))
    direction = hand_direction(tips, centre)
    if direction is None:
        return None
    full = film_values(image)
    per_film = overview.shape[1] / full.shape[1]
    zoom = UNIT / (FINGER_WIDTHS_PER_UNIT * width)  # work px per overview px
    view = None
    for _ in range(2):
        view = _layout(full, mask, direction, centre, zoom, per_film)
        if view is None:
            return None
        # the overview's tips are few pixels each: the work image's tips tell the hand's
        # axis better (the middle of their directions: a thumb spread wide does not count)
        turn = _axis_error(view.tips)
        if abs(turn) < np.radians(8.0):
            break
        c, s = np.cos(turn), np.sin(turn)
        linear = (
            np.linalg.inv(view.to_work[:, :2]) @ np.array([[c, -s], [s, c]]) @ view.to_work[:, :2]
        )
        direction = linear @ direction
        direction /= np.hypot(*direction)
    assert view is not None
    return replace(
        view,
        tips=tuple(t for t in view.tips if t.inward[1] > 0.25),
        shallow_tips=tuple(t for t in view.shallow_tips if t.inward[1] > 0.25),
    )


def _axis_error(tips: tuple[Tip, ...]) -> float:
    """How far (radians, image rotation) the fingertips' directions lean off upright."""
    angles = [np.arctan2(-t.inward[0], t.inward[1]) for t in tips if t.inward[1] > 0]
    return float(np.median(angles)) if len(angles) >= 3 else 0.0


def _layout(
    full: np.ndarray,
    mask: np.ndarray,
    direction: np.ndarray,
    centre: np.ndarray,
    zoom: float,
    per_film: float,
) -> HandView | None:
    """The work and fine images, work mask and tips for one choice of the hand's axis."""
    to_work = _upright(mask, direction, centre, zoom, per_film)
    if to_work is None:
        return None
    matrix, size = to_work
    fine, work = _render(full, matrix, size)
    up = np.vstack([matrix, [0.0, 0.0, 1.0]])
    film_from_ov = np.array(
        [[1 / per_film, 0, 0.5 / per_film - 0.5], [0, 1 / per_film, 0.5 / per_film - 0.5]]
    )
    ov_to_work = (up @ np.vstack([film_from_ov, [0, 0, 1]]))[:2]
    work_mask = cv2.warpAffine(mask.astype(np.uint8), ov_to_work, size, flags=cv2.INTER_LINEAR) > 0
    if work_mask.sum() < 200:
        return None
    lo, hi = np.percentile(work[work_mask], [1, 99.5])
    scale = max(float(hi - lo), 1e-6)
    fw = UNIT / FINGER_WIDTHS_PER_UNIT  # a finger's width at the work scale
    # fingertips point up in the work image (a thumb spread wide points sideways, rising a
    # little) and lie in its upper part; a "tip" low down is where the forearm leaves the
    # work image (one pointing across is dropped by the caller: a finger of the other hand)
    tips = [t for t in find_tips(work_mask, fw, prominence=0.5) if t.point[1] < 0.6 * size[1]]
    clear = tuple(t for t in tips if t.prominence >= _CLEAR_TIP * fw)
    return HandView(
        matrix,
        np.clip((work - lo) / scale, 0, 1).astype(np.float32),
        np.clip((fine - lo) / scale, 0, 1).astype(np.float32),
        work_mask,
        clear,
        fw,
        tuple(t for t in tips if t.prominence < _CLEAR_TIP * fw),
    )


def _palm(mask: np.ndarray, dist: np.ndarray, tips: list[Tip]) -> tuple[np.ndarray, float] | None:
    """The palm's centre and inscribed radius: the deepest point of the outline whose
    nearest fingertip lies 1.5 to 3 of its radii away (fingertips reach about 2.2 palm
    radii from the palm's centre; a forearm far from them, or a finger near them, fails)."""
    points = np.array([t.point for t in tips])
    ys, xs = np.nonzero(mask)
    step = max(1, len(xs) // 20000)
    xs, ys = xs[::step], ys[::step]
    depth = dist[ys, xs]
    near = np.min(np.hypot(xs[:, None] - points[:, 0], ys[:, None] - points[:, 1]), axis=1)
    ok = (near >= 1.5 * depth) & (near <= 3.0 * depth)
    if not ok.any():
        return None
    i = int(np.argmax(np.where(ok, depth, 0.0)))
    return np.array([xs[i], ys[i]], dtype=np.float64), float(depth[i])


def hand_direction(tips: list[Tip], centre: np.ndarray) -> np.ndarray | None:
    """The unit vector from the palm towards the fingertips.

    The fingers are the largest group of tips pointing the same way (within 40°): a
    forearm cut off by a bright band instead of the film's edge leaves two "tips" at its
    corners pointing across it, and a marker on the outline one pointing anywhere; those
    neither agree with the fingers nor outnumber them.

    Parameters
    ----------
    tips
        Fingertip candidates on the outline.
    centre
        The palm's centre, in the tips' coordinates.

    Returns
    -------
    numpy.ndarray or None
        A unit (x, y) vector, or None when the tips cancel out.
    """
    points = np.array([t.point for t in tips])
    outward = -np.array([t.inward for t in tips])
    agree = (outward @ outward.T) > np.cos(np.radians(40.0))
    counts = agree.sum(axis=1)
    if counts.max() >= 3:
        keep = agree[int(np.argmax(counts))]
        points, outward = points[keep], outward[keep]
    v = outward.sum(axis=0)
    v2 = (points - centre).mean(axis=0)
    v = v / (np.hypot(*v) or 1.0) + v2 / (np.hypot(*v2) or 1.0)
    n = np.hypot(*v)
    return v / n if n > 0 else None


def _upright(
    mask: np.ndarray, direction: np.ndarray, centre: np.ndarray, zoom: float, per_film: float
) -> tuple[np.ndarray, tuple[int, int]] | None:
    """Film -> work matrix (fingers up, ``zoom`` work px per overview px) and work size."""
    angle = np.arctan2(direction[1], direction[0]) + np.pi / 2
    c, s = np.cos(-angle) * zoom, np.sin(-angle) * zoom
    rot = np.array([[c, -s], [s, c]])
    ys, xs = np.nonzero(mask)
    q = np.c_[xs, ys] @ rot.T
    pc = centre @ rot.T
    top = q[:, 1].min() - 0.3 * UNIT
    bottom = min(q[:, 1].max(), pc[1] + 3.6 * UNIT)
    band = (q[:, 1] >= top) & (q[:, 1] <= bottom)
    if not band.any():
        return None
    left = max(q[band, 0].min() - 0.3 * UNIT, pc[0] - 4.5 * UNIT)
    right = min(q[band, 0].max() + 0.3 * UNIT, pc[0] + 4.5 * UNIT)
    size = (int(np.ceil(right - left)), int(np.ceil(bottom - top)))
    if size[0] < 8 or size[1] < 8:
        return None
    ov = np.c_[rot, [-left, -top]]
    # film pixel -> overview pixel (centres at integers), then the rotation
    k = per_film
    film_to_ov = np.array([[k, 0, 0.5 * k - 0.5], [0, k, 0.5 * k - 0.5], [0, 0, 1]])
    return (np.vstack([ov, [0, 0, 1]]) @ film_to_ov)[:2], size


def _render(
    full: np.ndarray, matrix: np.ndarray, size: tuple[int, int]
) -> tuple[np.ndarray, np.ndarray]:
    """(fine, work) images of the film under ``matrix``, prefiltered against aliasing."""
    fine_per_film = 2.0 * float(np.hypot(matrix[0, 0], matrix[0, 1]))
    source = full
    shrink = 1.0
    if fine_per_film < 0.7:
        shrink = fine_per_film / 0.7  # area-average down to about the fine scale first
        source = cv2.resize(full, None, fx=shrink, fy=shrink, interpolation=cv2.INTER_AREA)
        shrink_x = source.shape[1] / full.shape[1]
        shrink_y = source.shape[0] / full.shape[0]
    else:
        shrink_x = shrink_y = 1.0
    from_source = np.array(
        [
            [1 / shrink_x, 0, 0.5 / shrink_x - 0.5],
            [0, 1 / shrink_y, 0.5 / shrink_y - 0.5],
            [0, 0, 1],
        ]
    )
    to_fine = np.array([[2.0, 0, 0.5], [0, 2.0, 0.5], [0, 0, 1]])
    m = (to_fine @ np.vstack([matrix, [0, 0, 1]]) @ from_source)[:2]
    fine = cv2.warpAffine(
        source,
        m,
        (2 * size[0], 2 * size[1]),
        flags=cv2.INTER_LINEAR,
        borderMode=cv2.BORDER_REPLICATE,
    )
    work = cv2.resize(fine, size, interpolation=cv2.INTER_AREA)
    return fine, work
