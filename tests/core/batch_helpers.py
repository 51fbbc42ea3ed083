"""Small films, pairs files and stand-ins shared by the batch tests.

Films are made from the small real hand in tests/data (367 x 448), so a pair takes a
fraction of a second; an in-process engine runs the orchestration without worker start-up.
"""

from __future__ import annotations

import csv
import os
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

import cv2
import numpy as np

from xraycompare.commands.batch import register_files
from xraycompare.core.batch.job import PairJob, run_pair
from xraycompare.core.batch.manifest import PairRecord
from xraycompare.core.batch.steps import PairWork, Step, standard_steps
from xraycompare.core.geometry import similarity
from xraycompare.core.synthetic import BoneChange, FollowupSpec, simulate_followup

from .conftest import TEST_DATA

STEPS = standard_steps(register_files=register_files)
CHANGE = BoneChange(x=193, y=250, radius=6, depth=-0.9)  # new bone on the 3rd metacarpal


def hand() -> np.ndarray:
    return cv2.imread(str(TEST_DATA / "cr_hand_small.png"), cv2.IMREAD_UNCHANGED)


def followup(*, angle: float = 6.0, gain: float = 1.1, change: bool = True) -> np.ndarray:
    """The small hand turned, re-exposed and (optionally) with new bone at :data:`CHANGE`."""
    truth = np.asarray(similarity(angle_deg=angle, center=(183, 223), tx=5, ty=-4))
    spec = FollowupSpec(matrix=truth, gain=gain, changes=(CHANGE,) if change else ())
    return simulate_followup(hand(), spec)


def write_films(folder: Path) -> dict[str, Path]:
    """Films for every outcome: ``before``, ``after`` (ok), ``mirrored`` (poor), ``noise``
    (failed alignment), ``broken`` (not an image)."""
    folder.mkdir(parents=True, exist_ok=True)
    after = followup()
    films = {
        "before": hand(),
        "after": after,
        "mirrored": cv2.flip(after, 1),
        "noise": (np.random.default_rng(0).random(after.shape) * 255).astype(np.uint8),
    }
    paths = {}
    for name, pixels in films.items():
        paths[name] = folder / f"{name}.png"
        cv2.imwrite(str(paths[name]), pixels)
    paths["broken"] = folder / "broken.png"
    paths["broken"].write_bytes(b"\x89PNG\r\n\x1a\n not really a PNG")
    return paths


def write_pairs(path: Path, rows: Sequence[Sequence[str]], header=("pair_id", "before", "after")):
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def read_summary(out: Path) -> list[dict[str, str]]:
    with open(out / "summary.csv", newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def file_stamps(folder: Path) -> dict[str, tuple[int, int]]:
    """Each file's (inode, modification time in ns): a rewrite changes one of them."""
    return {
        str(p.relative_to(folder)): (p.stat().st_ino, p.stat().st_mtime_ns)
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


class SerialEngine:
    """Runs the jobs one after the other in this process (orchestration tests)."""

    name = "serial"
    remote = True  # leave OpenCV's threads alone in the test process

    def __init__(self) -> None:
        self.workers = 1
        self.ran: list[str] = []

    def __enter__(self) -> SerialEngine:
        return self

    def __exit__(self, *exc: object) -> None:
        pass

    def run(self, jobs: Iterable[PairJob]) -> Iterator[tuple[PairJob, PairRecord]]:
        for job in jobs:
            self.ran.append(job.pair_id)
            yield job, run_pair(job)


def crash_step(work: PairWork, *, pair_id: str) -> None:
    """Kill the worker process for one pair, as a decoder crash would."""
    if work.pair_id == pair_id:
        os._exit(70)


def raise_step(work: PairWork) -> None:
    raise ZeroDivisionError("a bug in a step")


def steps_with(step: Step) -> tuple[Step, ...]:
    """The standard steps with ``step`` first."""
    return (step, *STEPS)
