"""The batch's progress on stderr: a bar with an ETA on a terminal, plain lines otherwise.

On a terminal one line is redrawn in place after each pair; in a log (a pipe, a file, a
job scheduler) a line is printed at most every :data:`LINE_EVERY` seconds and for the
last pair, so thousands of pairs make a readable log. Failed pairs are always named with
their reason.
"""

from __future__ import annotations

import shutil
import time
from typing import TextIO

from xraycompare.core.batch.run import BatchProgress

LINE_EVERY = 10.0
BAR = 24


def pairs(n: int) -> str:
    """``1 pair``, ``2 pairs``."""
    return f"{n} pair" if n == 1 else f"{n} pairs"


def duration(seconds: float | None) -> str:
    """``1h 02m``, ``3m 05s``, ``12s``; ``--`` when unknown."""
    if seconds is None:
        return "--"
    s = max(0, round(seconds))
    if s >= 3600:
        return f"{s // 3600}h {s % 3600 // 60:02d}m"
    if s >= 60:
        return f"{s // 60}m {s % 60:02d}s"
    return f"{s}s"


def progress_text(p: BatchProgress) -> str:
    """``45/200 pairs (ok 40, poor 3, failed 2), 12.5 pairs/min, ETA 12m 24s``."""
    counts = ", ".join(f"{status} {n}" for status, n in sorted(p.counts.items()))
    rate = p.pairs_per_minute
    parts = [f"{p.done}/{p.total} pairs" + (f" ({counts})" if counts else "")]
    if rate is not None:
        parts.append(f"{rate:.1f} pairs/min")
    parts.append(f"ETA {duration(p.eta)}" if p.done < p.total else f"in {duration(p.elapsed)}")
    return ", ".join(parts)


class ProgressDisplay:
    """Shows :class:`BatchProgress` updates on ``stream``."""

    def __init__(self, prog: str, stream: TextIO) -> None:
        self.prog = prog
        self.stream = stream
        self.tty = bool(getattr(stream, "isatty", lambda: False)())
        self._last_line = 0.0
        self._drawn = False

    def update(self, p: BatchProgress) -> None:
        last = p.last
        if last is None:
            self._start(p)
            return
        if last.failed:
            self._print(f"{self.prog}: pair {last.pair_id} failed: {last.reason}")
        if self.tty:
            self._draw(p)
        elif p.done == p.total or time.monotonic() - self._last_line >= LINE_EVERY:
            self._print(f"{self.prog}: {progress_text(p)}")
            self._last_line = time.monotonic()

    def note(self, line: str) -> None:
        """A line of its own (above the bar on a terminal)."""
        self._print(line)

    def close(self) -> None:
        if self._drawn:
            self.stream.write("\n")
            self.stream.flush()
            self._drawn = False

    def _start(self, p: BatchProgress) -> None:
        before = f"; {p.finished_before} finished before" if p.finished_before else ""
        self._print(f"{self.prog}: {pairs(p.total)} to do{before}")
        self._last_line = time.monotonic()

    def _draw(self, p: BatchProgress) -> None:
        filled = BAR * p.done // max(1, p.total)
        bar = "[" + "#" * filled + "." * (BAR - filled) + "]"
        text = f"{bar} {progress_text(p)}"
        width = shutil.get_terminal_size((100, 20)).columns - 1
        self.stream.write("\r" + text[:width].ljust(width))
        self.stream.flush()
        self._drawn = True

    def _print(self, line: str) -> None:
        if self._drawn:  # a line of its own, not over the bar
            self.stream.write("\r" + " " * (shutil.get_terminal_size((100, 20)).columns - 1))
            self.stream.write("\r")
            self._drawn = False
        self.stream.write(line + "\n")
        self.stream.flush()
