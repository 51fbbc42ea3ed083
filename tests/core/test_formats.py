"""GeoJSON, labelme and CSV: what other tools read, lossless round trips, formula escaping."""

from __future__ import annotations

import csv
import io
import json

import pytest

from xraycompare.core.annotations.formats import csv_export, geojson, labelme
from xraycompare.core.annotations.formats.fields import renumbered
from xraycompare.core.annotations.measurements import lineage_changes, measure_regions
from xraycompare.core.annotations.regions import Region, ellipse_points, rectangle_points
from xraycompare.core.annotations.scoring import sheets_by_hand
from xraycompare.core.annotations.svdh import ScoreEntry


def sample_regions() -> list[Region]:
    b = Region.create(
        "before", "polygon", ((10, 10), (30, 10), (30, 20)), kind="erosion", site="PIP3",
        laterality="right", score=3, status="new", note="=SUM(A1)", label="+E1",
    )  # fmt: skip
    return [
        b,
        Region.create("after", "polygon", ((10, 10), (40, 10), (40, 20)), kind="erosion",
                      site="PIP3", laterality="right", score=4, status="enlarged",
                      lineage_id=b.lineage_id),
        Region.create("before", "ellipse", ellipse_points(50, 50, 8, 4, 30), kind="narrowing",
                      site="RC", score=2),
        Region.create("before", "rectangle", rectangle_points(0, 0, 5, 3)),
        Region.create("after", "arrow", ((60, 60), (45, 48))),
        Region.create("after", "text", ((2, 70),), label="Year 7"),
        Region.create("before", "length", ((0, 90), (30, 90))),
        Region.create("after", "point", ((7, 7),), note="@cmd"),
    ]  # fmt: skip


def measured(regions):
    ms = measure_regions(
        regions,
        {},
        calibrations={"before": ((0.1, 0.1), "calibrated"), "after": ((0.1, 0.1), "calibrated")},
    )
    return ms, lineage_changes(regions, ms)


def test_geojson_is_a_qupath_feature_collection_in_corner_pixel_coordinates():
    regions = sample_regions()
    ms, changes = measured(regions)
    fc = geojson.to_geojson(regions, film="before", measurements=ms, changes=changes)
    fc = json.loads(json.dumps(fc))  # plain JSON
    assert fc["type"] == "FeatureCollection"
    assert len(fc["features"]) == 4  # only the before film
    first = fc["features"][0]
    props = first["properties"]
    assert props["objectType"] == "annotation"
    assert props["classification"] == {"name": "Erosion", "color": [230, 75, 53]}
    assert props["measurements"]["Area mm^2"] == pytest.approx(1.0)  # 20 × 10 / 2 px at 0.1 mm
    assert props["xraycompare"]["site"] == "PIP3" and props["xraycompare"]["score"] == 3
    ring = first["geometry"]["coordinates"][0]
    assert first["geometry"]["type"] == "Polygon" and ring[0] == ring[-1]
    assert ring[0] == [10.5, 10.5]  # QuPath's origin is the corner of the first pixel
    types = [f["geometry"]["type"] for f in fc["features"]]
    assert types == ["Polygon", "Polygon", "Polygon", "LineString"]
    after = geojson.to_geojson(regions, film="after", measurements=ms, changes=changes)
    grown = after["features"][0]["properties"]["measurements"]
    assert grown["Area change %"] == pytest.approx(50.0)


def test_geojson_round_trip_and_foreign_import():
    regions = sample_regions()
    for film in ("before", "after"):
        fc = json.loads(json.dumps(geojson.to_geojson(regions, film=film)))
        back, skipped = geojson.from_geojson(fc, film=film)
        assert back == [r for r in regions if r.film == film] and skipped == []
    foreign = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": {"type": "Polygon",
         "coordinates": [[[0.5, 0.5], [10.5, 0.5], [10.5, 5.5], [0.5, 0.5]]]},
         "properties": {"objectType": "annotation", "classification": {"name": "Erosion"}}},
        {"type": "Feature", "geometry": {"type": "MultiPolygon", "coordinates": []},
         "properties": {}},
    ]}  # fmt: skip
    back, skipped = geojson.from_geojson(foreign, film="after")
    assert back[0].points == ((0, 0), (10, 0), (10, 5)) and back[0].kind == "erosion"
    assert len(skipped) == 1 and "MultiPolygon" in skipped[0]
    with pytest.raises(ValueError, match="FeatureCollection"):
        geojson.from_geojson({"type": "Feature"}, film="after")


def test_labelme_export_has_no_image_data_and_round_trips():
    regions = sample_regions()
    for film in ("before", "after"):
        doc = labelme.to_labelme(regions, film=film, image_path="../b.dcm", image_shape=(100, 80))
        doc = json.loads(json.dumps(doc))
        assert doc["imageData"] is None and doc["imageHeight"] == 100
        assert all(s["xraycompare"]["film"] == film for s in doc["shapes"])
        back, skipped = labelme.from_labelme(doc, film=film)
        assert back == [r for r in regions if r.film == film] and skipped == []
    before = labelme.to_labelme(regions, film="before")
    kinds = [(s["shape_type"], len(s["points"])) for s in before["shapes"]]
    assert kinds == [("polygon", 3), ("polygon", 72), ("rectangle", 2), ("line", 2)]
    assert before["shapes"][2]["points"] == [[0.5, 0.5], [5.5, 3.5]]


def test_labelme_import_of_labelme_own_shapes():
    doc = {"shapes": [
        {"label": "erosion", "points": [[1.5, 1.5], [5.5, 1.5], [5.5, 4.5]],
         "shape_type": "polygon"},
        {"label": "cyst", "points": [[10.5, 10.5], [13.5, 14.5]], "shape_type": "circle"},
        {"label": "x", "points": [[0.5, 0.5], [4.5, 2.5]], "shape_type": "rectangle"},
        {"label": "x", "points": [[0.5, 0.5]], "shape_type": "mask"},
    ]}  # fmt: skip
    back, skipped = labelme.from_labelme(doc, film="before")
    assert [r.geometry for r in back] == ["polygon", "ellipse", "rectangle"]
    assert back[0].kind == "erosion" and back[1].kind == "other" and back[1].note == "cyst"
    assert back[1].points[0] == (10, 10) and back[1].points[1] == (15, 10)  # radius 5
    assert back[2].points == rectangle_points(0, 0, 4, 2)
    assert len(skipped) == 1


def test_renumbered_regions_keep_their_links():
    regions = sample_regions()
    fresh = renumbered(regions)
    assert {r.id for r in fresh}.isdisjoint({r.id for r in regions})
    assert fresh[0].lineage_id == fresh[1].lineage_id != regions[0].lineage_id


@pytest.mark.parametrize(
    ("value", "escaped"),
    [("=1+2", "'=1+2"), ("+A1", "'+A1"), ("-2+3", "'-2+3"), ("@SUM", "'@SUM"),
     ("\tx", "'\tx"), ("\rx", "'\rx"), ("plain", "plain"), ("", ""), (-3.5, -3.5), (None, None)],
)  # fmt: skip
def test_formula_like_text_is_escaped_numbers_are_not(value, escaped):
    assert csv_export.escape_cell(value) == escaped


def test_regions_csv_escapes_user_text_and_keeps_measurements(tmp_path):
    regions = sample_regions()
    ms, changes = measured(regions)
    path = tmp_path / "r.csv"
    csv_export.write_regions_csv(path, regions, ms, changes)
    rows = list(csv.DictReader(io.StringIO(path.read_text("utf-8-sig"))))
    assert len(rows) == len(regions)
    assert rows[0]["note"] == "'=SUM(A1)" and rows[0]["label"] == "'+E1"
    assert rows[-1]["note"] == "'@cmd"
    assert float(rows[0]["area"]) == pytest.approx(1.0) and rows[0]["area_unit"] == "mm²"
    assert rows[0]["calibration"] == "calibrated"
    assert float(rows[1]["area_change_percent"]) == pytest.approx(50.0)
    assert rows[0]["area_change"] == ""  # the change sits on the after-film row only
    for row in rows:
        assert not any(v.startswith(csv_export.FORMULA_STARTS) for v in row.values())


def test_score_sheet_csv_lists_every_site_with_change_and_totals(tmp_path):
    regions = sample_regions()
    entries = [ScoreEntry("after", "right", "erosion", "MCP2", 1)]
    path = tmp_path / "s.csv"
    csv_export.write_scores_csv(path, sheets_by_hand(regions, entries))
    rows = list(csv.DictReader(io.StringIO(path.read_text("utf-8-sig"))))
    assert len(rows) == 2 * (16 + 1 + 15 + 1)
    pip3 = next(
        r for r in rows if (r["hand"], r["kind"], r["site"]) == ("right", "erosion", "PIP3")
    )
    assert (pip3["before"], pip3["after"], pip3["change"]) == ("3", "4", "1")
    total = next(
        r for r in rows if (r["hand"], r["kind"], r["site"]) == ("right", "erosion", "TOTAL")
    )
    assert (total["before"], total["after"], total["change"], total["max_score"]) == (
        "3",
        "5",
        "1",
        "80",
    )
