"""Regions files (GeoJSON, labelme) read from disk are bounded like project files."""

from __future__ import annotations

import json

import pytest

from tests.core import hostile
from xraycompare.core.annotations.formats import MAX_POINTS_PER_REGION, MAX_REGIONS
from xraycompare.core.annotations.formats.reading import read_regions_file


def feature(points) -> dict:
    ring = [*points, points[0]]
    return {"type": "Feature", "geometry": {"type": "Polygon", "coordinates": [ring]}}


def collection(*features) -> dict:
    return {"type": "FeatureCollection", "features": list(features)}


def test_a_good_file_reads(tmp_path):
    path = tmp_path / "ok.geojson"
    path.write_text(json.dumps(collection(feature([[1, 1], [9, 1], [5, 8]]))))
    regions, skipped = read_regions_file(path, "before")
    assert len(regions) == 1 and skipped == []


def test_crafted_features_are_skipped_with_a_reason(tmp_path):
    path = tmp_path / "crafted.geojson"
    many = hostile.star_points(MAX_POINTS_PER_REGION + 1)
    far = [[1e308, 0], [1, 1], [2, 0]]
    path.write_text(json.dumps(collection(feature(many), feature(far), feature([[1, 1]] * 3))))
    regions, skipped = read_regions_file(path, "after")
    assert "at most 10000" in skipped[0] and "far outside" in skipped[1]
    assert len(regions) == 1


def test_too_many_features_are_cut_with_a_note(tmp_path):
    path = tmp_path / "many.geojson"
    triangle = feature([[1, 1], [9, 1], [5, 8]])
    path.write_text(json.dumps(collection(*[triangle] * (MAX_REGIONS + 5))))
    regions, skipped = read_regions_file(path, "before")
    assert len(regions) == MAX_REGIONS and f"first {MAX_REGIONS}" in skipped[0]


@pytest.mark.parametrize("content", [b"[" * 100_000, b"{", b"\xff\xfe", b"[1, 2]"])
def test_broken_files_raise_value_error_naming_the_file(tmp_path, content):
    path = tmp_path / "bad.json"
    path.write_bytes(content)
    with pytest.raises(ValueError, match=r"bad\.json"):
        read_regions_file(path, "before")


def test_a_huge_file_is_not_read(tmp_path):
    path = tmp_path / "huge.json"
    with path.open("wb") as f:
        f.truncate(40 * 1024 * 1024)  # sparse: no disk used
    with pytest.raises(ValueError, match="too large"):
        read_regions_file(path, "before")
