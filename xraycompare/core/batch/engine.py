"""What every engine is and shares: the contract, its error, and lost pairs.

Engines (:mod:`.engines` chooses one) run the pairs: a local process pool (default), a
Dask cluster or a Ray cluster.

Every engine takes :class:`~xraycompare.core.batch.job.PairJob` values (paths and names,
never pixels), runs :func:`~xraycompare.core.batch.job.run_pair` on its workers, which
read the films from shared storage and write the pair's outputs themselves, and yields
each pair's record as it finishes. A pair whose worker dies (a decoder crash, the system
killing it for memory) is recorded here as ``failed`` with that reason, and the others go
on.

Dask and Ray are optional extras (``pip install 'xraycompare[dask]'`` or ``[ray]``),
imported only when chosen; a missing one raises :class:`EngineError` saying what to
install. With ``address`` they join a running cluster (a Dask scheduler address such as
``tcp://host:8786``, a Ray address such as ``ray://host:10001`` or ``auto``), whose
workers must have xraycompare installed and see the films and the output folder at the
same paths; without it they start a local cluster of ``workers`` processes and stop it
afterwards.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from typing import Protocol

from xraycompare.core.batch.job import SOFTWARE, PairJob, write_record
from xraycompare.core.batch.manifest import PairRecord, read_record
from xraycompare.core.registration.status import FAILED

LOST = "the worker process stopped while working on this pair (a crash, or not enough memory)"


class EngineError(RuntimeError):
    """The chosen engine cannot run here (its package is missing, or no cluster answers)."""


class Engine(Protocol):
    """Runs pair jobs somewhere; a context manager that starts and stops its workers."""

    name: str
    workers: int  # how many pairs run at once (known once started, for a remote cluster)
    remote: bool  # the workers are on a cluster elsewhere, not on this machine

    def __enter__(self) -> Engine: ...

    def __exit__(self, *exc: object) -> None: ...

    def run(self, jobs: Iterable[PairJob]) -> Iterator[tuple[PairJob, PairRecord]]:
        """Each job with its record, in the order they finish."""
        ...


def default_workers() -> int:
    """One worker per core this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


def recorded(job: PairJob) -> PairRecord | None:
    """The pair's record on disk, if it is finished with these films."""
    earlier = read_record(job.out_dir)
    return earlier if earlier is not None and earlier.inputs == job.inputs else None


def lost_pair(job: PairJob, reason: str = LOST) -> PairRecord:
    """The record of a pair whose worker never returned, written to its manifest here.

    A pair whose worker did finish and write its manifest before the loss keeps that
    record (it is finished, never redone).
    """
    earlier = recorded(job)
    if earlier is not None:
        return earlier
    record = PairRecord(job.pair_id, FAILED, reason, 0.0, job.inputs, software=SOFTWARE)
    return write_record(record, job.out_dir)


def window(workers: int) -> int:
    """How many jobs to keep submitted: enough to keep every worker busy, few enough that a
    stop or a lost worker wastes little."""
    return 2 * workers + 2
