"""Alignment in the GUI: automatic after opening, undo, nudges, landmarks, local regions."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPoint, QPointF, Qt

from tests.qt.test_panes import drag
from xraycompare.core.registration.alignment import GLOBAL

# film_pair's after film is the before film moved by (+6, -4): after -> before is (-6, +4)
TRUE_SHIFT = (-6.0, 4.0)


@pytest.fixture
def aligned(qtbot, film_pair):
    from xraycompare.qt.main_window import MainWindow

    win = MainWindow(auto_register=True)
    win.settings.auto_register = True
    win.resize(1200, 800)
    win.show()
    with qtbot.waitSignal(win.ready, timeout=60000):
        win.open_pair(*film_pair)
    yield win
    win.undo_stack.setClean()
    win.close()


def test_pair_is_aligned_automatically_after_opening(aligned):
    alignment = aligned.document.global_alignment
    assert alignment is not None and alignment.method == "automatic"
    assert alignment.matrix[:2, 2] == pytest.approx(TRUE_SHIFT, abs=0.25)
    assert alignment.quality["ncc_final"] > alignment.quality["ncc_initial"]
    # reproducible from the files: not unsaved work, but undoable
    assert aligned.undo_stack.isClean() and aligned.undo_stack.canUndo()
    assert "automatic" in aligned.alignment_panel.summary.text()


def test_undo_and_redo_the_automatic_alignment(aligned):
    aligned.undo_stack.undo()
    assert aligned.document.global_alignment is None
    aligned.undo_stack.redo()
    assert aligned.document.global_alignment is not None


def test_nudges_and_rotation_are_single_undo_steps(aligned):
    doc = aligned.document
    start = doc.alignment_matrix.copy()
    zoom = aligned.controller.resolved(aligned.panes["before"].viewport_size()).zoom
    aligned.actions["nudge_right"].trigger()
    aligned.actions["nudge_up_10"].trigger()
    moved = doc.alignment_matrix
    assert moved[0, 2] - start[0, 2] == pytest.approx(1 / zoom)
    assert moved[1, 2] - start[1, 2] == pytest.approx(-10 / zoom)
    aligned.actions["rotate_ccw"].trigger()
    assert not np.allclose(doc.alignment_matrix[:2, :2], start[:2, :2])
    for _ in range(3):
        aligned.undo_stack.undo()
    assert np.allclose(doc.alignment_matrix, start)
    assert aligned.undo_stack.isClean()  # back to the state as opened
    aligned.undo_stack.redo()  # a manual edit is unsaved work
    assert not aligned.undo_stack.isClean()


def test_quality_figures_follow_a_manual_change(qtbot, aligned):
    panel = aligned.alignment_panel
    aligned_text = panel.quality.text()
    with qtbot.waitSignal(aligned.alignment.quality_measured, timeout=20000) as blocker:
        for _ in range(3):
            aligned.actions["nudge_right_10"].trigger()
    assert blocker.args[0] is not None
    qtbot.waitUntil(lambda: panel.quality.text() != aligned_text, timeout=20000)


def click(pane, pos: QPoint) -> None:
    drag(pane, pos, pos)


def test_landmark_pairs_start_from_the_alignment_and_can_be_corrected(qtbot, aligned):
    doc = aligned.document
    aligned.actions["tool_landmarks"].trigger()
    before, after = aligned.panes["before"], aligned.panes["after"]
    for pos in (QPoint(200, 200), QPoint(420, 330), QPoint(260, 520)):
        click(before, pos)
    assert len(doc.landmarks) == 3
    m = doc.alignment_matrix
    for pair in doc.landmarks:
        guess = m @ np.array([*pair.after, 1.0])
        assert guess[:2] == pytest.approx(pair.before, abs=1e-6)
    # drag the first partner on the after pane: the model changes once, on release
    first = doc.landmarks[0]
    start = after.viewport_point(first.after).toPoint()
    steps = aligned.undo_stack.count()
    drag(after, start, start + QPoint(20, 0))
    assert aligned.undo_stack.count() == steps + 1
    assert doc.landmarks[0].after == pytest.approx(after.film_point(QPointF(start + QPoint(20, 0))))
    assert doc.landmarks[0].before == first.before
    fit = aligned.alignment.landmark_fit()
    assert fit is not None and fit.model == "affine" and len(fit.residuals_px) == 3
    assert aligned.alignment_panel.table.rowCount() == 3
    assert "RMS" in aligned.alignment_panel.rms.text()
    # Delete removes the selected pair; undo brings it back
    aligned.landmark_tool.select(doc.landmarks[1].id)
    qtbot.keyClick(before, Qt.Key.Key_Delete)
    assert [p.id for p in doc.landmarks] == [first.id, "L3"]
    aligned.undo_stack.undo()
    assert len(doc.landmarks) == 3


def test_align_from_landmarks_gives_the_landmark_transform(aligned):
    from xraycompare.core.registration.alignment import LandmarkPair

    doc = aligned.document
    pairs = tuple(
        LandmarkPair(f"L{i}", (x + TRUE_SHIFT[0], y + TRUE_SHIFT[1]), (x, y))
        for i, (x, y) in enumerate([(50.0, 60.0), (250.0, 80.0), (150.0, 300.0)], start=1)
    )
    aligned.alignment.set_landmarks(pairs, "place landmarks")
    aligned.actions["use_landmarks"].trigger()
    alignment = doc.global_alignment
    assert alignment.method == "landmarks"
    assert alignment.matrix[:2, 2] == pytest.approx(TRUE_SHIFT, abs=1e-6)
    assert alignment.matrix[:2, :2] == pytest.approx(np.eye(2), abs=1e-9)


def test_a_rectangle_becomes_a_named_local_alignment(qtbot, aligned, monkeypatch):
    monkeypatch.setattr(aligned.dialogs, "ask_text", lambda title, label, default="": "PIP3 left")
    aligned.actions["tool_region"].trigger()
    before = aligned.panes["before"]
    with qtbot.waitSignal(aligned.document.alignment_changed, timeout=60000):
        drag(before, QPoint(150, 150), QPoint(450, 450))
    qtbot.waitUntil(lambda: bool(aligned.document.local_alignments), timeout=60000)
    doc = aligned.document
    local = doc.local_alignments[0]
    assert local.name == "PIP3 left" and local.roi is not None
    assert doc.active_alignment_name == "PIP3 left"
    assert local.matrix[:2, 2] == pytest.approx(TRUE_SHIFT, abs=0.5)
    combo = aligned.alignment_panel.active
    assert [combo.itemText(i) for i in range(combo.count())] == [GLOBAL, "PIP3 left"]
    aligned.alignment.set_active(GLOBAL)
    assert doc.active_alignment_name == GLOBAL
    aligned.undo_stack.undo()
    assert doc.active_alignment_name == "PIP3 left"


def test_cancel_stops_an_alignment_without_changing_anything(qtbot, aligned):
    doc = aligned.document
    before = doc.alignment_state()
    aligned.alignment.align_automatically()
    assert aligned.readout.cancel.isVisibleTo(aligned)
    aligned.readout.cancel.click()
    qtbot.wait(300)
    assert not aligned.alignment.busy
    assert doc.alignment_state() == before


def test_sync_maps_through_the_alignment(aligned):
    before, after = aligned.panes["before"], aligned.panes["after"]
    centre = QPointF(before.viewport().width() / 2, before.viewport().height() / 2)
    bone = before.before_point(centre)
    # the after pane shows, at its centre, the after-film point of that same bone
    seen = after.before_point(QPointF(after.viewport().width() / 2, after.viewport().height() / 2))
    assert seen == pytest.approx(bone, abs=1.0)


def test_the_joint_of_a_selected_region_gets_a_local_alignment_named_after_its_site(qtbot, aligned):
    from xraycompare.core.annotations.regions import Region, ellipse_points

    region = Region.create(
        "before",
        "ellipse",
        ellipse_points(160.0, 150.0, 8.0, 8.0),
        site="PIP3",
        laterality="right",
        kind="erosion",
    )
    aligned.document.annotations.add(region)
    aligned.regions.selection.set([region.id])
    with qtbot.waitSignal(aligned.document.alignment_changed, timeout=60000):
        aligned.actions["align_selection"].trigger()
    qtbot.waitUntil(lambda: bool(aligned.document.local_alignments), timeout=60000)
    local = aligned.document.local_alignments[0]
    assert local.name == "PIP3 right" and aligned.document.active_alignment_name == "PIP3 right"
    x, y, w, h = local.roi
    assert (x + w / 2, y + h / 2) == pytest.approx((160.0, 150.0), abs=1.0)
    assert local.matrix[:2, 2] == pytest.approx(TRUE_SHIFT, abs=0.5)


def test_the_local_alignment_is_outlined_with_its_own_name_and_figures(qtbot, aligned):
    from xraycompare.core.geometry import invert, transform_point
    from xraycompare.qt.alignment.region_outline import RegionOutline

    roi = (100.0, 80.0, 120.0, 100.0)
    with qtbot.waitSignal(aligned.document.alignment_changed, timeout=60000):
        aligned.alignment.align_region(roi, "MCP2 right")
    qtbot.waitUntil(lambda: bool(aligned.document.local_alignments), timeout=60000)
    doc = aligned.document
    outlines: list[RegionOutline] = aligned.region_outlines
    before, after, _compared = outlines
    for outline in outlines:
        assert outline.box.isVisible() and outline.label.text().startswith("MCP2 right · local")
    corners = before.box.polygon()
    assert (corners[0].x(), corners[0].y()) == pytest.approx((99.5, 79.5))
    # on the after film the same anatomy: through the local alignment
    expected = transform_point(invert(doc.alignment_matrix), 99.5, 79.5)
    first = after.box.polygon()[0]
    assert (first.x(), first.y()) == pytest.approx(expected, abs=1e-6)
    local = doc.local_alignments[0]
    # the figure measured inside the rectangle, not the whole hand's
    assert f"NCC {local.quality['ncc_region']:.3f} here" in before.label.text()
    assert local.quality["ncc_region"] != local.quality["ncc_final"]
    aligned.alignment.set_active(GLOBAL)
    assert not any(o.box.isVisible() for o in outlines)


def test_a_rectangle_around_a_scored_joint_is_named_after_it(qtbot, aligned, monkeypatch):
    from xraycompare.core.annotations.regions import Region, ellipse_points

    region = Region.create(
        "after",  # marked on the after film: found through the alignment
        "ellipse",
        ellipse_points(160.0 + 6, 150.0 - 4, 8.0, 8.0),
        site="PIP4",
        laterality="left",
        kind="erosion",
    )
    aligned.document.annotations.add(region)
    offered = []

    def ask_text(title, label, default=""):
        offered.append(default)
        return default

    monkeypatch.setattr(aligned.dialogs, "ask_text", ask_text)
    with qtbot.waitSignal(aligned.document.alignment_changed, timeout=60000):
        aligned._on_region_selected((120.0, 110.0, 80.0, 80.0))
    assert offered == ["PIP4 left"]
    qtbot.waitUntil(lambda: bool(aligned.document.local_alignments), timeout=60000)
    assert aligned.document.local_alignments[0].name == "PIP4 left"
    offered.clear()
    aligned._on_region_selected((300.0, 300.0, 20.0, 20.0))  # nothing there: a free name
    assert offered == ["Region 1"]
