"""Hard registration cases from real hand films, with known truth.

Helper module of ``bench_registration.py``. Sources are the CR hand DICOM (2500 x 2048) and
the 18 large FracAtlas hand films (2880 x 2304; CC BY 4.0, Abedeen et al., Sci Data 2023).
Each case is scaled to a film of 1000-2500 px (children's and adults' films come in all
sizes), and the *after* film is made from it with a known transform
(:func:`xraycompare.core.synthetic.simulate_followup`) plus what ordinary follow-ups add
(:mod:`xraycompare.core.synthetic_hazards`). The source's own lead markers and clinic logo
are cut out of the after film and burnt in again elsewhere (a real follow-up never carries
them to where the hand's transform puts them); the before film keeps its own.

Kinds (the hazards come on top of that):

``nearby``     a small motion (+-3 degrees, +-1 % shift and scale) with the fingers turned
               4-10 degrees: where an intensity-only method (elastix) converges too, so
               accuracy can be compared
``labels``     burnt-in text of several fonts and sizes, white label boxes, lead markers,
               on both films
``edges``      cassette / plate edges, collimation bands, the film's edge, a heel ramp
``exposure``   gamma 0.5-2.0, gain, offset, blur, noise, edge enhancement, tone curves
``child``      low bone contrast on both films, noisy
``posture``    every finger turned 4-10 degrees about its MCP joint (the web stretches)
``anyrot``     any rotation, scale 0.8-1.25, another canvas
``otherhand``  the other hand partly in view on the after film
``everything`` all of the above at once
``unrelated``  different people's hands, or a wrist against a hand: no right answer

The error of a registration is the mean distance, in before pixels, at points on the palm,
wrist and metacarpals (points on the fingers are left out, since fingers move on their own;
so are points hidden by a label, band or the other hand).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np

from xraycompare.core import synthetic_hazards as hz
from xraycompare.core.geometry import similarity, transform_points
from xraycompare.core.io.hand_mask import foreground_mask, sample_pixels
from xraycompare.core.io.loading import load_image
from xraycompare.core.synthetic import (
    BoneChange,
    Finger,
    FingerMove,
    FollowupSpec,
    posture_source,
    simulate_followup,
)

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "data"
CR_HAND = SHARED / "dicom" / "pylibjpeg-data" / "cr_right_hand_pa.dcm"
FRACATLAS = SHARED / "fracatlas" / "images"
REAL_PAIR = ("IMG0001565.jpg", "IMG0001567.jpg")
KINDS = (
    "nearby",
    "labels",
    "edges",
    "exposure",
    "child",
    "posture",
    "anyrot",
    "otherhand",
    "everything",
    "extreme",
)
UNRELATED = "unrelated"
FINGER_NAMES = ("thumb", "index", "middle", "ring", "little")

# The CR hand's fingers (before pixels): MCP joint, tip, half-width; read off the film.
CR_FINGERS = {
    "thumb": Finger((636, 1590), (300, 1220), 90),
    "index": Finger((910, 1260), (752, 540), 75),
    "middle": Finger((1100, 1280), (1090, 420), 75),
    "ring": Finger((1280, 1360), (1550, 620), 72),
    "little": Finger((1430, 1480), (1900, 1080), 65),
}

# FracAtlas fingers (thumb to little: MCP joint, tip), read off the films at full size,
# and a half-width for the film. Films whose fingers lie over the other hand have none.
_FRACATLAS_FINGERS: dict[str, tuple[float, tuple]] = {
    "IMG0000030": (45, (((1760, 1467), (1893, 1733)), ((1550, 1567), (1593, 2167)),
                        ((1400, 1583), (1393, 2217)), ((1260, 1517), (1227, 2117)),
                        ((1133, 1433), (1010, 1883)))),
    "IMG0000032": (50, (((1733, 1700), (1867, 2033)), ((1540, 1867), (1493, 2367)),
                        ((1383, 1883), (1267, 2467)), ((1260, 1817), (1133, 2333)),
                        ((1150, 1733), (907, 2100)))),
    "IMG0000035": (45, (((1250, 1167), (1383, 1500)), ((1100, 1333), (1193, 1967)),
                        ((917, 1367), (907, 2067)), ((767, 1350), (717, 1967)),
                        ((633, 1317), (483, 1733)))),
    "IMG0000045": (40, (((2100, 1150), (2267, 1317)), ((1950, 1300), (2017, 1800)),
                        ((1827, 1317), (1893, 1933)), ((1717, 1300), (1767, 1850)),
                        ((1607, 1267), (1650, 1700)))),
    "IMG0000049": (45, (((1167, 1300), (1033, 1567)), ((1383, 1467), (1500, 2000)),
                        ((1533, 1483), (1650, 2067)), ((1667, 1433), (1760, 2000)),
                        ((1773, 1367), (1900, 1817)))),
    "IMG0000101": (50, (((1017, 1683), (873, 1950)), ((1233, 1933), (1183, 2483)),
                        ((1383, 1950), (1360, 2567)), ((1533, 1917), (1517, 2500)),
                        ((1650, 1850), (1673, 2317)))),
    "IMG0000111": (28, (((1300, 900), (1383, 1050)), ((1200, 1033), (1260, 1333)),
                        ((1083, 1050), (1133, 1367)), ((983, 1033), (940, 1333)),
                        ((883, 1000), (833, 1183)))),
    "IMG0000122": (45, (((1600, 1367), (1740, 1733)), ((1350, 1483), (1360, 2133)),
                        ((1167, 1500), (1140, 2167)), ((1040, 1433), (917, 2033)),
                        ((950, 1350), (760, 1800)))),
    "IMG0000206": (45, (((1167, 1467), (1300, 1833)), ((983, 1617), (1000, 2200)),
                        ((860, 1633), (817, 2267)), ((740, 1583), (640, 2133)),
                        ((633, 1517), (493, 1933)))),
    "IMG0000214": (45, (((967, 1100), (933, 1367)), ((1133, 1233), (1183, 1800)),
                        ((1273, 1250), (1327, 1900)), ((1400, 1233), (1460, 1833)),
                        ((1527, 1167), (1583, 1650)))),
    "IMG0000235": (45, (((967, 1000), (760, 1283)), ((1140, 1217), (1017, 1817)),
                        ((1300, 1200), (1307, 1900)), ((1460, 1183), (1527, 1833)),
                        ((1593, 1133), (1760, 1617)))),
    "IMG0000252": (42, (((883, 1583), (700, 1883)), ((1050, 1783), (967, 2300)),
                        ((1173, 1800), (1133, 2383)), ((1307, 1767), (1283, 2333)),
                        ((1417, 1717), (1467, 2167)))),
    "IMG0002311": (40, (((1517, 1533), (1550, 1933)), ((1367, 1717), (1350, 2300)),
                        ((1250, 1717), (1133, 2333)), ((1133, 1650), (1000, 2233)),
                        ((1033, 1633), (933, 2050)))),
    "IMG0002313": (45, (((1640, 1933), (1700, 2350)), ((1527, 1983), (1527, 2550)),
                        ((1350, 2000), (1333, 2650)), ((1200, 1983), (1183, 2567)),
                        ((1083, 1950), (1073, 2400)))),
    "IMG0002355": (40, (((1283, 1900), (1300, 2267)), ((1183, 2000), (1133, 2550)),
                        ((1073, 2000), (967, 2583)), ((973, 1967), (873, 2500)),
                        ((873, 1917), (800, 2233)))),
    "IMG0002364": (42, (((1617, 1533), (1733, 1883)), ((1460, 1667), (1433, 2167)),
                        ((1333, 1700), (1267, 2267)), ((1217, 1667), (1117, 2167)),
                        ((1117, 1567), (1000, 1967)))),
}  # fmt: skip


@dataclass
class Source:
    """A real film ready to make cases from (full size)."""

    name: str
    pixels: np.ndarray  # bone bright stored values
    mask: np.ndarray  # hand mask on a 512 px copy
    clean: np.ndarray  # the film with its burnt-in markers cut out
    markers: tuple[hz.Blob, ...]
    fingers: tuple[Finger, ...] = ()


@dataclass
class Case:
    kind: str
    source: str
    before: np.ndarray
    after: np.ndarray
    spec: FollowupSpec | None  # None for unrelated pairs
    points: np.ndarray  # (N, 2) before points on the palm, wrist and metacarpals
    notes: dict[str, float] = field(default_factory=dict)

    @property
    def model(self) -> str:
        return "similarity"


def load_sources(limit: int | None = None) -> list[Source]:
    """The CR hand first, then the big FracAtlas films (skips what is missing)."""
    out = []
    if CR_HAND.is_file():
        out.append(_source("cr_hand", load_image(CR_HAND).pixels, tuple(CR_FINGERS.values())))
    if FRACATLAS.is_dir():
        for path in sorted(FRACATLAS.glob("*.jpg")):
            if path.name in REAL_PAIR:
                continue
            pixels = load_image(path).pixels
            if max(pixels.shape) < 2000:
                continue
            fingers = ()
            if path.stem in _FRACATLAS_FINGERS:
                hw, joints = _FRACATLAS_FINGERS[path.stem]
                fingers = tuple(Finger(mcp, tip, hw) for mcp, tip in joints)
            out.append(_source(path.stem, pixels, fingers))
            if limit and len(out) >= limit:
                break
    return out[:limit] if limit else out


def _source(name: str, pixels: np.ndarray, fingers: tuple[Finger, ...]) -> Source:
    pixels = np.ascontiguousarray(pixels)
    mask = foreground_mask(sample_pixels(pixels, max_side=512))
    clean, markers = hz.cut_markers(pixels, mask)
    return Source(name, pixels, mask, clean, markers, fingers)


def _scaled_fingers(fingers: tuple[Finger, ...], s: float) -> tuple[Finger, ...]:
    return tuple(
        Finger(
            (f.mcp[0] * s + 0.5 * s - 0.5, f.mcp[1] * s + 0.5 * s - 0.5),
            (f.tip[0] * s + 0.5 * s - 0.5, f.tip[1] * s + 0.5 * s - 0.5),
            f.half_width * s,
        )
        for f in fingers
    )


def _resize(pixels: np.ndarray, s: float) -> np.ndarray:
    if abs(s - 1.0) < 1e-6:
        return pixels.copy()
    return cv2.resize(pixels, None, fx=s, fy=s, interpolation=cv2.INTER_AREA)


def _full_mask(mask: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    return cv2.resize(mask.astype(np.uint8), shape[::-1], interpolation=cv2.INTER_NEAREST) > 0


def _log_uniform(rng, lo: float, hi: float) -> float:
    return float(math.exp(rng.uniform(math.log(lo), math.log(hi))))


def draw_angle_scale(kind: str, rng: np.random.Generator) -> tuple[float, float]:
    """Rotation (degrees) and scale of a case: any angle for ``anyrot`` and ``everything``."""
    if kind == "extreme":  # magnification beyond what positioning alone explains
        return float(rng.uniform(0, 360)), _log_uniform(rng, 0.65, 1.55)
    if kind in ("anyrot", "everything"):
        return float(rng.uniform(0, 360)), _log_uniform(rng, 0.8, 1.25)
    if kind == "nearby":
        return float(rng.uniform(-3, 3)), _log_uniform(rng, 0.99, 1.01)
    return float(rng.uniform(-20, 20)), _log_uniform(rng, 0.85, 1.2)


def centred_matrix(
    shape, out_shape, angle: float, scale: float, rng, *, shift: float = 0.06
) -> np.ndarray:
    """The after -> before similarity: the after film's centre lands near the before film's
    centre (within ``shift`` of its size)."""
    h, w = shape
    m = np.asarray(similarity(scale=scale, angle_deg=angle)).copy()
    centre_after = np.array([(out_shape[1] - 1) / 2, (out_shape[0] - 1) / 2])
    centre_shift = np.array([(w - 1) / 2, (h - 1) / 2])
    centre_shift -= transform_points(m, centre_after[None])[0]
    m[:2, 2] += centre_shift + rng.uniform(-shift, shift, 2) * np.array([w, h])
    return m


def _out_shape(shape, angle: float, scale: float, rng, *, cropped: bool = False) -> tuple[int, int]:
    """The after canvas: the before film's, turned with the film, a little bigger or smaller
    (``cropped``: 60-80 % of it, so part of the hand is off the after film)."""
    h, w = shape
    sideways = 45 < angle % 180 < 135
    oh, ow = (w, h) if sideways else (h, w)
    grow = rng.uniform(0.6, 0.8, 2) if cropped else rng.uniform(0.88, 1.12, 2)
    grow = grow / scale
    return int(oh * grow[0]), int(ow * grow[1])


def _finger_zone(points: np.ndarray, fingers: tuple[Finger, ...]) -> np.ndarray:
    """Points any finger turn of up to 12 degrees would move (fingers and the web)."""
    moved = np.zeros(len(points), bool)
    for f in fingers:
        for angle in (-12.0, 12.0):
            src = posture_source(points, (FingerMove(f, angle),))
            moved |= np.linalg.norm(src - points, axis=1) > 1e-6
    return moved


def evaluation_points(
    pixels: np.ndarray, mask: np.ndarray, fingers, rng: np.random.Generator, n: int = 300
) -> np.ndarray:
    """Integer before points well inside the hand and off the fingers."""
    m = cv2.erode(mask.astype(np.uint8), np.ones((7, 7), np.uint8))
    ys, xs = np.nonzero(m)
    f = np.array([pixels.shape[1] / mask.shape[1], pixels.shape[0] / mask.shape[0]])
    pick = rng.choice(len(xs), size=min(4 * n, len(xs)), replace=False)
    pts = np.rint(np.stack([xs[pick], ys[pick]], axis=1) * f + f / 2 - 0.5)
    pts = np.clip(pts, 0, [pixels.shape[1] - 1, pixels.shape[0] - 1])
    if fingers:
        pts = pts[~_finger_zone(pts, fingers)]
    return pts[:n]


def make_case(
    source: Source, kind: str, rng: np.random.Generator, seed: int, others=()
) -> Case | None:
    """One case of ``kind`` from ``source`` (``others``: sources for unrelated pairs)."""
    if kind == UNRELATED:
        return _unrelated_case(source, others, rng, seed)
    long_side = rng.uniform(1000, 2500)
    s = min(1.0, long_side / max(source.pixels.shape))
    before = _resize(source.pixels, s)
    clean = _resize(source.clean, s)
    shape = before.shape
    fingers = _scaled_fingers(source.fingers, s)
    hand = _full_mask(source.mask, shape)
    angle, scale = draw_angle_scale(kind, rng)
    if kind == "nearby":  # the same canvas, a small motion
        out_shape = shape
        m = centred_matrix(shape, out_shape, angle, scale, rng, shift=0.01)
    else:
        out_shape = _out_shape(shape, angle, scale, rng, cropped=kind == "extreme")
        m = centred_matrix(shape, out_shape, angle, scale, rng)
    posture = ()
    if kind in ("nearby", "posture", "everything", "extreme") and fingers:
        posture = tuple(
            FingerMove(f, float(rng.choice([-1, 1]) * rng.uniform(4, 10))) for f in fingers
        )
    strong = kind in ("exposure", "everything", "extreme")
    gamma_range = (0.35, 2.8) if kind == "extreme" else (0.5, 2.0)
    noise_top = 0.05 if kind == "extreme" else 0.03
    points = evaluation_points(before, source.mask, fingers, rng)
    changes = tuple(
        BoneChange(float(x), float(y), float(rng.uniform(0.004, 0.012) * max(shape)),
                   depth=float(rng.choice([-1, 1]) * rng.uniform(0.4, 0.8)))
        for x, y in points[rng.choice(len(points), min(5, len(points)), replace=False)]
    )  # fmt: skip
    spec = FollowupSpec(
        matrix=m,
        out_shape=out_shape,
        gamma=_log_uniform(rng, *gamma_range) if strong else _log_uniform(rng, 0.8, 1.25),
        gain=float(rng.uniform(0.7, 1.3) if strong else rng.uniform(0.9, 1.1)),
        offset=float(rng.uniform(-0.08, 0.08) if strong else rng.uniform(-0.03, 0.03)),
        blur_sigma=float(rng.uniform(0, 2.0) if strong else rng.uniform(0, 0.8)),
        noise_sd=float(rng.uniform(0.005, noise_top) if strong else rng.uniform(0.003, 0.01)),
        changes=changes,
        posture=posture,
        seed=seed,
        border="air",
    )
    if kind in ("child", "extreme") or (kind == "everything" and rng.random() < 0.5):
        # little bone contrast on both films (labels and bands come later, at full range)
        c = float(rng.uniform(0.15, 0.45))
        before = hz.lower_contrast(before, c)
        clean = hz.lower_contrast(clean, float(np.clip(c * rng.uniform(0.8, 1.25), 0.15, 0.6)))
    after = simulate_followup(clean, spec)
    after_hand = foreground_mask(sample_pixels(after, max_side=512))
    after_hand_full = _full_mask(after_hand, after.shape)
    covered_after = np.zeros(after.shape, bool)
    covered_before = np.zeros(shape, bool)
    after = hz.paste_markers(after, source.markers, rng, scale=s / scale, avoid=after_hand_full)
    if kind in ("exposure", "everything", "extreme") and rng.random() < 0.7:
        after = hz.reprocess(after, rng)
    if kind in ("otherhand", "everything", "extreme"):
        after, cov = hz.add_other_hand(after, after, after_hand, rng, keep_clear=after_hand_full)
        covered_after |= cov
    if kind in ("labels", "everything", "extreme"):
        before, after, covered_before, covered_after = _labels(
            before, after, hand, after_hand_full, covered_before, covered_after, rng
        )
    if kind in ("edges", "everything", "extreme"):
        before, cov_b = hz.add_plate_edges(before, rng)
        after, cov_a = hz.add_plate_edges(after, rng)
        covered_before |= cov_b
        covered_after |= cov_a
    # the before film gets its own noise too: two real films never share a noise pattern
    before = hz.add_noise(before, float(rng.uniform(0.003, 0.01)), rng)
    points = _visible(points, m, after.shape, covered_after, covered_before)
    if len(points) < 30:
        return None
    notes = {"scale": scale, "angle": angle, "side": float(max(shape))}
    return Case(kind, source.name, before, after, spec, points, notes)


def _labels(before, after, hand, after_hand, cov_b, cov_a, rng):
    """Text, label boxes and lead markers on both films, independently; and a department
    stamp (a label with lines of text) at the same place on both films, which a feature
    match can take for the hand."""
    out = []
    stamp_seed = int(rng.integers(1 << 30))
    for film, avoid, cov in ((before, hand, cov_b), (after, after_hand, cov_a)):
        film = hz.burn_text(film, rng, avoid=avoid if rng.random() < 0.7 else None)
        if rng.random() < 0.7:
            film, c = hz.add_label_box(film, rng, avoid=avoid)
            cov = cov | c
        for _ in range(int(rng.integers(1, 4))):
            film = hz.add_lead_marker(film, rng, avoid=avoid if rng.random() < 0.8 else None)
        out.append((film, cov))
    (before, cov_b), (after, cov_a) = out
    if rng.random() < 0.6:
        before, c = hz.add_label_box(before, np.random.default_rng(stamp_seed))
        cov_b = cov_b | c
        after, c = hz.add_label_box(after, np.random.default_rng(stamp_seed), like=before.shape)
        cov_a = cov_a | c
    return before, after, cov_b, cov_a


def _visible(points, m, after_shape, covered_after, covered_before) -> np.ndarray:
    """Before points whose anatomy the after film shows, and neither film hides."""
    inside = transform_points(np.linalg.inv(m), points)
    h, w = after_shape
    ok = (inside[:, 0] >= 2) & (inside[:, 1] >= 2)
    ok &= (inside[:, 0] <= w - 3) & (inside[:, 1] <= h - 3)
    ij = np.clip(np.rint(inside).astype(int), 0, [w - 1, h - 1])
    ok &= ~covered_after[ij[:, 1], ij[:, 0]]
    hb, wb = covered_before.shape
    bj = np.clip(np.rint(points).astype(int), 0, [wb - 1, hb - 1])
    ok &= ~covered_before[bj[:, 1], bj[:, 0]]
    return points[ok]


def _unrelated_case(source: Source, others, rng, seed: int) -> Case | None:
    """A different person's hand (or a wrist against a hand) as the "after" film."""
    pool = [o for o in others if o.name != source.name]
    if not pool:
        return None
    other = pool[int(rng.integers(len(pool)))]
    s = min(1.0, rng.uniform(1000, 2500) / max(source.pixels.shape))
    before = hz.add_noise(_resize(source.pixels, s), 0.005, rng)
    after = _resize(other.pixels, min(1.0, rng.uniform(1000, 2500) / max(other.pixels.shape)))
    style = "other hand"
    if rng.random() < 0.35:  # only the wrist and forearm: the part above the hand's middle
        mask = _full_mask(other.mask, after.shape)
        ys = np.nonzero(mask.any(axis=1))[0]
        cut = int(ys.min() + 0.45 * (ys.max() - ys.min())) if len(ys) else after.shape[0] // 2
        after = after[: max(cut, 200)]
        style = "wrist"
    if rng.random() < 0.5:
        after = np.ascontiguousarray(after[:, ::-1])  # a left hand against a right
    angle = float(rng.uniform(-30, 30))
    h, w = after.shape
    turn = cv2.getRotationMatrix2D(((w - 1) / 2, (h - 1) / 2), angle, 1.0)
    after = cv2.warpAffine(after, turn, (w, h), borderMode=cv2.BORDER_REFLECT)
    after = hz.add_noise(after, 0.005, rng)
    return Case(UNRELATED, f"{source.name}/{other.name} {style}", before, after, None,
                np.zeros((0, 2)), {"seed": seed})  # fmt: skip


def error(case: Case, to_after) -> np.ndarray:
    """Per-point error in before pixels of an estimated before -> after point map."""
    est = to_after(case.points)
    back = transform_points(np.asarray(case.spec.matrix), est)
    return np.linalg.norm(back - case.points, axis=1)
