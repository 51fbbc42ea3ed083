"""Scoring a JointMap against hand-marked joints (used by the benchmark and the tests).

A marked site counts as *found* when the finder reports it within a fifth of the film's
MCP3–PIP3 distance of the mark, and as *wrong* when it reports it farther away; a site the
finder leaves out is neither (missing). The finder never reads these marks.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

import cv2
import numpy as np

from xraycompare.core.joints.model import JointMap


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


def _warp(pixels: np.ndarray, matrix: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    air = float(np.percentile(pixels[:: max(1, pixels.shape[0] // 256)], 2))
    return cv2.warpAffine(
        pixels,
        matrix,
        size,
        flags=cv2.INTER_LINEAR,
        borderMode=cv2.BORDER_CONSTANT,
        borderValue=air,
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
    a burnt-in marker."""
    rng = np.random.default_rng(seed)
    h, w = pixels.shape
    for angle in (90.0, 180.0, float(rng.uniform(10, 80)), float(rng.uniform(190, 350))):
        m = cv2.getRotationMatrix2D(((w - 1) / 2, (h - 1) / 2), angle, 1.0)
        cos, sin = abs(m[0, 0]), abs(m[0, 1])
        nw, nh = int(h * sin + w * cos), int(h * cos + w * sin)
        m[0, 2] += (nw - w) / 2
        m[1, 2] += (nh - h) / 2
        yield f"rotated {angle:.0f}°", _warp(pixels, m, (nw, nh)), _moved(film, m)
    mirror = np.array([[-1.0, 0.0, w - 1.0], [0.0, 1.0, 0.0]])
    yield "mirrored", np.ascontiguousarray(pixels[:, ::-1]), _moved(film, mirror)
    top = float(np.iinfo(pixels.dtype).max) if pixels.dtype.kind == "u" else float(pixels.max())
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
