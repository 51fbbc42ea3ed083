"""Blinded reading: the films shown as "A" and "B" in random order, scored, then revealed.

Readers who know which film is the later one see progression they expect; trials therefore
read films in random order without dates. A :class:`BlindedReading` records which true film
is shown as "A" (on the left), the seed it was drawn with, and, once the reader asks, when
the order was revealed with the scores as they stood then. Scores are always filed under the
true film (before / after): "A" and "B" are only what the screen calls them, so nothing is
converted at the reveal and the change is read in true time order.
"""

from __future__ import annotations

import random
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Literal

from xraycompare.core.annotations.regions import Region
from xraycompare.core.annotations.scoring import ScoreChange, score_change, score_sheet
from xraycompare.core.annotations.svdh import ScoreEntry
from xraycompare.core.types import FILMS, HANDS, SCORE_KINDS, Film, Hand, other

Letter = Literal["A", "B"]
LETTERS: tuple[Letter, Letter] = ("A", "B")
MAX_SEED = 2**63 - 1


@dataclass(frozen=True)
class BlindedReading:
    """Which film is "A", how that was drawn, and whether (and when) the order was revealed.

    ``revealed_at`` is an ISO 8601 time (UTC) or None while the reading is blind;
    ``scores`` are the sheets as read blind, kept from the moment of the reveal (filed under
    the true films, like every score).
    """

    a_film: Film
    seed: int = 0
    revealed_at: str | None = None
    scores: tuple[ScoreEntry, ...] = ()

    def __post_init__(self) -> None:
        if self.a_film not in FILMS:
            raise ValueError(f"'A' is the before or the after film, not {self.a_film!r}")
        if isinstance(self.seed, bool) or not isinstance(self.seed, int):
            raise ValueError("the seed is a whole number")
        if not 0 <= self.seed <= MAX_SEED:
            raise ValueError(f"the seed is between 0 and {MAX_SEED}")
        if self.revealed_at is not None:
            try:
                datetime.fromisoformat(self.revealed_at)
            except (TypeError, ValueError) as exc:
                raise ValueError(f"not a time: {self.revealed_at!r}") from exc
        elif self.scores:
            raise ValueError("scores are kept only once the order is revealed")
        object.__setattr__(self, "scores", tuple(self.scores))

    @property
    def revealed(self) -> bool:
        return self.revealed_at is not None

    @property
    def order(self) -> tuple[Film, Film]:
        """The true films as shown, left to right: "A", then "B"."""
        return self.a_film, other(self.a_film)

    def letter(self, film: Film) -> Letter:
        """What the screen calls ``film`` while blind."""
        return "A" if film == self.a_film else "B"

    def film(self, letter: str) -> Film:
        """The true film shown as ``letter``."""
        if letter not in LETTERS:
            raise ValueError(f"letter must be 'A' or 'B', not {letter!r}")
        return self.a_film if letter == "A" else other(self.a_film)

    def revealing(self, when: datetime, scores: Iterable[ScoreEntry]) -> BlindedReading:
        """The reading with its order revealed at ``when``, keeping ``scores``."""
        return replace(self, revealed_at=when.isoformat(timespec="seconds"), scores=tuple(scores))

    def swapped(self) -> BlindedReading:
        """The same reading after the films were swapped: each film keeps its letter."""
        kept = tuple(replace(e, film=other(e.film)) for e in self.scores)
        return replace(self, a_film=other(self.a_film), scores=kept)


def start_blinded(seed: int | None = None) -> BlindedReading:
    """A new blinded reading: "A" is the before or the after film with equal chance.

    The seed (drawn from the system's random source when not given) is recorded, so the
    draw can be checked afterwards.
    """
    if seed is None:
        seed = secrets.randbits(63)
    a_film: Film = "before" if random.Random(seed).random() < 0.5 else "after"
    return BlindedReading(a_film=a_film, seed=seed)


def sheet_scores(
    regions: Iterable[Region],
    entries: Iterable[ScoreEntry],
    default_hands: Mapping[Film, Hand | None],
) -> tuple[ScoreEntry, ...]:
    """Every scored site of both films and hands, as the score sheet shows it (a region's
    score or the reader's entry), as entries: what a reveal keeps."""
    regions, entries = tuple(regions), tuple(entries)
    kept: list[ScoreEntry] = []
    for film in FILMS:
        for hand in HANDS:
            sheet = score_sheet(
                regions, entries, film=film, hand=hand, default_hand=default_hands.get(film)
            )
            for kind in SCORE_KINDS:
                kept += [
                    ScoreEntry(film, hand, kind, row.site.id, row.score)
                    for row in sheet.rows(kind)
                    if row.score is not None
                ]
    return tuple(kept)


def read_change(scores: Iterable[ScoreEntry], hand: Hand) -> ScoreChange:
    """The change from the before to the after film in ``scores`` (as kept at a reveal)."""
    scores = tuple(scores)
    before, after = (score_sheet((), scores, film=f, hand=hand) for f in FILMS)
    return score_change(before, after)
