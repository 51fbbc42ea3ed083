"""Joint localisation on real hand films with hand-marked joints (issue 14's targets).

For every marked film (tests/data/joints/marks.json: the CR hand and the 20 FracAtlas
films) it prints the marked MCP1–5, IP1 and PIP2–5 sites, how many were found within a
fifth of the film's MCP3–PIP3 distance of the mark (target ≥ 95 %), how many were reported
farther away (target ≤ 2 %: a wrong site is worse than a missing one), the same for the
DIP joints and the radiocarpal centre (no target), whether the laterality read from the
thumb agrees with the marks, and the seconds per film (target < 1 s). Totals are given for
all films, for the development and the held-out films separately, and by age.

``--robust`` also scores transformed copies of every film (quarter turns, oblique turns of
the hand, a mirror, gamma 0.6 and 1.6, a burnt-in lead marker) and rheumatoid copies (three
finger joints fused, four eroded: :mod:`xraycompare.core.joints.simulated_damage`), and
totals them by kind.
``--palm`` also scores the palm reader (the finder's fallback when no fingertips name the
hand) forced on every film, and on its copies with ``--robust``: how often it reads a hand
at all and how many of the sites it reads are wrong.

Needs ../shared/data (the films). Run:
    nice -n 10 .venv/bin/python benchmarks/bench_joints.py [--robust] [--split held-out]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from xraycompare.core.io.loading import load_image
from xraycompare.core.joints import SCORED_SITES, JointMap, find_joints
from xraycompare.core.joints.evaluation import (
    MarkedFilm,
    Score,
    load_marks,
    score_film,
    transformed_copies,
)
from xraycompare.core.joints.locate import _palm_map
from xraycompare.core.joints.palm import fingers_from_palm
from xraycompare.core.joints.rays import RayTracer
from xraycompare.core.joints.view import hand_view

SHARED = ROOT.parent / "shared" / "data"
DISTAL = ("DIP2", "DIP3", "DIP4", "DIP5")


class Tally:
    """Scores of one group of films: scored sites, distal joints, wrist, laterality."""

    def __init__(self) -> None:
        self.scored = Score()
        self.distal = Score()
        self.wrist = Score()
        self.sides = 0
        self.sides_right = 0

    def add(self, result: JointMap, film: MarkedFilm, seconds: float) -> Score:
        scored = score_film(result, film, SCORED_SITES).with_seconds(seconds)
        self.scored = self.scored + scored
        self.distal = self.distal + score_film(result, film, DISTAL)
        self.wrist = self.wrist + score_film(result, film, ("RC",))
        if film.laterality is not None and result.laterality is not None:
            self.sides += 1
            self.sides_right += result.laterality == film.laterality
        return scored

    def line(self, name: str) -> str:
        s, d, w = self.scored, self.distal, self.wrist
        return (
            f"{name:<30} {s.films:>5} {s.marked:>6} {100 * s.found_share:>7.1f} "
            f"{100 * s.wrong_share:>7.1f}   {_share(d)}   {_share(w)}   "
            f"{self.sides_right:>3}/{self.sides:<3} {s.seconds_per_film:>6.2f}"
        )


def palm_only(image) -> JointMap:
    """The joints the palm reader alone finds (none when it reads no hand)."""
    start = time.perf_counter()
    view = hand_view(image)
    tracer = RayTracer(view) if view is not None else None
    palm = fingers_from_palm(tracer) if tracer else None
    if view is None or palm is None:
        return JointMap.empty(time.perf_counter() - start)
    return JointMap(*_palm_map(view, palm), time.perf_counter() - start)


def _share(score: Score) -> str:
    if not score.marked:
        return f"{'-':>13}"
    return f"{100 * score.found_share:>5.1f}/{100 * score.wrong_share:>4.1f} %"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--robust", action="store_true", help="also score transformed copies")
    parser.add_argument("--palm", action="store_true", help="also score the palm reader alone")
    parser.add_argument("--split", choices=("dev", "held-out"), help="only these films")
    parser.add_argument("--data", type=Path, default=SHARED, help="the shared data folder")
    args = parser.parse_args()
    marks = load_marks(ROOT / "tests" / "data" / "joints" / "marks.json")
    groups: dict[str, Tally] = {}
    copies: dict[str, Tally] = {}
    palm, palm_read = Tally(), 0
    header = f"{'film':<16} {'set':<9} {'age':<6} {'marked':>6} {'found':>6} {'wrong':>6}"
    print(f"{header} {'side':>6} {'s':>6}")
    for film in marks:
        if args.split and film.split != args.split:
            continue
        path = args.data / film.file
        if not path.exists():
            print(f"{film.file}: missing, skipped")
            continue
        image = load_image(path)
        start = time.perf_counter()
        result = find_joints(image)
        seconds = time.perf_counter() - start
        score = Score()
        for key in ("all films", f"{film.split} films", f"{film.age}s"):
            score = groups.setdefault(key, Tally()).add(result, film, seconds)
        side = "-" if result.laterality is None else result.laterality
        if film.laterality is not None and result.laterality not in (None, film.laterality):
            side += "(!)"
        line = f"{Path(film.file).stem:<16} {film.split:<9} {film.age:<6} {score.marked:>6}"
        print(f"{line} {score.correct:>6} {score.wrong:>6} {side:>6} {seconds:>6.2f}")
        if args.palm:
            read = palm_only(image)
            palm.add(read, film, read.seconds)
            palm_read += bool(read.found())
        if args.robust:
            for name, copy, truth in transformed_copies(image.pixels, film, seed=len(film.file)):
                kind = name.split(" (")[0]
                t0 = time.perf_counter()
                moved = find_joints(copy)
                copies.setdefault(kind, Tally()).add(moved, truth, time.perf_counter() - t0)
                if args.palm:
                    read = palm_only(copy)
                    palm.add(read, truth, read.seconds)
                    palm_read += bool(read.found())
    print()
    head = f"{'set':<30} {'films':>5} {'marked':>6} {'found %':>7} {'wrong %':>7}"
    print(f"{head}   {'DIP found/wrong':>13}   {'RC found/wrong':>13}   side    s/film")
    for key in ("all films", "dev films", "held-out films", "adults", "childs"):
        if key in groups:
            print(groups[key].line(key.replace("childs", "children")))
    for key, tally in copies.items():
        print(tally.line(f"copies: {key}"))
    if args.palm:
        s = palm.scored
        read = s.correct + s.wrong
        print(
            f"palm reader alone: a hand read on {palm_read} of {s.films} films; "
            f"{read} sites read, {s.wrong} ({100 * s.wrong / max(read, 1):.1f} %) wrong"
        )
    print("targets (MCP1-5, IP1, PIP2-5): found ≥ 95 %, wrong ≤ 2 %, < 1 s per film")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
