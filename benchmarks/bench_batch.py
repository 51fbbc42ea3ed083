"""Cohort batch throughput: pairs per minute on the local pool, Dask and Ray, and scaling.

    nice -n 10 python benchmarks/bench_batch.py [--pairs 200] [--scaling-pairs 40]
        [--engines local,dask,ray] [--workers 2] [--films 40] [--seed 0]

Pairs are made from the real hands in ../shared/data (the CR hand DICOM and the large
FracAtlas films, CC BY 4.0, Abedeen et al. 2023): the before film is the real file as it
is (DICOM or JPEG, read by the workers), the after film a synthetic follow-up with a
known similarity transform (turned up to 10 degrees, 0.95-1.05 magnification, shifted),
an exposure change (gain and gamma) and noise, written as PNG. ``--films`` distinct
follow-ups are made and the pairs cycle over them (every pair is its own job with its own
outputs; the films only repeat on disk).

Each engine runs every pair with ``--workers`` workers through the same code as
``xraycompare batch`` (``run_batch`` with the command's steps), into a fresh folder that
is deleted afterwards. Printed per engine: wall time including start-up, pairs per minute
overall and in the steady state (first to last pair finished), seconds per pair, statuses
and the registration error against the known transform (mean distance at points over the
middle of the film, before pixels). Then each engine again with one worker on the first
``--scaling-pairs`` pairs: the gain of the second worker as a share of one worker's
throughput (1.0 would be perfect scaling; this machine has two cores shared with others,
so expect less, and compare within one run).
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from xraycompare.commands.batch import register_files
from xraycompare.core.atomic import write_atomic
from xraycompare.core.batch.engine import EngineError
from xraycompare.core.batch.engines import open_engine
from xraycompare.core.batch.pairs import read_pairs
from xraycompare.core.batch.run import BatchProgress, run_batch
from xraycompare.core.batch.steps import standard_steps
from xraycompare.core.geometry import similarity, transform_points
from xraycompare.core.io.loading import load_image
from xraycompare.core.io.raster import encode_png
from xraycompare.core.synthetic import FollowupSpec, simulate_followup

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"
CR_HAND = SHARED / "dicom" / "pylibjpeg-data" / "cr_right_hand_pa.dcm"
FRACATLAS = SHARED / "fracatlas" / "images"


def parse_args(argv=None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--pairs", type=int, default=200, help="pairs per engine (default 200)")
    p.add_argument("--scaling-pairs", type=int, default=40, help="pairs for the 1-worker runs")
    p.add_argument("--engines", default="local,dask,ray")
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--films", type=int, default=40, help="distinct follow-up films made")
    p.add_argument("--seed", type=int, default=0)
    return p.parse_args(argv)


def sources() -> list[Path]:
    """The real hand films: the CR DICOM and the large FracAtlas JPEGs."""
    found = [CR_HAND] if CR_HAND.exists() else []
    for path in sorted(FRACATLAS.glob("*.jpg")):
        if path.stat().st_size > 200_000:  # the two small films are a same-hand pair
            found.append(path)
    return found


@dataclass(frozen=True)
class Followup:
    before: Path
    after: Path
    truth: np.ndarray  # after -> before
    shape: tuple[int, int]  # the after film's (H, W)


def make_followups(folder: Path, count: int, rng: np.random.Generator) -> list[Followup]:
    films = sources()
    made = []
    for i in range(count):
        source = films[i % len(films)]
        pixels = load_image(source).pixels
        h, w = pixels.shape
        truth = np.asarray(
            similarity(
                angle_deg=rng.uniform(-10, 10),
                scale=rng.uniform(0.95, 1.05),
                center=((w - 1) / 2, (h - 1) / 2),
                tx=rng.uniform(-40, 40),
                ty=rng.uniform(-40, 40),
            )
        )
        spec = FollowupSpec(
            matrix=truth,
            gain=rng.uniform(0.85, 1.15),
            gamma=rng.uniform(0.8, 1.25),
            noise_sd=0.005,
            seed=i,
        )
        after = folder / f"followup_{i:03d}.png"
        write_atomic(after, encode_png(simulate_followup(np.asarray(pixels), spec)))
        made.append(Followup(source, after, truth, (h, w)))
    return made


def write_pairs(path: Path, followups: list[Followup], count: int) -> None:
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["pair_id", "before", "after", "followup"])
    for i in range(count):
        f = followups[i % len(followups)]
        writer.writerow([f"B{i:04d}", f.before, f.after.name, f.after.stem])
    write_atomic(path, out.getvalue().encode("utf-8"))


def registration_error(out: Path, pair_id: str, followup: Followup) -> float | None:
    """Mean distance (before pixels) between the found and the true map over the film's
    middle (the hand), or None when nothing was registered."""
    path = out / pair_id / "registration.json"
    if not path.exists():
        return None
    found = np.array(json.loads(path.read_text())["matrix"])
    h, w = followup.shape
    xs, ys = np.meshgrid(np.linspace(0.25 * w, 0.75 * w, 5), np.linspace(0.25 * h, 0.75 * h, 5))
    points = np.column_stack([xs.ravel(), ys.ravel()])
    diff = transform_points(found, points) - transform_points(followup.truth, points)
    return float(np.linalg.norm(diff, axis=1).mean())


@dataclass(frozen=True)
class Result:
    engine: str
    workers: int
    pairs: int
    wall: float
    first: float  # seconds from the start to the first pair finished
    last: float
    counts: dict[str, int]
    errors: list[float]

    @property
    def per_minute(self) -> float:
        return 60.0 * self.pairs / self.wall

    @property
    def steady_per_minute(self) -> float:
        span = self.last - self.first
        return 60.0 * (self.pairs - 1) / span if span > 0 and self.pairs > 1 else float("nan")


def run_engine(
    name: str, workers: int, csv_path: Path, work: Path, followups: list[Followup]
) -> Result | None:
    out = work / f"out-{name}-{workers}"
    out.mkdir()
    times: list[float] = []
    steps = standard_steps(register_files=register_files)
    try:
        engine = open_engine(name, workers=workers)
        start = time.monotonic()

        def seen(p: BatchProgress) -> None:
            if p.last is not None:
                times.append(time.monotonic() - start)

        report = run_batch(read_pairs(csv_path), out, engine=engine, steps=steps, on_progress=seen)
        wall = time.monotonic() - start
    except EngineError as exc:
        print(f"  {name}: not run ({exc})")
        return None
    errors = []
    for pair_id in report.records:
        index = int(pair_id[1:])  # B0007 is the 8th row, made from follow-up 7 % films
        e = registration_error(out, pair_id, followups[index % len(followups)])
        if e is not None:
            errors.append(e)
    shutil.rmtree(out)
    return Result(
        name, workers, len(report.records), wall, times[0], times[-1], report.counts, errors
    )


def show(r: Result) -> None:
    e = np.array(r.errors) if r.errors else np.array([np.nan])
    print(
        f"  {r.engine:5s} {r.workers} workers  {r.pairs:4d} pairs  wall {r.wall:7.1f} s  "
        f"{r.per_minute:6.1f} pairs/min (steady {r.steady_per_minute:6.1f})  "
        f"{r.wall * r.workers / r.pairs:5.2f} worker-s/pair  "
        f"ok {r.counts['ok']} poor {r.counts['poor']} failed {r.counts['failed']}  "
        f"error median {np.median(e):.2f} px, <2 px {np.mean(e < 2):.0%}"
    )


def main(argv=None) -> int:
    args = parse_args(argv)
    if not sources():
        print("../shared/data is not here: nothing to benchmark")
        return 0
    if args.workers < 2:
        print("--workers must be at least 2 to estimate the scaling")
        return 2
    rng = np.random.default_rng(args.seed)
    engines = [e.strip() for e in args.engines.split(",") if e.strip()]
    with tempfile.TemporaryDirectory(prefix="bench_batch_") as tmp:
        work = Path(tmp)
        t = time.monotonic()
        followups = make_followups(work, min(args.films, args.pairs), rng)
        print(
            f"{len(followups)} follow-up films from {len(sources())} real hands "
            f"in {time.monotonic() - t:.0f} s"
        )
        csv_path, small_csv = work / "pairs.csv", work / "pairs_small.csv"
        write_pairs(csv_path, followups, args.pairs)
        write_pairs(small_csv, followups, min(args.scaling_pairs, args.pairs))
        print(f"\nThroughput, {args.pairs} pairs, {args.workers} workers:")
        main_runs = {}
        for name in engines:
            result = run_engine(name, args.workers, csv_path, work, followups)
            if result is not None:
                show(result)
                main_runs[name] = result
        print(f"\nScaling, {args.scaling_pairs} pairs: 1 worker against {args.workers}:")
        for name in main_runs:
            one = run_engine(name, 1, small_csv, work, followups)
            many = run_engine(name, args.workers, small_csv, work, followups)
            if one is None or many is None:
                continue
            show(one)
            show(many)
            gain = (many.steady_per_minute / one.steady_per_minute - 1) / (args.workers - 1)
            print(
                f"  {name}: each added worker adds {gain:.0%} of one worker's throughput "
                f"({one.steady_per_minute:.1f} -> {many.steady_per_minute:.1f} pairs/min, "
                "steady state)"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
