"""Registration benchmark cases: real hand films, known random transforms, known truth.

Helper module of ``bench_registration.py``. Sources are the CR hand DICOM (2500 x 2048) and
the 18 large FracAtlas hand films (2880 x 2304, area-downscaled by 0.87 to about
2505 x 2004). Each case turns one source into an *after* film with
:func:`xraycompare.core.synthetic.simulate_followup`: a random transform of its kind, an
exposure change (gamma, gain, offset), blur, noise, a burnt-in marker, simulated erosions
and remodeling, a different canvas, and air outside the source film. The before film gets
its own independent noise as well.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from xraycompare.core.geometry import similarity, transform_points
from xraycompare.core.io.hand_mask import foreground_mask, sample_pixels
from xraycompare.core.io.loading import load_image
from xraycompare.core.synthetic import BoneChange, Finger, FollowupSpec, simulate_followup

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "data"
CR_HAND = SHARED / "dicom" / "pylibjpeg-data" / "cr_right_hand_pa.dcm"
FRACATLAS = SHARED / "fracatlas" / "images"
REAL_PAIR = ("IMG0001565.jpg", "IMG0001567.jpg")
KINDS = ("rigid", "anyrot", "affine", "nearby")
MODEL_OF_KIND = {"rigid": "rigid", "anyrot": "similarity", "affine": "affine", "nearby": "rigid"}

# The CR hand's fingers (before pixels): MCP joint, tip, half-width; read off the film.
CR_FINGERS = {
    "thumb": Finger((636, 1590), (300, 1220), 90),
    "index": Finger((910, 1260), (752, 540), 75),
    "middle": Finger((1100, 1280), (1090, 420), 75),
    "ring": Finger((1280, 1360), (1550, 620), 72),
    "little": Finger((1430, 1480), (1900, 1080), 65),
}


@dataclass
class Source:
    name: str
    pixels: np.ndarray  # bone bright stored values
    mask: np.ndarray  # hand mask on a 512 px copy


@dataclass
class Case:
    kind: str
    source: str
    before: np.ndarray
    after: np.ndarray
    spec: FollowupSpec
    points: np.ndarray  # (N, 2) integer before-pixel points inside the hand, visible in after

    @property
    def model(self) -> str:
        return MODEL_OF_KIND[self.kind]


def load_sources(limit: int | None = None) -> list[Source]:
    """The CR hand first, then the big FracAtlas films (skips what is missing)."""
    out = []
    if CR_HAND.is_file():
        out.append(_source("cr_hand", load_image(CR_HAND).pixels))
    if FRACATLAS.is_dir():
        for path in sorted(FRACATLAS.glob("*.jpg")):
            if path.name in REAL_PAIR:
                continue
            pixels = load_image(path).pixels
            if max(pixels.shape) < 2000:
                continue
            small = cv2.resize(pixels, None, fx=0.87, fy=0.87, interpolation=cv2.INTER_AREA)
            out.append(_source(path.stem, small))
    return out[:limit] if limit else out


def _source(name: str, pixels: np.ndarray) -> Source:
    mask = foreground_mask(sample_pixels(pixels, max_side=512))
    return Source(name, np.ascontiguousarray(pixels), mask)


def random_matrix(kind: str, shape: tuple[int, int], rng: np.random.Generator) -> np.ndarray:
    """A random after -> before transform of ``kind`` about the film centre."""
    h, w = shape
    c = ((w - 1) / 2, (h - 1) / 2)
    tx, ty = rng.uniform(-100, 100, 2)
    if kind == "nearby":  # a small offset, where intensity-only methods converge too
        return np.asarray(similarity(angle_deg=rng.uniform(-3, 3), center=c, tx=tx / 5, ty=ty / 5))
    if kind == "rigid":
        return np.asarray(similarity(angle_deg=rng.uniform(-15, 15), center=c, tx=tx, ty=ty))
    if kind == "anyrot":
        scale = math.exp(rng.uniform(math.log(0.8), math.log(1.25)))
        return np.asarray(
            similarity(scale=scale, angle_deg=rng.uniform(0, 360), center=c, tx=tx, ty=ty)
        )
    rot = np.asarray(similarity(angle_deg=rng.uniform(-15, 15), center=c, tx=tx, ty=ty))
    sx, sy = rng.uniform(0.85, 1.15, 2)
    shear = rng.uniform(-0.05, 0.05)
    lin = np.array([[sx, shear, 0.0], [0.0, sy, 0.0], [0.0, 0.0, 1.0]])
    to_c = np.array([[1.0, 0, c[0]], [0, 1.0, c[1]], [0, 0, 1.0]])
    return rot @ to_c @ lin @ np.linalg.inv(to_c)


def hand_points(source: Source, rng: np.random.Generator, n: int = 200) -> np.ndarray:
    """Integer before-pixel points well inside the hand."""
    m = cv2.erode(source.mask.astype(np.uint8), np.ones((7, 7), np.uint8))
    ys, xs = np.nonzero(m)
    f = source.pixels.shape[0] / source.mask.shape[0]
    pick = rng.choice(len(xs), size=min(n, len(xs)), replace=False)
    pts = np.stack([xs[pick], ys[pick]], axis=1) * f + f / 2 - 0.5
    return np.rint(pts)


def make_case(source: Source, kind: str, rng: np.random.Generator, seed: int) -> Case | None:
    """One benchmark case, or None when too little of the hand stays in the after film."""
    h, w = source.pixels.shape
    m = random_matrix(kind, (h, w), rng)
    if kind == "nearby":
        out_shape = (h, w)
    else:
        angle = math.degrees(math.atan2(m[1, 0], m[0, 0])) % 180
        out_h, out_w = (w, h) if 45 < angle < 135 else (h, w)
        grow = rng.uniform(0.9, 1.1, 2)
        out_shape = (int(out_h * grow[0]), int(out_w * grow[1]))
        # re-centre (the before film's centre lands at the after film's centre), then move
        centre_after = np.array([(out_shape[1] - 1) / 2, (out_shape[0] - 1) / 2])
        mapped = transform_points(m, centre_after[None])[0]
        shift = np.array([(w - 1) / 2, (h - 1) / 2]) - mapped
        m = m.copy()
        m[:2, 2] += shift + rng.uniform(-100, 100, 2)
    points = hand_points(source, rng)
    changes = tuple(
        BoneChange(
            x=float(x),
            y=float(y),
            radius=float(rng.uniform(10, 30)),
            depth=float(rng.choice([-1, 1]) * rng.uniform(0.4, 0.8)),
        )
        for x, y in points[rng.choice(len(points), 5, replace=False)]
    )
    marker_xy = (
        int(rng.uniform(0.05, 0.8) * out_shape[1]),
        int(rng.uniform(0.1, 0.95) * out_shape[0]),
    )
    spec = FollowupSpec(
        matrix=m,
        out_shape=out_shape,
        gamma=float(math.exp(rng.uniform(math.log(0.6), math.log(1.6)))),
        gain=float(rng.uniform(0.8, 1.2)),
        offset=float(rng.uniform(-0.05, 0.05)),
        blur_sigma=float(rng.uniform(0, 1.5)),
        noise_sd=float(rng.uniform(0.003, 0.02)),
        changes=changes,
        markers=((marker_xy[0], marker_xy[1], str(rng.choice(["L", "R", "PA"]))),),
        seed=seed,
        border="air",
    )
    after = simulate_followup(source.pixels, spec)
    # the before film gets its own noise too: two real films never share a noise pattern
    before = _with_noise(source.pixels, float(rng.uniform(0.003, 0.01)), rng)
    inside = transform_points(np.linalg.inv(m), points)
    ok = (
        (inside[:, 0] >= 2)
        & (inside[:, 1] >= 2)
        & (inside[:, 0] <= out_shape[1] - 3)
        & (inside[:, 1] <= out_shape[0] - 3)
    )
    if ok.sum() < 30:
        return None
    return Case(kind, source.name, before, after, spec, points[ok])


def _with_noise(pixels: np.ndarray, sd: float, rng: np.random.Generator) -> np.ndarray:
    """Gaussian noise of ``sd`` times the film's range, same dtype."""
    lo, hi = np.percentile(pixels[::8, ::8], [0.1, 99.9])
    noisy = pixels.astype(np.float32) + rng.normal(0, sd * (hi - lo), pixels.shape).astype(
        np.float32
    )
    top = float(pixels.max())
    return np.clip(np.rint(noisy), 0, top).astype(pixels.dtype)


def tre(case: Case, to_after) -> np.ndarray:
    """Per-point error in before pixels of an estimated before -> after point map."""
    est = to_after(case.points)
    back = transform_points(np.asarray(case.spec.matrix), est)
    return np.linalg.norm(back - case.points, axis=1)
