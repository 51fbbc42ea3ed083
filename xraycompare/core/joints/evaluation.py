"""Scoring a JointMap against hand-marked joints (used by the benchmark and the tests).

A marked site counts as *found* when the finder reports it within a fifth of the film's
MCP3–PIP3 distance of the mark, and as *wrong* when it reports it farther away; a site the
finder leaves out is neither (missing). The finder never reads these marks.
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

import cv2
import numpy as np

from xraycompare.core.io.hand_mask import foreground_mask
from xraycompare.core.joints.model import JointMap
from xraycompare.core.joints.simulated_damage import FINGER_JOINTS, eroded, finger_axis, fused


@dataclass(frozen=True)
class MarkedFilm:
    """One film's marks: ``file`` relative to the shared data folder, site -> (x, y)."""

    file: str
    split: str  # "dev" (looked at while developing) or "held-out"
    age: str  # "adult" or "child"
    joints: dict[str, tuple[float, float]] = field(default_factory=dict)
    # where a joint hidden from view (by the other hand, say) must lie: not scored, only
    # used for the film's tolerance when MCP3 or PIP3 is hidden
    hidden: dict[str, tuple[float, float]] = field(default_factory=dict)
    laterality: str | None = None  # "left"/"right" as the thumb's side reads on a PA film

    @property
    def tolerance(self) -> float | None:
        """A fifth of the MCP3–PIP3 distance (None without both marks)."""
        a = self.joints.get("MCP3", self.hidden.get("MCP3"))
        b = self.joints.get("PIP3", self.hidden.get("PIP3"))
        if a is None or b is None:
            return None
        return 0.2 * float(np.hypot(a[0] - b[0], a[1] - b[1]))


@dataclass(frozen=True)
class Score:
    """Counts over the marked sites of one or more films."""

    marked: int = 0
    correct: int = 0
    wrong: int = 0
    films: int = 0
    seconds: float = 0.0

    def __add__(self, other: Score) -> Score:
        return Score(
            self.marked + other.marked,
            self.correct + other.correct,
            self.wrong + other.wrong,
            self.films + other.films,
            self.seconds + other.seconds,
        )

    def with_seconds(self, seconds: float) -> Score:
        return Score(self.marked, self.correct, self.wrong, self.films, seconds)

    @property
    def found_share(self) -> float:
        return self.correct / self.marked if self.marked else 0.0

    @property
    def wrong_share(self) -> float:
        return self.wrong / self.marked if self.marked else 0.0

    @property
    def seconds_per_film(self) -> float:
        return self.seconds / self.films if self.films else 0.0


def load_marks(path: str | Path) -> list[MarkedFilm]:
    """The marked films in ``path`` (tests/data/joints/marks.json)."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))

    def points(d: dict) -> dict[str, tuple[float, float]]:
        return {k: (float(v[0]), float(v[1])) for k, v in d.items()}

    return [
        MarkedFilm(
            f["file"],
            f["split"],
            f["age"],
            points(f["joints"]),
            points(f.get("hidden", {})),
            f.get("laterality"),
        )
        for f in data["films"]
    ]


def score_film(result: JointMap, film: MarkedFilm, sites: tuple[str, ...]) -> Score:
    """How many of ``film``'s marked ``sites`` ``result`` found, and how many it put wrong."""
    tol = film.tolerance
    if tol is None:
        return Score(films=1)
    marked = correct = wrong = 0
    found = result.points()
    for site in sites:
        truth = film.joints.get(site)
        if truth is None:
            continue
        marked += 1
        point = found.get(site)
        if point is None:
            continue
        if np.hypot(point[0] - truth[0], point[1] - truth[1]) <= tol:
            correct += 1
        else:
            wrong += 1
    return Score(marked, correct, wrong, 1)


def _exposed(pixels: np.ndarray) -> tuple[int, int, int, int]:
    """(top, bottom, left, right) of the film without flat margins (blanked or unexposed
    rows and columns along its sides), which only ever run along the film's own edges."""
    sample = pixels.astype(np.float32)
    rows = np.flatnonzero(sample.std(axis=1) > 0.01 * (np.ptp(sample) or 1.0))
    cols = np.flatnonzero(sample.std(axis=0) > 0.01 * (np.ptp(sample) or 1.0))
    if len(rows) == 0 or len(cols) == 0:
        return 0, pixels.shape[0], 0, pixels.shape[1]
    return int(rows[0]), int(rows[-1]) + 1, int(cols[0]), int(cols[-1]) + 1


def _quarter_turns(turns: int, h: int, w: int) -> np.ndarray:
    """The 2×3 matrix of ``np.rot90(pixels, -turns)`` (clockwise) on (x, y) points."""
    if turns % 4 == 1:
        return np.array([[0.0, -1.0, h - 1.0], [1.0, 0.0, 0.0]])
    if turns % 4 == 2:
        return np.array([[-1.0, 0.0, w - 1.0], [0.0, -1.0, h - 1.0]])
    if turns % 4 == 3:
        return np.array([[0.0, 1.0, 0.0], [-1.0, 0.0, w - 1.0]])
    return np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]])


def _hand_field(pixels: np.ndarray, film: MarkedFilm) -> tuple[np.ndarray, tuple[int, int]]:
    """The film around the marked hand (a proximal phalanx's length and more beyond the
    outermost marks), inside the exposed field; and its top-left corner (x, y)."""
    top, bottom, left, right = _exposed(pixels)
    # and clear of the strip a plate's or a shutter's edge leaves along it: turned, that
    # strip would cross the air as no edge of a real film does
    edge = int(0.02 * max(pixels.shape))
    top, bottom, left, right = top + edge, bottom - edge, left + edge, right - edge
    points = np.array(list(film.joints.values()) + list(film.hidden.values()))
    reach = 6.0 * (film.tolerance or 0.05 * max(pixels.shape))
    x0 = int(max(left, points[:, 0].min() - reach))
    x1 = int(min(right, points[:, 0].max() + reach))
    y0 = int(max(top, points[:, 1].min() - reach))
    y1 = int(min(bottom, points[:, 1].max() + reach))
    # trim any side still touching a blanked or unexposed margin (a slanted shutter edge)
    blank = (pixels == pixels.min()) | (pixels == pixels.max())
    while y1 - y0 > 8 and x1 - x0 > 8:
        sides = {
            "top": blank[y0, x0:x1].mean(),
            "bottom": blank[y1 - 1, x0:x1].mean(),
            "left": blank[y0:y1, x0].mean(),
            "right": blank[y0:y1, x1 - 1].mean(),
        }
        side, worst = max(sides.items(), key=lambda kv: kv[1])
        if worst < 0.02:
            break
        if side == "top":
            y0 += 1
        elif side == "bottom":
            y1 -= 1
        elif side == "left":
            x0 += 1
        else:
            x1 -= 1
    return np.ascontiguousarray(pixels[y0:y1, x0:x1]), (x0, y0)


def _warp(pixels: np.ndarray, matrix: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """``pixels`` under ``matrix``; the corners the turned film leaves empty are filled with
    a smooth continuation of the air near its edges (a constant would draw a sharp frame,
    reflecting would copy markers and forearm, and a real film has neither)."""
    src = pixels.astype(np.float32)
    turned = cv2.warpAffine(src, matrix, size, flags=cv2.INTER_LINEAR)
    valid = cv2.warpAffine(np.ones_like(src), matrix, size, flags=cv2.INTER_NEAREST) > 0.5
    # the air alone (the hand and a margin around it left out): carried into the corners,
    # the hand's own brightness would draw a pale seam past the fingertips
    tissue = foreground_mask(src).astype(np.uint8)
    tissue = cv2.dilate(tissue, np.ones((25, 25), np.uint8))
    turned_tissue = cv2.warpAffine(tissue, matrix, size, flags=cv2.INTER_NEAREST) > 0
    air = valid & ~turned_tissue
    if air.sum() < 0.05 * valid.sum():
        air = valid
    # normalised convolution at a coarse scale: the air's own shading, carried outwards
    small = max(1, max(size) // 128)
    dims = (max(1, size[0] // small), max(1, size[1] // small))
    v = cv2.resize(air.astype(np.float32), dims, interpolation=cv2.INTER_AREA)
    t = cv2.resize(
        np.where(air, turned, 0.0).astype(np.float32), dims, interpolation=cv2.INTER_AREA
    )
    sigma = 0.08 * max(dims)
    fill = cv2.GaussianBlur(t, (0, 0), sigma) / np.maximum(cv2.GaussianBlur(v, (0, 0), sigma), 1e-6)
    fill = cv2.resize(fill, size, interpolation=cv2.INTER_LINEAR)
    out = np.where(valid, turned, fill)
    return (
        np.clip(np.rint(out), 0, None).astype(pixels.dtype)
        if pixels.dtype.kind == "u"
        else out.astype(pixels.dtype)
    )


def _moved(film: MarkedFilm, matrix: np.ndarray) -> MarkedFilm:
    def move(points: dict[str, tuple[float, float]]) -> dict[str, tuple[float, float]]:
        return {
            k: (float(matrix[0] @ [x, y, 1.0]), float(matrix[1] @ [x, y, 1.0]))
            for k, (x, y) in points.items()
        }

    laterality = film.laterality
    if laterality is not None and np.linalg.det(matrix[:, :2]) < 0:  # a mirror swaps hands
        laterality = "left" if laterality == "right" else "right"
    return replace(film, joints=move(film.joints), hidden=move(film.hidden), laterality=laterality)


def transformed_copies(
    pixels: np.ndarray, film: MarkedFilm, *, seed: int = 0
) -> Iterator[tuple[str, np.ndarray, MarkedFilm]]:
    """Copies of a film (bone bright) with the marks moved alike: rotations, mirror, gamma,
    a burnt-in marker; and a rheumatoid copy with fused joints and one with erosions
    (:mod:`.simulated_damage`)."""
    rng = np.random.default_rng(seed)
    h, w = pixels.shape
    # a film stored turned: exact quarter turns of the whole film
    for turns in (1, 2):
        m = _quarter_turns(turns, h, w)
        yield (
            f"rotated {90 * turns}°",
            np.ascontiguousarray(np.rot90(pixels, -turns)),
            _moved(film, m),
        )
    # a hand lying at an angle on the film: the hand's part of the exposed field (without
    # the bands a collimator leaves along the film's own edges) turned
    crop, offset = _hand_field(pixels, film)
    inside = _moved(film, np.array([[1.0, 0.0, -offset[0]], [0.0, 1.0, -offset[1]]]))
    ch, cw = crop.shape
    for label, angle in (
        ("oblique", float(rng.uniform(10, 80))),
        ("oblique, upside down", float(rng.uniform(190, 350))),
    ):
        m = cv2.getRotationMatrix2D(((cw - 1) / 2, (ch - 1) / 2), angle, 1.0)
        cos, sin = abs(m[0, 0]), abs(m[0, 1])
        nw, nh = int(ch * sin + cw * cos), int(ch * cos + cw * sin)
        m[0, 2] += (nw - cw) / 2
        m[1, 2] += (nh - ch) / 2
        yield f"{label} ({angle:.0f}°)", _warp(crop, m, (nw, nh)), _moved(inside, m)
    h, w = pixels.shape
    mirror = np.array([[-1.0, 0.0, w - 1.0], [0.0, 1.0, 0.0]])
    yield "mirrored", np.ascontiguousarray(pixels[:, ::-1]), _moved(film, mirror)
    top = float(pixels.max())  # the film's own range (12 bits in 16-bit words, say)
    for gamma in (0.6, 1.6):
        unit = np.clip(pixels.astype(np.float32) / top, 0, 1) ** gamma
        yield f"gamma {gamma}", (unit * top).astype(pixels.dtype), film
    marked = pixels.copy()
    x, y = int(rng.uniform(0.05, 0.2) * w), int(rng.uniform(0.05, 0.9) * h)
    size = max(20, min(h, w) // 15)
    lead = np.zeros(pixels.shape, np.uint8)  # a lead square and letter, burnt in
    cv2.rectangle(lead, (x, y), (x + size, y + size), 255, -1)
    cv2.putText(lead, "L", (x + size + 5, y + size), cv2.FONT_HERSHEY_SIMPLEX, size / 25, 255, 3)
    marked[lead > 0] = top
    identity = np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]])
    yield "marker added", marked, _moved(film, identity)
    # a rheumatoid hand: three joints fused (no joint space), four eroded at the margin;
    # which ones differs from film to film (the seed alone repeats for names of one length)
    sites = [s for s in FINGER_JOINTS if s in film.joints and finger_axis(film.joints, s)]
    if sites:
        pick = np.random.default_rng([seed, zlib.crc32(film.file.encode())])
        chosen = [str(s) for s in pick.choice(sites, size=min(3, len(sites)), replace=False)]
        yield "fused joints", fused(pixels, film.joints, chosen), film
        chosen = [str(s) for s in pick.choice(sites, size=min(4, len(sites)), replace=False)]
        yield "eroded joints", eroded(pixels, film.joints, chosen, rng=pick), film
