"""Sharp/van der Heijde (SvdH) hand sites, the scores a reader enters, and score sheets.

Site IDs are part of the project file format: never rename one. Erosion sites (16 per
hand) are scored 0–5, joint-space narrowing sites (15 per hand) 0–4, so one hand scores at
most 80 for erosion and 60 for narrowing. ``MCP1``–``MCP5`` and ``PIP2``–``PIP5`` are both
erosion and narrowing sites: a score is identified by (film, hand, kind, site).

Score sheets (a film's scores per site, totals and change) are built in
:mod:`xraycompare.core.annotations.scoring`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from psygnal import Signal

from xraycompare.core.types import FILMS, HANDS, Film, Hand, ScoreKind, other

MAX_SCORE: dict[str, int] = {"erosion": 5, "narrowing": 4}

_FINGERS = {1: "thumb", 2: "index", 3: "middle", 4: "ring", 5: "little"}


@dataclass(frozen=True)
class Site:
    """One SvdH site of one kind: a fixed ``id``, a human name and the highest score."""

    id: str
    name: str
    kind: ScoreKind

    @property
    def max_score(self) -> int:
        return MAX_SCORE[self.kind]


def _joints(prefix: str, label: str, fingers: Iterable[int], kind: ScoreKind) -> list[Site]:
    return [Site(f"{prefix}{n}", f"{label} {n} ({_FINGERS[n]})", kind) for n in fingers]


EROSION_SITES: tuple[Site, ...] = (
    *_joints("MCP", "MCP", range(1, 6), "erosion"),
    *_joints("PIP", "PIP", range(2, 6), "erosion"),
    Site("IP1", "IP 1 (thumb)", "erosion"),
    Site("CMC1", "Base of metacarpal 1 (CMC 1)", "erosion"),
    Site("TRAPEZIUM", "Trapezium and trapezoid", "erosion"),
    Site("SCAPHOID", "Scaphoid", "erosion"),
    Site("LUNATE", "Lunate", "erosion"),
    Site("RADIUS", "Distal radius", "erosion"),
    Site("ULNA", "Distal ulna", "erosion"),
)
NARROWING_SITES: tuple[Site, ...] = (
    *_joints("MCP", "MCP", range(1, 6), "narrowing"),
    *_joints("PIP", "PIP", range(2, 6), "narrowing"),
    *_joints("CMC", "CMC", range(3, 6), "narrowing"),
    Site("TS", "Trapezium–scaphoid", "narrowing"),
    Site("CSL", "Capitate–scaphoid–lunate", "narrowing"),
    Site("RC", "Radiocarpal", "narrowing"),
)
SITES: dict[str, tuple[Site, ...]] = {"erosion": EROSION_SITES, "narrowing": NARROWING_SITES}
SITE_IDS: frozenset[str] = frozenset(s.id for s in EROSION_SITES + NARROWING_SITES)
EROSION_MAX_PER_HAND = 5 * len(EROSION_SITES)  # 80
NARROWING_MAX_PER_HAND = 4 * len(NARROWING_SITES)  # 60


def site(kind: str, site_id: str) -> Site:
    """The site ``site_id`` of ``kind``; ValueError when that kind has no such site."""
    for s in SITES.get(kind, ()):
        if s.id == site_id:
            return s
    known = ", ".join(s.id for s in SITES.get(kind, ())) or "none"
    raise ValueError(f"{site_id!r} is not an SvdH {kind} site (known: {known})")


def site_name(site_id: str) -> str:
    """A human name for any site ID (without its kind)."""
    for s in EROSION_SITES + NARROWING_SITES:
        if s.id == site_id:
            return s.name
    raise ValueError(f"unknown SvdH site {site_id!r}")


def check_score(kind: str, score: object) -> int:
    """Validate a score for ``kind``; returns it as an int or raises ValueError."""
    if kind not in MAX_SCORE:
        raise ValueError(f"only erosion and narrowing are scored, not {kind!r}")
    if isinstance(score, bool) or not isinstance(score, int):
        raise ValueError(f"a {kind} score must be a whole number, not {score!r}")
    if not 0 <= score <= MAX_SCORE[kind]:
        raise ValueError(f"a {kind} score must be 0–{MAX_SCORE[kind]}, not {score}")
    return int(score)


@dataclass(frozen=True)
class ScoreEntry:
    """A score the reader entered directly; it overrides the regions' scores at that site."""

    film: Film
    hand: Hand
    kind: ScoreKind
    site: str
    score: int

    def __post_init__(self) -> None:
        if self.film not in FILMS:
            raise ValueError(f"film must be 'before' or 'after', not {self.film!r}")
        if self.hand not in HANDS:
            raise ValueError(f"hand must be 'left' or 'right', not {self.hand!r}")
        site(self.kind, self.site)
        check_score(self.kind, self.score)

    @property
    def key(self) -> tuple[str, str, str, str]:
        return (self.film, self.hand, self.kind, self.site)


class ScoreEntries:
    """The directly entered scores of a document, evented like the AnnotationSet.

    Events: ``score_changed(entry_key, old, new)`` with scores or None (cleared), and
    ``scores_reset()`` after :meth:`reset` or :meth:`swap_films`. They fire only on change.
    """

    score_changed = Signal(object, object, object)
    scores_reset = Signal()

    def __init__(self, entries: Iterable[ScoreEntry] = ()) -> None:
        self._entries: dict[tuple[str, str, str, str], ScoreEntry] = {}
        for e in entries:
            self._entries[e.key] = e

    def get(self, film: Film, hand: Hand, kind: ScoreKind, site_id: str) -> int | None:
        entry = self._entries.get((film, hand, kind, site_id))
        return None if entry is None else entry.score

    def set(self, film: Film, hand: Hand, kind: ScoreKind, site_id: str, score: int | None) -> None:
        """Enter a score, or clear it with None (the regions' score applies again)."""
        key = (film, hand, kind, site_id)
        old = self.get(film, hand, kind, site_id)
        if score is None:
            ScoreEntry(film, hand, kind, site_id, 0)  # validates the key
            self._entries.pop(key, None)
        else:
            self._entries[key] = ScoreEntry(film, hand, kind, site_id, score)
        if old != score:
            self.score_changed.emit(key, old, score)

    def entries(self) -> tuple[ScoreEntry, ...]:
        return tuple(self._entries.values())

    def reset(self, entries: Iterable[ScoreEntry] = ()) -> None:
        new = {e.key: e for e in entries}
        if new != self._entries:
            self._entries = new
            self.scores_reset.emit()

    def swap_films(self) -> None:
        """Exchange before and after (the document's films were swapped)."""
        self.reset(
            ScoreEntry(other(e.film), e.hand, e.kind, e.site, e.score)
            for e in self._entries.values()
        )

    def __len__(self) -> int:
        return len(self._entries)

    def __iter__(self) -> Iterator[ScoreEntry]:
        return iter(tuple(self._entries.values()))
