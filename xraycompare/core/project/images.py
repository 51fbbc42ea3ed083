"""Find a project's films again, even when they moved, and check they are the same files.

The GUI shows :attr:`ImageResolution.message` and asks the user to locate a missing film
(passing it back as ``candidate``); a film whose content hash differs from the one saved is
loaded but flagged, since its regions and alignment may not fit.

A recorded name is a name, never a pattern (``*`` is looked up as a file called ``*``),
and the search is bounded: the project's folder, its sub-folders two deep (at most
:data:`MAX_FOLDERS` of them, links not followed) and its parent. Files found there are
compared by their content hash before anything is decoded; at most one file of another
content is decoded, to report it. Headless runs pass ``search=False`` to fail fast.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from xraycompare.core.io.image import ImageLoadError, XrayImage
from xraycompare.core.io.loading import MAX_FILE_BYTES, load_image
from xraycompare.core.project.schema import ImageRef, ProjectData
from xraycompare.core.types import FILMS

ResolutionStatus = Literal["ok", "moved", "hash_mismatch", "missing", "unreadable", "none"]
MAX_FOLDERS = 500  # sub-folders searched for a moved film
MAX_CANDIDATES = 20  # same-name files whose content is hashed


@dataclass(frozen=True)
class ImageResolution:
    """Where a project's film was found and whether it is the same file (for the GUI).

    ``status``: "ok" (at its recorded path, same content), "moved" (same content found
    elsewhere), "hash_mismatch" (a file was loaded but its content differs from the one
    saved: regions may not fit), "missing", "unreadable", or "none" (no film recorded).
    """

    film: str
    status: ResolutionStatus
    path: Path | None
    image: XrayImage | None
    message: str

    @property
    def loaded(self) -> bool:
        return self.image is not None


def plain_name(name: str) -> bool:
    """True for a file name that names one file in a folder (no separator, no ``..``)."""
    return (
        bool(name)
        and name not in (".", "..")
        and not any(c in name for c in "/\\\x00")
        and len(name.encode("utf-8", "surrogatepass")) <= 255
    )


def _subfolders(folder: Path, depth: int, budget: list[int]) -> Iterator[Path]:
    """Sub-folders ``depth`` levels deep, sorted, links not followed, at most the budget."""
    if depth == 0:
        return
    try:
        with os.scandir(folder) as entries:
            names = sorted(e.name for e in entries if e.is_dir(follow_symlinks=False))
    except OSError:
        return
    for name in names:
        if budget[0] <= 0:
            return
        budget[0] -= 1
        yield folder / name
        yield from _subfolders(folder / name, depth - 1, budget)


def _nearby(project_dir: Path, name: str) -> list[Path]:
    """Files literally called ``name`` next to the project: its folder, sub-folders (2 deep),
    parent."""
    if not plain_name(name):
        return []
    found = [project_dir / name]
    found.extend(sub / name for sub in _subfolders(project_dir, 2, [MAX_FOLDERS]))
    found.append(project_dir.parent / name)
    return found


def _file_key(path: Path) -> Path | None:
    """The real path of a regular file of a radiograph's size, else None (never raises).

    An empty file is no film; this also keeps out the system's pseudo-files (``/proc``),
    which claim a size of 0 and may never end when read."""
    try:
        if not path.is_file() or not 0 < path.stat().st_size <= MAX_FILE_BYTES:
            return None
        return path.resolve()
    except (OSError, ValueError, RuntimeError):
        return None


def _sha256(path: Path) -> str:
    """The content hash, reading at most a film's size ("" when longer or unreadable)."""
    digest, left = hashlib.sha256(), MAX_FILE_BYTES
    try:
        with open(path, "rb") as handle:
            while chunk := handle.read(min(1 << 20, left + 1)):
                left -= len(chunk)
                if left < 0:
                    return ""  # grew past the size it claimed: not a film
                digest.update(chunk)
    except OSError:
        return ""
    return digest.hexdigest()


def _load(film: str, path: Path) -> tuple[XrayImage | None, ImageResolution | None]:
    try:
        return load_image(path), None
    except ImageLoadError as exc:
        return None, ImageResolution(film, "unreadable", path, None, str(exc))


def resolve_image(
    ref: ImageRef | None,
    project_dir: Path,
    *,
    film: str,
    candidate: Path | None = None,
    search_dirs: Sequence[Path] = (),
    search: bool = True,
) -> ImageResolution:
    """Find and load the film ``ref`` records, checking its content hash.

    ``candidate`` is a file the user located; otherwise the recorded path is tried, then
    (with ``search``) a file of the same name next to the project and in ``search_dirs``.
    A same-content file wins over one whose hash differs.
    """
    if ref is None:
        return ImageResolution(film, "none", None, None, f"no {film} film in the project")
    recorded = _recorded(ref, project_dir)
    if candidate is not None:
        paths = [Path(candidate)]
    else:
        paths = [recorded]
        for folder in (project_dir, *search_dirs) if search else ():
            paths.extend(_nearby(folder, ref.name))
    files: list[tuple[Path, Path]] = []  # (as found, real path), each file once
    seen: set[Path] = set()
    for p in paths:
        key = _file_key(p)
        if key is not None and key not in seen:
            seen.add(key)
            files.append((p, key))
        if len(files) >= MAX_CANDIDATES:
            break
    if ref.sha256:  # the same content first, hashed without decoding
        files.sort(key=lambda f: _sha256(f[0]) != ref.sha256)
    unreadable: ImageResolution | None = None
    for p, key in files[:2] if ref.sha256 else files:
        image, failure = _load(film, p)
        if image is None:
            unreadable = unreadable or failure
            continue
        if not ref.sha256 or image.content_hash == ref.sha256:
            moved = key != recorded
            status: ResolutionStatus = "moved" if moved else "ok"
            msg = f"the {film} film was found at {p}" if moved else ""
            return ImageResolution(film, status, p, image, msg)
        return ImageResolution(
            film, "hash_mismatch", p, image,
            f"{p.name} is not the {film} film this project was saved with (its content "
            "differs): the regions and the alignment may not fit it",
        )  # fmt: skip
    if unreadable is not None:
        return unreadable
    where = candidate if candidate is not None else recorded
    return ImageResolution(
        film, "missing", where, None,
        f"the {film} film {ref.name} was not found at {where} nor next to the project",
    )  # fmt: skip


def _recorded(ref: ImageRef, project_dir: Path) -> Path:
    """Where the project says the film is (resolved when that is possible)."""
    try:
        return ref.resolve(project_dir)
    except (OSError, ValueError, RuntimeError):  # a link loop or an impossible name
        return project_dir / ref.path


def resolve_images(
    data: ProjectData, *, candidates: Mapping[str, Path] | None = None, search: bool = True
) -> dict[str, ImageResolution]:
    """:func:`resolve_image` for both films, relative to the project's folder.

    A recovery file's paths are relative to its own folder; the folder of the project it
    recovers (checked by ``read_recovery``) is searched as well. ``search=False`` looks
    only where the project says (headless runs and screenshots: fail fast, ask nothing).
    """
    base = data.path.parent if data.path is not None else Path.cwd()
    extra = []
    if data.recovery is not None and data.recovery.project_path:
        extra.append(Path(data.recovery.project_path).parent)
    chosen = candidates or {}
    return {
        f: resolve_image(
            data.image_ref(f),
            base,
            film=f,
            candidate=chosen.get(f),
            search_dirs=extra,
            search=search,
        )
        for f in FILMS
    }
