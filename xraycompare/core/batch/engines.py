"""Choosing where the pairs run: :func:`open_engine` by name (``local``, ``dask``, ``ray``).

The local pool lives in :mod:`.local_pool`, Dask and Ray in :mod:`.clusters` (imported only
when chosen, with a clear error when their package is missing); what they share is in
:mod:`.engine`.
"""

from __future__ import annotations

from xraycompare.core.batch.engine import Engine, EngineError, default_workers
from xraycompare.core.types import BATCH_ENGINES, BatchEngine


def open_engine(
    name: BatchEngine, *, workers: int | None = None, address: str | None = None
) -> Engine:
    """The engine called ``name`` (not started yet: use it in a ``with`` block).

    Raises
    ------
    EngineError
        Dask or Ray is not installed, or ``address`` is given for the local engine.
    ValueError
        Unknown engine, or fewer than one worker.
    """
    if name not in BATCH_ENGINES:
        raise ValueError(f"unknown engine {name!r} (choose {', '.join(BATCH_ENGINES)})")
    if workers is not None and workers < 1:
        raise ValueError(f"--workers must be at least 1, got {workers}")
    count = workers or default_workers()
    if name == "local":
        if address:
            raise EngineError("--address is for the dask and ray engines")
        from xraycompare.core.batch.local_pool import LocalEngine

        return LocalEngine(count)
    from xraycompare.core.batch.clusters import DaskEngine, RayEngine

    engine = DaskEngine if name == "dask" else RayEngine
    return engine(count, address=address or None, workers_given=workers is not None)
