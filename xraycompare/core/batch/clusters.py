"""The Dask and Ray engines: the same pair jobs on a cluster (or a local one for a trial).

Both submit :func:`~xraycompare.core.batch.job.run_pair` with a job of paths and names and
keep a few more jobs submitted than there are workers, so a stop wastes little. A job
whose worker dies is tried once more (Dask's ``allowed-failures``, Ray's ``max_retries``,
as the local pool does), then recorded ``failed``. Losing the cluster itself (the
scheduler gone, a connection dropped) is not the pairs' fault: the run stops with
:class:`~xraycompare.core.batch.engines.EngineError` and the pairs not done stay to
do for the next run.
"""

from __future__ import annotations

import importlib
import logging
import uuid
from collections.abc import Callable, Iterable, Iterator
from types import ModuleType
from typing import Any

from xraycompare.core.batch.engine import EngineError, lost_pair, window
from xraycompare.core.batch.job import PairJob, run_pair
from xraycompare.core.batch.manifest import PairRecord

RETRIES = 1  # a pair whose worker dies is tried once more before it is recorded failed


def _import(module: str, extra: str) -> ModuleType:
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise EngineError(
            f"the {extra} engine needs {module}, which is not installed here: "
            f"pip install 'xraycompare[{extra}]' ({exc})"
        ) from exc


def _windowed(
    jobs: Iterable[PairJob],
    size: int,
    submit: Callable[[PairJob], Any],
    next_done: Callable[[], Any],
    result: Callable[[Any, PairJob], PairRecord],
    pending: dict[Any, PairJob],
) -> Iterator[tuple[PairJob, PairRecord]]:
    """Keep ``size`` jobs submitted; yield each with its record as it finishes."""
    queue = iter(jobs)

    def top_up() -> None:
        while len(pending) < size:
            job = next(queue, None)
            if job is None:
                return
            pending[submit(job)] = job

    top_up()
    while pending:
        handle = next_done()
        job = pending.pop(handle)
        yield job, result(handle, job)
        top_up()


class DaskEngine:
    """Run pairs on a Dask cluster: ``address`` of a scheduler, or a LocalCluster."""

    name = "dask"

    def __init__(self, workers: int, *, address: str | None = None, workers_given: bool = True):
        self._dask = _import("dask", "dask")
        self._distributed = _import("dask.distributed", "dask")
        self.workers = workers
        self.address = address
        self._workers_given = workers_given
        self._client: Any = None
        self._cluster: Any = None

    @property
    def remote(self) -> bool:
        return self.address is not None

    def __enter__(self) -> DaskEngine:
        dask, distributed = self._dask, self._distributed
        try:
            if self.address:
                self._client = distributed.Client(self.address, timeout="30s")
                if not self._workers_given:
                    threads = self._client.nthreads()
                    self.workers = max(1, sum(threads.values()))
            else:
                with dask.config.set({"distributed.scheduler.allowed-failures": RETRIES}):
                    self._cluster = distributed.LocalCluster(
                        n_workers=self.workers,
                        threads_per_worker=1,
                        processes=True,
                        dashboard_address=None,
                        silence_logs=logging.ERROR,
                    )
                self._client = distributed.Client(self._cluster)
        except (OSError, TimeoutError) as exc:
            self.__exit__()
            where = f"at {self.address}" if self.address else "locally"
            raise EngineError(f"no Dask cluster could be reached {where} ({exc})") from exc
        return self

    def __exit__(self, *exc: object) -> None:
        for part in (self._client, self._cluster):
            if part is not None:
                part.close()
        self._client = self._cluster = None

    def run(self, jobs: Iterable[PairJob]) -> Iterator[tuple[PairJob, PairRecord]]:
        distributed = self._distributed
        client = self._client
        if client is None:
            raise RuntimeError("use the engine in a with block")
        done = distributed.as_completed()
        run = uuid.uuid4().hex[:8]

        def submit(job: PairJob) -> Any:
            future = client.submit(run_pair, job, pure=False, key=f"pair-{run}-{job.pair_id}")
            done.add(future)
            return future

        def result(future: Any, job: PairJob) -> PairRecord:
            try:
                return future.result()
            except distributed.KilledWorker:
                return lost_pair(job)
            except Exception as exc:
                if future.status == "error":  # the task itself raised: a bug, not the cluster
                    return lost_pair(job, f"the pair's task failed: {type(exc).__name__}")
                raise EngineError(f"the Dask cluster was lost ({exc})") from exc
            finally:
                future.release()

        yield from _windowed(jobs, window(self.workers), submit, lambda: next(done), result, {})


class RayEngine:
    """Run pairs on Ray: ``address`` of a cluster, or a local Ray started here."""

    name = "ray"

    def __init__(self, workers: int, *, address: str | None = None, workers_given: bool = True):
        self._ray = _import("ray", "ray")
        self.workers = workers
        self.address = address
        self._workers_given = workers_given
        self._started = False
        self._remote: Any = None

    @property
    def remote(self) -> bool:
        return self.address is not None

    def __enter__(self) -> RayEngine:
        ray = self._ray
        if not ray.is_initialized():
            quiet = {"log_to_driver": False, "logging_level": logging.WARNING}
            try:
                if self.address:
                    ray.init(address=self.address, **quiet)
                else:
                    ray.init(num_cpus=self.workers, include_dashboard=False, **quiet)
            except (ConnectionError, RuntimeError, ValueError) as exc:
                where = f"at {self.address}" if self.address else "locally"
                raise EngineError(f"Ray could not be started {where} ({exc})") from exc
            self._started = True
        if self.address and not self._workers_given:
            self.workers = max(1, int(ray.cluster_resources().get("CPU", 1)))
        self._remote = ray.remote(num_cpus=1, max_retries=RETRIES)(run_pair)
        return self

    def __exit__(self, *exc: object) -> None:
        if self._started:
            self._ray.shutdown()
            self._started = False

    def run(self, jobs: Iterable[PairJob]) -> Iterator[tuple[PairJob, PairRecord]]:
        ray = self._ray
        errors = importlib.import_module("ray.exceptions")
        if self._remote is None:
            raise RuntimeError("use the engine in a with block")
        pending: dict[Any, PairJob] = {}

        def next_done() -> Any:
            ready, _ = ray.wait(list(pending), num_returns=1)
            return ready[0]

        def result(ref: Any, job: PairJob) -> PairRecord:
            try:
                return ray.get(ref)
            except (errors.WorkerCrashedError, errors.OutOfMemoryError):
                return lost_pair(job)
            except errors.RayTaskError as exc:  # the task itself raised: a bug
                return lost_pair(job, f"the pair's task failed: {type(exc.cause).__name__}")
            except errors.RayError as exc:
                raise EngineError(f"the Ray cluster was lost ({exc})") from exc

        yield from _windowed(
            jobs, window(self.workers), self._remote.remote, next_done, result, pending
        )
