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


def release_free_memory() -> bool:
    """Give the memory malloc holds free back to the system (glibc's ``malloc_trim``);
    False where there is no glibc. A worker process calls it after each job: the peak of one
    job (a registration's copies of both films) is not kept for the whole session."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        return bool(ctypes.CDLL("libc.so.6").malloc_trim(0))
    except (OSError, AttributeError):
        return False
