"""Flicker (blink) between the two films: at a set rate, or while a key is held.

The eye is very good at spotting what jumps between two aligned pictures; teachers use it
to let a room see a change. :class:`Flicker` owns the timer and the phase only; the
comparison view draws whichever film the phase names.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent

from xraycompare.core.types import FILMS, Film
from xraycompare.qt.view.window_keys import WindowKeyFilter

HOLD_KEY = Qt.Key.Key_B  # hold B: show the Before film
MIN_RATE, MAX_RATE = 0.25, 12.0  # changes per second
DEFAULT_RATE = 2.0


class Flicker(QObject):
    """Alternates a phase between before and after; holding :data:`HOLD_KEY` shows before."""

    phase_changed = Signal(str)  # "before" or "after"
    playing_changed = Signal(bool)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._phase: Film = "after"
        self._rate = DEFAULT_RATE
        self._playing = True  # the user's choice; the timer runs only while also active
        self._active = False
        self._held = False
        self._hold_filter: HoldKeyFilter | None = None
        self.timer = QTimer(self)
        self.timer.timeout.connect(self._toggle)
        self._apply_interval()

    # -- state ---------------------------------------------------------------------------
    @property
    def phase(self) -> Film:
        return self._phase

    @property
    def rate(self) -> float:
        """Film changes per second."""
        return self._rate

    @property
    def playing(self) -> bool:
        return self._playing

    @property
    def running(self) -> bool:
        """The timer is alternating the films right now."""
        return self.timer.isActive()

    def set_phase(self, phase: Film) -> None:
        if phase not in FILMS:
            raise ValueError(f"flicker phase must be before or after, got {phase!r}")
        if phase != self._phase:
            self._phase = phase
            self.phase_changed.emit(phase)

    def set_rate(self, rate: float) -> None:
        self._rate = min(MAX_RATE, max(MIN_RATE, float(rate)))
        self._apply_interval()

    def set_playing(self, playing: bool) -> None:
        if playing != self._playing:
            self._playing = playing
            self.playing_changed.emit(playing)
        self._update_timer()

    def set_active(self, active: bool) -> None:
        """The flicker mode is on screen (the timer never runs in the other modes)."""
        self._active = active
        if not active:
            self._held = False
        self._update_timer()
        if self._hold_filter is not None:
            self._hold_filter.set_installed(active)

    def watch_hold_key(self, window) -> None:
        """Let :data:`HOLD_KEY` held down in ``window`` show the before film (flicker mode)."""
        self._hold_filter = HoldKeyFilter(self, window)
        self._hold_filter.set_installed(self._active)

    def stop_on(self, phase: Film) -> None:
        """Stop alternating and show ``phase`` (e.g. the after phase for a screenshot)."""
        self.set_playing(False)
        self.set_phase(phase)

    def hold(self, held: bool) -> None:
        """While held the before film shows and the timer waits; release shows after."""
        if held == self._held or not self._active:
            return
        self._held = held
        self.set_phase("before" if held else "after")
        self._update_timer()

    # -- internals -----------------------------------------------------------------------
    def _toggle(self) -> None:
        self.set_phase("before" if self._phase == "after" else "after")

    def _apply_interval(self) -> None:
        self.timer.setInterval(max(20, round(1000.0 / self._rate)))

    def _update_timer(self) -> None:
        run = self._active and self._playing and not self._held
        if run and not self.timer.isActive():
            self.timer.start()
        elif not run and self.timer.isActive():
            self.timer.stop()


class HoldKeyFilter(WindowKeyFilter):
    """Application-wide: press and release of :data:`HOLD_KEY` (no modifiers) drive ``hold``.

    Shortcuts cannot see a key being released, hence an event filter on the application,
    installed only while the flicker mode is shown; keys typed into text fields are left alone.
    """

    def __init__(self, flicker: Flicker, window) -> None:
        super().__init__(window, flicker)
        self.flicker = flicker

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        if kind not in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
            return False
        assert isinstance(event, QKeyEvent)
        if event.key() != HOLD_KEY or event.isAutoRepeat() or not self.for_window(event):
            return False
        self.flicker.hold(kind == QEvent.Type.KeyPress)
        return False
