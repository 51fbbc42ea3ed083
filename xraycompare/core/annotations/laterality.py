"""Which hand a film shows, and where the regions and the films disagree about it.

A film's hand comes, in this order, from the file (DICOM ImageLaterality or Laterality),
from the reader (asked once, when a score needs it), from the film's own regions, and from
the other film of the pair (a follow-up is of the same hand). A disagreement is reported,
never resolved silently: a score always stays on the hand of its region or of the sheet
the reader filled in.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping

from xraycompare.core.annotations.regions import Region
from xraycompare.core.io.image import XrayImage
from xraycompare.core.types import FILM_TITLES, FILMS, Film, Hand, hand_from_laterality, other

HAND_TITLES = {"left": "Left", "right": "Right"}


def file_hand(image: XrayImage | None) -> Hand | None:
    """The hand the file records (DICOM ImageLaterality or Laterality), if any."""
    return hand_from_laterality(image.info.laterality) if image is not None else None


def regions_hand(regions: Iterable[Region], film: Film) -> Hand | None:
    """The hand most of ``film``'s regions name (None when none name one, or on a tie)."""
    counts = Counter(r.laterality for r in regions if r.film == film and r.laterality)
    if not counts:
        return None
    (best, n), *rest = counts.most_common()
    return None if rest and rest[0][1] == n else best


def film_hand(
    film: Film,
    images: Mapping[str, XrayImage | None],
    assigned: Mapping[str, Hand | None],
    regions: Iterable[Region],
) -> Hand | None:
    """The hand of ``film``: the file's, the reader's, its regions', else the other film's."""
    regions = tuple(regions)
    for candidate in (film, other(film)):
        hand = (
            file_hand(images.get(candidate))
            or assigned.get(candidate)
            or regions_hand(regions, candidate)
        )
        if hand is not None:
            return hand
    return None


def hand_conflicts(images: Mapping[str, XrayImage | None], regions: Iterable[Region]) -> list[str]:
    """Plain-language warnings where the files and the regions disagree about the hand."""
    regions = tuple(regions)
    notes = []
    hands = {f: file_hand(images.get(f)) for f in FILMS}
    if hands["before"] and hands["after"] and hands["before"] != hands["after"]:
        notes.append(
            f"The files say the Before film is a {hands['before']} hand and the After film "
            f"a {hands['after']} hand: check that both films show the same hand."
        )
    for film in FILMS:
        marked = hands[film]
        if marked is None:
            continue
        odd = [r for r in regions if r.film == film and r.laterality not in (None, marked)]
        if odd:
            names = ", ".join(sorted({r.site or "unnamed" for r in odd}))
            notes.append(
                f"{len(odd)} region(s) on the {FILM_TITLES[film]} film ({names}) say "
                f"{HAND_TITLES[odd[0].laterality]} hand, but the file says "  # type: ignore[index]
                f"{HAND_TITLES[marked]}: their scores are on the "
                f"{HAND_TITLES[odd[0].laterality]} sheet."  # type: ignore[index]
            )
    return notes
