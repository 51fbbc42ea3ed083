"""A tiny synchronous signal, so the core can be observed without Qt.

Qt widgets connect plain callables; the model emits on the thread that changed it, which
for document edits is always the GUI thread (see ARCHITECTURE.md rule 4).
"""

from __future__ import annotations

import types
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any


class Signal:
    """A list of callbacks called in connection order on :meth:`emit`.

    Bound methods are held weakly so that a closed widget never keeps a model alive or
    receives events after it is gone; plain functions and lambdas are held strongly.
    """

    def __init__(self, name: str = "") -> None:
        self.name = name
        self._slots: list[Callable[..., Any] | weakref.WeakMethod] = []
        self._blocked = 0

    def connect(self, slot: Callable[..., Any]) -> Callable[..., Any]:
        """Connect ``slot``; returns it so the method can be used as a decorator."""
        ref: Callable[..., Any] | weakref.WeakMethod
        # Python bound methods are held weakly; functions, lambdas and builtin (e.g. Qt)
        # methods strongly, since WeakMethod cannot hold the latter.
        ref = weakref.WeakMethod(slot) if isinstance(slot, types.MethodType) else slot
        if not any(self._resolve(s) == slot for s in self._slots):
            self._slots.append(ref)
        return slot

    def disconnect(self, slot: Callable[..., Any] | None = None) -> None:
        """Disconnect ``slot``, or every slot when ``slot`` is None. Unknown slots are ignored."""
        if slot is None:
            self._slots.clear()
            return
        self._slots = [s for s in self._slots if self._resolve(s) not in (slot, None)]

    def emit(self, *args: Any) -> None:
        """Call every connected slot with ``args`` unless the signal is blocked."""
        if self._blocked:
            return
        dead = False
        for ref in list(self._slots):
            slot = self._resolve(ref)
            if slot is None:
                dead = True
                continue
            slot(*args)
        if dead:
            self._slots = [s for s in self._slots if self._resolve(s) is not None]

    @contextmanager
    def blocked(self) -> Iterator[None]:
        """Suppress emissions inside the ``with`` block (nesting is allowed)."""
        self._blocked += 1
        try:
            yield
        finally:
            self._blocked -= 1

    def __len__(self) -> int:
        return sum(1 for s in self._slots if self._resolve(s) is not None)

    @staticmethod
    def _resolve(ref: Callable[..., Any] | weakref.WeakMethod) -> Callable[..., Any] | None:
        return ref() if isinstance(ref, weakref.WeakMethod) else ref

    def __repr__(self) -> str:
        return f"<Signal {self.name!r} with {len(self)} slot(s)>"
