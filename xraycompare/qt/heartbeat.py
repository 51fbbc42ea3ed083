"""How long the event loop goes without answering: the longest gap between timer ticks.

A window that stops answering for more than ~50 ms feels stuck; more than ~200 ms looks
frozen. Used by the view benchmark and by a test that opens the demo pair.

A gap has two possible causes, and the remedy differs: the GUI thread was busy in our
code (or waiting for the GIL another thread of ours held), or the whole process was not
scheduled (a loaded or throttled machine). So the heartbeat also keeps how much CPU the
GUI thread used during its longest gap and, optionally, where it stood meanwhile (a
watcher thread samples the GUI thread's stack while a gap lasts) and how long Python's
garbage collector ran in it.
"""

from __future__ import annotations

import gc
import os
import sys
import threading
import time
import traceback
from collections import Counter

from PySide6.QtCore import QObject, QTimer

TICK_MS = 5
_SAMPLE_S = 0.01  # how often the watcher looks at the GUI thread's stack during a gap
_STALL_S = 0.05  # a gap this long is a stall worth sampling


class Heartbeat(QObject):
    """Ticks every few milliseconds and remembers the longest wait between two ticks.

    Parameters
    ----------
    sample_stalls
        Also sample the GUI thread's stack during stalls and time the garbage collector
        (``stall_report``).
    """

    def __init__(self, parent: QObject | None = None, *, sample_stalls: bool = False) -> None:
        super().__init__(parent)
        self._timer = QTimer(self)
        self._timer.setInterval(TICK_MS)
        self._timer.timeout.connect(self._tick)
        self._last = 0.0
        self._last_cpu = 0.0
        self.gaps: list[float] = []  # seconds between consecutive ticks
        self._worst = 0.0
        self.worst_cpu = 0.0  # GUI-thread CPU seconds used within the longest gap
        self.worst_gc = 0.0  # seconds of Python's garbage collection within it
        self._gc_in_gap = 0.0
        self._gc_started = 0.0
        self._sample_stalls = sample_stalls
        self._gui_thread = threading.get_ident()
        self._stacks: Counter[str] = Counter()  # in the current gap
        self._worst_stacks: Counter[str] = Counter()  # in the longest gap so far
        self._watching = False
        self._watcher: threading.Thread | None = None

    def start(self) -> None:
        self.gaps = []
        self._worst = self.worst_cpu = self.worst_gc = self._gc_in_gap = 0.0
        self._stacks, self._worst_stacks = Counter(), Counter()
        self._last = time.perf_counter()
        self._last_cpu = time.thread_time()
        self._timer.start()
        if self._sample_stalls and self._watcher is None:
            gc.callbacks.append(self._on_gc)
            self._watching = True
            self._watcher = threading.Thread(target=self._watch, daemon=True)
            self._watcher.start()

    def stop(self) -> None:
        self._timer.stop()
        self._watching = False
        if self._watcher is not None:
            self._watcher.join()
            self._watcher = None
            gc.callbacks.remove(self._on_gc)

    @property
    def worst(self) -> float:
        """The longest gap seen, in seconds (0 before two ticks)."""
        return self._worst

    def stall_report(self) -> str:
        """The longest gap: its length, the GUI thread's CPU in it, and where it stood."""
        lines = [
            f"longest gap {1000 * self.worst:.0f} ms: the GUI thread ran "
            f"{1000 * self.worst_cpu:.0f} ms of it (the garbage collector "
            f"{1000 * self.worst_gc:.0f} ms); the rest it waited, for the GIL or the machine"
        ]
        for stack, n in self._worst_stacks.most_common(3):
            lines.append(f"{n} × {stack}")
        return "\n".join(lines)

    def _tick(self) -> None:
        now, cpu = time.perf_counter(), time.thread_time()
        gap = now - self._last
        if gap > self._worst:
            self._worst = gap
            self.worst_cpu = cpu - self._last_cpu
            self.worst_gc = self._gc_in_gap
            self._worst_stacks = self._stacks
        self.gaps.append(gap)
        self._last, self._last_cpu = now, cpu
        self._stacks = Counter()
        self._gc_in_gap = 0.0

    def _on_gc(self, phase: str, info: dict) -> None:
        if phase == "start":
            self._gc_started = time.perf_counter()
        else:
            self._gc_in_gap += time.perf_counter() - self._gc_started

    def _watch(self) -> None:
        while self._watching:
            time.sleep(_SAMPLE_S)
            if time.perf_counter() - self._last < _STALL_S:
                continue
            frame = sys._current_frames().get(self._gui_thread)
            if frame is not None:
                self._stacks[_where(frame)] += 1


def _where(frame) -> str:
    """The innermost few calls of a stack, innermost first."""
    calls = traceback.extract_stack(frame)[::-1][:8]
    return " <- ".join(f"{os.path.basename(c.filename)}:{c.lineno} {c.name}" for c in calls)
