"""Joint localisation on real hand films with hand-marked joints (issue 14's targets).

Prints, per film and in total (all films, the films used while developing, the held-out
ones): the share of the marked MCP1–5, IP1 and PIP2–5 found within a fifth of the film's
MCP3–PIP3 distance (target ≥ 95 %), the share reported farther away (target ≤ 2 %), and
the seconds per film (target < 1 s). ``--robust`` also runs transformed copies (rotations,
mirror, gamma, an added marker) of each film and scores them the same way.

Needs ../shared/data (the films) and tests/data/joints/marks.json (the marks).
Run: nice -n 10 .venv/bin/python benchmarks/bench_joints.py [--robust]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


from xraycompare.core.io.loading import load_image
from xraycompare.core.joints import SCORED_SITES, find_joints
from xraycompare.core.joints.evaluation import (
    Score,
    load_marks,
    score_film,
    transformed_copies,
)

SHARED = ROOT.parent / "shared" / "data"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--robust", action="store_true", help="also score transformed copies")
    parser.add_argument("--data", type=Path, default=SHARED, help="the shared data folder")
    args = parser.parse_args()
    marks = load_marks(ROOT / "tests" / "data" / "joints" / "marks.json")
    totals: dict[str, Score] = {}
    print(f"{'film':<22} {'set':<9} {'age':<6} {'marked':>6} {'found':>6} {'wrong':>6} {'s':>6}")
    for film in marks:
        path = args.data / film.file
        if not path.exists():
            print(f"{film.file}: missing, skipped")
            continue
        image = load_image(path)
        start = time.perf_counter()
        result = find_joints(image)
        seconds = time.perf_counter() - start
        score = score_film(result, film, SCORED_SITES)
        line = f"{Path(film.file).name:<22} {film.split:<9} {film.age:<6} {score.marked:>6}"
        print(f"{line} {score.correct:>6} {score.wrong:>6} {seconds:>6.2f}")
        for key in ("all", film.split, film.age):
            totals[key] = totals.get(key, Score()) + score.with_seconds(seconds)
        if args.robust:
            for name, copy, truth in transformed_copies(image.pixels, film, seed=len(film.file)):
                s = score_film(find_joints(copy), truth, SCORED_SITES)
                totals[f"robust: {name}"] = totals.get(f"robust: {name}", Score()) + s
    print()
    print(f"{'set':<28} {'films':>5} {'marked':>6} {'found %':>8} {'wrong %':>8} {'s/film':>7}")
    for key, s in totals.items():
        print(
            f"{key:<28} {s.films:>5} {s.marked:>6} {100 * s.found_share:>8.1f} "
            f"{100 * s.wrong_share:>8.1f} {s.seconds_per_film:>7.2f}"
        )
    print("targets: found ≥ 95 %, wrong ≤ 2 %, < 1 s per film")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
