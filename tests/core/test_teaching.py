"""Teaching values: bookmarks of a tour, the quiz's hidden regions, the blinded reading; the
Document holding them (undo values, swaps, a new pair) and the project file keeping them."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.core.conftest import TEST_DATA, saved_pair
from xraycompare.core.annotations.regions import Region, ellipse_points, rectangle_points
from xraycompare.core.annotations.svdh import ScoreEntry
from xraycompare.core.document import Document
from xraycompare.core.geometry import invert, similarity, transform_point
from xraycompare.core.io.film_labels import film_subtitle, pair_caption
from xraycompare.core.io.loading import load_image
from xraycompare.core.project.file import (
    ProjectFileError,
    apply_project,
    read_project,
    save_project,
)
from xraycompare.core.registration.alignment import Alignment
from xraycompare.core.teaching import BlindedReading, Bookmark, Quiz, start_blinded
from xraycompare.core.teaching.blinding import read_change, sheet_scores
from xraycompare.core.teaching.bookmarks import moved, removed, replaced, unique_name
from xraycompare.core.teaching.quiz import hiding, next_to_reveal

M = similarity(angle_deg=4.0, scale=1.05, tx=20.0, ty=-8.0, center=(160.0, 200.0))


# -- bookmarks ---------------------------------------------------------------------------------
def test_a_bookmark_is_checked_and_the_tour_edits_return_new_tuples():
    a = Bookmark("MCP2", "An erosion at the radial side", (100, 120.5), 2, "flicker", "MCP2 r")
    assert a.center == (100.0, 120.5) and a.zoom == 2.0 and not a.is_fit
    assert Bookmark("Whole hand").is_fit
    for bad in (
        {"name": " "},
        {"name": "x", "center": (1.0, 2.0)},  # a centre without a zoom
        {"name": "x", "center": (float("nan"), 2.0), "zoom": 1.0},
        {"name": "x", "center": (1.0, 2.0), "zoom": 0.0},
        {"name": "x", "mode": "sideways"},
        {"name": "x", "alignment": ""},
    ):
        with pytest.raises(ValueError):
            Bookmark(**bad)
    b, c = Bookmark("PIP3"), Bookmark("Wrist")
    tour = (a, b, c)
    assert replaced(tour, 1, caption="Healing")[1].caption == "Healing" and tour[1].caption == ""
    assert removed(tour, 0) == (b, c)
    assert moved(tour, 2, 0) == (c, a, b) and moved(tour, 0, 99) == (b, c, a)
    assert unique_name(tour, "PIP3") == "PIP3 2" and unique_name(tour, "PIP4") == "PIP4"


def test_a_swapped_bookmark_shows_the_same_anatomy_at_the_same_size():
    a = Bookmark("MCP2", center=(150.0, 90.0), zoom=2.0)
    to_new_before = invert(M)  # old before frame -> the after film's frame
    s = a.swapped(to_new_before)
    assert s.center == pytest.approx(transform_point(to_new_before, 150.0, 90.0))
    assert s.zoom == pytest.approx(2.0 * 1.05)  # after pixels are smaller by the scale
    assert Bookmark("Fit").swapped(to_new_before) == Bookmark("Fit")


# -- quiz --------------------------------------------------------------------------------------
def _region(film: str, box: tuple[float, float, float, float], lineage: str = "") -> Region:
    return Region.create(film, "rectangle", rectangle_points(*box), lineage_id=lineage)


def test_a_finding_is_revealed_with_its_counterpart_the_one_in_view_first():
    first = _region("before", (10, 10, 30, 30), "L1")
    far = _region("before", (300, 300, 330, 330), "L2")
    far_after = _region("after", (300, 300, 330, 330), "L2")
    near = Region.create("before", "ellipse", ellipse_points(205, 205, 10, 8))
    regions = (first, far, far_after, near)
    quiz = hiding(regions)
    assert quiz.active and all(quiz.hides(r.id) for r in regions)
    # without a view: the first drawn
    assert next_to_reveal(regions, quiz) == (first.id,)
    # a view over the far and the near findings: the nearer its middle; both films at once
    box = (190.0, 190.0, 150.0, 150.0)
    assert next_to_reveal(regions, quiz, view_box=box) == (far.id, far_after.id)
    assert next_to_reveal(regions, quiz, view_box=(180.0, 180.0, 40.0, 40.0)) == (near.id,)
    # the after film's region is placed through the alignment
    moved_after = _region("after", (500, 500, 520, 520))
    quiz2 = hiding((moved_after,))
    shift = similarity(tx=-400.0, ty=-400.0)
    seen = next_to_reveal(
        (moved_after,), quiz2, to_before={"after": shift}, view_box=(100.0, 100.0, 20.0, 20.0)
    )
    assert seen == (moved_after.id,)
    # revealing leaves the rest hidden; all revealed is no quiz
    step = quiz.revealing(next_to_reveal(regions, quiz))
    assert not step.hides(first.id) and step.hides(near.id) and step.active
    done = step.revealing(r.id for r in regions)
    assert not done.active and next_to_reveal(regions, done) == ()
    assert quiz.kept([first.id]) == Quiz(frozenset({first.id}))


# -- blinded reading ---------------------------------------------------------------------------
def test_the_draw_is_random_reproducible_from_its_seed_and_fair():
    assert start_blinded(12345) == start_blinded(12345)
    draws = [start_blinded(seed).a_film for seed in range(400)]
    assert 150 < draws.count("before") < 250  # both orders, about equally often
    unseeded = {start_blinded().seed for _ in range(5)}
    assert len(unseeded) == 5  # a fresh seed each time


def test_letters_map_to_the_true_films_and_follow_them_through_a_swap():
    reading = BlindedReading("after", seed=7)
    assert reading.order == ("after", "before")
    assert reading.letter("after") == "A" and reading.film("B") == "before"
    swapped = reading.swapped()
    assert swapped.a_film == "before"  # the same image, now the before film, is still "A"
    with pytest.raises(ValueError):
        BlindedReading("later")
    with pytest.raises(ValueError):
        BlindedReading("before", revealed_at="yesterday")
    with pytest.raises(ValueError):  # a blind reading keeps no scores yet
        BlindedReading("before", scores=(ScoreEntry("before", "left", "erosion", "MCP2", 1),))
    with pytest.raises(ValueError):
        reading.film("C")


def test_the_scores_kept_at_the_reveal_give_the_change_in_true_time_order():
    # read blind: "A" (the after film) scored 3 at MCP2, "B" (the before film) scored 1
    regions = (
        Region.create("after", "point", [(5, 5)], kind="erosion", site="MCP2",
                      laterality="right", score=3),
    )  # fmt: skip
    entries = (ScoreEntry("before", "right", "erosion", "MCP2", 1),)
    kept = sheet_scores(regions, entries, {"before": "right", "after": "right"})
    kept_as = {(e.film, e.site, e.score) for e in kept}
    assert kept_as == {("after", "MCP2", 3), ("before", "MCP2", 1)}
    revealed = BlindedReading("after", 1).revealing(datetime(2026, 1, 2, tzinfo=UTC), kept)
    assert revealed.revealed and revealed.revealed_at.startswith("2026-01-02T00:00:00")
    change = read_change(revealed.scores, "right")
    assert change.total_change("erosion") == 2  # before 1 -> after 3
    swapped = revealed.swapped()
    assert read_change(swapped.scores, "right").total_change("erosion") == -2


def test_labels_say_nothing_of_time_while_blinded():
    before = load_image(TEST_DATA / "cr_hand_small.png")
    assert film_subtitle(before, "before", blinded=True) == "blinded reading"
    assert pair_caption(before, before, blinded=True) == "A ↔ B, blinded reading"
    assert pair_caption(before, before, show_identifiers=True, blinded=True).startswith("A ↔ B")


# -- the Document ------------------------------------------------------------------------------
def test_setters_return_the_value_they_replaced_and_fire_only_on_change():
    doc = Document()
    seen: list[str] = []
    for name in ("bookmarks_changed", "quiz_changed", "blinding_changed", "identifiers_changed"):
        getattr(doc, name).connect(lambda n=name: seen.append(n))
    tour = (Bookmark("MCP2"),)
    assert doc.set_bookmarks(tour) == () and doc.bookmarks == tour
    doc.set_bookmarks(tour)
    quiz = Quiz(frozenset({"r1"}))
    assert doc.set_quiz(quiz) == Quiz() and doc.quiz == quiz
    doc.set_quiz(quiz)
    assert seen == ["bookmarks_changed", "quiz_changed"]
    reading = BlindedReading("after", 3)
    assert doc.set_blinded(reading) is None
    assert seen[2:] == ["blinding_changed", "identifiers_changed"]
    assert doc.is_blinded and doc.film_title("after") == "A" and doc.film_title("before") == "B"
    assert doc.films_shown == ("after", "before")
    revealed = reading.revealing(datetime(2026, 1, 1, tzinfo=UTC), ())
    assert doc.set_blinded(revealed) == reading
    assert not doc.is_blinded and doc.film_title("after") == "After"
    assert doc.films_shown == ("before", "after") and doc.blinded == revealed


def test_identifiers_stay_hidden_while_blind():
    doc = Document()
    doc.set_show_identifiers(True)
    doc.set_blinded(BlindedReading("before"))
    assert not doc.show_identifiers  # starting hid them
    doc.set_show_identifiers(True)
    assert not doc.show_identifiers  # refused while blind
    doc.set_blinded(None)
    doc.set_show_identifiers(True)
    assert doc.show_identifiers


def test_a_swap_keeps_bookmarks_on_their_anatomy_and_letters_on_their_images():
    hand = load_image(TEST_DATA / "cr_hand_small.png")
    doc = Document()
    doc.set_pair(hand, hand)
    doc.set_global_alignment(Alignment("Global", M))
    doc.set_bookmarks((Bookmark("MCP2", center=(150.0, 90.0), zoom=2.0),))
    doc.set_blinded(BlindedReading("after", 5))
    image_a = doc.image("after")
    doc.swap()
    assert doc.image(doc.blinded.a_film) is image_a and doc.film_title("before") == "A"
    (b,) = doc.bookmarks
    assert b.center == pytest.approx(transform_point(invert(M), 150.0, 90.0))
    doc.set_pair(hand, hand)  # another pair: its teaching starts empty
    assert doc.bookmarks == () and doc.blinded is None and not doc.quiz.active


# -- the project file --------------------------------------------------------------------------
def _saved_pair(tmp_path: Path) -> Document:
    doc = saved_pair(tmp_path, M)
    doc.set_local_alignment(Alignment("MCP2 right", M, method="local", roi=(90, 60, 80, 60)))
    return doc


def _reopened(doc: Document, path: Path) -> Document:
    opened = Document()
    apply_project(opened, read_project(path), doc.before, doc.after)
    return opened


def test_bookmarks_the_quiz_and_the_blinded_reading_round_trip(tmp_path: Path):
    doc = _saved_pair(tmp_path)
    shown = Region.create("before", "point", [(40, 50)])
    hidden = Region.create("before", "point", [(60, 70)], kind="erosion", site="MCP2",
                           laterality="right", score=2)  # fmt: skip
    doc.annotations.reset((shown, hidden))
    doc.scores.set("after", "right", "erosion", "MCP2", 4)
    tour = (
        Bookmark("MCP2", "Erosion, then remodelling", (130.0, 90.0), 3.5, "flicker",
                 "MCP2 right"),
        Bookmark("Whole hand"),
    )  # fmt: skip
    doc.set_bookmarks(tour)
    doc.set_quiz(Quiz(frozenset({hidden.id, "deleted-region"})))
    kept = sheet_scores(doc.annotations, doc.scores.entries(), {"before": "right"})
    reading = BlindedReading("after", 99).revealing(datetime(2026, 3, 4, 5, 6, tzinfo=UTC), kept)
    doc.set_blinded(reading)
    path = tmp_path / "pair.xrc.json"
    save_project(doc, path)
    raw = json.loads(path.read_text())
    assert list(raw)[-3:] == ["bookmarks", "quiz", "blinded"]
    assert raw["quiz"] == {"hidden": [hidden.id]}  # a region that is gone is not kept
    assert raw["blinded"]["a_film"] == "after" and raw["blinded"]["seed"] == 99
    opened = _reopened(doc, path)
    assert opened.bookmarks == tour
    assert opened.quiz == Quiz(frozenset({hidden.id}))
    assert opened.blinded == reading and not opened.is_blinded
    assert read_change(opened.blinded.scores, "right").total_change("erosion") == 2


def test_a_blind_reading_reopens_blind(tmp_path: Path):
    doc = _saved_pair(tmp_path)
    doc.set_blinded(BlindedReading("after", 1))
    path = tmp_path / "pair.xrc.json"
    save_project(doc, path)
    opened = _reopened(doc, path)
    assert opened.is_blinded and opened.film_title("after") == "A"


def test_projects_without_teaching_have_no_such_keys_and_old_files_open(tmp_path: Path):
    doc = _saved_pair(tmp_path)
    path = tmp_path / "pair.xrc.json"
    save_project(doc, path)
    raw = json.loads(path.read_text())
    assert not {"bookmarks", "quiz", "blinded"} & set(raw)  # files are as before
    data = read_project(path)
    assert data.bookmarks == () and data.quiz == Quiz() and data.blinded is None


@pytest.mark.parametrize(
    ("key", "value", "where"),
    [
        ("bookmarks", [{"name": "x", "center": [1.0, 2.0]}], "bookmarks[0]"),
        ("bookmarks", [{"name": "", "zoom": 1.0}], "bookmarks"),
        ("bookmarks", [{"name": "x", "mode": "sideways"}], "mode"),
        ("blinded", {"a_film": "later"}, "a_film"),
        ("blinded", {"a_film": "before", "seed": -1}, "seed"),
        ("blinded", {"a_film": "before", "revealed_at": "soon"}, "blinded"),
        ("blinded", {"a_film": "before", "revealed_at": "2026-01-01T00:00:00",
                     "scores": [{"film": "after", "hand": "left", "kind": "erosion",
                                 "site": "MCP9", "score": 1}]}, "blinded.scores[0]"),
        ("quiz", {"hidden": [""]}, "quiz"),
    ],
)  # fmt: skip
def test_bad_teaching_values_are_refused_naming_where(tmp_path: Path, key, value, where):
    doc = _saved_pair(tmp_path)
    path = tmp_path / "pair.xrc.json"
    save_project(doc, path)
    raw = json.loads(path.read_text())
    raw[key] = value
    path.write_text(json.dumps(raw))
    with pytest.raises(ProjectFileError, match=where.replace("[", r"\[").replace("]", r"\]")):
        read_project(path)


def test_a_joint_tour_centres_each_joint_at_a_zoom_that_follows_the_hand_size():
    from xraycompare.core.teaching.bookmarks import JOINT_FIELD, joint_tour

    adult = [("MCP2", (100.0, 300.0)), ("MCP3", (160.0, 290.0)), ("PIP3", (160.0, 170.0))]
    child = [(name, (x / 2, y / 2)) for name, (x, y) in adult]
    tour = joint_tour(adult, view_size=(600.0, 400.0))
    assert [b.name for b in tour] == ["MCP2", "MCP3", "PIP3"]
    assert [b.center for b in tour] == [p for _n, p in adult]
    # the typical neighbour distance (60.8, 60.8, 120) spans the view's short side / JOINT_FIELD
    spacing = sorted([60.83, 60.83, 120.0])[1]
    assert abs(tour[0].zoom - 400.0 / (JOINT_FIELD * spacing)) < 0.01
    assert abs(joint_tour(child, view_size=(600.0, 400.0))[0].zoom - 2 * tour[0].zoom) < 0.01
    assert joint_tour([], view_size=(600.0, 400.0)) == ()
    twice = joint_tour([("MCP3", (1.0, 2.0)), ("MCP3", (5.0, 6.0))], view_size=(100.0, 100.0))
    assert [b.name for b in twice] == ["MCP3", "MCP3 2"]
