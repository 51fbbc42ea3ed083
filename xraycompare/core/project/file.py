"""Project files (``*.xrc.json``): save atomically, read with validation, migrate, recover.

A project is versioned JSON (``"format": "xraycompare-project"``, ``"version": 1``) with
the image paths relative to the project file plus their SHA-256 content hashes, the
alignments and landmarks, regions, directly entered scores, the view and the display
settings; never pixel data, never patient identifiers (see :mod:`project_schema`).

* Saving writes a temporary file in the same folder, flushes and fsyncs it, keeps the
  previous file as ``<name>.bak`` and moves the new one into place with ``os.replace``, so
  a failed save leaves the old file as it was and raises :class:`ProjectFileError`.
* Reading raises only :class:`ProjectFileError`, with a reason a user can act on, for
  missing, corrupt, truncated, wrong-type and future-version files; older versions pass
  through :data:`MIGRATIONS` first.
* Recovery files are ordinary project files with a ``recovery`` block, written by the GUI's
  autosave timer through :func:`write_recovery` and offered again via :func:`find_recoveries`.
* A project never chooses where the app writes: :func:`read_project` drops a ``recovery``
  block, so Save writes to the file that was opened. Only :func:`read_recovery` keeps it,
  and only when the project it names is a project file this recovery file belongs to.
* Every size is capped (:mod:`.structs`): a crafted file is refused in well under a second,
  whatever it holds.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import uuid
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from xraycompare.core.atomic import (
    AtomicWriteError,
    FileReadError,
    ReadOnlyTargetError,
    read_regular_file,
    write_atomic,
)
from xraycompare.core.document import Document
from xraycompare.core.io.image import XrayImage
from xraycompare.core.project.images import ImageResolution, resolve_image, resolve_images
from xraycompare.core.project.parse import (
    decode_any,
    project_from_dict,
    project_from_json,
    read_header,
)
from xraycompare.core.project.schema import (
    FORMAT,
    ImageRef,
    ProjectData,
    RecoveryInfoBlock,
    SchemaError,
    dumps_readable,
    project_to_dict,
)
from xraycompare.core.project.structs import (
    MAX_FILE_BYTES,
    MAX_LISTS,
    MAX_POINTS_PER_REGION,
    MAX_TOTAL_POINTS,
)
from xraycompare.core.types import FILMS, Hand

VERSION = 1
SUFFIX = ".xrc.json"
RECOVERY_SUFFIX = ".recovery.xrc.json"
MAX_BYTES = MAX_FILE_BYTES
Migration = Callable[[dict[str, Any]], dict[str, Any]]
# version N -> a function turning a version-N dict into a version-(N + 1) dict
MIGRATIONS: dict[int, Migration] = {}
_SESSION = uuid.uuid4().hex[:8]  # names this process's unsaved-project recovery file

__all__ = [
    "MIGRATIONS", "RECOVERY_SUFFIX", "SUFFIX", "VERSION", "ImageRef", "ImageResolution",
    "ProjectData", "ProjectFileError", "ReadOnlyProjectError", "RecoveryInfo", "apply_project",
    "capture_project", "discard_recovery", "dumps_readable", "find_recoveries", "parse_project",
    "read_project", "read_recovery", "recovery_path_for", "resolve_image", "resolve_images",
    "save_project", "write_recovery",
]  # fmt: skip


class ProjectFileError(Exception):
    """A project could not be read or written; the message names the file and the reason."""

    def __init__(self, path: str | Path, reason: str) -> None:
        self.path, self.reason = Path(path), reason
        super().__init__(f"{self.path.name}: {reason}")


class ReadOnlyProjectError(ProjectFileError):
    """Saving would replace a read-only project file: nothing was written. The GUI asks
    (save elsewhere, or replace it: ``save_project(..., overwrite_read_only=True)``)."""


# -- document <-> data ---------------------------------------------------------------------
def _relative(path: Path, base_dir: Path) -> str:
    path = path.resolve()
    try:
        return Path(os.path.relpath(path, base_dir.resolve())).as_posix()
    except ValueError:  # another drive on Windows: no relative path exists
        return path.as_posix()


def _image_ref(image: XrayImage | None, base_dir: Path, hand: Hand | None) -> ImageRef | None:
    if image is None:
        return None
    if image.source is None:
        raise ValueError("a film that was never saved to a file cannot go into a project")
    return ImageRef(
        path=_relative(image.source, base_dir),
        sha256=image.content_hash,
        calibration=image.calibration,
        spacing_mm=None if image.spacing_mm is None else tuple(map(float, image.spacing_mm)),  # type: ignore[arg-type]
        hand=hand,
    )


def capture_project(document: Document, path: Path) -> ProjectData:
    """What ``document`` would save to ``path`` (image paths relative to its folder)."""
    base = Path(path).parent
    return ProjectData(
        images={f: _image_ref(document.image(f), base, document.assigned_hand(f)) for f in FILMS},
        global_alignment=document.global_alignment,
        local_alignments=document.local_alignments,
        active_alignment=document.active_alignment_name,
        landmarks=document.landmarks,
        regions=document.annotations.regions(),
        scores=document.scores.entries(),
        view=document.view,
        pane_offsets={f: document.pane_offset(f) for f in FILMS},
        display={f: document.display(f) for f in FILMS},
        link_panes=document.link_panes,
        link_window=document.link_window,
        difference=document.difference,
        joint_corrections=document.joint_corrections,
        bookmarks=document.bookmarks,
        quiz=document.quiz.kept(r.id for r in document.annotations),
        blinded=document.blinded,
        path=Path(path),
    )


def apply_project(
    document: Document,
    data: ProjectData,
    before_image: XrayImage | None,
    after_image: XrayImage | None,
) -> None:
    """Open ``data`` in ``document`` with the films the caller loaded (see resolve_images).

    A user calibration recorded in the project is put back on its film. The document's
    ``project_path`` (where Save writes) becomes the file the data came from; for data read
    by :func:`read_recovery`, the checked project it recovers, or None (Save then asks).
    """
    images = {}
    for film, image in zip(FILMS, (before_image, after_image), strict=True):
        ref = data.image_ref(film)
        if image is not None and ref is not None and ref.calibration == "user":
            image = image.with_calibration(ref.spacing_mm, "user")
        images[film] = image
    document.set_pair(images["before"], images["after"])
    for film in FILMS:
        ref = data.image_ref(film)
        document.set_assigned_hand(film, ref.hand if ref is not None else None)
    document.set_global_alignment(data.global_alignment)
    for alignment in data.local_alignments:
        document.set_local_alignment(alignment)
    document.set_active_alignment(data.active_alignment)
    document.set_landmarks(data.landmarks)
    for film in FILMS:
        if film in data.display:
            document.set_display(film, data.display[film])
        if film in data.pane_offsets:
            document.set_pane_offset(film, data.pane_offsets[film])
    document.set_view(data.view)
    document.set_sync(panes=data.link_panes, window=data.link_window)
    document.set_difference(data.difference)
    document.set_joint_corrections(data.joint_corrections)
    document.set_bookmarks(data.bookmarks)
    document.set_quiz(data.quiz)  # before the regions, so hidden ones never show
    document.set_blinded(data.blinded)
    document.annotations.reset(data.regions)
    document.scores.reset(data.scores)
    if data.recovery is not None:  # only read_recovery keeps the block, checked
        project = data.recovery.project_path
        document.project_path = Path(project) if project else None
    else:
        document.project_path = data.path


# -- writing ---------------------------------------------------------------------------------
def _dumps(data: ProjectData, path: Path) -> bytes:
    try:
        text = dumps_readable(project_to_dict(data, version=VERSION))
    except (TypeError, ValueError) as exc:
        raise ProjectFileError(path, f"the project could not be written as JSON ({exc})") from exc
    return (text + "\n").encode("utf-8")


def _write_atomic(
    path: Path, payload: bytes, *, backup: bool, overwrite_read_only: bool = False
) -> None:
    """Write ``payload`` to ``path`` so that readers see either the old or the new file."""
    try:
        write_atomic(path, payload, backup=backup, overwrite_read_only=overwrite_read_only)
    except ReadOnlyTargetError as exc:
        raise ReadOnlyProjectError(path, "the project file is read-only") from exc
    except AtomicWriteError as exc:
        if "folder" in exc.reason or "regular file" in exc.reason:
            raise ProjectFileError(path, exc.reason) from exc
        raise ProjectFileError(path, f"could not be saved ({exc.reason})") from exc


def save_project(
    document: Document, path: str | Path, *, overwrite_read_only: bool = False
) -> ProjectData:
    """Save ``document`` to ``path`` atomically, keeping the previous file as ``<name>.bak``.

    Parameters
    ----------
    document
        The open pair and everything done to it.
    path
        The project file, conventionally ``*.xrc.json``.
    overwrite_read_only
        Replace a read-only file (only after the user confirmed; it stays read-only).

    Returns
    -------
    ProjectData
        What was saved.

    Raises
    ------
    ProjectFileError
        The save failed (no folder, no permission, disk full, a film without a file); the
        file at ``path`` is left exactly as it was. :class:`ReadOnlyProjectError` when the
        file is read-only (a subclass: ask, then save again with ``overwrite_read_only``).
    """
    path = Path(path)
    try:
        data = capture_project(document, path)
    except ValueError as exc:
        raise ProjectFileError(path, str(exc)) from exc
    _write_atomic(path, _dumps(data, path), backup=True, overwrite_read_only=overwrite_read_only)
    return data


# -- reading ---------------------------------------------------------------------------------
def read_project(path: str | Path) -> ProjectData:
    """Read, migrate and validate a project file (a ``recovery`` block is ignored).

    Raises
    ------
    ProjectFileError
        The only error raised: missing, unreadable, not a regular file, too large, not JSON
        (corrupt or truncated), not a project, written by a newer xraycompare, or holding an
        invalid value (the message says where, e.g. ``regions[3].score``).
    """
    return replace(_read(Path(path)), recovery=None)


def _read(path: Path) -> ProjectData:
    try:
        raw = read_regular_file(path, max_bytes=MAX_BYTES, what="project file")
    except FileReadError as exc:
        raise ProjectFileError(path, exc.reason) from exc
    if not raw.strip():
        raise ProjectFileError(path, "the file is empty")
    if raw.count(b"[") > MAX_LISTS:
        raise ProjectFileError(
            path, f"holds more than {MAX_LISTS:,} lists or points, far more than any project "
            f"(at most {MAX_POINTS_PER_REGION:,} points a region, {MAX_TOTAL_POINTS:,} in all)",
        )  # fmt: skip
    try:
        header = read_header(raw)
        version = _check_header(path, header.format, header.version)
        if version == VERSION:
            return project_from_json(raw, path=path)
        return _migrated(decode_any(raw), version, path)
    except SchemaError as exc:
        raise ProjectFileError(path, _invalid(exc)) from exc


def _invalid(exc: SchemaError) -> str:
    return f"invalid project: {exc}" if exc.where else exc.reason


def _check_header(path: Path, fmt: Any, version: Any) -> int:
    if fmt != FORMAT:
        raise ProjectFileError(path, "not an xraycompare project (no 'format' marker)")
    if isinstance(version, bool) or not isinstance(version, int):
        raise ProjectFileError(path, "the project has no valid 'version' number")
    if version > VERSION:
        raise ProjectFileError(
            path, f"written by a newer xraycompare (project version {version}; this version "
            f"reads up to {VERSION}); update xraycompare to open it",
        )  # fmt: skip
    return version


def _migrated(obj: Any, version: int, path: Path) -> ProjectData:
    original = version
    while version < VERSION:
        if version not in MIGRATIONS:
            raise SchemaError("", f"project version {version} cannot be migrated")
        try:
            obj = MIGRATIONS[version](obj)
        except (KeyError, TypeError, ValueError, AttributeError, IndexError) as exc:
            raise SchemaError("", f"migration from version {version} failed ({exc})") from exc
        version += 1
        if not isinstance(obj, dict):
            raise SchemaError("", f"migration to version {version} failed")
        obj["version"] = version
    data = project_from_dict(obj, path=path)
    return replace(data, migrated_from=original) if original != VERSION else data


def parse_project(obj: Any, *, path: Path) -> ProjectData:
    """Validate an already decoded project (migrating old versions); see read_project."""
    if not isinstance(obj, dict):
        raise ProjectFileError(path, "not an xraycompare project (no 'format' marker)")
    version = _check_header(path, obj.get("format"), obj.get("version"))
    try:
        return replace(_migrated(obj, version, path), recovery=None)
    except SchemaError as exc:
        raise ProjectFileError(path, _invalid(exc)) from exc


# -- recovery --------------------------------------------------------------------------------
def recovery_path_for(project_path: str | Path | None, *, directory: str | Path) -> Path:
    """The recovery file for a project (stable per project; per process when unsaved)."""
    directory = Path(directory)
    if project_path is None:
        return directory / f"untitled-{_SESSION}{RECOVERY_SUFFIX}"
    p = Path(project_path).resolve()
    stem = p.name[: -len(SUFFIX)] if p.name.endswith(SUFFIX) else p.stem
    key = hashlib.sha256(str(p).encode("utf-8")).hexdigest()[:10]
    return directory / f"{stem}-{key}{RECOVERY_SUFFIX}"


def write_recovery(document: Document, path: str | Path) -> None:
    """Autosave ``document`` to the recovery file ``path`` (atomic, no backup)."""
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        data = capture_project(document, path)
    except (OSError, ValueError) as exc:
        raise ProjectFileError(path, str(exc)) from exc
    project = document.project_path
    block = RecoveryInfoBlock(
        project_path=None if project is None else str(Path(project).resolve()),
        saved_at=datetime.now(UTC).isoformat(timespec="seconds"),
        pid=os.getpid(),
    )
    _write_atomic(path, _dumps(replace(data, recovery=block), path), backup=False)


def read_recovery(path: str | Path) -> ProjectData:
    """Read a recovery file as a recovery: the data, plus the project it recovers, checked.

    The ``recovery`` block's ``project_path`` is kept (it becomes where Save writes) only
    when it is an absolute path to an existing ``*.xrc.json`` project file, not a recovery
    file, and this file's name is the one :func:`recovery_path_for` gives that project in
    this folder (the app names recovery files so). Otherwise it is dropped: the work is
    recovered as unsaved, and Save asks where to write.

    Raises
    ------
    ProjectFileError
        As :func:`read_project`.
    """
    path = Path(path)
    data = _read(path)
    block = data.recovery or RecoveryInfoBlock(None, "", 0)
    project = _recovered_project(path, block.project_path)
    return replace(data, recovery=replace(block, project_path=project))


def _recovered_project(recovery: Path, recorded: str | None) -> str | None:
    if not recorded:
        return None
    project = Path(recorded)
    if not project.is_absolute() or project.name.endswith(RECOVERY_SUFFIX):
        return None
    if not project.name.endswith(SUFFIX):
        return None
    try:
        if recovery_path_for(project, directory=recovery.parent).name != recovery.name:
            return None
        read_project(project)  # a real project file, not anything else on the disk
    except (ProjectFileError, OSError, ValueError, RuntimeError):
        return None
    return str(project)


@dataclass(frozen=True)
class RecoveryInfo:
    """A recovery file found at start-up: its data, or why it cannot be read."""

    path: Path
    data: ProjectData | None
    error: str | None = None

    @property
    def project_path(self) -> Path | None:
        """The project this recovers (checked by :func:`read_recovery`), or None."""
        block = self.data.recovery if self.data is not None else None
        return Path(block.project_path) if block and block.project_path else None

    @property
    def saved_at(self) -> str:
        block = self.data.recovery if self.data is not None else None
        return block.saved_at if block else ""


def find_recoveries(directory: str | Path) -> list[RecoveryInfo]:
    """Every recovery file in ``directory``, newest first; unreadable ones carry ``error``."""
    directory = Path(directory)
    if not directory.is_dir():
        return []
    found = []
    for p in directory.glob(f"*{RECOVERY_SUFFIX}"):
        try:
            found.append(RecoveryInfo(p, read_recovery(p)))
        except ProjectFileError as exc:
            found.append(RecoveryInfo(p, None, exc.reason))
    return sorted(found, key=lambda r: _mtime(r.path), reverse=True)


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return 0.0


def discard_recovery(path: str | Path) -> None:
    """Delete a recovery file (after a clean save, or when the user declines it)."""
    with contextlib.suppress(FileNotFoundError):
        Path(path).unlink()
