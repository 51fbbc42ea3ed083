"""Cohort batch throughput: pairs per minute on the local pool, Dask and Ray, and scaling.

    nice -n 10 python benchmarks/bench_batch.py [--pairs 200] [--scaling-pairs 50]
        [--rounds 5] [--engines local,dask,ray] [--workers 2] [--films 40] [--seed 0]

Pairs are made from the real hands in ../shared/data (the CR hand DICOM and the large
FracAtlas films, CC BY 4.0, Abedeen et al. 2023): the before film is the real file as it
is (DICOM or JPEG, read by the workers), the after film a synthetic follow-up with a
known similarity transform (turned up to 10 degrees, 0.95-1.05 magnification, shifted),
an exposure change (gain and gamma) and noise, written as PNG. ``--films`` distinct
follow-ups are made and the pairs cycle over them (every pair is its own job with its own
outputs; the films only repeat on disk).

Each engine runs the pairs with ``--workers`` workers, and ``--scaling-pairs`` of them
with one worker, through the same code as ``xraycompare batch`` (``run_batch`` with the
command's steps), into fresh folders deleted afterwards. The engines take turns in
``--rounds`` rounds (their order rotating), so the load others put on this shared machine
falls on each alike. Printed per engine and worker count: wall time including each
round's start-up, pairs per minute overall and in the steady state (in each round, from
the first pair of each worker to the last pair), statuses, and the registration error
against the known transform (mean distance at points over the middle of the film, before
pixels); then the gain of each added worker as a share of one worker's throughput
(100 % would be perfect scaling; two cores shared with others give less).
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
from dataclasses import dataclass, field
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
    p.add_argument("--scaling-pairs", type=int, default=50, help="pairs per engine with one worker")
    p.add_argument("--rounds", type=int, default=5, help="rounds the engines take turns in")
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


def write_pairs(path: Path, followups: list[Followup], first: int, count: int) -> None:
    """Pairs ``B<first>`` .. ``B<first + count - 1>``, cycling over the follow-ups."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["pair_id", "before", "after", "followup"])
    for i in range(first, first + count):
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


@dataclass
class Tally:
    """One engine at one worker count, added up over the rounds."""

    engine: str
    workers: int
    pairs: int = 0
    wall: float = 0.0  # including each round's start-up
    steady_pairs: int = 0  # pairs once every worker finished its first, and the time they took
    steady_span: float = 0.0
    counts: dict[str, int] = field(default_factory=lambda: {"ok": 0, "poor": 0, "failed": 0})
    errors: list[float] = field(default_factory=list)

    @property
    def per_minute(self) -> float:
        return 60.0 * self.pairs / self.wall if self.wall else float("nan")

    @property
    def steady_per_minute(self) -> float:
        return 60.0 * self.steady_pairs / self.steady_span if self.steady_span else float("nan")


def run_round(tally: Tally, csv_path: Path, work: Path, followups: list[Followup]) -> bool:
    """Run the pairs of ``csv_path`` on the tally's engine into a fresh folder, add them
    up, delete the folder; False when the engine is not available."""
    out = work / f"out-{tally.engine}-{tally.workers}"
    out.mkdir()
    times: list[float] = []
    steps = standard_steps(register_files=register_files)
    try:
        engine = open_engine(tally.engine, workers=tally.workers)
        start = time.monotonic()

        def seen(p: BatchProgress) -> None:
            if p.last is not None:
                times.append(time.monotonic() - start)

        report = run_batch(read_pairs(csv_path), out, engine=engine, steps=steps, on_progress=seen)
        tally.wall += time.monotonic() - start
    except EngineError as exc:
        print(f"  {tally.engine}: not run ({exc})")
        shutil.rmtree(out)
        return False
    tally.pairs += len(times)
    # steady state: from when every worker has finished its first pair to the last pair
    k = min(tally.workers, len(times) - 1)
    tally.steady_pairs += len(times) - 1 - (k - 1)
    tally.steady_span += times[-1] - times[k - 1]
    for status, n in report.counts.items():
        tally.counts[status] += n
    for pair_id in report.records:
        index = int(pair_id[1:])  # B0007 was made from follow-up 7 % films
        e = registration_error(out, pair_id, followups[index % len(followups)])
        if e is not None:
            tally.errors.append(e)
    shutil.rmtree(out)
    return True


def show(t: Tally) -> None:
    e = np.array(t.errors) if t.errors else np.array([np.nan])
    print(
        f"  {t.engine:5s} {t.workers} worker{'s' if t.workers > 1 else ' '}  {t.pairs:4d} pairs  "
        f"wall {t.wall:6.0f} s  {t.per_minute:5.1f} pairs/min (steady {t.steady_per_minute:5.1f})"
        f"  ok {t.counts['ok']} poor {t.counts['poor']} failed {t.counts['failed']}  "
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
    rounds = max(1, min(args.rounds, args.pairs))
    many = {name: Tally(name, args.workers) for name in engines}
    one = {name: Tally(name, 1) for name in engines}
    with tempfile.TemporaryDirectory(prefix="bench_batch_") as tmp:
        work = Path(tmp)
        t = time.monotonic()
        followups = make_followups(work, min(args.films, args.pairs), rng)
        print(
            f"{len(followups)} follow-up films from {len(sources())} real hands "
            f"in {time.monotonic() - t:.0f} s; {args.pairs} pairs per engine with "
            f"{args.workers} workers and {args.scaling_pairs} with one, in {rounds} rounds"
        )
        first = 0
        for r in range(rounds):
            size = args.pairs // rounds + (r < args.pairs % rounds)
            small = args.scaling_pairs // rounds + (r < args.scaling_pairs % rounds)
            write_pairs(work / "pairs.csv", followups, first, size)
            write_pairs(work / "pairs_one.csv", followups, first, small)
            first += size
            order = engines[r % len(engines) :] + engines[: r % len(engines)]
            for name in order:
                if not run_round(many[name], work / "pairs.csv", work, followups):
                    engines.remove(name)
                    continue
                if small >= 2:
                    run_round(one[name], work / "pairs_one.csv", work, followups)
            print(f"  round {r + 1}/{rounds} done ({time.monotonic() - t:.0f} s)")
    print(f"\nThroughput, {args.workers} workers:")
    for name in engines:
        show(many[name])
    print("\nScaling, 1 worker against " + f"{args.workers}:")
    for name in engines:
        show(one[name])
        gain = (many[name].steady_per_minute / one[name].steady_per_minute - 1) / (args.workers - 1)
        print(
            f"  {name}: each added worker adds {gain:.0%} of one worker's throughput "
            f"({one[name].steady_per_minute:.1f} -> {many[name].steady_per_minute:.1f} "
            "pairs/min, steady state)"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
