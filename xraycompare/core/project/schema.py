"""The project file's content, :class:`ProjectData`, and the JSON it is written as.

Only plain JSON types are written: no pixel data, no patient identifiers, no pickles.
Reading and validation live in :mod:`project_parse`.
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

import numpy as np

from xraycompare.core.annotations.regions import Region
from xraycompare.core.annotations.svdh import ScoreEntry
from xraycompare.core.compare.settings import DifferenceSettings
from xraycompare.core.document import ViewState
from xraycompare.core.geometry import IDENTITY
from xraycompare.core.io.display import DisplaySettings
from xraycompare.core.registration.alignment import GLOBAL, Alignment, LandmarkPair
from xraycompare.core.types import FILMS, Calibration

FORMAT = "xraycompare-project"


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

    @property
    def name(self) -> str:
        return PurePosixPath(self.path).name

    def resolve(self, project_dir: Path) -> Path:
        """The absolute path this reference points at, from the project's folder."""
        p = Path(self.path)
        return p if p.is_absolute() else (project_dir / p).resolve()


@dataclass(frozen=True)
class RecoveryInfoBlock:
    """What a recovery file adds: which project it belongs to, when and by whom written."""

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
    path: Path | None = None  # the file it was read from (not stored)
    migrated_from: int | None = None  # the file's version when it was older
    recovery: RecoveryInfoBlock | None = None

    def __post_init__(self) -> None:
        for name in ("images", "pane_offsets", "display"):
            object.__setattr__(self, name, MappingProxyType(dict(getattr(self, name))))

    def image_ref(self, film: str) -> ImageRef | None:
        return self.images.get(film)


# -- writing -------------------------------------------------------------------------------
def _matrix_list(m: np.ndarray) -> list[list[float]]:
    return [[float(v) for v in row] for row in np.asarray(m)]


def _finite_numbers(values: Mapping[str, Any]) -> dict[str, float]:
    """The finite numeric entries (quality figures may hold None or NaN when not measured)."""
    out = {}
    for k, v in values.items():
        numeric = isinstance(v, int | float | np.integer | np.floating) and not isinstance(v, bool)
        if numeric and math.isfinite(float(v)):
            out[str(k)] = float(v)
    return out


def _alignment_dict(a: Alignment) -> dict[str, Any]:
    return {
        "name": a.name,
        "matrix": _matrix_list(a.matrix),
        "model": a.model,
        "method": a.method,
        "roi": None if a.roi is None else [float(v) for v in a.roi],
        "quality": _finite_numbers(a.quality),
        "mirrored": bool(a.mirrored),
        "seconds": float(a.seconds),
        "warning": a.warning,
    }


def _region_dict(r: Region) -> dict[str, Any]:
    return {
        "id": r.id,
        "film": r.film,
        "geometry": r.geometry,
        "points": [[x, y] for x, y in r.points],
        "site": r.site,
        "laterality": r.laterality,
        "kind": r.kind,
        "score": r.score,
        "status": r.status,
        "note": r.note,
        "label": r.label,
        "lineage_id": r.lineage_id,
    }


def _display_dict(d: DisplaySettings) -> dict[str, Any]:
    w = d.window
    return {
        "window": None
        if w is None
        else {"center": w.center, "width": w.width, "function": w.function},
        "voi_lut_index": d.voi_lut_index,
        "inverted": d.inverted,
    }


def _difference_dict(d: DifferenceSettings) -> dict[str, Any]:
    return {
        "exposure_method": d.exposure_method,
        "exposure_gain": d.exposure_gain,
        "exposure_offset": d.exposure_offset,
        "range": d.difference_range,
        "absolute": d.absolute,
    }


def project_to_dict(data: ProjectData, *, version: int) -> dict[str, Any]:
    """The JSON-ready dict of ``data`` (the ``version`` written is the caller's)."""
    from xraycompare import __version__

    images = {}
    for film in FILMS:
        ref = data.images.get(film)
        images[film] = None if ref is None else {
            "path": ref.path,
            "sha256": ref.sha256,
            "calibration": ref.calibration,
            "spacing_mm": None if ref.spacing_mm is None else list(ref.spacing_mm),
        }  # fmt: skip
    out: dict[str, Any] = {
        "format": FORMAT,
        "version": version,
        "generator": f"xraycompare {__version__}",
        "images": images,
        "alignment": {
            "global": None
            if data.global_alignment is None
            else _alignment_dict(data.global_alignment),
            "local": [_alignment_dict(a) for a in data.local_alignments],
            "active": data.active_alignment,
            "landmarks": [
                {"id": p.id, "before": list(p.before), "after": list(p.after)}
                for p in data.landmarks
            ],
        },
        "regions": [_region_dict(r) for r in data.regions],
        "scores": [
            {"film": e.film, "hand": e.hand, "kind": e.kind, "site": e.site, "score": e.score}
            for e in data.scores
        ],
        "view": {
            "center": None if data.view.center is None else list(data.view.center),
            "zoom": data.view.zoom,
            "mode": data.view.mode,
            "pane_offsets": {f: _matrix_list(data.pane_offsets.get(f, IDENTITY)) for f in FILMS},
        },
        "display": {
            **{f: _display_dict(data.display.get(f, DisplaySettings())) for f in FILMS},
            "link_panes": data.link_panes,
            "link_window": data.link_window,
            "difference": _difference_dict(data.difference),
        },
    }
    if data.recovery is not None:
        out["recovery"] = {
            "project_path": data.recovery.project_path,
            "saved_at": data.recovery.saved_at,
            "pid": data.recovery.pid,
        }
    return out


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
