"""A batch from pairs file to summary: what is left to do, running it, the table.

:func:`plan_batch` reads every pair's manifest: a finished pair (its manifest and files
intact) is never done again and its files are not touched; the rest are to do.
:func:`run_batch` starts the engine only when something is left, hands it the jobs in
the file's order, reports progress after each pair, rewrites ``summary.csv`` now and
then (so a killed run leaves a useful one) and once at the end, however the run ends.
"""

from __future__ import annotations

import contextlib
import time
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from xraycompare.core.atomic import AtomicWriteError
from xraycompare.core.batch.engine import Engine, default_workers
from xraycompare.core.batch.job import PairJob
from xraycompare.core.batch.manifest import MANIFEST, PairRecord, read_record
from xraycompare.core.batch.pairs import PairSpec, PairTable
from xraycompare.core.batch.steps import Step
from xraycompare.core.batch.summary import write_summary
from xraycompare.core.registration.status import STATUSES
from xraycompare.core.types import Model

SUMMARY_EVERY = 30.0  # seconds between rewrites of summary.csv while a run goes on


@dataclass(frozen=True)
class BatchPlan:
    """The pairs to do (in file order), the records of those already finished, and notes
    for the user (a finished pair whose row now names other films)."""

    todo: tuple[PairSpec, ...]
    finished: Mapping[str, PairRecord]
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class BatchProgress:
    """Where a run is: pairs done of those to do in this run, by status, and the time."""

    done: int
    total: int
    finished_before: int
    counts: Mapping[str, int]
    elapsed: float
    last: PairRecord | None = None

    @property
    def eta(self) -> float | None:
        """Seconds left at this run's pace so far (None until a pair is done)."""
        if self.done == 0 or self.elapsed <= 0:
            return None
        return (self.total - self.done) * self.elapsed / self.done

    @property
    def pairs_per_minute(self) -> float | None:
        return 60.0 * self.done / self.elapsed if self.done and self.elapsed > 0 else None


@dataclass(frozen=True)
class BatchReport:
    """How a run ended: every pair's record (finished before or now), the notes, and the
    summary written."""

    records: Mapping[str, PairRecord]
    ran: int
    finished_before: int
    summary: Path
    notes: tuple[str, ...] = ()
    unrecorded: tuple[str, ...] = field(default=())

    @property
    def counts(self) -> dict[str, int]:
        found = Counter(r.status for r in self.records.values())
        return {s: found.get(s, 0) for s in STATUSES}


def plan_batch(table: PairTable, out_dir: Path, *, retry_failed: bool = False) -> BatchPlan:
    """Which pairs of ``table`` are finished in ``out_dir`` and which are left to do.

    With ``retry_failed``, a pair recorded ``failed`` is done again (its manifest is
    removed first, so a run stopped during the retry does it again too).
    """
    todo: list[PairSpec] = []
    finished: dict[str, PairRecord] = {}
    notes: list[str] = []
    for pair in table.pairs:
        pair_dir = Path(out_dir) / pair.pair_id
        record = read_record(pair_dir)
        if record is None:
            todo.append(pair)
            continue
        if retry_failed and record.failed:
            (pair_dir / MANIFEST).unlink(missing_ok=True)
            todo.append(pair)
            continue
        if record.inputs != pair.inputs:
            notes.append(
                f"row {pair.row}: pair {pair.pair_id} was finished with other films; its "
                f"outputs are kept as they are (remove the folder {pair.pair_id} to redo it)"
            )
        finished[pair.pair_id] = record
    return BatchPlan(tuple(todo), finished, tuple(notes))


def run_batch(
    table: PairTable,
    out_dir: str | Path,
    *,
    engine: Engine,
    steps: tuple[Step, ...],
    model: Model = "similarity",
    retry_failed: bool = False,
    on_progress: Callable[[BatchProgress], None] | None = None,
    on_stop: Callable[[], None] | None = None,
    summary_every: float = SUMMARY_EVERY,
) -> BatchReport:
    """Do every pair of ``table`` not yet finished in ``out_dir``; write ``summary.csv``.

    Parameters
    ----------
    table
        The pairs (see :func:`~xraycompare.core.batch.pairs.read_pairs`).
    out_dir
        An existing folder: each pair's outputs go to ``out_dir/<pair_id>/``.
    engine
        Where the pairs run (:func:`~xraycompare.core.batch.engines.open_engine`), not
        started yet: it is started only if a pair is left to do.
    steps
        The per-pair steps (:func:`~xraycompare.core.batch.steps.standard_steps`).
    model
        The registration's transform model.
    retry_failed
        Do pairs recorded ``failed`` again.
    on_progress
        Called after each pair, and once before the first.
    on_stop
        Called at once on Ctrl-C, before the engine finishes the pairs in flight.
    summary_every
        Seconds between rewrites of ``summary.csv`` during the run.

    Returns
    -------
    BatchReport

    Raises
    ------
    EngineError
        The engine cannot start, or its cluster was lost (pairs not done stay to do).
    AtomicWriteError
        ``summary.csv`` cannot be written (the pairs' own files are written regardless).
    KeyboardInterrupt
        After the pairs in flight were recorded and the summary written.
    """
    out_dir = Path(out_dir)
    plan = plan_batch(table, out_dir, retry_failed=retry_failed)
    records: dict[str, PairRecord] = dict(plan.finished)
    counts: Counter[str] = Counter()
    unrecorded: list[str] = []
    start = last_summary = time.monotonic()

    def report(record: PairRecord | None) -> None:
        if on_progress is not None:
            on_progress(
                BatchProgress(
                    done=sum(counts.values()),
                    total=len(plan.todo),
                    finished_before=len(plan.finished),
                    counts=dict(counts),
                    elapsed=time.monotonic() - start,
                    last=record,
                )
            )

    report(None)
    try:
        if plan.todo:
            with engine:
                try:
                    for _, record in engine.run(_jobs(plan.todo, out_dir, engine, steps, model)):
                        records[record.pair_id] = record
                        counts[record.status] += 1
                        if not record.recorded:
                            unrecorded.append(record.pair_id)
                        report(record)
                        if time.monotonic() - last_summary >= summary_every:
                            _try_summary(out_dir, table, records)
                            last_summary = time.monotonic()
                except KeyboardInterrupt:
                    if on_stop is not None:
                        on_stop()
                    raise
    finally:
        summary = write_summary(out_dir, table, records)
    return BatchReport(
        records=records,
        ran=sum(counts.values()),
        finished_before=len(plan.finished),
        summary=summary,
        notes=plan.notes,
        unrecorded=tuple(unrecorded),
    )


def _jobs(
    todo: tuple[PairSpec, ...], out_dir: Path, engine: Engine, steps: tuple[Step, ...], model
) -> Iterator[PairJob]:
    # On this machine each worker gets its share of the cores for OpenCV (no
    # oversubscription); a remote cluster's workers keep their own settings.
    threads = None if engine.remote else max(1, default_workers() // engine.workers)
    for pair in todo:
        yield PairJob(
            pair.pair_id,
            pair.before,
            pair.after,
            out_dir / pair.pair_id,
            steps,
            model=model,
            threads=threads,
            inputs=pair.inputs,
        )


def _try_summary(out_dir: Path, table: PairTable, records: Mapping[str, PairRecord]) -> None:
    """A summary in passing; failing here is not fatal (the final write says why)."""
    with contextlib.suppress(AtomicWriteError):
        write_summary(out_dir, table, records)
