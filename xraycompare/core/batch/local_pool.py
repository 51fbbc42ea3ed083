"""The local engine: a pool of spawned worker processes on this machine.

Spawned, not forked: a fork would copy the parent's threads and locks (and is unsafe with
the BLAS and OpenCV thread pools). Each worker ignores Ctrl-C (the batch stops it: pairs
being worked on finish and are recorded) and exits
when the batch process is gone, so a killed run leaves no workers behind.

A worker that dies takes the whole pool with it (:class:`BrokenProcessPool`), and with it
every pair then in flight. Those pairs are run again one at a time, each in a pool of its
own, so the one that kills its worker again is recorded as ``failed`` and the others
come out as usual; then the batch goes on with a new pool.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
from collections.abc import Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool

from xraycompare.core.batch.engine import lost_pair, recorded, window
from xraycompare.core.batch.job import PairJob, run_pair
from xraycompare.core.batch.manifest import PairRecord
from xraycompare.core.parent_watch import leave_with_parent


class LocalEngine:
    """Run pairs on ``workers`` spawned processes of this machine."""

    name = "local"
    remote = False

    def __init__(self, workers: int) -> None:
        self.workers = workers
        self._pool: ProcessPoolExecutor | None = None

    def __enter__(self) -> LocalEngine:
        self._pool = self._new_pool(self.workers)
        return self

    def __exit__(self, *exc: object) -> None:
        pool, self._pool = self._pool, None
        if pool is None:
            return
        try:
            # pairs in flight finish and write their records; queued ones are dropped
            pool.shutdown(wait=True, cancel_futures=True)
        except KeyboardInterrupt:
            _terminate(pool)  # Ctrl-C again: stop now; the next run redoes those pairs
            raise

    def _new_pool(self, workers: int) -> ProcessPoolExecutor:
        return ProcessPoolExecutor(
            max_workers=workers,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_start_worker,
            initargs=(os.getpid(),),
        )

    def run(self, jobs: Iterable[PairJob]) -> Iterator[tuple[PairJob, PairRecord]]:
        if self._pool is None:
            raise RuntimeError("use the engine in a with block")
        queue = iter(jobs)
        running: dict[Future, PairJob] = {}
        while True:
            while len(running) < window(self.workers):
                job = next(queue, None)
                if job is None:
                    break
                running[self._pool.submit(run_pair, job)] = job
            if not running:
                return
            done, _ = wait(running, return_when=FIRST_COMPLETED)
            lost: list[PairJob] = []
            for future in done:
                job = running.pop(future)
                try:
                    yield job, future.result()
                except BrokenProcessPool:
                    lost.append(job)
            if lost:
                # the pool is gone: every pair still in flight went with it
                lost.extend(running.values())
                running.clear()
                self._pool.shutdown(wait=True, cancel_futures=True)
                for job in lost:
                    yield job, self._alone(job)
                self._pool = self._new_pool(self.workers)

    def _alone(self, job: PairJob) -> PairRecord:
        """Run one pair in a pool of its own: a crash now is this pair's."""
        earlier = recorded(job)
        if earlier is not None:
            return earlier  # it was written just before the pool broke
        pool = self._new_pool(1)
        try:
            return pool.submit(run_pair, job).result()
        except BrokenProcessPool:
            return lost_pair(job)
        finally:
            pool.shutdown(wait=True, cancel_futures=True)


def _terminate(pool: ProcessPoolExecutor) -> None:
    stop = getattr(pool, "terminate_workers", None)  # Python 3.14
    if stop is not None:
        stop()
        return
    for process in list((getattr(pool, "_processes", None) or {}).values()):
        process.terminate()
    pool.shutdown(wait=False, cancel_futures=True)


def _start_worker(parent: int) -> None:
    """A worker's set-up: no Ctrl-C (the batch stops it), leave with the parent."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    leave_with_parent(parent)
