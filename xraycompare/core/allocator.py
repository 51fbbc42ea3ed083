"""glibc malloc settings the app and its workers choose (Linux only; harmless elsewhere).

The app shares one malloc arena among its threads (:data:`M_ARENA_MAX`), and batch workers
undo the small trim threshold Dask gives its workers (:data:`M_TRIM_THRESHOLD`,
:data:`M_MMAP_THRESHOLD`); each reason is given where it is set.
"""

from __future__ import annotations

import ctypes
import sys

M_TRIM_THRESHOLD = -1
M_MMAP_THRESHOLD = -3
M_ARENA_MAX = -8


def mallopt(option: int, value: int) -> bool:
    """Set one of glibc's malloc parameters; False where there is no glibc or it refused."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        return bool(ctypes.CDLL("libc.so.6").mallopt(option, value))
    except (OSError, AttributeError):
        return False
