"""Worker processes that leave when the process that started them is gone.

A pool's worker processes outlive their parent when it is killed (SIGKILL, a crash, a
test runner that stops abruptly): nothing closes their queue, and they wait forever as
orphans holding memory. :func:`leave_with_parent` started in a worker's initializer checks
once a second that its parent is still there and ends the worker when it is not.
"""

from __future__ import annotations

import os
import threading
import time

PARENT_CHECK_SECONDS = 1.0


def leave_with_parent(parent: int) -> None:
    """Watch ``parent`` (a process id) from a daemon thread; exit this process without it."""
    threading.Thread(target=_watch, args=(parent,), name="parent-watch", daemon=True).start()


def _watch(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(PARENT_CHECK_SECONDS)
    os._exit(1)  # the parent is gone: nobody will collect this worker's results
