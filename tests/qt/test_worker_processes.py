"""The decoding worker processes leave with the app: a killed app leaves no orphans."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

APP = """
import time
from xraycompare.qt import workers
workers.warm_process_pool()
pool = workers.process_pool()
while len(pool._processes) < workers.PROCESS_WORKERS:
    time.sleep(0.05)
print(*pool._processes, flush=True)
time.sleep(600)
"""


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().split()[2] != "Z"  # a zombie has exited
    except FileNotFoundError:
        return False


def test_workers_exit_when_the_app_is_killed():
    if not sys.platform.startswith("linux"):
        return
    app = subprocess.Popen([sys.executable, "-c", APP], stdout=subprocess.PIPE, text=True)
    try:
        workers = [int(pid) for pid in app.stdout.readline().split()]
        assert len(workers) == 2 and all(_alive(pid) for pid in workers)
    finally:
        os.kill(app.pid, signal.SIGKILL)  # no atexit, no pool shutdown
        app.wait()
    deadline = time.monotonic() + 20
    while any(_alive(pid) for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not any(_alive(pid) for pid in workers)


def test_workers_run_nicer_than_the_app_so_the_window_keeps_the_cpu():
    """Two busy workers at the app's priority slowed a repaint of the panes 4-5x on two cores."""
    import pytest

    from xraycompare.qt.workers import WORKER_NICENESS, in_process, result_of

    if not hasattr(os, "nice"):
        pytest.skip("no process priorities here")
    app = os.nice(0)
    workers = {result_of(in_process(os.nice, 0)) for _ in range(4)}
    assert workers == {min(19, app + WORKER_NICENESS)}  # every worker, capped at 19
    assert os.nice(0) == app  # the app's own priority is untouched


def _report_and_wait(seconds: float, *, progress, should_stop) -> int:
    """A job for a worker process: reports, waits (stopping when asked), names its process."""
    from xraycompare.core.progress import Cancelled

    progress(0.5, "half way")
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if should_stop():
            raise Cancelled("stopped")
        time.sleep(0.01)
    return os.getpid()


def test_a_reporting_job_runs_in_a_worker_relays_progress_and_stops_when_asked():
    """How the app registers films: the work's memory and GIL are a worker's, not the app's."""
    import pytest

    from xraycompare.core.progress import Cancelled
    from xraycompare.qt.workers import in_process_reporting

    heard: list[tuple[float, str]] = []
    pid = in_process_reporting(
        _report_and_wait, 0.3, progress=lambda f, m: heard.append((f, m)), should_stop=bool
    )
    assert pid != os.getpid() and heard == [(0.5, "half way")]
    asked = iter([False, False, True])
    with pytest.raises(Cancelled):
        in_process_reporting(
            _report_and_wait,
            30.0,
            progress=lambda f, m: None,
            should_stop=lambda: next(asked, True),
        )


_KEPT: list[bytearray] = []


def _resident_mb() -> int:
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) // 1024 for line in status if line.startswith("VmRSS"))


def _fragment_the_heap() -> None:
    chunks = [bytearray(50_000) for _ in range(2000)]  # ~100 MB below the mmap threshold
    _KEPT.append(bytearray(60_000))  # a live block above them: the heap's top stays in use
    del chunks


def test_a_worker_gives_back_what_a_job_freed():
    """A registration's peak (~250 MB) stayed in its worker for the session."""
    import pytest

    from xraycompare.qt.workers import _then_release

    if not sys.platform.startswith("linux"):
        pytest.skip("glibc only")
    before = _resident_mb()
    _then_release(_fragment_the_heap)  # what every worker job runs through
    assert _resident_mb() - before < 30  # without the release: ~95 MB kept
