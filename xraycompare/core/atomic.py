"""Writing files so that readers see the old file or the new one, never half of either.

Every file the app writes (projects, recovery files, exports, figures, command outputs) goes
through :func:`write_atomic` or :func:`write_atomic_with`: the content goes to a temporary
file next to the target, is flushed and fsynced, and replaces the target in one
``os.replace``; a failure leaves the target as it was and removes the temporary file.

What a target may be:

* a missing path in an existing folder, or a regular file: written;
* a symbolic link: the file it points to is written (the link stays a link), so a project
  kept behind a link is saved where the link says;
* anything else (a folder, a device such as ``/dev/full``, a socket, a pipe): refused;
  nothing that is not a regular file is ever replaced;
* a read-only regular file: refused unless ``overwrite_read_only`` is set (the user
  confirmed); the new file keeps the old one's permissions.

Temporary files carry this process's id; one left behind by a process that was killed is
removed by the next write to the same target (:func:`clean_stale_temporaries`).
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import stat
import uuid
from collections.abc import Callable
from pathlib import Path

_TEMP_RE = re.compile(r"^\.(?P<name>.+)\.xrc-(?P<pid>\d+)-[0-9a-f]{8}(?:\.bak)?\.tmp$")


class AtomicWriteError(OSError):
    """The target cannot be written; ``reason`` says why in words a user understands."""

    def __init__(self, path: str | Path, reason: str) -> None:
        self.path, self.reason = Path(path), reason
        super().__init__(f"{self.path}: {reason}")


def resolve_target(path: str | Path, *, overwrite_read_only: bool = False) -> Path:
    """The regular file a write to ``path`` replaces (links followed), checked first.

    Raises
    ------
    AtomicWriteError
        The folder is missing, the target is not a regular file, or it is read-only and
        ``overwrite_read_only`` is not set.
    """
    path = Path(path)
    if "\x00" in str(path):
        raise AtomicWriteError(path, "the file name holds a null character")
    try:
        target = path.resolve() if path.is_symlink() else path
    except (OSError, RuntimeError) as exc:  # a link loop
        raise AtomicWriteError(path, "is a link that points to itself (a link loop)") from exc
    try:
        info = target.lstat()
    except FileNotFoundError:
        info = None
    except OSError as exc:
        raise AtomicWriteError(path, _os_reason(exc)) from exc
    if info is not None:
        if stat.S_ISDIR(info.st_mode):
            raise AtomicWriteError(path, "is a folder, not a file")
        if not stat.S_ISREG(info.st_mode):
            raise AtomicWriteError(path, "is not a regular file (a device, pipe or socket)")
        if not overwrite_read_only and not os.access(target, os.W_OK):
            raise AtomicWriteError(path, "is read-only")
    parent = target.parent
    if not parent.is_dir():
        raise AtomicWriteError(path, f"the folder {parent} does not exist")
    return target


def write_atomic(
    path: str | Path,
    payload: bytes,
    *,
    backup: bool = False,
    overwrite_read_only: bool = False,
) -> Path:
    """Write ``payload`` to ``path`` atomically; returns the file written.

    Parameters
    ----------
    path
        The target (see the module notes for links and special files).
    payload
        The file's whole content.
    backup
        Keep the previous file as ``<name>.bak`` (itself written atomically).
    overwrite_read_only
        Replace a read-only file (only after the user confirmed).

    Raises
    ------
    AtomicWriteError
        Nothing was written; the target is unchanged.
    """

    def write(temp: Path) -> None:
        with open(temp, "wb") as handle:
            handle.write(payload)

    return write_atomic_with(path, write, backup=backup, overwrite_read_only=overwrite_read_only)


def write_atomic_with(
    path: str | Path,
    write: Callable[[Path], None],
    *,
    backup: bool = False,
    overwrite_read_only: bool = False,
) -> Path:
    """Like :func:`write_atomic` for writers that need a path (image and PDF libraries).

    ``write(temp_path)`` creates the temporary file; it is then fsynced and moved into place.
    A writer that raises leaves nothing behind.
    """
    target = resolve_target(path, overwrite_read_only=overwrite_read_only)
    clean_stale_temporaries(target)
    temp = _temp_name(target)
    existed = target.exists()
    try:
        write(temp)
        if not temp.is_file():
            raise AtomicWriteError(target, "the writer produced no file")
        with open(temp, "rb+") as handle:
            os.fsync(handle.fileno())
        if existed:
            shutil.copymode(target, temp)  # an existing file keeps its permissions
        if backup and existed:
            bak_temp = temp.with_name(temp.name[: -len(".tmp")] + ".bak.tmp")
            try:
                shutil.copyfile(target, bak_temp)
                os.replace(bak_temp, target.with_name(target.name + ".bak"))
            finally:
                with contextlib.suppress(OSError):
                    bak_temp.unlink(missing_ok=True)
        os.replace(temp, target)
        _fsync_dir(target.parent)
    except AtomicWriteError:
        raise
    except OSError as exc:
        raise AtomicWriteError(target, _os_reason(exc)) from exc
    finally:
        with contextlib.suppress(OSError):
            temp.unlink(missing_ok=True)
    return target


def clean_stale_temporaries(target: Path) -> int:
    """Remove temporary files of earlier writes to ``target`` whose process is gone."""
    removed = 0
    try:
        candidates = list(target.parent.glob(f".{_glob_escape(target.name)}.xrc-*.tmp"))
    except OSError:
        return 0
    for candidate in candidates:
        match = _TEMP_RE.match(candidate.name)
        if match is None or match["name"] != target.name:
            continue
        pid = int(match["pid"])
        if pid == os.getpid() or _alive(pid):
            continue
        with contextlib.suppress(OSError):
            candidate.unlink()
            removed += 1
    return removed


def _temp_name(target: Path) -> Path:
    return target.with_name(f".{target.name}.xrc-{os.getpid()}-{uuid.uuid4().hex[:8]}.tmp")


def _glob_escape(name: str) -> str:
    return re.sub(r"([*?\[])", r"[\1]", name)


def _alive(pid: int) -> bool:
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True
    return True


def _fsync_dir(directory: Path) -> None:
    """Make the rename itself durable (POSIX); a no-op where folders cannot be opened."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _os_reason(exc: OSError) -> str:
    """An OSError in words: "the disk is full", "permission denied", ..."""
    import errno

    words = {
        errno.ENOSPC: "the disk is full",
        errno.EDQUOT: "the disk quota is used up",
        errno.EACCES: "permission denied",
        errno.EPERM: "permission denied",
        errno.EROFS: "the disk is read-only",
        errno.ENAMETOOLONG: "the file name is too long",
        errno.ELOOP: "too many links in the path (a link loop?)",
        errno.ENOENT: "the folder does not exist",
        errno.ENOTDIR: "a part of the path is a file, not a folder",
        errno.EISDIR: "is a folder, not a file",
    }
    return words.get(exc.errno or 0, exc.strerror or str(exc))
