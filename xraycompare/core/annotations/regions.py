"""Regions drawn on the films and the evented set that holds them.

A :class:`Region` is a frozen value with a stable ``id``; editing one means replacing it
with a changed copy (``dataclasses.replace``), which is what undo commands need. Points are
(x, y) floats in the pixel frame of the region's own film, pixel centres at integers.

How each ``geometry`` reads its ``points`` (chosen so that mapping the points through an
affine transform maps the region exactly):

==========  ======  ===========================================================
geometry    points  meaning
==========  ======  ===========================================================
polygon     >= 3    vertices, closed implicitly
freehand    >= 3    vertices of the (already smoothed) outline, closed implicitly
rectangle   4       corners in order around the outline (a parallelogram once
                    propagated through a rotation or shear); see :func:`rectangle_points`
ellipse     3       centre, end of one semi-axis, end of the conjugate semi-axis:
                    ``c + cos t (p1 - c) + sin t (p2 - c)``; see :func:`ellipse_points`
point       1       the point
arrow       2       tail, then head (the tip that points at the finding)
text        1       anchor of the text (its top-left); ``label`` holds the text
length      2       the two ends of the calliper
==========  ======  ===========================================================

Every region has a ``lineage_id`` linking it to its counterpart on the other film; a
region without a counterpart has a lineage of its own (by default its own id). A lineage
holds at most one region per film.
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace

import numpy as np
from psygnal import Signal

from xraycompare.core.annotations import svdh
from xraycompare.core.types import (
    CLOSED_GEOMETRIES,
    FILMS,
    GEOMETRIES,
    KINDS,
    STATUSES,
    Film,
    Geometry,
    Hand,
    RegionKind,
    Status,
    other,
)

_POINT_COUNT: dict[str, tuple[int, int | None]] = {  # (minimum, maximum or None)
    "polygon": (3, None),
    "freehand": (3, None),
    "rectangle": (4, 4),
    "ellipse": (3, 3),
    "point": (1, 1),
    "arrow": (2, 2),
    "text": (1, 1),
    "length": (2, 2),
}


def new_id() -> str:
    """A fresh region (or lineage) id: 32 hex digits, unique without coordination."""
    return uuid.uuid4().hex


@dataclass(frozen=True)
class Region:
    """One region on one film. Construction validates; ValueError says what is wrong."""

    id: str
    film: Film
    geometry: Geometry
    points: tuple[tuple[float, float], ...]
    site: str | None = None
    laterality: Hand | None = None
    kind: RegionKind = "other"
    score: int | None = None
    status: Status | None = None
    note: str = ""
    label: str = ""
    lineage_id: str = ""  # empty: a lineage of its own (the region's id)

    def __post_init__(self) -> None:
        if not isinstance(self.id, str) or not self.id.strip():
            raise ValueError("a region needs a non-empty text id")
        if self.film not in FILMS:
            raise ValueError(f"film must be 'before' or 'after', not {self.film!r}")
        if self.geometry not in GEOMETRIES:
            raise ValueError(f"unknown geometry {self.geometry!r} (one of {', '.join(GEOMETRIES)})")
        object.__setattr__(self, "points", _clean_points(self.points))
        low, high = _POINT_COUNT[self.geometry]
        n = len(self.points)
        if n < low or (high is not None and n > high):
            want = f"{low}" if low == high else f"at least {low}"
            raise ValueError(f"a {self.geometry} region needs {want} points, got {n}")
        if self.kind not in KINDS:
            raise ValueError(f"kind must be one of {', '.join(KINDS)}, not {self.kind!r}")
        if self.site is not None:
            if self.kind == "other":
                if self.site not in svdh.SITE_IDS:
                    raise ValueError(f"unknown SvdH site {self.site!r}")
            else:
                svdh.site(self.kind, self.site)
        if self.laterality not in (None, "left", "right"):
            raise ValueError(f"laterality must be 'left', 'right' or None, not {self.laterality!r}")
        if self.score is not None:
            if self.kind == "other":
                raise ValueError("only erosion and narrowing regions carry a score")
            svdh.check_score(self.kind, self.score)
        if self.status is not None and self.status not in STATUSES:
            raise ValueError(f"status must be one of {', '.join(STATUSES)} or None")
        for name in ("note", "label", "lineage_id"):
            if not isinstance(getattr(self, name), str):
                raise ValueError(f"{name} must be text")
        if self.geometry == "text" and not self.label.strip():
            raise ValueError("a text region needs a label")
        if self.geometry == "ellipse":
            (cx, cy), (ax, ay), (bx, by) = self.points
            if abs((ax - cx) * (by - cy) - (ay - cy) * (bx - cx)) < 1e-9:
                raise ValueError("an ellipse's two semi-axes must not be parallel or empty")
        if not self.lineage_id:
            object.__setattr__(self, "lineage_id", self.id)

    @classmethod
    def create(
        cls, film: Film, geometry: Geometry, points: Iterable[Iterable[float]], **fields: object
    ) -> Region:
        """A new region with a fresh id (and, unless given, a lineage of its own)."""
        return cls(new_id(), film, geometry, tuple(points), **fields)  # type: ignore[arg-type]

    @property
    def is_closed(self) -> bool:
        """True for regions with an inside (area, mean and SD can be measured)."""
        return self.geometry in CLOSED_GEOMETRIES

    def points_array(self) -> np.ndarray:
        """The points as a float64 (N, 2) array of (x, y)."""
        return np.asarray(self.points, dtype=np.float64).reshape(-1, 2)

    def outline(self, *, samples: int = 128) -> np.ndarray:
        """The closed outline as (N, 2) vertices (ellipses sampled), or the points as given."""
        if self.geometry != "ellipse":
            return self.points_array()
        c, p1, p2 = self.points_array()
        t = np.linspace(0.0, 2.0 * math.pi, samples, endpoint=False)[:, None]
        return c + np.cos(t) * (p1 - c) + np.sin(t) * (p2 - c)

    def moved(self, dx: float, dy: float) -> Region:
        """A copy shifted by (dx, dy) pixels."""
        return replace(self, points=tuple((x + dx, y + dy) for x, y in self.points))


_PLAIN_NUMBERS = (float, int)  # exact types taken without further checks (not bool)


def _clean_points(points: object) -> tuple[tuple[float, float], ...]:
    """The points as (x, y) float pairs; ValueError for anything else or a non-finite value.

    Plain floats and ints (what a file decodes to) take a fast path: a 10 000-vertex
    outline is checked in milliseconds, and the finite check is one array operation.
    """

    def number(v: object) -> float:
        if isinstance(v, bool) or not isinstance(v, int | float | np.integer | np.floating):
            raise ValueError(f"a coordinate must be a number, not {v!r}")
        try:
            return float(v)
        except OverflowError:
            return math.inf

    if isinstance(points, str | bytes) or not isinstance(points, Iterable):
        raise ValueError("points must be a sequence of (x, y) pairs")
    out = []
    for p in points:
        if isinstance(p, str | bytes) or not isinstance(p, Iterable):
            raise ValueError(f"a point must be an (x, y) pair, not {p!r}")
        pair = tuple(p)
        if len(pair) != 2:
            raise ValueError(f"a point must be an (x, y) pair, not {len(pair)} numbers")
        x, y = pair
        if type(x) in _PLAIN_NUMBERS and type(y) in _PLAIN_NUMBERS:
            out.append(pair if type(x) is type(y) is float else (number(x), number(y)))
        else:
            out.append((number(x), number(y)))
    if out and not np.isfinite(np.asarray(out, dtype=np.float64)).all():
        raise ValueError("coordinates must be finite numbers")
    return tuple(out)


def rectangle_points(x0: float, y0: float, x1: float, y1: float) -> tuple[tuple[float, float], ...]:
    """The four corners (clockwise on screen) of the axis-aligned rectangle spanning two corners."""
    left, right = sorted((x0, x1))
    top, bottom = sorted((y0, y1))
    return ((left, top), (right, top), (right, bottom), (left, bottom))


def ellipse_points(
    cx: float, cy: float, rx: float, ry: float, angle_deg: float = 0.0
) -> tuple[tuple[float, float], ...]:
    """Centre and the two semi-axis ends of an ellipse with radii (rx, ry) turned by an angle.

    The angle turns the x semi-axis towards +y (clockwise on screen, y down).
    """
    a = math.radians(angle_deg)
    c, s = math.cos(a), math.sin(a)
    return ((cx, cy), (cx + rx * c, cy + rx * s), (cx - ry * s, cy + ry * c))


class AnnotationSet:
    """The regions of a document, in insertion order, observable without Qt.

    Events (past tense, fired only when something really changed):
    ``region_added(region)``, ``region_changed(old, new)``, ``region_removed(region)``, and
    ``regions_reset()`` after a bulk :meth:`reset`, :meth:`clear` or :meth:`swap_films`,
    after which observers rebuild from the set.
    """

    region_added = Signal(object)
    region_changed = Signal(object, object)
    region_removed = Signal(object)
    regions_reset = Signal()

    def __init__(self, regions: Iterable[Region] = ()) -> None:
        self._regions, self._slots = _indexed(regions)

    # -- reading -------------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self._regions)

    def __iter__(self) -> Iterator[Region]:
        return iter(tuple(self._regions.values()))

    def __contains__(self, region_id: object) -> bool:
        return region_id in self._regions

    def get(self, region_id: str) -> Region:
        """The region with ``region_id``; KeyError when there is none."""
        try:
            return self._regions[region_id]
        except KeyError:
            raise KeyError(f"no region with id {region_id!r}") from None

    def regions(self) -> tuple[Region, ...]:
        return tuple(self._regions.values())

    def on_film(self, film: Film) -> tuple[Region, ...]:
        return tuple(r for r in self._regions.values() if r.film == film)

    def in_lineage(self, lineage_id: str) -> tuple[Region, ...]:
        """The lineage's regions (before first), at most one per film."""
        ids = (self._slots.get((lineage_id, f)) for f in FILMS)
        return tuple(self._regions[i] for i in ids if i is not None)

    def counterpart(self, region: Region | str) -> Region | None:
        """The linked region on the other film, if any."""
        r = self.get(region) if isinstance(region, str) else region
        other_id = self._slots.get((r.lineage_id, other(r.film)))
        return None if other_id is None else self._regions[other_id]

    def index(self, region_id: str) -> int:
        """Position of a region in insertion order (undo of a removal restores it)."""
        return list(self._regions).index(self.get(region_id).id)

    # -- editing -------------------------------------------------------------------------
    def add(self, region: Region, *, index: int | None = None) -> Region:
        """Add a region (at ``index`` in the order, else last); ValueError on a clash."""
        _check_new(region, self._regions, self._slots)
        if index is None or index >= len(self._regions):
            self._regions[region.id] = region
        else:
            items = list(self._regions.items())
            items.insert(max(index, 0), (region.id, region))
            self._regions = dict(items)
        self._slots[(region.lineage_id, region.film)] = region.id
        self.region_added.emit(region)
        return region

    def replace(self, region: Region) -> Region:
        """Replace the region with the same id; no event when nothing changed."""
        old = self.get(region.id)
        if region == old:
            return old
        _check_slot(region, self._slots)
        del self._slots[(old.lineage_id, old.film)]
        self._slots[(region.lineage_id, region.film)] = region.id
        self._regions[region.id] = region
        self.region_changed.emit(old, region)
        return region

    def remove(self, region_id: str) -> Region:
        """Remove and return a region; KeyError when there is none."""
        region = self.get(region_id)
        del self._regions[region_id]
        del self._slots[(region.lineage_id, region.film)]
        self.region_removed.emit(region)
        return region

    def reset(self, regions: Iterable[Region] = ()) -> None:
        """Replace every region at once (opening a project); one ``regions_reset`` event."""
        new, slots = _indexed(regions)
        if list(new.items()) != list(self._regions.items()):
            self._regions, self._slots = new, slots
            self.regions_reset.emit()

    def clear(self) -> None:
        self.reset(())

    def swap_films(self) -> None:
        """Every region moves to the other film label (the document's films were swapped)."""
        self.reset(replace(r, film=other(r.film)) for r in self._regions.values())


Slots = dict[tuple[str, str], str]  # (lineage_id, film) -> region id


def _indexed(regions: Iterable[Region]) -> tuple[dict[str, Region], Slots]:
    by_id: dict[str, Region] = {}
    slots: Slots = {}
    for r in regions:
        _check_new(r, by_id, slots)
        by_id[r.id] = r
        slots[(r.lineage_id, r.film)] = r.id
    return by_id, slots


def _check_new(region: Region, existing: dict[str, Region], slots: Slots) -> None:
    if not isinstance(region, Region):
        raise TypeError(f"expected a Region, got {type(region).__name__}")
    if region.id in existing:
        raise ValueError(f"a region with id {region.id!r} already exists")
    _check_slot(region, slots)


def _check_slot(region: Region, slots: Slots) -> None:
    holder = slots.get((region.lineage_id, region.film))
    if holder is not None and holder != region.id:
        raise ValueError(
            f"lineage {region.lineage_id!r} already has a region on the {region.film} film "
            f"({holder!r}); a lineage links one region per film"
        )
