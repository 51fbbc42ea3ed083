"""The bundled demo project stays an ordinary, valid project on the demo pair."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from xraycompare.core.annotations.regions import AnnotationSet
from xraycompare.core.project.file import read_project
from xraycompare.core.project.images import resolve_images

ASSETS = Path(__file__).resolve().parents[2] / "assets"


def test_demo_project_reads_and_its_films_resolve_with_matching_hashes():
    data = read_project(ASSETS / "demo.xrc.json")
    assert data.migrated_from is None and data.recovery is None
    for film in ("before", "after"):
        ref = data.image_ref(film)
        assert ref.path == f"demo_{film}.dcm"  # relative to assets/
        assert ref.resolve(ASSETS) == (ASSETS / f"demo_{film}.dcm").resolve()
    found = resolve_images(data)
    assert {f: r.status for f, r in found.items()} == {"before": "ok", "after": "ok"}, {
        f: r.message for f, r in found.items()
    }
    for region in data.regions:
        h, w = found[region.film].image.shape
        pts = region.points_array()
        assert (pts >= 0).all() and (pts[:, 0] < w).all() and (pts[:, 1] < h).all()


def test_demo_project_shows_linked_scored_erosions_an_arrow_and_a_label():
    data = read_project(ASSETS / "demo.xrc.json")
    regions = AnnotationSet(data.regions)
    for site in ("PIP3", "PIP4"):
        at_site = [r for r in regions if r.site == site]
        assert {r.film for r in at_site} == {"before", "after"}
        before = next(r for r in at_site if r.film == "before")
        after = regions.counterpart(before)
        assert after is not None and after.site == site and after.kind == "erosion"
        assert before.score is not None and after.score is not None and after.status
    assert [r.geometry for r in regions].count("arrow") == 1
    (text,) = [r for r in regions if r.geometry == "text"]
    assert text.label
    assert data.global_alignment is not None
    assert not np.allclose(data.global_alignment.matrix, np.eye(3))  # really registered
