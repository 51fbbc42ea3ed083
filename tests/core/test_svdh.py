"""SvdH sites, score validation, sheets from regions and direct entries, and change."""

from __future__ import annotations

import pytest

from xraycompare.core.annotations import svdh
from xraycompare.core.annotations.regions import Region
from xraycompare.core.annotations.scoring import score_change, score_sheet
from xraycompare.core.annotations.svdh import ScoreEntries, ScoreEntry

SQUARE = ((0, 0), (4, 0), (4, 4), (0, 4))


def region(film, site, score, kind="erosion", laterality="right") -> Region:
    return Region.create(
        film, "polygon", SQUARE, kind=kind, site=site, score=score, laterality=laterality
    )


def test_site_lists_match_the_method():
    erosion = [s.id for s in svdh.EROSION_SITES]
    narrowing = [s.id for s in svdh.NARROWING_SITES]
    assert len(erosion) == 16 and len(set(erosion)) == 16
    assert len(narrowing) == 15 and len(set(narrowing)) == 15
    assert {"MCP1", "PIP2", "PIP5", "IP1", "CMC1", "TRAPEZIUM", "RADIUS", "ULNA"} <= set(erosion)
    assert {"CMC3", "CMC5", "TS", "CSL", "RC"} <= set(narrowing)
    assert "PIP1" not in erosion and "IP1" not in narrowing
    assert svdh.EROSION_MAX_PER_HAND == 80 and svdh.NARROWING_MAX_PER_HAND == 60
    assert svdh.site_name("PIP4") == "PIP 4 (ring)"


def test_sheet_takes_max_of_regions_and_direct_entries_override():
    regions = [
        region("before", "PIP3", 2),
        region("before", "PIP3", 4),
        region("before", "PIP4", 1, laterality="left"),  # other hand
        region("after", "PIP3", 5),  # other film
        region("before", "MCP2", 3, kind="narrowing"),
    ]
    entries = [ScoreEntry("before", "right", "erosion", "MCP2", 1)]
    sheet = score_sheet(regions, entries, film="before", hand="right")
    assert sheet.score("erosion", "PIP3") == 4
    assert sheet.score("erosion", "PIP4") is None
    assert sheet.score("erosion", "MCP2") == 1
    assert sheet.score("narrowing", "MCP2") == 3
    assert sheet.erosion_total == 5 and sheet.narrowing_total == 3 and sheet.total_score == 8
    assert sheet.unscored("erosion") == 14
    # a direct entry wins over the regions at its site
    override = [ScoreEntry("before", "right", "erosion", "PIP3", 0)]
    again = score_sheet(regions, override, film="before", hand="right")
    pip3 = next(r for r in again.erosion if r.site.id == "PIP3")
    assert pip3.score == 0 and pip3.source == "direct" and len(pip3.region_ids) == 2


def test_regions_without_laterality_count_for_the_default_hand_only():
    regions = [region("before", "PIP3", 3, laterality=None)]
    assert score_sheet(regions, [], film="before", hand="right").erosion_total == 0
    sheet = score_sheet(regions, [], film="before", hand="right", default_hand="right")
    assert sheet.erosion_total == 3


def test_change_between_films_sums_only_sites_scored_on_both():
    regions = [
        region("before", "PIP3", 3),
        region("after", "PIP3", 1),
        region("after", "PIP4", 2),  # new on the after film only
    ]
    b = score_sheet(regions, [], film="before", hand="right")
    a = score_sheet(regions, [], film="after", hand="right")
    change = score_change(b, a)
    assert change.total_change("erosion") == -2
    assert change.unpaired("erosion") == 1
    with pytest.raises(ValueError, match="hand"):
        score_change(b, score_sheet(regions, [], film="after", hand="left"))


def test_score_entries_validate_and_emit_only_on_change():
    entries = ScoreEntries()
    events = []
    entries.score_changed.connect(lambda *a: events.append(a))
    entries.set("after", "left", "narrowing", "RC", 4)
    entries.set("after", "left", "narrowing", "RC", 4)
    entries.set("after", "left", "narrowing", "RC", None)
    assert events == [
        (("after", "left", "narrowing", "RC"), None, 4),
        (("after", "left", "narrowing", "RC"), 4, None),
    ]
    with pytest.raises(ValueError, match="0–4"):
        entries.set("after", "left", "narrowing", "RC", 5)
    with pytest.raises(ValueError, match="erosion site"):
        entries.set("after", "left", "erosion", "RC", 1)
    with pytest.raises(ValueError, match="hand"):
        entries.set("after", "both", "erosion", "PIP2", 1)  # type: ignore[arg-type]
