"""Scores land on the hand the reader sees and the films show, and the totals add up.

The case that went wrong: a right-hand pair whose files say nothing about the hand opened
its score sheet on the left hand, filed a typed score under the left hand, left a region's
score off the sheet and showed totals of zero.
"""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QApplication

from tests.qt.annotation_helpers import drag
from tests.qt.test_annotation_panels import choose
from tests.qt.test_project_gui import open_in, save_to
from tests.qt.test_project_gui import window_factory as window_factory  # the fixture


def draw_scored_erosion(win, film: str, xy, *, site: str, hand: str | None, score: int):
    """An ellipse drawn on ``film`` and given its site, hand and score in the Region dock."""
    win.regions.set_propagate_new(False)
    win.set_tool("ellipse")
    x, y = xy
    drag(win.panes[film], [(x, y), (x + 30, y + 24)])
    panel = win.region_panel
    choose(panel.site, site)
    if hand is not None:
        choose(panel.hand, hand)
    choose(panel.score, score)
    return win.regions.selection.current


def type_score(win, film: str, site: str, score: int, kind: str = "erosion") -> None:
    choose(win.score_sheet.combos[(film, kind, site)], score)
    QApplication.processEvents()  # the sheet refreshes from the event loop


def totals(win) -> str:
    QApplication.processEvents()
    return win.score_sheet.totals.text()


def test_region_scores_and_typed_scores_land_on_the_films_hand(opened):
    win, sheet = opened, opened.score_sheet
    assert win.document.film_hand("before") is None  # the PNG films say nothing
    draw_scored_erosion(win, "after", (120, 90), site="PIP4", hand="right", score=1)
    assert sheet.current_hand == "right"  # the sheet follows the films' hand
    draw_scored_erosion(win, "before", (120, 90), site="PIP4", hand=None, score=2)
    region = win.regions.selection.current
    assert region.laterality == "right"  # a new region takes the films' hand
    assert "before 2, after 1, change −1" in totals(win).replace("-", "−")
    type_score(win, "after", "PIP3", 3)
    (entry,) = win.document.scores.entries()
    assert (entry.film, entry.hand, entry.site, entry.score) == ("after", "right", "PIP3", 3)
    assert "after 4" in totals(win)
    assert win.score_sheet.combos[("after", "erosion", "PIP3")].currentText() == "3"
    assert sheet.warning.isHidden()


def test_an_unknown_hand_is_asked_once_and_remembered(opened, monkeypatch):
    win = opened
    asked = []
    monkeypatch.setattr(win.dialogs, "ask_hand", lambda: asked.append(1) or "right")
    type_score(win, "before", "MCP2", 2)
    type_score(win, "after", "MCP2", 1)
    assert asked == [1]  # once, when it first mattered
    assert {e.hand for e in win.document.scores.entries()} == {"right"}
    assert win.score_sheet.current_hand == "right"
    assert "change −1" in totals(win).replace("-", "−")
    # undo takes back the score and the answer alike
    for _ in range(3):
        win.undo_stack.undo()
    assert len(win.document.scores) == 0 and win.document.film_hand("before") is None


def test_a_cancelled_hand_question_files_nothing(opened, monkeypatch):
    monkeypatch.setattr(opened.dialogs, "ask_hand", lambda: None)
    type_score(opened, "before", "MCP2", 2)
    assert len(opened.document.scores) == 0
    QApplication.processEvents()
    assert opened.score_sheet.combos[("before", "erosion", "MCP2")].currentData() is None


def test_reopening_keeps_the_sheet_and_its_scores(qtbot, opened, tmp_path, window_factory):
    draw_scored_erosion(opened, "after", (120, 90), site="PIP4", hand="right", score=1)
    type_score(opened, "after", "PIP3", 3)
    path = tmp_path / "case.xrc.json"
    assert save_to(opened, path)
    other = window_factory()
    open_in(qtbot, other, path)
    QApplication.processEvents()
    assert other.score_sheet.current_hand == "right"
    assert other.score_sheet.combos[("after", "erosion", "PIP3")].currentText() == "3"
    assert "after 4" in totals(other)


@pytest.mark.parametrize("marked", ["L"])
def test_a_region_on_the_other_hand_is_flagged_not_refiled(opened, marked):
    from dataclasses import replace

    win = opened
    doc = win.document
    before, after = (
        replace(i, info=replace(i.info, laterality=marked)) for i in (doc.before, doc.after)
    )
    doc.set_pair(before, after)
    assert win.score_sheet.current_hand == "left"
    region = draw_scored_erosion(win, "after", (120, 90), site="PIP4", hand="right", score=1)
    assert win.document.annotations.get(region.id).laterality == "right"  # kept as said
    assert "says right" in win.region_panel.hand_hint.text()
    sheet = win.score_sheet
    assert "after 0" in totals(win)  # not on the left sheet...
    assert not sheet.warning.isHidden() and "Right" in sheet.warning.text()
    choose(sheet.hand, "right")
    assert "after 1" in totals(win)  # ...but on the right one


def test_the_readers_answer_is_kept_in_the_project(qtbot, opened, tmp_path, window_factory):
    monkeypatch_hand = "left"
    opened.dialogs.ask_hand = lambda: monkeypatch_hand
    type_score(opened, "before", "MCP2", 2)
    path = tmp_path / "asked.xrc.json"
    assert save_to(opened, path)
    other = window_factory()
    open_in(qtbot, other, path)
    other.dialogs.ask_hand = lambda: pytest.fail("asked again after reopening")
    type_score(other, "after", "MCP2", 1)
    assert other.document.assigned_hand("before") == "left"
    assert {e.hand for e in other.document.scores} == {"left"}
