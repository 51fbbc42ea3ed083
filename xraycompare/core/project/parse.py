"""Decode a project file through its Structs and build :class:`ProjectData`.

msgspec checks every type, range and size while decoding (:mod:`.structs`); what a type
cannot say (a site that exists for the kind, unique ids, a matrix that can be inverted) is
checked here while the domain values are built. Every problem becomes a
:class:`SchemaError` that says where, in plain words (``regions[3].score: expected a whole
number, got text``), never msgspec's own wording.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import msgspec
import numpy as np

from xraycompare.core.annotations.regions import AnnotationSet, Region
from xraycompare.core.annotations.svdh import ScoreEntry
from xraycompare.core.compare.settings import DifferenceSettings
from xraycompare.core.document import ViewState
from xraycompare.core.geometry import as_matrix
from xraycompare.core.io.display import DisplaySettings
from xraycompare.core.io.image import Window
from xraycompare.core.joints.corrections import JointCorrections
from xraycompare.core.project import structs as js
from xraycompare.core.project.schema import ImageRef, ProjectData, RecoveryInfoBlock, SchemaError
from xraycompare.core.registration.alignment import GLOBAL, Alignment, LandmarkPair
from xraycompare.core.teaching import BlindedReading, Bookmark, Quiz
from xraycompare.core.types import FILMS
from xraycompare.core.view_control import MAX_ZOOM, MIN_ZOOM

T = TypeVar("T")
_DECODER = msgspec.json.Decoder(js.ProjectJ)
_HEADER = msgspec.json.Decoder(js.HeaderJ)


# -- decoding ---------------------------------------------------------------------------------
def read_header(raw: bytes) -> js.HeaderJ:
    """The ``format`` and ``version`` a file claims (the rest is skipped, not built).

    Raises SchemaError with a plain reason for bytes that are not a JSON object.
    """
    try:
        return _HEADER.decode(raw)
    except msgspec.ValidationError as exc:
        raise SchemaError("", "not an xraycompare project (no 'format' marker)") from exc
    except msgspec.DecodeError as exc:
        raise SchemaError("", json_problem(raw, exc)) from exc
    except RecursionError as exc:
        raise SchemaError("", "not a project: its values are nested far too deeply") from exc


def project_from_json(raw: bytes, *, path: Path | None = None) -> ProjectData:
    """Decode and validate a current-version file's bytes; raises SchemaError."""
    try:
        project = _DECODER.decode(raw)
    except msgspec.ValidationError as exc:
        raise plain_error(exc) from exc
    except msgspec.DecodeError as exc:
        raise SchemaError("", json_problem(raw, exc)) from exc
    except RecursionError as exc:
        raise SchemaError("", "not a project: its values are nested far too deeply") from exc
    return project_from_struct(project, path=path)


def project_from_dict(obj: Any, *, path: Path | None = None) -> ProjectData:
    """Validate an already decoded (e.g. migrated) current-version dict; raises SchemaError."""
    if not isinstance(obj, dict):
        raise SchemaError("", "expected an object")
    try:
        project = msgspec.convert(obj, js.ProjectJ)
    except msgspec.ValidationError as exc:
        raise plain_error(exc) from exc
    except RecursionError as exc:
        raise SchemaError("", "not a project: its values are nested far too deeply") from exc
    return project_from_struct(project, path=path)


def decode_any(raw: bytes) -> Any:
    """Plain JSON values (for migrating an older version); raises SchemaError."""
    try:
        return msgspec.json.decode(raw)
    except msgspec.DecodeError as exc:
        raise SchemaError("", json_problem(raw, exc)) from exc
    except (msgspec.ValidationError, RecursionError) as exc:
        raise SchemaError("", f"not a project: {plain_error(exc).reason}") from exc


# -- errors in plain words ---------------------------------------------------------------------
_TYPES = {
    "int": "a whole number", "float": "a number", "str": "text", "bool": "true or false",
    "null": "null", "array": "a list", "object": "an object",
}  # fmt: skip
_BOUNDS = {">=": "at least", "<=": "at most", ">": "above", "<": "below"}
_COUNTED = {"str": "characters", "array": "items", "object": "entries"}


def _words(types: str) -> str:
    return " or ".join(_TYPES.get(t.strip(), t.strip()) for t in types.split("|"))


def _number(text: str) -> str:
    value = float(text)
    return f"{value:.0f}" if value.is_integer() and abs(value) < 1e15 else f"{value:g}"


def plain_error(exc: Exception) -> SchemaError:
    """msgspec's ValidationError as a SchemaError: where, and what is wrong, in plain words."""
    text = str(exc)
    where = ""
    found = re.search(r" - at `\$(.*)`$", text)
    if found:
        text = text[: found.start()]
        where = found.group(1).lstrip(".").replace("[...]", " (an entry)")
    return SchemaError(where, _reason(text, where))


def _reason(text: str, where: str) -> str:
    if m := re.fullmatch(r"Expected `([^`]+)`, got `([^`]+)`", text):
        return f"expected {_words(m[1])}, got {_words(m[2])}"
    if m := re.fullmatch(r"Expected `([^`]+)` of length (>=|<=)?\s*(\d+)(?:, got (\d+))?", text):
        if m[2] == ">=" and m[3] == "1":
            return f"expected {_words(m[1])}, not an empty one"
        amount = f"{_BOUNDS[m[2]]} {m[3]}" if m[2] else f"exactly {m[3]}"
        got = f", got {m[4]}" if m[4] else ""
        return f"expected {_words(m[1])} of {amount} {_COUNTED.get(m[1], 'items')}{got}"
    if m := re.fullmatch(r"Expected `([^`]+)` (>=|<=|>|<) (\S+)", text):
        return f"expected {_words(m[1])} {_BOUNDS[m[2]]} {_number(m[3])}"
    if m := re.fullmatch(r"Expected `str` matching regex (.*)", text):
        if "0-9a-f" in m[1]:
            return "expected 64 lower-case hexadecimal digits (a SHA-256 hash)"
        return "the text holds control characters"
    if m := re.fullmatch(r"Invalid enum value (.*)", text):
        allowed = _allowed_values(where)
        return f"unknown value {m[1]}" + (f" (one of {', '.join(allowed)})" if allowed else "")
    if m := re.fullmatch(r"Object missing required field `([^`]+)`", text):
        return f"missing {m[1]!r}"
    if "out of range" in text:
        return "the number is far too large"
    return text.replace("`", "'")[:1].lower() + text.replace("`", "'")[1:]


def _allowed_values(where: str) -> list[str]:
    """The values a Literal field at ``where`` (``regions[2].kind``) may take."""
    info: Any = msgspec.inspect.type_info(js.ProjectJ)
    for token in re.findall(r"[^.\[\]]+|\[\d+\]", where):
        info = _unwrap(info, token)
        if info is None:
            return []
    info = _literal(info)
    return [repr(v) for v in info.values] if info is not None else []


def _unwrap(info: Any, token: str) -> Any:
    ins = msgspec.inspect
    info = _plain(info)
    if token.startswith("["):
        if isinstance(info, ins.ListType):
            return info.item_type
        if isinstance(info, ins.TupleType):
            index = int(token[1:-1])
            return info.item_types[index] if index < len(info.item_types) else None
        return None
    if isinstance(info, ins.StructType):
        for f in info.fields:
            if f.encode_name == token:
                return f.type
    return None


def _plain(info: Any) -> Any:
    ins = msgspec.inspect
    while isinstance(info, ins.Metadata):
        info = info.type
    if isinstance(info, ins.UnionType):
        useful = [t for t in info.types if not isinstance(t, ins.NoneType)]
        info = _plain(useful[0]) if len(useful) == 1 else info
    return info


def _literal(info: Any) -> Any:
    info = _plain(info)
    return info if isinstance(info, msgspec.inspect.LiteralType) else None


# an escaped UTF-16 surrogate without its other half (after an even run of backslashes)
_LONE_SURROGATE = re.compile(
    rb"(?<!\\)(?:\\\\)*"
    rb"(\\u[dD][89abAB][0-9a-fA-F]{2}(?!\\u[dD][c-fC-F])"
    rb"|(?<!\\u[dD][89abAB][0-9a-fA-F]{2})\\u[dD][c-fC-F][0-9a-fA-F]{2})"
)


def json_problem(raw: bytes, exc: Exception) -> str:
    """Why bytes are not JSON, with the line and column when known."""
    text = str(exc)
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return "not a project file (not UTF-8 text)"
    lone = _LONE_SURROGATE.search(raw)
    if lone is not None:  # msgspec may call this "truncated": it is not
        line = raw.count(b"\n", 0, lone.start(1)) + 1
        return (
            f"not valid JSON: a text on line {line} holds {lone[1].decode()}, half of a "
            "character (a lone surrogate)"
        )
    if "truncated" in text:
        return "not valid JSON: the file ends too early (truncated, or an unfinished save)"
    found = re.search(r"\(byte (\d+)\)", text)
    if not found:
        return f"not valid JSON ({text})"
    offset = int(found.group(1))
    if re.match(rb"-?(NaN|Infinity)", raw[offset : offset + 9]):
        return "NaN and Infinity are not a valid number here (not JSON)"
    line = raw.count(b"\n", 0, offset) + 1
    column = offset - (raw.rfind(b"\n", 0, offset) + 1) + 1
    detail = re.sub(r"^JSON is malformed: | \(byte \d+\)$", "", text)
    return f"not valid JSON, perhaps truncated or corrupt (line {line}, column {column}: {detail})"


# -- Structs -> domain values ----------------------------------------------------------------
def _built(where: str, make: Callable[[], T]) -> T:
    """Run a model constructor, reporting its ValueError at ``where``."""
    try:
        return make()
    except (ValueError, TypeError, KeyError) as exc:
        raise SchemaError(where, str(exc).strip("'\"")) from exc


def _matrix(rows: js.Matrix, where: str) -> np.ndarray:
    m = as_matrix(rows)
    linear = abs(float(np.linalg.det(m[:2, :2])))
    if not 1e-6 <= linear <= 1e6 or abs(float(np.linalg.det(m))) < 1e-9:
        raise SchemaError(
            where, "the matrix squashes or stretches the film beyond any alignment (it cannot "
            "be inverted, or scales more than 1000-fold)",
        )  # fmt: skip
    return m


def _image(j: js.ImageJ | None, where: str) -> ImageRef | None:
    if j is None:
        return None
    if (j.spacing_mm is None) != (j.calibration == "none"):
        raise SchemaError(where, "spacing_mm and calibration disagree")
    return ImageRef(j.path, j.sha256, j.calibration, j.spacing_mm, j.hand)


def _alignment(j: js.AlignmentJ, where: str) -> Alignment:
    matrix = _matrix(j.matrix, f"{where}.matrix")
    return _built(where, lambda: Alignment(
        name=j.name, matrix=matrix, model=j.model, method=j.method, roi=j.roi,
        quality=dict(j.quality), mirrored=j.mirrored, seconds=j.seconds, warning=j.warning,
        status=j.status, reason=j.reason,
    ))  # fmt: skip


def _region(j: js.RegionJ, where: str) -> Region:
    return _built(where, lambda: Region(
        id=j.id, film=j.film, geometry=j.geometry, points=tuple(j.points), site=j.site,
        laterality=j.laterality, kind=j.kind, score=j.score, status=j.status, note=j.note,
        label=j.label, lineage_id=j.lineage_id,
    ))  # fmt: skip


def _display(j: js.FilmDisplayJ, where: str) -> DisplaySettings:
    w = j.window
    window = None if w is None else _built(
        f"{where}.window", lambda: Window(center=w.center, width=w.width, function=w.function)
    )  # fmt: skip
    return DisplaySettings(window=window, voi_lut_index=j.voi_lut_index, inverted=j.inverted)


def _view(j: js.ViewJ) -> tuple[ViewState, dict[str, np.ndarray]]:
    zoom = None if j.zoom is None else min(max(j.zoom, MIN_ZOOM), MAX_ZOOM)
    offsets = {}
    for film in FILMS:
        rows = getattr(j.pane_offsets, film)
        if rows is not None:
            offsets[film] = _matrix(rows, f"view.pane_offsets.{film}")
    return ViewState(center=j.center, zoom=zoom, mode=j.mode), offsets


def _placed(j: js.ImageJ | None) -> dict[str, tuple[float, float]]:
    """The joints the reader placed on one film (none for a film without an entry)."""
    if j is None or isinstance(j.joints, msgspec.UnsetType):
        return {}
    return dict(j.joints)


def _score(s: js.ScoreJ, where: str) -> ScoreEntry:
    return _built(where, lambda: ScoreEntry(s.film, s.hand, s.kind, s.site, s.score))


def _bookmark(b: js.BookmarkJ, where: str) -> Bookmark:
    zoom = None if b.zoom is None else min(max(b.zoom, MIN_ZOOM), MAX_ZOOM)
    return _built(where, lambda: Bookmark(
        name=b.name, caption=b.caption, center=b.center, zoom=zoom, mode=b.mode,
        alignment=b.alignment,
    ))  # fmt: skip


def _bookmarks(j: list[js.BookmarkJ] | msgspec.UnsetType) -> tuple[Bookmark, ...]:
    if isinstance(j, msgspec.UnsetType):
        return ()
    return tuple(_bookmark(b, f"bookmarks[{i}]") for i, b in enumerate(j))


def _blinded(j: js.BlindedJ | msgspec.UnsetType) -> BlindedReading | None:
    if isinstance(j, msgspec.UnsetType):
        return None
    scores = tuple(_score(s, f"blinded.scores[{i}]") for i, s in enumerate(j.scores))
    return _built("blinded", lambda: BlindedReading(j.a_film, j.seed, j.revealed_at, scores))


def _recovery(j: js.RecoveryJ | msgspec.UnsetType) -> RecoveryInfoBlock | None:
    if isinstance(j, msgspec.UnsetType):
        return None
    return RecoveryInfoBlock(project_path=j.project_path, saved_at=j.saved_at, pid=j.pid)


def project_from_struct(p: js.ProjectJ, *, path: Path | None = None) -> ProjectData:
    """Build :class:`ProjectData` from a decoded file; raises SchemaError."""
    total = sum(len(r.points) for r in p.regions)
    if total > js.MAX_TOTAL_POINTS:
        raise SchemaError(
            "regions", f"the regions hold {total} points in all; a project may hold at most "
            f"{js.MAX_TOTAL_POINTS}",
        )  # fmt: skip
    a = p.alignment
    global_alignment = None if a.global_ is None else _alignment(a.global_, "alignment.global")
    locals_ = tuple(_alignment(x, f"alignment.local[{i}]") for i, x in enumerate(a.local))
    names = [x.name for x in locals_]
    if GLOBAL in names or len(set(names)) != len(names):
        raise SchemaError("alignment.local", "local alignment names must be unique, not 'Global'")
    if a.active != GLOBAL and a.active not in names:
        raise SchemaError("alignment.active", f"no local alignment named {a.active!r}")
    regions = tuple(_region(r, f"regions[{i}]") for i, r in enumerate(p.regions))
    _built("regions", lambda: AnnotationSet(regions))  # unique ids, one region per lineage/film
    scores = tuple(_score(s, f"scores[{i}]") for i, s in enumerate(p.scores))
    if len({e.key for e in scores}) != len(scores):
        raise SchemaError("scores", "a site is scored twice for the same film and hand")
    view, offsets = _view(p.view)
    joints = _built("images", lambda: JointCorrections(**{
        f: _placed(getattr(p.images, f)) for f in FILMS
    }))  # fmt: skip
    d = p.display
    difference = _built("display.difference", lambda: DifferenceSettings(
        exposure_method=d.difference.exposure_method, exposure_gain=d.difference.exposure_gain,
        exposure_offset=d.difference.exposure_offset,
        difference_range=d.difference.range_, absolute=d.difference.absolute,
        difference_filter=d.difference.filter, filter_radius=d.difference.filter_radius,
        outside_hand=d.difference.outside_hand,
    ))  # fmt: skip
    return ProjectData(
        images={f: _image(getattr(p.images, f), f"images.{f}") for f in FILMS},
        global_alignment=global_alignment,
        local_alignments=locals_,
        active_alignment=a.active,
        landmarks=tuple(LandmarkPair(x.id, x.before, x.after) for x in a.landmarks),
        regions=regions,
        scores=scores,
        view=view,
        pane_offsets=offsets,
        display={f: _display(getattr(d, f), f"display.{f}") for f in FILMS},
        link_panes=d.link_panes,
        link_window=d.link_window,
        difference=difference,
        joint_corrections=joints,
        bookmarks=_bookmarks(p.bookmarks),
        # ids of regions no longer in the file hide nothing
        quiz=Quiz()
        if isinstance(p.quiz, msgspec.UnsetType)
        else Quiz(frozenset(p.quiz.hidden)).kept(r.id for r in regions),
        blinded=_blinded(p.blinded),
        path=path,
        recovery=_recovery(p.recovery),
    )
