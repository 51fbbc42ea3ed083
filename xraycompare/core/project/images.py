"""Find a project's films again, even when they moved, and check they are the same files.

The GUI shows :attr:`ImageResolution.message` and asks the user to locate a missing film
(passing it back as ``candidate``); a film whose content hash differs from the one saved is
loaded but flagged, since its regions and alignment may not fit.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from xraycompare.core.io.image import ImageLoadError, XrayImage
from xraycompare.core.io.loading import load_image
from xraycompare.core.project.schema import ImageRef, ProjectData
from xraycompare.core.types import FILMS

ResolutionStatus = Literal["ok", "moved", "hash_mismatch", "missing", "unreadable", "none"]


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


def _nearby(project_dir: Path, name: str) -> list[Path]:
    """Files called ``name`` next to the project: its folder, sub-folders (2 deep), parent."""
    found = [project_dir / name]
    for pattern in (f"*/{name}", f"*/*/{name}"):
        found.extend(sorted(project_dir.glob(pattern)))
    found.append(project_dir.parent / name)
    return found


def resolve_image(
    ref: ImageRef | None,
    project_dir: Path,
    *,
    film: str,
    candidate: Path | None = None,
    search_dirs: Sequence[Path] = (),
) -> ImageResolution:
    """Find and load the film ``ref`` records, checking its content hash.

    ``candidate`` is a file the user located; otherwise the recorded path is tried, then a
    file of the same name next to the project (and in ``search_dirs``). A same-content
    file wins over one whose hash differs.
    """
    if ref is None:
        return ImageResolution(film, "none", None, None, f"no {film} film in the project")
    recorded = ref.resolve(project_dir)
    if candidate is not None:
        paths = [Path(candidate)]
    else:
        paths = [recorded]
        for folder in (project_dir, *search_dirs):
            paths.extend(_nearby(folder, ref.name))
    mismatch: ImageResolution | None = None
    unreadable: ImageResolution | None = None
    seen: set[Path] = set()
    for p in paths:
        key = p.resolve()
        if key in seen or not p.is_file():
            continue
        seen.add(key)
        try:
            image = load_image(p)
        except ImageLoadError as exc:
            unreadable = unreadable or ImageResolution(film, "unreadable", p, None, str(exc))
            continue
        if not ref.sha256 or image.content_hash == ref.sha256:
            moved = key != recorded
            status: ResolutionStatus = "moved" if moved else "ok"
            msg = f"the {film} film was found at {p}" if moved else ""
            return ImageResolution(film, status, p, image, msg)
        mismatch = mismatch or ImageResolution(
            film, "hash_mismatch", p, image,
            f"{p.name} is not the {film} film this project was saved with (its content "
            "differs): the regions and the alignment may not fit it",
        )  # fmt: skip
    if mismatch is not None:
        return mismatch
    if unreadable is not None:
        return unreadable
    where = candidate if candidate is not None else recorded
    return ImageResolution(
        film, "missing", where, None,
        f"the {film} film {ref.name} was not found at {where} nor next to the project",
    )  # fmt: skip


def resolve_images(
    data: ProjectData, *, candidates: Mapping[str, Path] | None = None
) -> dict[str, ImageResolution]:
    """:func:`resolve_image` for both films, relative to the project's folder.

    A recovery file's paths are relative to its own folder; the folder of the project it
    recovers is searched as well.
    """
    base = data.path.parent if data.path is not None else Path.cwd()
    extra = []
    if data.recovery is not None and data.recovery.project_path:
        extra.append(Path(data.recovery.project_path).parent)
    return {
        f: resolve_image(
            data.image_ref(f), base, film=f, candidate=(candidates or {}).get(f), search_dirs=extra
        )
        for f in FILMS
    }
