"""How long-running core functions report progress and learn that they should stop.

Core functions are pure and take two optional keyword callbacks: ``progress(fraction,
message)`` and ``should_stop() -> bool``. The Qt layer runs them on a thread pool and passes
both; headless commands pass neither. A function that sees ``should_stop()`` return True
raises :class:`Cancelled` (or a subclass) and changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

ProgressFn = Callable[[float, str], None]
StopFn = Callable[[], bool]


class Cancelled(Exception):  # noqa: N818 (the name says what happened, like KeyboardInterrupt)
    """``should_stop()`` returned True; the work was abandoned and nothing was changed."""


@dataclass(frozen=True)
class Stage:
    """A named part of a long job and the share of the progress bar it ends at."""

    message: str
    end: float


class Reporter:
    """Reports named stages to ``progress`` and raises ``cancelled`` when asked to stop.

    ``reporter.enter(stage)`` checks for a stop request and reports the stage's start (the
    previous stage's end); ``reporter.within(stage, fraction)`` reports a fraction of the way
    through a stage. Fractions reported never go backwards.
    """

    def __init__(
        self,
        progress: ProgressFn | None,
        should_stop: StopFn | None,
        *,
        cancelled: type[Exception] = Cancelled,
    ) -> None:
        self._progress = progress
        self._should_stop = should_stop
        self._cancelled = cancelled
        self._start = 0.0
        self._stage: Stage | None = None
        self._last = 0.0

    def check(self) -> None:
        """Raise the cancellation error when the caller asked to stop."""
        if self._should_stop is not None and self._should_stop():
            raise self._cancelled

    def enter(self, stage: Stage) -> None:
        """Begin ``stage`` (after the stage entered before it)."""
        self.check()
        if self._stage is not None:
            self._start = self._stage.end
        self._stage = stage
        self._emit(self._start, stage.message)

    def within(self, fraction: float) -> None:
        """Report progress ``fraction`` (0..1) through the current stage."""
        self.check()
        if self._stage is None:
            return
        f = min(max(float(fraction), 0.0), 1.0)
        self._emit(self._start + (self._stage.end - self._start) * f, self._stage.message)

    def done(self, message: str = "Done") -> None:
        self._emit(1.0, message)

    def _emit(self, value: float, message: str) -> None:
        self._last = max(self._last, min(max(value, 0.0), 1.0))
        if self._progress is not None:
            self._progress(self._last, message)
