"""Teaching in the window: a quiz that hides the findings, a tour of bookmarked views, and a
blinded reading that hides which film is earlier until the reveal."""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtCore import Qt

from xraycompare.core.annotations.regions import Region, rectangle_points
from xraycompare.core.document import ViewState
from xraycompare.core.project import file as pf
from xraycompare.core.teaching.blinding import start_blinded


def _seed_for(a_film: str) -> int:
    return next(s for s in range(100) if start_blinded(s).a_film == a_film)


def _finding(film: str, x: float, y: float, *, lineage: str = "", score: int = 2) -> Region:
    return Region.create(
        film, "rectangle", rectangle_points(x, y, x + 20, y + 20),
        kind="erosion", site="MCP3", laterality="right", score=score,
        lineage_id=lineage,
    )  # fmt: skip


def _shown(window, film: str) -> set[str]:
    return set(window.region_layers[film].looks)


def test_a_quiz_hides_every_region_and_reveals_a_finding_with_its_counterpart(qtbot, opened):
    doc = opened.document
    first = doc.annotations.add(_finding("before", 60, 80))
    doc.annotations.add(_finding("after", 62, 80, lineage=first.lineage_id))
    other = doc.annotations.add(_finding("before", 200, 250))
    opened.actions["quiz"].trigger()
    assert opened.actions["quiz"].isChecked()
    assert _shown(opened, "before") == set() and _shown(opened, "after") == set()
    # the view shows the first finding: it is revealed first, on both films
    opened.document.set_view(ViewState(center=(70.0, 90.0), zoom=4.0, mode="side-by-side"))
    qtbot.keyClick(opened.panes["before"], Qt.Key.Key_V)
    assert _shown(opened, "before") == {first.id} and len(_shown(opened, "after")) == 1
    opened.actions["reveal_all"].trigger()
    assert other.id in _shown(opened, "before") and not opened.actions["quiz"].isChecked()
    opened.undo_stack.undo()  # the reveal is an undo step
    assert _shown(opened, "before") == {first.id}
    # a region drawn during the quiz shows at once
    drawn = doc.annotations.add(_finding("before", 120, 40))
    assert drawn.id in _shown(opened, "before")


def test_the_quiz_is_saved_in_the_project(opened, tmp_path):
    doc = opened.document
    region = doc.annotations.add(_finding("before", 60, 80))
    opened.actions["quiz"].trigger()
    path = tmp_path / "quiz.xrc.json"
    assert opened.project.save_to(path)
    assert region.id in pf.read_project(path).quiz.hidden


def test_a_tour_steps_through_bookmarked_views_with_their_captions(qtbot, opened, tmp_path):
    doc, quiz = opened.document, opened.teaching.quiz
    opened.document.set_view(ViewState(center=(60.0, 80.0), zoom=3.0, mode="side-by-side"))
    assert not opened.docks["dock_bookmarks"].isVisible()
    opened.actions["add_bookmark"].trigger()
    assert opened.docks["dock_bookmarks"].isVisible()  # where the new stop gets its caption
    opened.document.set_view(ViewState(center=(200.0, 250.0), zoom=2.0, mode="overlay"))
    opened.actions["add_bookmark"].trigger()
    assert len(doc.bookmarks) == 2
    panel = opened.teaching.panel
    panel.list.setCurrentRow(0)
    panel.caption.setPlainText("Erosion at MCP3")
    assert doc.bookmarks[0].caption == "Erosion at MCP3"
    opened.controller.fit()
    opened.actions["tour"].trigger()  # starts at the first stop
    assert doc.view.center == (60.0, 80.0) and doc.view.zoom == 3.0
    caption = opened.teaching.caption
    assert caption.isVisible() and "Erosion at MCP3" in caption.text() and "1 / 2" in caption.text()
    alignment = doc.global_alignment
    qtbot.keyClick(opened.panes["before"], Qt.Key.Key_Right)  # steps the tour, nudges nothing
    assert doc.view.center == (200.0, 250.0) and doc.view.mode == "overlay"
    assert doc.global_alignment == alignment and quiz.current == 1
    qtbot.keyClick(opened.panes["before"], Qt.Key.Key_Left)
    assert quiz.current == 0
    opened.actions["tour"].trigger()  # ends the tour: the arrows nudge again
    assert quiz.current is None and not caption.isVisible()
    path = tmp_path / "tour.xrc.json"
    assert opened.project.save_to(path)
    saved = pf.read_project(path).bookmarks
    assert [b.caption for b in saved] == ["Erosion at MCP3", ""] and saved[1].mode == "overlay"


def test_presentation_steps_the_saved_views_with_up_and_down(qtbot, opened):
    doc = opened.document
    for centre in ((60.0, 80.0), (200.0, 250.0)):
        opened.document.set_view(ViewState(center=centre, zoom=3.0, mode="side-by-side"))
        opened.actions["add_bookmark"].trigger()
    opened.actions["presentation"].trigger()
    try:
        qtbot.keyClick(opened.panes["before"], Qt.Key.Key_Down)
        assert doc.view.center == (60.0, 80.0)
        qtbot.keyClick(opened.panes["before"], Qt.Key.Key_Down)
        assert doc.view.center == (200.0, 250.0)
        assert opened.teaching.caption.isVisible()
        qtbot.keyClick(opened.panes["before"], Qt.Key.Key_Right)  # the next view, as always
        assert doc.view.mode == "overlay" and opened.teaching.quiz.current == 1
    finally:
        opened.presentation.leave()


def test_a_blinded_reading_hides_the_order_until_the_reveal(qtbot, window, patient_pair, tmp_path):
    from tests.qt.patients import NAME_PARTS

    with qtbot.waitSignal(window.pair_shown, timeout=20000):
        window.open_pair(*patient_pair)
    doc = window.document
    window.teaching.blinded.start(seed=_seed_for("after"))  # the later film is shown as A
    assert doc.is_blinded
    left = window.splitter.widget(0)
    assert left is window.panes["after"]
    titles = {f: window.panes[f].title_lines() for f in ("before", "after")}
    assert titles["after"][0] == "A" and titles["before"][0] == "B"
    shown = " ".join([window.windowTitle(), *(" ".join(t) for t in titles.values())])
    for part in (*NAME_PARTS, "2018", "2025", "Before", "After", "+7 y"):
        assert part not in shown
    # nothing that tells the order: no comparison views, no identifiers, no exports
    for name in ("mode_difference", "mode_flicker", "show_identifiers", "export_figure"):
        assert not window.actions[name].isEnabled()
    doc.set_view(ViewState(mode="flicker"))
    assert doc.view.mode == "side-by-side"
    sheet = window.score_sheet
    header = sheet.table.horizontalHeader()
    assert sheet.table.horizontalHeaderItem(header.logicalIndex(1)).text() == "A"
    assert sheet.table.isColumnHidden(3)  # no change column while blind
    # read blind: A (the after film) scores higher
    hand = sheet.current_hand
    doc.scores.set("after", hand, "erosion", "MCP3", 3)
    doc.scores.set("before", hand, "erosion", "MCP3", 1)
    qtbot.wait(10)
    assert "A 3, B 1" in sheet.totals.text()
    window.actions["reveal_order"].trigger()
    assert not doc.is_blinded and doc.blinded.revealed
    assert window.panes["after"].title_lines()[0] == "After"
    assert window.splitter.widget(0) is window.panes["before"]
    assert "change +2" in sheet.totals.text() and not sheet.table.isColumnHidden(3)
    assert "A was the After film" in window.teaching.blinded.summary()
    path = tmp_path / "blind.xrc.json"
    assert window.project.save_to(path)
    reading = pf.read_project(path).blinded
    assert reading.a_film == "after" and reading.revealed
    assert {(e.film, e.score) for e in reading.scores} == {("after", 3), ("before", 1)}


def test_undoing_the_start_ends_the_blinded_reading(qtbot, opened):
    opened.actions["start_blinded"].trigger()
    assert opened.document.is_blinded and opened.actions["reveal_order"].isEnabled()
    opened.undo_stack.undo()
    assert not opened.document.is_blinded
    assert opened.actions["mode_difference"].isEnabled()


def test_every_joint_found_becomes_a_tour_stop_in_reading_order(qtbot, opened, monkeypatch):
    from xraycompare.core.joints.model import Joint, JointMap

    sites = {"PIP3": (160.0, 170.0), "MCP2": (100.0, 300.0), "MCP3": (160.0, 290.0)}
    empty = JointMap.empty()
    found = replace(empty, joints=tuple(
        Joint(j.site, *sites[j.site], 0.9) if j.site in sites else j for j in empty.joints
    ))  # fmt: skip
    monkeypatch.setattr(opened.joint_finder, "joints", lambda film: found)
    opened.actions["bookmark_joints"].trigger()
    names = [b.name.split()[0] for b in opened.document.bookmarks]
    assert names == ["MCP2", "MCP3", "PIP3"]
    opened.undo_stack.undo()  # one undo step for the whole tour
    assert opened.document.bookmarks == ()


def test_the_f1_page_explains_teaching_and_lists_its_keys(window):
    from xraycompare.qt.help import help_html

    page = help_html(window.actions.items)
    assert "<b>Teach.</b>" in page
    for keys, text in (
        ("Ctrl+Shift+H", "Quiz: hide the regions"),
        ("V", "Reveal the next finding"),
        ("Ctrl+D", "Bookmark this view"),
        ("Ctrl+T", "Tour the bookmarks"),
    ):
        assert f"<b>{keys}</b></td><td>{text}" in page
