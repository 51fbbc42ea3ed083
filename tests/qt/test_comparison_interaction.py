"""Mouse and keys in the comparison views: swipe divider, reveal square, magnifier, flicker."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from PySide6.QtCore import QEvent, QPoint, QPointF, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from tests.qt.comparison_helpers import (
    CHANGE_XY,
    grab,
    move_mouse,
    open_compared,
    patch,
    send_mouse,
    viewport_xy,
)
from xraycompare.qt.compare.magnifier import OFFSET


@pytest.fixture
def compared(qtbot, window, tmp_path):
    return open_compared(qtbot, window, tmp_path)


@pytest.fixture
def large(qtbot, compared):
    """The comparison pane alone, zoomed so the change is large on screen."""
    compared.actions["layout_one"].trigger()
    compared.controller.set_zoom(2.0, compared.comparison_view.viewport_size())
    qtbot.wait(20)
    return compared


def change_patch(window) -> np.ndarray:
    view = window.comparison_view
    return patch(grab(view.viewport()), viewport_xy(view, CHANGE_XY)).astype(int)


def drag_divider(view, start_x: float, end_x: float, y: float = 40) -> None:
    vp = view.viewport()
    press, move, release = (
        QEvent.Type.MouseButtonPress,
        QEvent.Type.MouseMove,
        QEvent.Type.MouseButtonRelease,
    )
    send_mouse(vp, press, QPointF(start_x, y), Qt.MouseButton.LeftButton)
    send_mouse(vp, move, QPointF(end_x, y), Qt.MouseButton.NoButton, Qt.MouseButton.LeftButton)
    send_mouse(vp, release, QPointF(end_x, y), Qt.MouseButton.LeftButton, Qt.MouseButton.NoButton)


def test_swipe_divider_follows_the_mouse_and_splits_the_films(qtbot, large):
    view, c = large.comparison_view, large.comparison
    large.set_mode("flicker")
    large.actions["flicker_play"].trigger()  # paused on after
    c.flicker.set_phase("after")
    after_patch = change_patch(large)
    c.flicker.set_phase("before")
    before_patch = change_patch(large)
    assert np.abs(after_patch - before_patch).mean() > 10  # the new bone shows

    large.set_mode("swipe")
    centre_before = view.before_point(QPointF(view.viewport().width() / 2, 40))
    x_change = viewport_xy(view, CHANGE_XY)[0]
    start = view.divider_position()
    drag_divider(view, start + 3, x_change - 40)  # grab near the line, drop left of the change
    assert view.divider_position() == pytest.approx(x_change - 40, abs=0.5)
    assert np.abs(change_patch(large) - after_patch).mean() < 3  # after right of the divider
    drag_divider(view, x_change - 40, x_change + 40)
    assert view.divider_position() == pytest.approx(x_change + 40, abs=0.5)
    assert np.abs(change_patch(large) - before_patch).mean() < 3  # before left of it
    # dragging the divider never pans the view
    assert view.before_point(QPointF(view.viewport().width() / 2, 40)) == pytest.approx(
        centre_before
    )
    # a drag away from the divider pans as usual
    drag_divider(view, 20, 60, y=200)
    assert view.divider_position() == pytest.approx(x_change + 40, abs=0.5)
    assert view.before_point(QPointF(view.viewport().width() / 2, 40)) != pytest.approx(
        centre_before
    )


def test_horizontal_divider_splits_top_and_bottom(qtbot, large):
    view, c = large.comparison_view, large.comparison
    large.set_mode("swipe")
    c.set_options(swipe_orientation="horizontal")
    y_change = viewport_xy(view, CHANGE_XY)[1]
    vp = view.viewport()
    send_mouse(vp, QEvent.Type.MouseButtonPress, QPointF(30, y_change + 50),
               Qt.MouseButton.LeftButton, modifiers=Qt.KeyboardModifier.ShiftModifier)  # fmt: skip
    send_mouse(vp, QEvent.Type.MouseButtonRelease, QPointF(30, y_change + 50),
               Qt.MouseButton.LeftButton, Qt.MouseButton.NoButton)  # fmt: skip
    assert view.divider_position() == pytest.approx(y_change + 50, abs=0.5)
    assert c.options.swipe_fraction == pytest.approx((y_change + 50) / vp.height(), abs=1e-3)


def test_reveal_square_shows_the_other_film_under_the_cursor(qtbot, large):
    view, c = large.comparison_view, large.comparison
    large.set_mode("checkerboard")
    c.set_options(tile_size=1000.0)  # one tile over the whole change: it shows before
    x, y = viewport_xy(view, CHANGE_XY)
    far = QPointF(10, 10)
    move_mouse(view, far)
    plain = change_patch(large)
    move_mouse(view, QPointF(x, y))
    revealed = change_patch(large)
    assert np.abs(revealed - plain).mean() > 10
    c.set_options(reveal=False)
    assert np.abs(change_patch(large) - plain).mean() < 3
    # the square follows the linked cursor from the film panes too
    c.set_options(reveal=True)
    before = large.panes["before"]
    large.actions["layout_three"].trigger()
    qtbot.wait(20)
    move_mouse(before, before.viewport_point(CHANGE_XY))
    drawn, expected = view.cursor_viewport_point(), view.viewport_point(CHANGE_XY)
    assert (drawn.x(), drawn.y()) == pytest.approx((expected.x(), expected.y()), abs=1.0)


def test_magnifier_follows_the_mouse_in_any_pane(qtbot, compared):
    compared.actions["magnifier"].trigger()
    magnifier = compared.magnifier
    before = compared.panes["before"]
    first = before.viewport_point(CHANGE_XY).toPoint()
    move_mouse(before, first)
    assert magnifier.isVisible()
    assert magnifier.centre == pytest.approx(CHANGE_XY, abs=0.5)
    at = before.viewport().mapTo(magnifier.parentWidget(), first)
    assert (magnifier.x(), magnifier.y()) == (at.x() + OFFSET, at.y() + OFFSET)
    # both halves show the same anatomy; the new bone is brighter in the after half
    left, right = magnifier.halves()
    h, w = left.shape[:2]
    centre = (slice(h // 2 - 2, h // 2 + 3), slice(w // 2 - 2, w // 2 + 3))
    assert right[centre].mean() > left[centre].mean() + 10
    second = first + QPoint(-40, 30)
    move_mouse(before, second)
    assert (magnifier.x(), magnifier.y()) == (at.x() - 40 + OFFSET, at.y() + 30 + OFFSET)
    assert magnifier.centre == pytest.approx(before.before_point(QPointF(second)), abs=0.5)
    # the comparison pane has it too; leaving the panes hides it
    compared.set_mode("difference")
    qtbot.wait(20)
    move_mouse(compared.comparison_view, QPointF(50, 60))
    assert magnifier.isVisible()
    QApplication.sendEvent(compared.comparison_view, QEvent(QEvent.Type.Leave))
    assert not magnifier.isVisible()
    compared.actions["magnifier"].trigger()
    move_mouse(before, first)
    assert not magnifier.isVisible()


def test_flicker_alternates_at_its_rate_and_stops(qtbot, compared):
    c, view = compared.comparison, compared.comparison_view
    flicker = c.flicker
    flicker.set_rate(10.0)
    phases: list[str] = []
    flicker.phase_changed.connect(phases.append)
    compared.set_mode("flicker")
    assert flicker.running and flicker.phase == "after"
    qtbot.wait(750)
    assert len(phases) >= 4 and {"before", "after"} <= set(phases)
    assert all(a != b for a, b in itertools.pairwise(phases))  # alternates
    assert "10 changes/s" in view.subtitle()
    # the controls say which film is visible
    controls = compared.comparison_controls
    assert controls.phase_label.text() == f"Showing: {flicker.phase}"
    compared.actions["flicker_play"].trigger()  # pause
    assert not flicker.running and "paused" in view.subtitle()
    count = len(phases)
    qtbot.wait(300)
    assert len(phases) == count
    compared.actions["flicker_play"].trigger()  # play again
    assert flicker.running
    compared.set_mode("difference")  # leaving the mode stops the timer
    assert not flicker.running
    count = len(phases)
    qtbot.wait(300)
    assert len(phases) == count


def test_holding_b_shows_before_until_released(qtbot, compared):
    c, view = compared.comparison, compared.comparison_view
    flicker = c.flicker
    compared.set_mode("flicker")
    view.setFocus()
    QTest.keyPress(view, Qt.Key.Key_B)
    assert flicker.phase == "before" and not flicker.running
    qtbot.wait(2 * flicker.timer.interval())
    assert flicker.phase == "before"  # held: no alternation
    QTest.keyRelease(view, Qt.Key.Key_B)
    assert flicker.phase == "after" and flicker.running
    compared.set_mode("overlay")  # B is an ordinary key in the other modes
    QTest.keyPress(view, Qt.Key.Key_B)
    assert flicker.phase == "after"
    QTest.keyRelease(view, Qt.Key.Key_B)


def test_a_screenshot_shows_the_after_phase_of_flicker(qtbot, compared):
    c = compared.comparison
    compared.set_mode("flicker")
    c.flicker.set_phase("before")
    compared.prepare_screenshot()
    assert c.flicker.phase == "after" and not c.flicker.running
