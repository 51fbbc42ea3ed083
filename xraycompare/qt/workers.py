"""Heavy work off the UI thread: a job channel where the newest request wins.

Core functions are pure and accept ``progress`` and ``should_stop`` callbacks; a
:class:`JobRunner` runs them on the global QThreadPool (OpenCV and the decoders release
the GIL) and delivers results to GUI-thread slots. Submitting again cancels the previous
job of the same runner and its late result is dropped; errors always reach a slot.

Each job may carry its own completion callbacks (``on_done(result)``, ``on_error(exc,
traceback_text)``), so a caller says what a result means where it submits the job instead of
remembering what it asked for; the runner's ``finished`` and ``failed`` signals fire too.

Some decoders hold the GIL for a second or more (JPEG 2000 in pylibjpeg-openjpeg), which a
thread cannot hide: the window would stop answering. Such work goes to a worker *process*
(:func:`in_process`), kept warm for the whole session; the pool thread only waits for it.
A long job that reports progress and can be stopped (a registration) runs there through
:func:`in_process_reporting`, which keeps its memory and its GIL out of the app too.
"""

from __future__ import annotations

import atexit
import contextlib
import inspect
import itertools
import multiprocessing
import os
import queue
import threading
import traceback
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

from xraycompare.core.allocator import release_free_memory
from xraycompare.core.parent_watch import leave_with_parent

PROCESS_WORKERS = 2  # both films of a pair decode at once (a machine has two cores or more)
# Worker processes run this much nicer than the app: on two cores, two busy workers at the
# app's own priority made a repaint of the panes take 70-95 ms instead of ~17 ms (measured,
# demo pair); ten steps nicer it stayed at ~17 ms. An idle machine runs them as fast.
WORKER_NICENESS = 10
STOPPED_SLOTS = 16  # the latest jobs asked to stop, as a worker process sees them
_pool: ProcessPoolExecutor | None = None
_pool_lock = threading.Lock()
# Shared with the worker processes, made with the pool: (job, fraction, message) reports of
# jobs run by in_process_reporting, and the ids of those asked to stop.
_reports: Any = None
_stopped: Any = None
_listeners: dict[int, Callable[[float, str], None]] = {}
_listeners_lock = threading.Lock()
_job_ids = itertools.count(1)


def _warm_up() -> None:
    """Import the decoders once per worker process, before the first film needs them."""
    import xraycompare.core.io.loading  # noqa: F401


def _start_worker(parent: int, reports: Any, stopped: Any) -> None:
    """A worker's set-up: leave with the app (a killed app leaves no orphans), yield the CPU
    to the app's window, warm up."""
    global _reports, _stopped
    _reports, _stopped = reports, stopped
    leave_with_parent(parent)
    with contextlib.suppress(AttributeError, OSError):  # no os.nice on Windows
        os.nice(WORKER_NICENESS)
    _warm_up()


def process_pool() -> ProcessPoolExecutor:
    """The session's worker processes (started on first use, stopped at exit).

    "spawn", never "fork": a forked copy of a process running Qt and thread pools can
    deadlock on a lock some thread held at the moment of the fork.
    """
    global _pool, _reports, _stopped
    with _pool_lock:
        if _pool is None:
            context = multiprocessing.get_context("spawn")
            _reports, _stopped = context.Queue(), context.Array("q", STOPPED_SLOTS)
            _pool = ProcessPoolExecutor(
                PROCESS_WORKERS,
                mp_context=context,
                initializer=_start_worker,
                initargs=(os.getpid(), _reports, _stopped),
            )
            atexit.register(_pool.shutdown, wait=False, cancel_futures=True)
        return _pool


def warm_process_pool() -> None:
    """Start the worker processes now (in the background), so the first film loads fast."""
    pool = process_pool()
    for _ in range(PROCESS_WORKERS):
        pool.submit(_warm_up)


def in_process(fn: Callable[..., Any], *args: Any) -> Future:
    """Run a picklable ``fn(*args)`` in a worker process; wait with ``future.result()``.

    A worker that died (a decoder crashing on a corrupt file takes its process with it,
    not the app) leaves the pool broken: a new one is started for the next job.
    ``future.result()`` of the job that crashed raises ``BrokenProcessPool``.
    """
    try:
        return process_pool().submit(_then_release, fn, *args)
    except BrokenProcessPool:
        _restart_pool()
        return process_pool().submit(_then_release, fn, *args)


def _then_release(fn: Callable[..., Any], *args: Any) -> Any:
    """Run a job in a worker, then give the memory it freed back to the system."""
    try:
        return fn(*args)
    finally:
        release_free_memory()


def in_process_reporting(
    fn: Callable[..., Any],
    *args: Any,
    progress: Callable[[float, str], None],
    should_stop: Callable[[], bool],
    **kwargs: Any,
) -> Any:
    """``fn(*args, progress=..., should_stop=..., **kwargs)`` in a worker process, waited for
    here (a pool thread): its progress is relayed to ``progress`` and ``should_stop()`` is
    passed on to it. Its memory and its GIL are the worker's, not the app's.
    """
    job = next(_job_ids)
    with _listeners_lock:
        _listeners[job] = progress
    try:
        future = in_process(_reporting, job, fn, args, kwargs)
        asked_to_stop = False
        while True:
            try:
                return result_of_within(future, 0.05)
            except TimeoutError:
                _relay_reports()
                if not asked_to_stop and should_stop():
                    asked_to_stop = True
                    with _stopped.get_lock():
                        _stopped[job % STOPPED_SLOTS] = job
    finally:
        with _listeners_lock:
            del _listeners[job]


def _reporting(job: int, fn: Callable[..., Any], args: tuple, kwargs: dict) -> Any:
    """The worker half of :func:`in_process_reporting`."""

    def progress(fraction: float, message: str = "") -> None:
        _reports.put((job, float(fraction), message))

    def should_stop() -> bool:
        return _stopped[job % STOPPED_SLOTS] == job

    return fn(*args, progress=progress, should_stop=should_stop, **kwargs)


def _relay_reports() -> None:
    """Hand the reports that arrived to the jobs' listeners (whichever pool thread drains)."""
    while True:
        try:
            job, fraction, message = _reports.get_nowait()
        except (queue.Empty, OSError, ValueError):
            return
        with _listeners_lock:
            listener = _listeners.get(job)
        if listener is not None:
            listener(fraction, message)


def _restart_pool() -> None:
    global _pool
    with _pool_lock:
        old, _pool = _pool, None
    if old is not None:
        old.shutdown(wait=False, cancel_futures=True)


def result_of(future: Future) -> Any:
    """The job's result; a crashed worker process becomes :class:`WorkerCrashError`."""
    return result_of_within(future, None)


def result_of_within(future: Future, seconds: float | None) -> Any:
    """:func:`result_of`, raising ``TimeoutError`` when not done within ``seconds``."""
    try:
        return future.result(seconds)
    except BrokenProcessPool as exc:
        _restart_pool()
        raise WorkerCrashError from exc


class WorkerCrashError(RuntimeError):
    """The worker process died while doing the job (a native crash, or killed)."""


_tokens = itertools.count(1)
Done = Callable[[Any], None]
Failed = Callable[[BaseException, str], None]


class _Relay(QObject):
    """Carries a job's outcome from the pool thread to the GUI thread (queued signals)."""

    finished = Signal(int, object)
    failed = Signal(int, object, str)
    progressed = Signal(int, float, str)


class _Job(QRunnable):
    def __init__(
        self,
        token: int,
        fn: Callable[..., Any],
        relay: _Relay,
        stop: threading.Event,
        args: tuple,
        kwargs: dict,
    ) -> None:
        super().__init__()
        self.setAutoDelete(True)
        self.token, self.fn, self.relay, self.stop = token, fn, relay, stop
        self.args, self.kwargs = args, kwargs

    def run(self) -> None:
        kwargs = dict(self.kwargs)
        params = _parameters(self.fn)
        if "should_stop" in params:
            kwargs["should_stop"] = self.stop.is_set
        if "progress" in params:
            kwargs["progress"] = lambda f, m="": self._deliver(
                self.relay.progressed, self.token, float(f), m
            )
        try:
            result = self.fn(*self.args, **kwargs)
        except BaseException as exc:  # every failure must reach the user
            self._deliver(self.relay.failed, self.token, exc, traceback.format_exc())
            return
        self._deliver(self.relay.finished, self.token, result)

    @staticmethod
    def _deliver(signal, *args: object) -> None:
        # RuntimeError: the window that asked was closed meanwhile; nobody is left to tell.
        with contextlib.suppress(RuntimeError):
            signal.emit(*args)


def _parameters(fn: Callable[..., Any]) -> set[str]:
    try:
        return set(inspect.signature(fn).parameters)
    except (TypeError, ValueError):
        return set()


class JobRunner(QObject):
    """One kind of background job (loading, registration, ...): newest request wins."""

    finished = Signal(object)  # result
    failed = Signal(object, str)  # exception, traceback text
    progressed = Signal(float, str)  # fraction 0..1, message
    busy_changed = Signal(bool)

    def __init__(self, parent: QObject | None = None, *, pool: QThreadPool | None = None) -> None:
        super().__init__(parent)
        self._pool = pool or QThreadPool.globalInstance()
        self._relay = _Relay()
        self._relay.finished.connect(self._on_finished)
        self._relay.failed.connect(self._on_failed)
        self._relay.progressed.connect(self._on_progressed)
        self._current = 0
        self._stop: threading.Event | None = None
        self._on_done: Done | None = None
        self._on_error: Failed | None = None

    @property
    def busy(self) -> bool:
        return self._current != 0

    def submit(
        self,
        fn: Callable[..., Any],
        *args: Any,
        on_done: Done | None = None,
        on_error: Failed | None = None,
        **kwargs: Any,
    ) -> int:
        """Run ``fn(*args, **kwargs)`` in the pool, cancelling the previous job.

        ``on_done(result)`` or ``on_error(exception, traceback_text)`` is called on the GUI
        thread when this job (and no later one) ends.
        """
        self.cancel()
        token = next(_tokens)
        self._current = token
        self._on_done, self._on_error = on_done, on_error
        self._stop = threading.Event()
        self._pool.start(_Job(token, fn, self._relay, self._stop, args, kwargs))
        self.busy_changed.emit(True)
        return token

    def cancel(self) -> None:
        """Ask the running job to stop; its result, if any, is dropped."""
        if self._stop is not None:
            self._stop.set()
        was_busy = self._current != 0
        self._current = 0
        self._on_done = self._on_error = None
        if was_busy:
            self.busy_changed.emit(False)

    def wait(self, msecs: int = 5000) -> bool:
        """Block until the pool is idle (used when closing the window)."""
        return self._pool.waitForDone(msecs)

    def _on_finished(self, token: int, result: object) -> None:
        if token == self._current:
            done = self._end()
            if done[0] is not None:
                done[0](result)
            self.finished.emit(result)

    def _on_failed(self, token: int, exc: object, text: str) -> None:
        if token == self._current:
            done = self._end()
            if done[1] is not None:
                done[1](exc, text)
            self.failed.emit(exc, text)

    def _end(self) -> tuple[Done | None, Failed | None]:
        callbacks = (self._on_done, self._on_error)
        self._current = 0
        self._on_done = self._on_error = None
        self.busy_changed.emit(False)
        return callbacks

    def _on_progressed(self, token: int, fraction: float, message: str) -> None:
        if token == self._current:
            self.progressed.emit(fraction, message)
