"""SvdH score sheets: each site's score on a film, the totals and the change between films.

A film's sheet takes each site's score from a score the reader entered directly when there
is one, else from the regions: the highest score among that film's regions of that kind at
that site and hand. A region without a hand belongs to its film's hand when the film says
(DICOM ImageLaterality); otherwise it is left out of every sheet.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Literal

from xraycompare.core.annotations.regions import Region
from xraycompare.core.annotations.svdh import (
    EROSION_MAX_PER_HAND,
    EROSION_SITES,
    NARROWING_MAX_PER_HAND,
    NARROWING_SITES,
    ScoreEntry,
    Site,
)
from xraycompare.core.types import FILMS, HANDS, Film, Hand, ScoreKind


@dataclass(frozen=True)
class SiteScore:
    """One row of a sheet: the score (None: unscored), where it came from, which regions."""

    site: Site
    score: int | None
    source: Literal["direct", "regions"] | None
    region_ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class ScoreSheet:
    """The SvdH sheet of one film and hand."""

    film: Film
    hand: Hand
    erosion: tuple[SiteScore, ...]
    narrowing: tuple[SiteScore, ...]

    erosion_max = EROSION_MAX_PER_HAND
    narrowing_max = NARROWING_MAX_PER_HAND

    def rows(self, kind: ScoreKind) -> tuple[SiteScore, ...]:
        return self.erosion if kind == "erosion" else self.narrowing

    def score(self, kind: ScoreKind, site_id: str) -> int | None:
        return next(r.score for r in self.rows(kind) if r.site.id == site_id)

    def total(self, kind: ScoreKind) -> int:
        """Sum over the scored sites of ``kind`` (unscored sites count as nothing)."""
        return sum(r.score for r in self.rows(kind) if r.score is not None)

    def unscored(self, kind: ScoreKind) -> int:
        return sum(r.score is None for r in self.rows(kind))

    @property
    def erosion_total(self) -> int:
        return self.total("erosion")

    @property
    def narrowing_total(self) -> int:
        return self.total("narrowing")

    @property
    def total_score(self) -> int:
        return self.erosion_total + self.narrowing_total


def score_sheet(
    regions: Iterable[Region],
    entries: Iterable[ScoreEntry],
    *,
    film: Film,
    hand: Hand,
    default_hand: Hand | None = None,
) -> ScoreSheet:
    """Build the sheet of ``film`` and ``hand`` from regions and direct entries.

    Parameters
    ----------
    regions
        All regions (others films' and unscored ones are ignored).
    entries
        Directly entered scores; one overrides the regions at its site.
    film, hand
        Which sheet.
    default_hand
        The hand that regions without a laterality belong to (e.g. the film's DICOM
        ImageLaterality); such regions are ignored when None.

    Returns
    -------
    ScoreSheet
        Every site of both kinds in SvdH order.
    """
    from_regions: dict[tuple[str, str], list[Region]] = {}
    for r in regions:
        side = r.laterality or default_hand
        if r.film == film and side == hand and r.site and r.score is not None:
            from_regions.setdefault((r.kind, r.site), []).append(r)
    direct = {(e.kind, e.site): e.score for e in entries if e.film == film and e.hand == hand}

    def row(s: Site) -> SiteScore:
        found = from_regions.get((s.kind, s.id), [])
        ids = tuple(r.id for r in found)
        if (s.kind, s.id) in direct:
            return SiteScore(s, direct[(s.kind, s.id)], "direct", ids)
        if found:
            return SiteScore(s, max(r.score for r in found if r.score is not None), "regions", ids)
        return SiteScore(s, None, None)

    return ScoreSheet(
        film=film,
        hand=hand,
        erosion=tuple(row(s) for s in EROSION_SITES),
        narrowing=tuple(row(s) for s in NARROWING_SITES),
    )


@dataclass(frozen=True)
class SiteChange:
    site: Site
    before: int | None
    after: int | None

    @property
    def change(self) -> int | None:
        """after − before, None unless the site is scored on both films."""
        if self.before is None or self.after is None:
            return None
        return self.after - self.before


@dataclass(frozen=True)
class ScoreChange:
    """The change of one hand's scores from the before to the after film.

    Totals of change sum only sites scored on both films; ``unpaired`` counts the sites
    scored on one film only, so a reader sees when a total change is incomplete.
    """

    hand: Hand
    erosion: tuple[SiteChange, ...]
    narrowing: tuple[SiteChange, ...]

    def rows(self, kind: ScoreKind) -> tuple[SiteChange, ...]:
        return self.erosion if kind == "erosion" else self.narrowing

    def total_change(self, kind: ScoreKind) -> int:
        return sum(c.change for c in self.rows(kind) if c.change is not None)

    def unpaired(self, kind: ScoreKind) -> int:
        return sum((c.before is None) != (c.after is None) for c in self.rows(kind))


def score_change(before: ScoreSheet, after: ScoreSheet) -> ScoreChange:
    """Per-site and total change between the sheets of the same hand on the two films."""
    if before.hand != after.hand:
        raise ValueError(f"cannot compare the {before.hand} hand with the {after.hand} hand")

    def rows(kind: ScoreKind) -> tuple[SiteChange, ...]:
        return tuple(
            SiteChange(b.site, b.score, a.score)
            for b, a in zip(before.rows(kind), after.rows(kind), strict=True)
        )

    return ScoreChange(before.hand, rows("erosion"), rows("narrowing"))


def sheets_by_hand(
    regions: Iterable[Region],
    entries: Iterable[ScoreEntry],
    *,
    default_hands: Mapping[str, Hand | None] | None = None,
) -> dict[tuple[Film, Hand], ScoreSheet]:
    """Every (film, hand) sheet at once; ``default_hands`` maps a film to its default hand."""
    regions, entries = list(regions), list(entries)
    defaults = default_hands or {}
    return {
        (film, hand): score_sheet(
            regions, entries, film=film, hand=hand, default_hand=defaults.get(film)
        )
        for film in FILMS
        for hand in HANDS
    }
