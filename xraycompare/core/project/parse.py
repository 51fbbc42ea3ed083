"""Validate a decoded project dict field by field and build :class:`ProjectData`.

Every value's type and range is checked, and the first problem is reported with where it is
(``regions[3].points``) through :class:`SchemaError`; :mod:`project_file` turns that into the
one error type users see. Unknown keys are ignored so that a file written by a newer release
of the same version still opens.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import numpy as np

from xraycompare.core.annotations.regions import AnnotationSet, Region
from xraycompare.core.annotations.svdh import ScoreEntry
from xraycompare.core.compare.settings import DifferenceSettings
from xraycompare.core.document import ViewState
from xraycompare.core.geometry import as_matrix
from xraycompare.core.io.display import DisplaySettings
from xraycompare.core.io.image import Window
from xraycompare.core.project.schema import ImageRef, ProjectData, RecoveryInfoBlock, SchemaError
from xraycompare.core.registration.alignment import GLOBAL, Alignment, LandmarkPair
from xraycompare.core.types import CALIBRATIONS, FILMS, VIEW_MODES

T = TypeVar("T")


def _get(obj: dict, key: str, where: str, default: Any = ...) -> Any:
    if key in obj:
        return obj[key]
    if default is ...:
        raise SchemaError(where, f"missing {key!r}")
    return default


def _obj(v: Any, where: str) -> dict:
    if not isinstance(v, dict):
        raise SchemaError(where, f"expected an object, got {_type(v)}")
    return v


def _list(v: Any, where: str) -> list:
    if not isinstance(v, list):
        raise SchemaError(where, f"expected a list, got {_type(v)}")
    return v


def _str(v: Any, where: str, *, optional: bool = False) -> str | None:
    if v is None and optional:
        return None
    if not isinstance(v, str):
        raise SchemaError(where, f"expected text, got {_type(v)}")
    return v


def _num(v: Any, where: str, *, optional: bool = False) -> float | None:
    if v is None and optional:
        return None
    if isinstance(v, bool) or not isinstance(v, int | float):
        raise SchemaError(where, f"expected a number, got {_type(v)}")
    try:
        value = float(v)
    except OverflowError:
        value = math.inf
    if not math.isfinite(value):
        raise SchemaError(where, "expected a finite number")
    return value


def _bool(v: Any, where: str) -> bool:
    if not isinstance(v, bool):
        raise SchemaError(where, f"expected true or false, got {_type(v)}")
    return v


def _int(v: Any, where: str, *, optional: bool = False) -> int | None:
    if v is None and optional:
        return None
    if isinstance(v, bool) or not isinstance(v, int):
        raise SchemaError(where, f"expected a whole number, got {_type(v)}")
    return v


def _numbers(v: Any, where: str, n: int) -> tuple[float, ...]:
    items = _list(v, where)
    if len(items) != n:
        raise SchemaError(where, f"expected {n} numbers, got {len(items)}")
    return tuple(_num(x, f"{where}[{i}]") for i, x in enumerate(items))  # type: ignore[misc]


def _point(v: Any, where: str) -> tuple[float, float]:
    x, y = _numbers(v, where, 2)
    return (x, y)


def _matrix(v: Any, where: str) -> np.ndarray:
    rows = _list(v, where)
    if len(rows) != 3:
        raise SchemaError(where, f"expected a 3×3 matrix, got {len(rows)} rows")
    return as_matrix([_numbers(r, f"{where}[{i}]", 3) for i, r in enumerate(rows)])


def _items(obj: Any, where: str, parse: Callable[[Any, str], T]) -> tuple[T, ...]:
    return tuple(parse(v, f"{where}[{i}]") for i, v in enumerate(_list(obj, where)))


def _built(where: str, make: Callable[[], T]) -> T:
    """Run a model constructor, reporting its ValueError at ``where``."""
    try:
        return make()
    except (ValueError, TypeError, KeyError) as exc:
        raise SchemaError(where, str(exc).strip("'\"")) from exc


def _type(v: Any) -> str:
    return {dict: "an object", list: "a list", str: "text", bool: "true/false"}.get(
        type(v), "nothing" if v is None else "a number"
    )


def _image_ref(v: Any, where: str) -> ImageRef | None:
    if v is None:
        return None
    o = _obj(v, where)
    path = _str(_get(o, "path", where), f"{where}.path")
    if not path:
        raise SchemaError(f"{where}.path", "empty path")
    digest = _str(_get(o, "sha256", where, ""), f"{where}.sha256") or ""
    if digest and (len(digest) != 64 or any(c not in "0123456789abcdef" for c in digest)):
        raise SchemaError(f"{where}.sha256", "expected 64 lower-case hex digits")
    calibration = _get(o, "calibration", where, "none")
    if calibration not in CALIBRATIONS:
        raise SchemaError(f"{where}.calibration", f"unknown calibration {calibration!r}")
    spacing_raw = _get(o, "spacing_mm", where, None)
    spacing = None if spacing_raw is None else _numbers(spacing_raw, f"{where}.spacing_mm", 2)
    if spacing is not None and min(spacing) <= 0:
        raise SchemaError(f"{where}.spacing_mm", "pixel spacing must be positive")
    if (spacing is None) != (calibration == "none"):
        raise SchemaError(where, "spacing_mm and calibration disagree")
    return ImageRef(path, digest, calibration, spacing)  # type: ignore[arg-type]


def _alignment(v: Any, where: str) -> Alignment:
    o = _obj(v, where)
    roi_raw = _get(o, "roi", where, None)
    quality = _obj(_get(o, "quality", where, {}), f"{where}.quality")
    return _built(
        where,
        lambda: Alignment(
            name=_str(_get(o, "name", where), f"{where}.name") or "",
            matrix=_matrix(_get(o, "matrix", where), f"{where}.matrix"),
            model=_str(_get(o, "model", where, "similarity"), f"{where}.model") or "",
            method=_str(_get(o, "method", where, "automatic"), f"{where}.method") or "",
            roi=None if roi_raw is None else _numbers(roi_raw, f"{where}.roi", 4),  # type: ignore[arg-type]
            quality={k: _num(q, f"{where}.quality.{k}") for k, q in quality.items()},
            mirrored=_bool(_get(o, "mirrored", where, False), f"{where}.mirrored"),
            seconds=_num(_get(o, "seconds", where, 0.0), f"{where}.seconds") or 0.0,
            warning=_str(_get(o, "warning", where, None), f"{where}.warning", optional=True),
        ),
    )


def _landmark(v: Any, where: str) -> LandmarkPair:
    o = _obj(v, where)
    return LandmarkPair(
        id=_str(_get(o, "id", where), f"{where}.id") or "",
        before=_point(_get(o, "before", where), f"{where}.before"),
        after=_point(_get(o, "after", where), f"{where}.after"),
    )


def _region(v: Any, where: str) -> Region:
    o = _obj(v, where)
    fields = {
        "id": _str(_get(o, "id", where), f"{where}.id"),
        "film": _str(_get(o, "film", where), f"{where}.film"),
        "geometry": _str(_get(o, "geometry", where), f"{where}.geometry"),
        "points": _items(_get(o, "points", where), f"{where}.points", _point),
        "site": _str(_get(o, "site", where, None), f"{where}.site", optional=True),
        "laterality": _str(
            _get(o, "laterality", where, None), f"{where}.laterality", optional=True
        ),
        "kind": _str(_get(o, "kind", where, "other"), f"{where}.kind"),
        "score": _int(_get(o, "score", where, None), f"{where}.score", optional=True),
        "status": _str(_get(o, "status", where, None), f"{where}.status", optional=True),
        "note": _str(_get(o, "note", where, ""), f"{where}.note"),
        "label": _str(_get(o, "label", where, ""), f"{where}.label"),
        "lineage_id": _str(_get(o, "lineage_id", where, ""), f"{where}.lineage_id"),
    }
    return _built(where, lambda: Region(**fields))  # type: ignore[arg-type]


def _score(v: Any, where: str) -> ScoreEntry:
    o = _obj(v, where)
    fields = {k: _str(_get(o, k, where), f"{where}.{k}") for k in ("film", "hand", "kind", "site")}
    score = _int(_get(o, "score", where), f"{where}.score")
    return _built(where, lambda: ScoreEntry(**fields, score=score))  # type: ignore[arg-type]


def _display(v: Any, where: str) -> DisplaySettings:
    o = _obj(v, where)
    w = _get(o, "window", where, None)
    window = None
    if w is not None:
        wo = _obj(w, f"{where}.window")
        window = _built(
            f"{where}.window",
            lambda: Window(
                center=_num(_get(wo, "center", f"{where}.window"), f"{where}.window.center"),
                width=_num(_get(wo, "width", f"{where}.window"), f"{where}.window.width"),
                function=_get(wo, "function", f"{where}.window", "LINEAR"),
            ),
        )
        if window.function not in ("LINEAR", "LINEAR_EXACT", "SIGMOID"):
            raise SchemaError(f"{where}.window.function", f"unknown {window.function!r}")
    index = _int(_get(o, "voi_lut_index", where, None), f"{where}.voi_lut_index", optional=True)
    if index is not None and index < 0:
        raise SchemaError(f"{where}.voi_lut_index", "must not be negative")
    inverted = _bool(_get(o, "inverted", where, False), f"{where}.inverted")
    return DisplaySettings(window=window, voi_lut_index=index, inverted=inverted)


def _difference(v: Any, where: str) -> DifferenceSettings:
    """The comparison's exposure match and difference range (absent before they existed)."""
    o = _obj(v, where)
    return _built(
        where,
        lambda: DifferenceSettings(
            exposure_method=_str(
                _get(o, "exposure_method", where, "linear"), f"{where}.exposure_method"
            )
            or "",
            exposure_gain=_num(
                _get(o, "exposure_gain", where, None), f"{where}.exposure_gain", optional=True
            ),
            exposure_offset=_num(
                _get(o, "exposure_offset", where, None), f"{where}.exposure_offset", optional=True
            ),
            difference_range=_num(_get(o, "range", where, None), f"{where}.range", optional=True),
            absolute=_bool(_get(o, "absolute", where, False), f"{where}.absolute"),
        ),
    )


def _view(v: Any, where: str) -> tuple[ViewState, dict[str, np.ndarray]]:
    o = _obj(v, where)
    center_raw = _get(o, "center", where, None)
    center = None if center_raw is None else _point(center_raw, f"{where}.center")
    zoom = _num(_get(o, "zoom", where, None), f"{where}.zoom", optional=True)
    if zoom is not None and zoom <= 0:
        raise SchemaError(f"{where}.zoom", "zoom must be positive")
    mode = _get(o, "mode", where, "side-by-side")
    if mode not in VIEW_MODES:
        raise SchemaError(f"{where}.mode", f"unknown view mode {mode!r}")
    offsets_raw = _obj(_get(o, "pane_offsets", where, {}), f"{where}.pane_offsets")
    offsets = {
        f: _matrix(offsets_raw[f], f"{where}.pane_offsets.{f}") for f in FILMS if f in offsets_raw
    }
    return ViewState(center=center, zoom=zoom, mode=mode), offsets


def _recovery(v: Any, where: str) -> RecoveryInfoBlock:
    o = _obj(v, where)
    return RecoveryInfoBlock(
        project_path=_str(
            _get(o, "project_path", where, None), f"{where}.project_path", optional=True
        ),
        saved_at=_str(_get(o, "saved_at", where, ""), f"{where}.saved_at") or "",
        pid=_int(_get(o, "pid", where, 0), f"{where}.pid") or 0,
    )


def project_from_dict(obj: Any, *, path: Path | None = None) -> ProjectData:
    """Validate a current-version dict and build :class:`ProjectData`; raises SchemaError."""
    top = _obj(obj, "")
    images_raw = _obj(_get(top, "images", ""), "images")
    images = {f: _image_ref(images_raw.get(f), f"images.{f}") for f in FILMS}
    align = _obj(_get(top, "alignment", "", {}), "alignment")
    global_raw = _get(align, "global", "alignment", None)
    global_alignment = None if global_raw is None else _alignment(global_raw, "alignment.global")
    locals_ = _items(_get(align, "local", "alignment", []), "alignment.local", _alignment)
    names = [a.name for a in locals_]
    if GLOBAL in names or len(set(names)) != len(names):
        raise SchemaError("alignment.local", "local alignment names must be unique, not 'Global'")
    active = _str(_get(align, "active", "alignment", GLOBAL), "alignment.active") or GLOBAL
    if active != GLOBAL and active not in names:
        raise SchemaError("alignment.active", f"no local alignment named {active!r}")
    landmarks = _items(_get(align, "landmarks", "alignment", []), "alignment.landmarks", _landmark)
    regions = _items(_get(top, "regions", "", []), "regions", _region)
    _built("regions", lambda: _check_regions(regions))
    scores = _items(_get(top, "scores", "", []), "scores", _score)
    if len({e.key for e in scores}) != len(scores):
        raise SchemaError("scores", "a site is scored twice for the same film and hand")
    view, offsets = _view(_get(top, "view", "", {}), "view")
    display_raw = _obj(_get(top, "display", "", {}), "display")
    display = {f: _display(display_raw.get(f, {}), f"display.{f}") for f in FILMS}
    recovery_raw = _get(top, "recovery", "", None)
    return ProjectData(
        images=images,
        global_alignment=global_alignment,
        local_alignments=locals_,
        active_alignment=active,
        landmarks=landmarks,
        regions=regions,
        scores=scores,
        view=view,
        pane_offsets=offsets,
        display=display,
        link_panes=_bool(_get(display_raw, "link_panes", "display", True), "display.link_panes"),
        link_window=_bool(_get(display_raw, "link_window", "display", True), "display.link_window"),
        difference=_difference(
            _get(display_raw, "difference", "display", {}), "display.difference"
        ),
        path=path,
        recovery=None if recovery_raw is None else _recovery(recovery_raw, "recovery"),
    )


def _check_regions(regions: tuple[Region, ...]) -> None:
    AnnotationSet(regions)  # unique ids, one region per film per lineage
