"""Headless commands open a pair from a project or from two films, never asking anything."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from xraycompare.core.project.opening import PairInputError, open_pair
from xraycompare.resources import demo_pair, demo_project


def test_a_project_opens_with_its_own_alignment_and_regions():
    opened = open_pair([demo_project()])
    doc = opened.document
    assert doc.has_pair and doc.global_alignment is not None
    assert len(doc.annotations) > 0
    assert opened.registration is None  # a project's alignment comes from the file


def test_two_films_are_aligned_automatically():
    before, after = demo_pair()
    opened = open_pair([before, after])
    assert opened.registration is not None
    assert opened.document.global_alignment.method == "automatic"
    assert opened.registration.quality.ncc_final > 0.9


def test_a_project_whose_film_is_missing_names_the_project(tmp_path: Path):
    copy = tmp_path / "alone.xrc.json"
    shutil.copy(demo_project(), copy)
    with pytest.raises(PairInputError) as err:
        open_pair([copy])
    assert err.value.path == copy and "not found" in err.value.reason


def test_an_unreadable_film_is_named(tmp_path: Path):
    bad = tmp_path / "broken.dcm"
    bad.write_bytes(b"DICM" * 10)
    with pytest.raises(PairInputError) as err:
        open_pair([demo_pair()[0], bad], align=False)
    assert err.value.path == bad
