"""Region properties, the score sheet and the measurements table, as a user edits them."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt

from tests.qt.annotation_helpers import click, drag, snapshot
from xraycompare.core.annotations.editing import centroid


def choose(combo, data) -> None:
    """Pick the entry holding ``data`` as a user would (activated fires)."""
    index = 0 if data is None else combo.findData(data)
    assert index >= 0, data
    combo.setCurrentIndex(index)
    combo.activated.emit(index)


@pytest.fixture
def with_region(opened):
    opened.set_tool("ellipse")
    drag(opened.panes["before"], [(100, 100), (140, 130)])
    opened.set_tool("select")
    return opened


def test_properties_edit_the_selected_region_undoably(with_region):
    win = with_region
    panel = win.region_panel
    region = win.regions.selection.current
    assert region.kind == "erosion"  # outlines start as erosions
    start = snapshot(win)
    choose(panel.site, "PIP3")
    choose(panel.hand, "left")
    choose(panel.score, 4)
    choose(panel.status, "enlarged")
    panel.note.setPlainText("cortex broken")
    panel.note.editing_finished.emit()
    edited = win.document.annotations.get(region.id)
    assert (edited.site, edited.laterality, edited.score, edited.status, edited.note) == (
        "PIP3", "left", 4, "enlarged", "cortex broken",
    )  # fmt: skip
    assert win.undo_stack.count() == 6  # the drawing and five edits
    # a narrowing scores 0-4 and has no IP1: switching kind drops what no longer fits
    choose(panel.kind, "other")
    other = win.document.annotations.get(region.id)
    assert other.kind == "other" and other.score is None and other.site == "PIP3"
    for _ in range(6):
        win.undo_stack.undo()
    assert snapshot(win) == start
    assert panel.site.currentData() is None  # the panel follows the model


def test_an_edit_applies_to_every_selected_region(with_region):
    win = with_region
    win.regions.selection.set(r.id for r in win.document.annotations)
    choose(win.region_panel.status, "stable")
    assert {r.status for r in win.document.annotations} == {"stable"}
    assert win.undo_stack.count() == 2
    win.undo_stack.undo()
    assert {r.status for r in win.document.annotations} == {None}


def test_hand_comes_from_the_file_or_from_the_regions(opened):
    opened.set_tool("point")
    click(opened.panes["before"], (120, 130))
    first = opened.regions.selection.current
    assert first.laterality is None  # PNG films say nothing about the hand
    assert "choose" in opened.region_panel.hand_hint.text()
    choose(opened.region_panel.hand, "right")
    click(opened.panes["before"], (150, 130))
    assert opened.regions.selection.current.laterality == "right"  # remembered


def test_counterpart_buttons(with_region):
    win = with_region
    panel = win.region_panel
    drawn = win.regions.selection.current
    partner = win.document.annotations.counterpart(drawn)
    panel.select_partner.click()
    assert win.regions.selection.ids == (partner.id,)
    panel.unlink.click()
    assert win.document.annotations.counterpart(partner.id) is None
    assert panel.propagate.isEnabled()
    panel.propagate.click()
    assert win.document.annotations.counterpart(partner.id) is not None
    assert len(win.document.annotations) == 3


def test_score_sheet_from_regions_and_direct_entries(with_region):
    win = with_region
    sheet = win.score_sheet
    region = win.regions.selection.current
    choose(win.region_panel.site, "MCP2")
    choose(win.region_panel.hand, "right")
    choose(win.region_panel.score, 3)
    choose(sheet.hand, "right")
    sheet.refresh()
    combo = sheet.combos[("before", "erosion", "MCP2")]
    assert combo.itemText(0) == "3 (regions)"
    assert sheet.total_items["erosion"][1].text() == "3 / 80"
    # the reader overrides the region's score on the after film (nothing drawn there counts)
    after = sheet.combos[("after", "erosion", "MCP2")]
    choose(after, 1)
    assert win.document.scores.get("after", "right", "erosion", "MCP2") == 1
    sheet.refresh()
    assert sheet.change_items[("erosion", "MCP2")].text() == "-2"
    assert sheet.total_items["erosion"][3].text() == "-2"
    win.undo_stack.undo()
    assert win.document.scores.get("after", "right", "erosion", "MCP2") is None
    assert region.id in [r.id for r in win.document.annotations]


def test_measurements_table_lists_sorts_and_centres(qtbot, opened):
    win = opened
    win.regions.set_propagate_new(False)
    win.set_tool("rectangle")
    for x0, size in ((40, 20), (150, 60), (250, 40)):
        drag(win.panes["before"], [(x0, 100), (x0 + size, 100 + size)])
    panel = win.measurements_panel
    qtbot.waitUntil(lambda: not panel.busy and panel.model.rowCount() == 3, timeout=10000)
    qtbot.waitUntil(lambda: not panel.model.missing(), timeout=10000)
    area_column = 7
    panel.table.sortByColumn(area_column, Qt.SortOrder.DescendingOrder)
    texts = [panel.proxy.index(r, area_column).data() for r in range(3)]
    assert texts[0].endswith("px²") and texts[0].startswith("3600")
    win.controller.set_zoom(4.0, win.panes["before"].viewport_size())
    panel.select_row(2)  # the smallest
    smallest = win.regions.selection.current
    assert smallest is not None and abs(smallest.points[1][0] - smallest.points[0][0]) < 21
    assert np.allclose(win.document.view.center, centroid(smallest), atol=0.01)
    assert win.document.view.zoom == pytest.approx(4.0)


def test_measurements_follow_edits(qtbot, with_region):
    win = with_region
    panel = win.measurements_panel
    qtbot.waitUntil(lambda: not panel.busy and not panel.model.missing(), timeout=10000)
    region = win.regions.selection.current
    win.regions.replace([region.moved(5, 5)], "Move")
    qtbot.waitUntil(lambda: not panel.busy and not panel.model.missing(), timeout=10000)
    assert [r.id for r in panel.model.regions] == [r.id for r in win.document.annotations]
    change_column = 13
    row = [r.id for r in panel.model.regions].index(win.document.annotations.counterpart(region).id)
    assert panel.model.index(row, change_column).data().endswith("%)")  # per lineage


def test_moving_a_region_to_the_other_film_maps_it_through_the_alignment(opened):
    from xraycompare.core.geometry import similarity, transform_points
    from xraycompare.core.registration.alignment import Alignment

    matrix = similarity(angle_deg=5, tx=8, ty=-3)
    opened.document.set_global_alignment(Alignment("g", matrix, method="manual"))
    opened.regions.set_propagate_new(False)
    opened.set_tool("rectangle")
    drag(opened.panes["after"], [(100, 100), (140, 130)])
    region = opened.regions.selection.current
    choose(opened.region_panel.film, "before")
    moved = opened.document.annotations.get(region.id)
    assert moved.film == "before"
    assert np.allclose(moved.points_array(), transform_points(matrix, region.points_array()))
    opened.undo_stack.undo()
    assert opened.document.annotations.get(region.id) == region


def test_autosave_interval_is_a_setting(opened, monkeypatch):
    monkeypatch.setattr(opened.dialogs, "ask_int", lambda *args: 12)
    opened.actions["autosave_interval"].trigger()
    assert opened.autosave.interval == pytest.approx(12)
    from xraycompare.qt.project.autosave import autosave_seconds

    monkeypatch.delenv("XRAYCOMPARE_AUTOSAVE_SECONDS", raising=False)
    assert autosave_seconds(opened.settings) == 12
