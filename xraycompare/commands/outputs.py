"""Where a command writes: every target checked before any work, one line when refused.

A target is refused (exit 2, nothing written) when it is not a regular file (a device such
as ``/dev/full``, a pipe, a folder), read-only, in a missing folder, or badly named; a
link is written through to its file (see :mod:`xraycompare.core.atomic`). A write the
system fails (a full disk) exits 1.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable
from pathlib import Path

from xraycompare.core.atomic import AtomicWriteError, resolve_target
from xraycompare.core.exit_codes import EXIT_BAD_INPUT, EXIT_FAILURE


def write_failed(prog: str, exc: AtomicWriteError) -> int:
    """Say why a write failed, in one line; the exit status it means."""
    print(f"{prog}: cannot write {exc.path}: {exc.reason}", file=sys.stderr)
    return EXIT_FAILURE if exc.system_failure else EXIT_BAD_INPUT


def refused_targets(prog: str, targets: Iterable[str | Path | None]) -> int | None:
    """Check each output file before any work; None when all may be written, else the exit
    status after the reason is on stderr. ``None`` entries (options not given) are skipped."""
    try:
        for target in targets:
            if target is not None:
                resolve_target(target)
    except AtomicWriteError as exc:
        return write_failed(prog, exc)
    return None
