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
removed by the next write to the same target (:func:`clean_stale_temporaries`). When run
with the rights to (as root), a replaced file keeps its owner and group too.

Reading goes through :func:`read_regular_file`, the one place that turns a path into bytes
with a plain reason for every way that fails (a link loop, a pipe, a device, a file far
too large), so no reader blocks on a pipe or reads ``/dev/zero`` forever.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import shutil
import stat
import uuid
from collections.abc import Callable, Mapping
from pathlib import Path

_TEMP_RE = re.compile(r"^\.(?P<name>.+)\.xrc-(?P<pid>\d+)-[0-9a-f]{8}(?:\.bak)?\.tmp$")


class FileReadError(OSError):
    """A file cannot be read; ``reason`` says why in words a user understands."""

    def __init__(self, path: str | Path, reason: str) -> None:
        self.path, self.reason = Path(path), reason
        super().__init__(f"{self.path}: {reason}")


def read_regular_file(path: str | Path, *, max_bytes: int, what: str = "file") -> bytes:
    """The bytes of the regular file ``path`` (links followed), at most ``max_bytes`` of them.

    Raises
    ------
    FileReadError
        Missing, a link loop, a folder, not a regular file (a pipe or device is never
        opened), larger than ``max_bytes`` (``what`` names the kind of file in the reason),
        or unreadable.
    """
    path = Path(path)
    if "\x00" in str(path):
        raise FileReadError(path, "the file name holds a null character")
    try:
        info = path.stat()
    except OSError as exc:
        raise FileReadError(path, os_error_words(exc, missing="no such file")) from exc
    if stat.S_ISDIR(info.st_mode):
        raise FileReadError(path, f"is a folder, not a {what}")
    if not stat.S_ISREG(info.st_mode):
        raise FileReadError(path, "is not a regular file (a device, pipe or socket)")
    if info.st_size > max_bytes:
        raise FileReadError(path, _too_large(info.st_size, max_bytes, what))
    try:
        with open(path, "rb") as handle:
            data = handle.read(max_bytes + 1)
    except OSError as exc:
        raise FileReadError(path, f"cannot be read ({os_error_words(exc)})") from exc
    if len(data) > max_bytes:  # it grew while being read
        raise FileReadError(path, _too_large(len(data), max_bytes, what))
    return data


def _too_large(size: int, limit: int, what: str) -> str:
    def mb(n: int) -> str:
        return f"{n / 1024**3:.1f} GB" if n >= 1024**3 else f"{n / 1024**2:.0f} MB"

    return f"too large for a {what} ({mb(size)}; at most {mb(limit)})"


class AtomicWriteError(OSError):
    """The target cannot be written; ``reason`` says why in words a user understands."""

    def __init__(self, path: str | Path, reason: str) -> None:
        self.path, self.reason = Path(path), reason
        super().__init__(f"{self.path}: {reason}")

    @property
    def system_failure(self) -> bool:
        """True when the system failed a write (a full disk: exit 1); False when the target
        itself was refused (a device, a read-only file, a bad name: bad input, exit 2)."""
        return self.errno in _SYSTEM_ERRNOS


_SYSTEM_ERRNOS = frozenset((errno.ENOSPC, errno.EDQUOT, errno.EIO, errno.EROFS))


class ReadOnlyTargetError(AtomicWriteError):
    """The target is a read-only file: ask the user before passing ``overwrite_read_only``."""


def resolve_target(path: str | Path, *, overwrite_read_only: bool = False) -> Path:
    """The regular file a write to ``path`` replaces (links followed), checked first.

    Raises
    ------
    AtomicWriteError
        The folder is missing, the target is not a regular file, or it is read-only and
        ``overwrite_read_only`` is not set.
    """
    _check_name(path)
    path = Path(path)
    try:
        target = path.resolve() if path.is_symlink() else path
    except RuntimeError as exc:  # a link loop
        raise AtomicWriteError(path, "is a link that points to itself (a link loop)") from exc
    except OSError as exc:  # a name too long, a part of the path that is a file
        raise AtomicWriteError(path, os_error_words(exc)) from exc
    try:
        info = target.lstat()
    except FileNotFoundError:
        info = None
    except OSError as exc:
        raise AtomicWriteError(path, os_error_words(exc)) from exc
    if info is not None:
        if stat.S_ISDIR(info.st_mode):
            raise AtomicWriteError(path, "is a folder, not a file")
        if not stat.S_ISREG(info.st_mode):
            raise AtomicWriteError(path, "is not a regular file (a device, pipe or socket)")
        # the mode bits too: root may write anywhere, but a 0444 file is read-only to all
        writable = os.access(target, os.W_OK) and info.st_mode & 0o222
        if not overwrite_read_only and not writable:
            raise ReadOnlyTargetError(path, "is read-only")
    parent = target.parent
    if not parent.is_dir():
        raise AtomicWriteError(path, f"the folder {parent} does not exist")
    return target


def _check_name(path: str | Path) -> None:
    if not str(path):
        raise AtomicWriteError(Path("''"), "no file name given")
    if "\x00" in str(path):
        shown = Path(str(path).replace("\x00", " "))
        raise AtomicWriteError(shown, "the file name holds a null character")


def output_folder(path: str | Path) -> Path:
    """The folder ``path`` for a command's output files, made if missing; checked first.

    Raises
    ------
    AtomicWriteError
        No name, a null character, a link loop, a name too long, something that is not a
        folder in the way, or a folder that cannot be made (``system_failure`` for a full
        or failing disk).
    """
    _check_name(path)
    folder = Path(path)
    try:
        info = folder.stat()
    except FileNotFoundError:
        info = None
    except (OSError, RuntimeError) as exc:
        words = os_error_words(exc) if isinstance(exc, OSError) else "a link loop"
        raise AtomicWriteError(folder, words) from exc
    if info is not None and not stat.S_ISDIR(info.st_mode):
        raise AtomicWriteError(folder, "exists and is not a folder")
    if info is None:
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            failed = AtomicWriteError(folder, f"cannot make the folder: {os_error_words(exc)}")
            failed.errno = exc.errno
            raise failed from exc
    return folder


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
    (target,) = write_atomic_many(
        {path: write}, backup=backup, overwrite_read_only=overwrite_read_only
    )
    return target


def write_atomic_many(
    writes: Mapping[str | Path, Callable[[Path], None]],
    *,
    backup: bool = False,
    overwrite_read_only: bool = False,
) -> list[Path]:
    """Write several files so that none is replaced unless every one was written.

    Every target is checked first (:func:`resolve_target`), so a refusal writes nothing;
    each ``write(temp_path)`` then fills a temporary file next to its target, and only when
    all succeeded are they moved into place. Returns the files written (links resolved).

    Raises
    ------
    AtomicWriteError
        No target was changed (``errno`` is set when the system refused a write, e.g.
        ``ENOSPC``; None when the target itself was refused).
    """
    targets = {
        resolve_target(p, overwrite_read_only=overwrite_read_only): w for p, w in writes.items()
    }
    temps: dict[Path, Path] = {}
    try:
        for target, write in targets.items():
            clean_stale_temporaries(target)
            temps[target] = temp = _temp_name(target)
            write(temp)
            if not temp.is_file():
                raise AtomicWriteError(target, "the writer produced no file")
            with open(temp, "rb+") as handle:
                os.fsync(handle.fileno())
            if target.exists():
                shutil.copymode(target, temp)  # an existing file keeps its permissions
                _keep_owner(target, temp)
                if backup:
                    _write_backup(target, temp)
        for target, temp in temps.items():
            os.replace(temp, target)
        for folder in {t.parent for t in temps}:
            _fsync_dir(folder)
    except AtomicWriteError:
        raise
    except OSError as exc:
        failed = AtomicWriteError(next(reversed(temps), Path(".")), os_error_words(exc))
        failed.errno = exc.errno
        raise failed from exc
    finally:
        for temp in temps.values():
            with contextlib.suppress(OSError):
                temp.unlink(missing_ok=True)
    return list(targets)


def write_atomic_files(files: Mapping[str | Path, bytes]) -> list[Path]:
    """Several whole files (a figure and its provenance, say): every one or none.

    Raises
    ------
    AtomicWriteError
        No target was changed (see :func:`write_atomic_many`).
    """

    def writer(payload: bytes) -> Callable[[Path], None]:
        return lambda temp: Path(temp).write_bytes(payload)

    return write_atomic_many({path: writer(payload) for path, payload in files.items()})


def _write_backup(target: Path, temp: Path) -> None:
    """Keep the file about to be replaced as ``<name>.bak`` (itself written atomically)."""
    bak_temp = temp.with_name(temp.name[: -len(".tmp")] + ".bak.tmp")
    try:
        shutil.copyfile(target, bak_temp)
        os.replace(bak_temp, target.with_name(target.name + ".bak"))
    finally:
        with contextlib.suppress(OSError):
            bak_temp.unlink(missing_ok=True)


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


def _keep_owner(target: Path, temp: Path) -> None:
    """Give the new file the old one's owner and group where allowed (root saving a user's
    file must not take it over); elsewhere the owner is the writer, as for any new file."""
    try:
        info = target.stat()
        if (info.st_uid, info.st_gid) != (os.getuid(), os.getgid()):
            os.chown(temp, info.st_uid, info.st_gid)
    except (OSError, AttributeError):  # not permitted, or no chown on this system
        pass


def os_error_words(exc: OSError, *, missing: str = "the folder does not exist") -> str:
    """An OSError in words: "the disk is full", "permission denied", ...

    ``missing`` is what a missing path means to the caller (a missing folder when
    writing, a missing file when reading).
    """
    if exc.errno == errno.ENOENT:
        return missing
    words = {
        errno.ENOSPC: "the disk is full",
        errno.EDQUOT: "the disk quota is used up",
        errno.EACCES: "permission denied",
        errno.EPERM: "permission denied",
        errno.EROFS: "the disk is read-only",
        errno.ENAMETOOLONG: "the file name is too long",
        errno.ELOOP: "is a link that points to itself (a link loop)",
        errno.ENOTDIR: "a part of the path is a file, not a folder",
        errno.EISDIR: "is a folder, not a file",
    }
    return words.get(exc.errno or 0, exc.strerror or str(exc))
