"""Region tools through the mouse: every tool draws, undoes and redoes as one step."""

from __future__ import annotations

import math

import numpy as np
import pytest
from PySide6.QtCore import Qt

from tests.qt.annotation_helpers import click, double_click, drag, hover, key, snapshot
from xraycompare.core.geometry import invert, similarity, transform_points
from xraycompare.core.registration.alignment import Alignment


def ring(cx: float, cy: float, r: float, n: int = 40) -> list[tuple[float, float]]:
    t = np.linspace(0, 2 * math.pi, n)
    return [(cx + r * math.cos(a), cy + r * math.sin(a)) for a in t]


def draw_polygon(pane) -> None:
    for xy in ((100, 100), (160, 100), (160, 150)):
        click(pane, xy)
    hover(pane, (120, 160))
    double_click(pane, (100, 150))


GESTURES = {
    "polygon": draw_polygon,
    "freehand": lambda pane: drag(pane, ring(150, 150, 30)),
    "ellipse": lambda pane: drag(pane, [(100, 100), (130, 120), (160, 140)]),
    "rectangle": lambda pane: drag(pane, [(100, 100), (130, 120), (160, 140)]),
    "point": lambda pane: click(pane, (120, 130)),
    "arrow": lambda pane: drag(pane, [(100, 100), (130, 120), (160, 140)]),
    "text": lambda pane: click(pane, (120, 130)),
    "length": lambda pane: drag(pane, [(100, 100), (130, 120), (160, 140)]),
}
POINT_COUNT = {"ellipse": 3, "rectangle": 4, "point": 1, "arrow": 2, "text": 1, "length": 2}


@pytest.fixture
def annotating(opened):
    opened.region_tools["text"].ask_text = lambda title, default="": "Erosion?"
    return opened


@pytest.mark.parametrize("tool", list(GESTURES))
def test_every_tool_draws_one_undoable_step_on_both_films(annotating, tool):
    win = annotating
    win.set_tool(tool)
    assert win.actions[f"tool_{tool}"].isChecked()
    before_count = win.undo_stack.count()
    GESTURES[tool](win.panes["before"])
    regions = win.document.annotations.regions()
    assert [r.film for r in regions] == ["before", "after"]  # drawn + its counterpart
    drawn, partner = regions
    assert drawn.geometry == tool and partner.lineage_id == drawn.lineage_id
    if tool in POINT_COUNT:
        assert len(drawn.points) == POINT_COUNT[tool]
    if tool == "text":
        assert drawn.label == "Erosion?"
    assert win.undo_stack.count() == before_count + 1
    assert win.regions.selection.ids == (drawn.id,)
    after_draw = snapshot(win)
    win.undo_stack.undo()
    assert len(win.document.annotations) == 0
    win.undo_stack.redo()
    assert snapshot(win) == after_draw
    # the pane shows an item per region of its film
    assert set(win.region_layers["before"].regions) == {drawn.id}
    assert set(win.region_layers["after"].regions) == {partner.id}


def test_a_click_is_not_a_shape_and_escape_cancels_a_polygon(annotating):
    win = annotating
    pane = win.panes["before"]
    win.set_tool("rectangle")
    click(pane, (100, 100))
    win.set_tool("polygon")
    click(pane, (100, 100))
    click(pane, (150, 100))
    key(pane, Qt.Key.Key_Escape)
    click(pane, (150, 150))  # starts a new polygon: one vertex
    assert len(win.document.annotations) == 0 and win.undo_stack.count() == 0


def test_polygon_closes_on_its_first_vertex_and_enter(annotating):
    win = annotating
    pane = win.panes["after"]
    win.set_tool("polygon")
    for xy in ((100, 100), (150, 100), (150, 150), (100.5, 100.5)):
        click(pane, xy)
    assert len(win.document.annotations.on_film("after")) == 1
    for xy in ((200, 100), (250, 100), (250, 150)):
        click(pane, xy)
    key(pane, Qt.Key.Key_Backspace)  # the last vertex goes
    click(pane, (240, 160))
    key(pane, Qt.Key.Key_Return)
    last = win.document.annotations.on_film("after")[-1]
    assert np.allclose(last.points, [(200, 100), (250, 100), (240, 160)], atol=0.6)


def test_freehand_is_smoothed_to_few_vertices(annotating):
    win = annotating
    win.set_tool("freehand")
    rng = np.random.default_rng(0)
    screen_px = 1.0 / win.panes["before"].transform().m11()  # film px per screen px
    # a hand's jitter is in screen pixels, whatever the zoom
    trace = np.array(ring(150, 150, 40, n=200)) + rng.normal(0, 0.8 * screen_px, (200, 2))
    drag(win.panes["before"], trace.tolist())
    region = win.document.annotations.on_film("before")[0]
    pts = region.points_array()
    # about the traced centre: the mean of unevenly spaced vertices is not the centre
    radii = np.hypot(*(pts - (150.0, 150.0)).T)
    assert len(pts) < 100  # simplified
    assert np.all(np.abs(radii - 40) < 3)  # still the circle that was traced


def test_rectangle_and_ellipse_follow_the_screen_on_a_turned_pane(annotating):
    """On the after pane the film is turned by the alignment: a rectangle dragged on the
    screen is a turned rectangle in film pixels, and still a right-angled one."""
    win = annotating
    win.document.set_global_alignment(
        Alignment("g", similarity(angle_deg=20, center=(160, 200)), method="manual")
    )
    win.regions.set_propagate_new(False)
    win.set_tool("rectangle")
    pane = win.panes["after"]
    drag(pane, [(120, 120), (180, 170)])
    corners = win.document.annotations.on_film("after")[0].points_array()
    edges = np.diff(np.vstack([corners, corners[:1]]), axis=0)
    assert abs(np.dot(edges[0], edges[1])) < 1e-6 * np.dot(edges[0], edges[0])
    angle = math.degrees(math.atan2(edges[0][1], edges[0][0]))
    assert abs(abs(angle) - 20) < 0.5  # turned with the film


def test_select_move_is_one_step_and_never_moves_the_counterpart(annotating):
    win = annotating
    win.set_tool("rectangle")
    drag(win.panes["before"], [(100, 100), (160, 140)])
    drawn, partner = win.document.annotations.regions()
    win.set_tool("select")
    pane = win.panes["before"]
    drag(pane, [(100, 120), (110, 125), (120, 130)])  # grab the left edge, move (+20, +10)
    moved = win.document.annotations.get(drawn.id)
    assert np.allclose(moved.points_array() - drawn.points_array(), (20, 10), atol=0.6)
    assert win.document.annotations.get(partner.id) == partner
    win.undo_stack.undo()
    assert win.document.annotations.get(drawn.id) == drawn
    win.undo_stack.redo()
    assert win.document.annotations.get(drawn.id) == moved


def test_select_reshape_insert_and_delete_vertices(annotating):
    win = annotating
    win.regions.set_propagate_new(False)
    win.set_tool("polygon")
    pane = win.panes["before"]
    for xy in ((100, 100), (160, 100), (160, 160)):
        click(pane, xy)
    key(pane, Qt.Key.Key_Return)
    region = win.document.annotations.regions()[0]
    win.set_tool("select")
    click(pane, (140, 110))  # inside: selects
    assert win.regions.selection.ids == (region.id,)
    drag(pane, [(160, 160), (170, 175)])  # the third vertex
    assert np.allclose(win.document.annotations.get(region.id).points[2], (170, 175), atol=0.6)
    double_click(pane, (130, 100))  # on the top edge: a vertex more
    assert len(win.document.annotations.get(region.id).points) == 4
    click(pane, (130, 100), Qt.KeyboardModifier.AltModifier)  # Alt+click deletes it again
    assert len(win.document.annotations.get(region.id).points) == 3
    steps = win.undo_stack.count()
    for _ in range(3):
        win.undo_stack.undo()
    assert win.document.annotations.get(region.id) == region
    assert win.undo_stack.index() == steps - 3


def test_ellipse_handles_resize_and_turn(annotating):
    win = annotating
    win.regions.set_propagate_new(False)
    win.set_tool("ellipse")
    pane = win.panes["before"]
    drag(pane, [(100, 100), (160, 140)])  # centre (130, 120), radii 30 and 20
    region = win.document.annotations.regions()[0]
    win.set_tool("select")
    click(pane, (130, 120))
    drag(pane, [(160, 120), (170, 120)])  # the end of the x semi-axis, 10 px out
    c, p1, p2 = win.document.annotations.get(region.id).points_array()
    assert np.allclose(c, (135, 120), atol=0.7) and np.allclose(p1 - c, (35, 0), atol=0.7)
    assert np.allclose(p2 - c, (0, 20), atol=0.7)  # the other axis keeps its length


def test_delete_copy_paste_and_select_all(annotating):
    win = annotating
    win.set_tool("point")
    click(win.panes["before"], (120, 130))
    assert len(win.document.annotations) == 2
    win.regions.selection.set([win.document.annotations.regions()[0].id])
    win.actions["copy_regions"].trigger()
    win.active_film = "before"
    win.actions["paste_regions"].trigger()
    pasted = win.document.annotations.regions()[-1]
    assert pasted.film == "before" and np.allclose(pasted.points, [(132, 142)], atol=0.6)
    win.actions["select_all_regions"].trigger()
    assert len(win.regions.selection.ids) == 3
    win.set_tool("select")
    key(win.panes["before"], Qt.Key.Key_Delete)
    assert len(win.document.annotations) == 0
    win.undo_stack.undo()
    assert len(win.document.annotations) == 3


def test_propagation_lands_within_half_a_pixel_through_a_known_transform(annotating):
    win = annotating
    matrix = similarity(scale=1.04, angle_deg=7.0, tx=9.5, ty=-6.25, center=(160, 200))
    win.document.set_global_alignment(Alignment("g", matrix, method="manual"))
    win.set_tool("polygon")
    for film, to_other in (("before", invert(matrix)), ("after", matrix)):
        pane = win.panes[film]
        for xy in ((110, 120), (170, 115), (180, 170), (120, 180)):
            click(pane, xy)
        key(pane, Qt.Key.Key_Return)
        drawn = win.document.annotations.on_film(film)[-1]
        partner = win.document.annotations.counterpart(drawn)
        expected = transform_points(to_other, drawn.points_array())
        assert np.abs(partner.points_array() - expected).max() < 0.5


def test_propagation_can_be_switched_off(annotating):
    win = annotating
    win.actions["propagate_new"].trigger()  # on by default: now off
    assert not win.regions.propagate_new
    win.set_tool("point")
    click(win.panes["after"], (120, 130))
    assert [r.film for r in win.document.annotations] == ["after"]
    win.regions.propagate_selected()
    assert [r.film for r in win.document.annotations] == ["after", "before"]


def test_length_shows_millimetres_only_with_a_valid_spacing(opened):
    from xraycompare.core.annotations.regions import Region
    from xraycompare.qt.regions.look import length_text

    image = opened.document.before
    region = Region.create("before", "length", [(0, 0), (30, 40)])
    assert length_text(region, image) == "50.0 px"
    calibrated = image.with_calibration((0.1, 0.1), "user")
    assert length_text(region, calibrated) == "5.00 mm (user calibration)"


def test_snapping_is_off_by_default_and_snaps_to_vertices_when_on(annotating):
    win = annotating
    win.regions.set_propagate_new(False)
    assert not win.actions["snap"].isChecked()
    win.set_tool("point")
    click(win.panes["before"], (100, 100))
    click(win.panes["before"], (102, 101))
    assert np.allclose(win.document.annotations.regions()[-1].points, [(102, 101)])
    win.actions["snap"].trigger()
    click(win.panes["before"], (98.5, 99))
    first, *_, last = win.document.annotations.regions()
    assert last.points == first.points


def test_other_tools_still_switch(opened):
    opened.set_tool("polygon")
    opened.set_tool("landmarks")
    assert opened.panes["before"].tool is opened.landmark_tool
    opened.set_tool(None)
    assert opened.panes["before"].tool is None and opened.actions["tool_navigate"].isChecked()


def test_double_click_edits_a_text_label(annotating):
    win = annotating
    win.regions.set_propagate_new(False)
    win.set_tool("text")
    click(win.panes["before"], (120, 130))
    win.set_tool("select")
    win.region_tools["select"].ask_text = lambda title, default="": default + "!"
    double_click(win.panes["before"], (125, 138))  # on the label's text
    assert win.document.annotations.regions()[0].label == "Erosion?!"
    win.undo_stack.undo()
    assert win.document.annotations.regions()[0].label == "Erosion?"


def test_no_two_actions_share_a_shortcut(window):
    seen: dict[str, str] = {}
    for name, action in window.actions.items.items():
        for shortcut in action.shortcuts():
            key = shortcut.toString()
            assert key not in seen, f"{key}: {seen.get(key)} and {name}"
            seen[key] = name
