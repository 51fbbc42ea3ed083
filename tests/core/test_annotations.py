"""Regions validate what a reader enters; the set reports only real changes."""

from __future__ import annotations

from dataclasses import replace

import pytest

from xraycompare.core.annotations.regions import (
    AnnotationSet,
    Region,
    ellipse_points,
    rectangle_points,
)
from xraycompare.core.document import Document

TRIANGLE = ((0.0, 0.0), (10.0, 0.0), (0.0, 10.0))


def erosion(film="before", **fields) -> Region:
    fields = {"kind": "erosion", "site": "PIP3", "score": 2, "laterality": "left", **fields}
    return Region.create(film, "polygon", TRIANGLE, **fields)


class Recorder:
    def __init__(self, regions: AnnotationSet) -> None:
        self.events: list[tuple] = []
        for name in ("region_added", "region_changed", "region_removed", "regions_reset"):
            getattr(regions, name).connect(lambda *a, n=name: self.events.append((n, *a)))


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"kind": "erosion", "score": 6}, "0–5"),
        ({"kind": "narrowing", "score": 5, "site": "MCP2"}, "0–4"),
        ({"kind": "erosion", "score": True}, "whole number"),
        ({"kind": "other", "score": 1}, "only erosion and narrowing"),
        ({"kind": "erosion", "site": "CMC3"}, "not an SvdH erosion site"),
        ({"kind": "narrowing", "site": "IP1"}, "not an SvdH narrowing site"),
        ({"site": "PIP9"}, "unknown SvdH site"),
        ({"laterality": "both"}, "laterality"),
        ({"status": "worse"}, "status"),
        ({"kind": "bone"}, "kind"),
    ],
)
def test_invalid_fields_raise_value_error_saying_what(fields, message):
    with pytest.raises(ValueError, match=message):
        Region.create("before", "polygon", TRIANGLE, **fields)


@pytest.mark.parametrize(
    ("geometry", "points", "message"),
    [
        ("polygon", ((0, 0), (1, 1)), "at least 3"),
        ("rectangle", ((0, 0), (1, 1)), "needs 4"),
        ("ellipse", ((0, 0), (1, 0), (2, 0)), "parallel"),
        ("arrow", ((0, 0),), "needs 2"),
        ("point", ((0, float("nan")),), "finite"),
        ("point", (("1", 2),), "number"),
        ("point", ((1, 2, 3),), "pair"),
        ("text", ((0, 0),), "label"),
        ("shape", ((0, 0),), "unknown geometry"),
    ],
)
def test_invalid_geometry_is_refused(geometry, points, message):
    with pytest.raises(ValueError, match=message):
        Region.create("after", geometry, points)


def test_region_is_frozen_with_own_lineage_and_tuple_points():
    r = Region.create("before", "length", [[1, 2], [4, 6]])
    assert r.points == ((1.0, 2.0), (4.0, 6.0))
    assert r.lineage_id == r.id
    with pytest.raises(AttributeError):
        r.score = 3  # type: ignore[misc]
    assert r.moved(1, -1).points == ((2.0, 1.0), (5.0, 5.0))


def test_rectangle_and_ellipse_helpers():
    assert rectangle_points(5, 7, 1, 2) == ((1, 2), (5, 2), (5, 7), (1, 7))
    c, a, b = ellipse_points(10, 20, 4, 2, 90)
    assert c == (10, 20)
    assert a == pytest.approx((10, 24))
    assert b == pytest.approx((8, 20))
    outline = Region.create("before", "ellipse", (c, a, b)).outline(samples=8)
    assert outline.shape == (8, 2)


def test_set_events_fire_once_per_real_change():
    regions = AnnotationSet()
    rec = Recorder(regions)
    r = regions.add(erosion())
    regions.replace(r)  # identical: no event
    changed = regions.replace(replace(r, score=3))
    regions.remove(r.id)
    assert [e[0] for e in rec.events] == ["region_added", "region_changed", "region_removed"]
    assert rec.events[1][1] is r and rec.events[1][2] is changed
    regions.clear()  # already empty: nothing
    assert len(rec.events) == 3


def test_set_rejects_duplicates_and_missing_ids():
    regions = AnnotationSet()
    r = regions.add(erosion())
    with pytest.raises(ValueError, match="already exists"):
        regions.add(r)
    with pytest.raises(KeyError):
        regions.get("nope")
    with pytest.raises(KeyError):
        regions.remove("nope")
    with pytest.raises(KeyError):
        regions.replace(erosion())


def test_a_lineage_links_one_region_per_film():
    regions = AnnotationSet()
    b = regions.add(erosion("before"))
    a = regions.add(erosion("after", lineage_id=b.lineage_id))
    assert regions.counterpart(b) == a and regions.counterpart(a.id) == b
    assert set(regions.in_lineage(b.lineage_id)) == {a, b}
    with pytest.raises(ValueError, match="one region per film"):
        regions.add(erosion("after", lineage_id=b.lineage_id))
    other = regions.add(erosion("after"))
    with pytest.raises(ValueError, match="one region per film"):
        regions.replace(replace(other, lineage_id=b.lineage_id))
    assert regions.on_film("after") == (a, other)


def test_remove_then_add_at_index_restores_order():
    regions = AnnotationSet()
    rs = [regions.add(erosion(site=s)) for s in ("PIP2", "PIP3", "PIP4")]
    index = regions.index(rs[1].id)
    regions.remove(rs[1].id)
    regions.add(rs[1], index=index)
    assert regions.regions() == tuple(rs)


def test_swap_films_relabels_every_region_with_one_reset_event():
    regions = AnnotationSet([erosion("before"), erosion("after")])
    rec = Recorder(regions)
    regions.swap_films()
    assert [r.film for r in regions] == ["after", "before"]
    assert [e[0] for e in rec.events] == ["regions_reset"]


def test_document_clears_regions_and_scores_on_a_new_pair_and_swaps_them():
    doc = Document()
    doc.annotations.add(erosion("before"))
    doc.scores.set("before", "left", "erosion", "MCP2", 4)
    doc.swap()
    assert [r.film for r in doc.annotations] == ["after"]
    assert doc.scores.get("after", "left", "erosion", "MCP2") == 4
    doc.set_pair(None, None)
    assert len(doc.annotations) == 0 and len(doc.scores) == 0
