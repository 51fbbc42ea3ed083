"""One pair's job as a worker runs it: the steps, then every output and the manifest at once.

A :class:`PairJob` holds paths and names only (the scheduler never ships pixels); the
worker reads the films itself. :func:`run_pair` never raises for a bad pair: whatever
goes wrong becomes a ``failed`` record with the reason, written to the pair's manifest,
so the batch goes on. The outputs and the manifest are written together
(:func:`~xraycompare.core.atomic.write_atomic_many`, the manifest replaced last): a pair
killed half-way leaves no manifest and is done again by the next run.
"""

from __future__ import annotations

import contextlib
import os
import re
import time
from dataclasses import dataclass, replace
from pathlib import Path

import cv2

from xraycompare import __version__
from xraycompare.core.allocator import M_MMAP_THRESHOLD, M_TRIM_THRESHOLD, mallopt
from xraycompare.core.atomic import AtomicWriteError, write_atomic_many
from xraycompare.core.batch.manifest import MANIFEST, PairRecord, manifest_bytes, output_file
from xraycompare.core.batch.pairs import inputs_digest
from xraycompare.core.batch.steps import PairFailed, PairWork, Step
from xraycompare.core.registration.status import FAILED
from xraycompare.core.types import Model

SOFTWARE = f"xraycompare {__version__}"
# Dask's nanny starts workers with MALLOC_TRIM_THRESHOLD_=65536, which also turns off
# glibc's adaptive mmap threshold: every array above 128 kB is then a fresh mmap with its
# page faults, and a pair took 5.7 s instead of 3.0 s (measured, FracAtlas film). A pair's
# arrays are freed when it ends, so the worker keeps the usual thresholds instead.
MMAP_THRESHOLD = 32 * 1024 * 1024
TRIM_THRESHOLD = 64 * 1024 * 1024
_allocator_tuned = False


def tune_allocator() -> bool:
    """Undo a small ``MALLOC_TRIM_THRESHOLD_`` in this worker (Linux, once); True if done."""
    global _allocator_tuned
    if _allocator_tuned or "MALLOC_TRIM_THRESHOLD_" not in os.environ:
        return False
    _allocator_tuned = True
    return mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD) and mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD)


@dataclass(frozen=True)
class PairJob:
    """Everything a worker needs for one pair: its id, film paths, output folder, steps."""

    pair_id: str
    before: Path
    after: Path
    out_dir: Path
    steps: tuple[Step, ...]
    model: Model = "similarity"
    threads: int | None = None  # OpenCV threads in the worker (its share of the cores)
    inputs: str = ""  # the row's digest (PairSpec.inputs); from the paths when not given

    def __post_init__(self) -> None:
        if not self.inputs:
            object.__setattr__(self, "inputs", inputs_digest(str(self.before), str(self.after)))


def run_pair(job: PairJob) -> PairRecord:
    """Run a pair's steps and write its outputs and manifest; returns its record.

    Never raises for anything the pair's files or the registration cause: the record is
    ``failed`` with the reason (naming the step, never a file path). When even the
    outputs cannot be written (a full disk), the record says so with ``recorded=False``
    and nothing is left behind, so the next run does the pair again.
    """
    start = time.perf_counter()
    tune_allocator()
    if job.threads is not None:
        cv2.setNumThreads(job.threads)
    work = PairWork(job.pair_id, job.before, job.after, job.out_dir, job.model)
    for step in job.steps:
        try:
            step.run(work)
        except PairFailed as exc:
            work.status, work.reason = FAILED, exc.reason
        except MemoryError:
            work.status, work.reason = FAILED, f"{step.name}: not enough memory for these films"
        except Exception as exc:  # a bug or an unforeseen file: this pair fails, others go on
            work.status, work.reason = FAILED, f"{step.name} failed: {_words(exc)}"
        else:
            continue
        # a decoder's or library's message may quote a film's path, which may name the patient
        work.reason = scrub_paths(work.reason or "", (job.before, job.after))
        break
    record = PairRecord(
        pair_id=job.pair_id,
        status=work.status,
        reason=work.reason,
        seconds=0.0,
        inputs=job.inputs,
        quality=work.registration.quality.as_dict() if work.registration is not None else {},
        files=tuple(output_file(name, payload) for name, payload in work.outputs.items()),
        software=SOFTWARE,
    )
    return write_record(record, job.out_dir, work.outputs, start=start)


def write_record(
    record: PairRecord,
    out_dir: Path,
    outputs: dict[str, bytes] | None = None,
    *,
    start: float | None = None,
) -> PairRecord:
    """Write a pair's outputs and its manifest (last) in one atomic step.

    ``start`` (a ``time.perf_counter`` reading) sets the record's seconds to the time
    until the manifest is written. Returns the record as written, or with ``recorded``
    False and the reason when nothing could be written.
    """
    outputs = outputs or {}
    try:
        out_dir.mkdir(exist_ok=True)
        if start is not None:
            record = replace(record, seconds=time.perf_counter() - start)
        writes = {out_dir / name: _writer(payload) for name, payload in outputs.items()}
        writes[out_dir / MANIFEST] = _writer(manifest_bytes(record))
        write_atomic_many(writes)
    except (AtomicWriteError, OSError) as exc:
        reason = f"the outputs could not be written ({getattr(exc, 'reason', None) or exc})"
        return _unrecorded(record, scrub_paths(reason, (out_dir,)))
    return record


def _unrecorded(record: PairRecord, reason: str) -> PairRecord:
    return replace(record, status=FAILED, reason=reason, files=(), recorded=False)


def _writer(payload: bytes):
    def write(temp: Path) -> None:
        with open(temp, "wb") as handle:
            handle.write(payload)

    return write


def _words(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0][:200]}" if text else type(exc).__name__


def scrub_paths(text: str, paths: tuple[Path, ...]) -> str:
    """``text`` without the given paths (as given, absolute, resolved) or their file names."""
    for path in paths:
        path = Path(path)
        forms = {str(path), str(path.absolute())}
        with contextlib.suppress(OSError, RuntimeError):  # a link loop
            forms.add(str(path.resolve()))
        for form in sorted(forms, key=len, reverse=True):
            text = text.replace(form, "<file>")
        if path.name:
            text = re.sub(rf"(?<![\w.-]){re.escape(path.name)}(?![\w-])", "<file>", text)
    return text
