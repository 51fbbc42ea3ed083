"""How long the event loop goes without answering: the longest gap between timer ticks.

A window that stops answering for more than ~50 ms feels stuck; more than ~200 ms looks
frozen. Used by the view benchmark and by a test that opens the demo pair.
"""

from __future__ import annotations

import time

from PySide6.QtCore import QObject, QTimer

TICK_MS = 5


class Heartbeat(QObject):
    """Ticks every few milliseconds and remembers the longest wait between two ticks."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._timer = QTimer(self)
        self._timer.setInterval(TICK_MS)
        self._timer.timeout.connect(self._tick)
        self._last = 0.0
        self.gaps: list[float] = []  # seconds between consecutive ticks

    def start(self) -> None:
        self.gaps = []
        self._last = time.perf_counter()
        self._timer.start()

    def stop(self) -> None:
        self._timer.stop()

    @property
    def worst(self) -> float:
        """The longest gap seen, in seconds (0 before two ticks)."""
        return max(self.gaps, default=0.0)

    def _tick(self) -> None:
        now = time.perf_counter()
        self.gaps.append(now - self._last)
        self._last = now
