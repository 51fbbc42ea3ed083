"""The project file's content, :class:`ProjectData`, and the JSON it is written as.

Only plain JSON types are written: no pixel data, no patient identifiers, no pickles. The
keys and their order come from the file's Structs (:mod:`.structs`); reading and
validation live in :mod:`.parse`.
"""

from __future__ import annotations

import json
import math
import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from types import MappingProxyType
from typing import Any

import msgspec
import numpy as np

from xraycompare.core.annotations.regions import Region
from xraycompare.core.annotations.svdh import ScoreEntry
from xraycompare.core.compare.settings import DifferenceSettings
from xraycompare.core.document import ViewState
from xraycompare.core.geometry import IDENTITY
from xraycompare.core.io.display import DisplaySettings
from xraycompare.core.joints.corrections import JointCorrections
from xraycompare.core.project import structs as js
from xraycompare.core.project.structs import FORMAT
from xraycompare.core.registration.alignment import GLOBAL, Alignment, LandmarkPair
from xraycompare.core.teaching import BlindedReading, Bookmark, Quiz
from xraycompare.core.types import FILMS, Calibration, Hand

__all__ = ["FORMAT", "ImageRef", "ProjectData", "RecoveryInfoBlock", "SchemaError"]


class SchemaError(ValueError):
    """A value in the file is missing, of the wrong type or out of range."""

    def __init__(self, where: str, reason: str) -> None:
        self.where, self.reason = where, reason
        super().__init__(f"{where}: {reason}" if where else reason)


@dataclass(frozen=True)
class ImageRef:
    """Where a film's file is and what it was: never its pixels.

    ``path`` is POSIX-style, relative to the project's folder (absolute only when no
    relative path exists, e.g. another drive). ``calibration`` and ``spacing_mm`` record
    the calibration used, so a user calibration survives and sizes can be reported when
    the image itself is missing.
    """

    path: str
    sha256: str = ""
    calibration: Calibration = "none"
    spacing_mm: tuple[float, float] | None = None
    hand: Hand | None = None  # as the reader said, when the file does not

    @property
    def name(self) -> str:
        return PurePosixPath(self.path).name

    def resolve(self, project_dir: Path) -> Path:
        """The absolute path this reference points at, from the project's folder."""
        p = Path(self.path)
        return p if p.is_absolute() else (project_dir / p).resolve()


@dataclass(frozen=True)
class RecoveryInfoBlock:
    """What a recovery file adds: which project it belongs to, when and by whom written.

    A project never chooses where the app writes: ``project_path`` is kept only when the
    file was opened as a recovery file and that project checked out (see
    :func:`~xraycompare.core.project.file.read_recovery`); a normal open drops the block.
    """

    project_path: str | None
    saved_at: str
    pid: int


@dataclass(frozen=True, eq=False)
class ProjectData:
    """Everything a project file holds, validated. Compare two with :func:`project_to_dict`."""

    images: Mapping[str, ImageRef | None]
    global_alignment: Alignment | None = None
    local_alignments: tuple[Alignment, ...] = ()
    active_alignment: str = GLOBAL
    landmarks: tuple[LandmarkPair, ...] = ()
    regions: tuple[Region, ...] = ()
    scores: tuple[ScoreEntry, ...] = ()
    view: ViewState = field(default_factory=ViewState)
    pane_offsets: Mapping[str, np.ndarray] = field(default_factory=dict)
    display: Mapping[str, DisplaySettings] = field(default_factory=dict)
    link_panes: bool = True
    link_window: bool = True
    difference: DifferenceSettings = field(default_factory=DifferenceSettings)
    joint_corrections: JointCorrections = field(default_factory=JointCorrections)
    bookmarks: tuple[Bookmark, ...] = ()
    quiz: Quiz = field(default_factory=Quiz)
    blinded: BlindedReading | None = None
    path: Path | None = None  # the file it was read from (not stored)
    migrated_from: int | None = None  # the file's version when it was older
    recovery: RecoveryInfoBlock | None = None  # only when read as a recovery file

    def __post_init__(self) -> None:
        for name in ("images", "pane_offsets", "display"):
            object.__setattr__(self, name, MappingProxyType(dict(getattr(self, name))))

    def image_ref(self, film: str) -> ImageRef | None:
        return self.images.get(film)


# -- writing -------------------------------------------------------------------------------
def _matrix_rows(m: np.ndarray) -> js.Matrix:
    return tuple(tuple(float(v) for v in row) for row in np.asarray(m))  # type: ignore[return-value]


def _optional(value: float | None) -> float | None:
    return None if value is None else float(value)


def _finite_numbers(values: Mapping[str, Any]) -> dict[str, float]:
    """The finite numeric entries (quality figures may hold None or NaN when not measured)."""
    out = {}
    for k, v in values.items():
        numeric = isinstance(v, int | float | np.integer | np.floating) and not isinstance(v, bool)
        if numeric and math.isfinite(float(v)):
            out[str(k)] = float(v)
    return out


def _alignment_struct(a: Alignment) -> js.AlignmentJ:
    return js.AlignmentJ(
        name=a.name, matrix=_matrix_rows(a.matrix), model=a.model, method=a.method,
        roi=None if a.roi is None else tuple(float(v) for v in a.roi),  # type: ignore[arg-type]
        quality=_finite_numbers(a.quality), mirrored=bool(a.mirrored), seconds=float(a.seconds),
        warning=a.warning, status=a.status, reason=a.reason,  # type: ignore[arg-type]
    )  # fmt: skip


def _region_struct(r: Region) -> js.RegionJ:
    return js.RegionJ(
        id=r.id, film=r.film, geometry=r.geometry, points=list(r.points), site=r.site,
        laterality=r.laterality, kind=r.kind, score=r.score, status=r.status, note=r.note,
        label=r.label, lineage_id=r.lineage_id,
    )  # fmt: skip


def _display_struct(d: DisplaySettings) -> js.FilmDisplayJ:
    w = d.window
    window = None if w is None else js.WindowJ(float(w.center), float(w.width), w.function)
    return js.FilmDisplayJ(window=window, voi_lut_index=d.voi_lut_index, inverted=d.inverted)


def _difference_struct(d: DifferenceSettings) -> js.DifferenceJ:
    return js.DifferenceJ(
        exposure_method=d.exposure_method, exposure_gain=_optional(d.exposure_gain),
        exposure_offset=_optional(d.exposure_offset), range_=_optional(d.difference_range),
        absolute=d.absolute, filter=d.difference_filter, filter_radius=d.filter_radius,
        outside_hand=d.outside_hand,
    )  # fmt: skip


def _image_struct(
    ref: ImageRef | None, joints: Mapping[str, tuple[float, float]]
) -> js.ImageJ | None:
    if ref is None:
        return None
    spacing = None if ref.spacing_mm is None else tuple(float(v) for v in ref.spacing_mm)
    placed = {site: (float(x), float(y)) for site, (x, y) in joints.items()} or msgspec.UNSET
    return js.ImageJ(ref.path, ref.sha256, ref.calibration, spacing, ref.hand, placed)  # type: ignore[arg-type]


def _score_struct(e: ScoreEntry) -> js.ScoreJ:
    return js.ScoreJ(e.film, e.hand, e.kind, e.site, e.score)


def _bookmark_struct(b: Bookmark) -> js.BookmarkJ:
    return js.BookmarkJ(
        name=b.name, caption=b.caption, center=b.center, zoom=b.zoom, mode=b.mode,
        alignment=b.alignment,
    )  # fmt: skip


def _teaching_structs(data: ProjectData) -> dict[str, Any]:
    """The teaching keys, each only when there is something to keep."""
    out: dict[str, Any] = {}
    if data.bookmarks:
        out["bookmarks"] = [_bookmark_struct(b) for b in data.bookmarks]
    if data.quiz.active:
        out["quiz"] = js.QuizJ(hidden=sorted(data.quiz.hidden))
    blind = data.blinded
    if blind is not None:
        out["blinded"] = js.BlindedJ(
            a_film=blind.a_film, seed=blind.seed, revealed_at=blind.revealed_at,
            scores=[_score_struct(e) for e in blind.scores],
        )  # fmt: skip
    return out


def project_to_struct(data: ProjectData, *, version: int) -> js.ProjectJ:
    """The file's Structs for ``data`` (the ``version`` written is the caller's)."""
    from xraycompare import __version__

    view, block = data.view, data.recovery
    return js.ProjectJ(
        format=FORMAT,
        version=version,
        generator=f"xraycompare {__version__}",
        images=js.ImagesJ(
            *(_image_struct(data.images.get(f), data.joint_corrections.of(f)) for f in FILMS)
        ),
        alignment=js.AlignmentsJ(
            global_=None
            if data.global_alignment is None
            else _alignment_struct(data.global_alignment),
            local=[_alignment_struct(a) for a in data.local_alignments],
            active=data.active_alignment,
            landmarks=[js.LandmarkJ(p.id, p.before, p.after) for p in data.landmarks],
        ),
        regions=[_region_struct(r) for r in data.regions],
        scores=[_score_struct(e) for e in data.scores],
        view=js.ViewJ(
            center=None if view.center is None else (float(view.center[0]), float(view.center[1])),
            zoom=_optional(view.zoom),
            mode=view.mode,
            pane_offsets=js.PaneOffsetsJ(
                *(_matrix_rows(data.pane_offsets.get(f, IDENTITY)) for f in FILMS)
            ),
        ),
        display=js.DisplayJ(
            *(_display_struct(data.display.get(f, DisplaySettings())) for f in FILMS),
            link_panes=data.link_panes,
            link_window=data.link_window,
            difference=_difference_struct(data.difference),
        ),
        **_teaching_structs(data),
        recovery=msgspec.UNSET
        if block is None
        else js.RecoveryJ(block.project_path, block.saved_at, block.pid),
    )


def project_to_dict(data: ProjectData, *, version: int) -> dict[str, Any]:
    """The JSON-ready dict of ``data`` (the ``version`` written is the caller's)."""
    return js.to_builtins(project_to_struct(data, version=version))


def dumps_readable(obj: Any) -> str:
    """Indented JSON with number lists (points, matrix rows) kept on one line each.

    Such lists are swapped for placeholder strings carrying a fresh random marker (so no
    user text can collide), dumped, and put back in compact form. NaN and infinity are
    refused: they are not JSON.
    """
    marker = uuid.uuid4().hex
    compact: list[str] = []

    def is_numbers(v: Any) -> bool:
        return isinstance(v, list) and all(
            isinstance(x, int | float) and not isinstance(x, bool) for x in v
        )

    def swap(v: Any) -> Any:
        if isinstance(v, dict):
            return {k: swap(x) for k, x in v.items()}
        if isinstance(v, list):
            if v and (is_numbers(v) or all(is_numbers(x) and x for x in v)):
                compact.append(json.dumps(v, allow_nan=False, separators=(", ", ": ")))
                return f"{marker}:{len(compact) - 1}"
            return [swap(x) for x in v]
        return v

    text = json.dumps(swap(obj), indent=1, ensure_ascii=False, allow_nan=False)
    return re.sub(f'"{marker}:(\\d+)"', lambda m: compact[int(m.group(1))], text)
