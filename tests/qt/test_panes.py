"""Synchronised panes: zoom, pan, cursor, unlinking, and the anatomical mapping."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QEvent, QPoint, QPointF, Qt
from PySide6.QtGui import QImage, QMouseEvent, QWheelEvent
from PySide6.QtWidgets import QApplication

from xraycompare.core.geometry import invert, similarity, transform_point
from xraycompare.core.registration.alignment import Alignment
from xraycompare.core.view_control import stepped_zoom


def centre_before_point(pane) -> tuple[float, float]:
    vp = pane.viewport()
    return pane.before_point(QPointF(vp.width() / 2, vp.height() / 2))


def wheel(pane, pos: QPointF, steps: int, modifiers=Qt.KeyboardModifier.NoModifier) -> None:
    event = QWheelEvent(
        pos,
        pane.viewport().mapToGlobal(pos),
        QPoint(0, 0),
        QPoint(0, 120 * steps),
        Qt.MouseButton.NoButton,
        modifiers,
        Qt.ScrollPhase.NoScrollPhase,
        False,
    )
    QApplication.sendEvent(pane.viewport(), event)


def drag(
    pane,
    start: QPoint,
    end: QPoint,
    button=Qt.MouseButton.LeftButton,
    modifiers=Qt.KeyboardModifier.NoModifier,
) -> None:
    """A press-move-release with the modifiers held throughout (qtbot drops them on moves)."""
    vp = pane.viewport()
    for kind, pos, buttons in (
        (QEvent.Type.MouseButtonPress, start, button),
        (QEvent.Type.MouseMove, end, button),
        (QEvent.Type.MouseButtonRelease, end, Qt.MouseButton.NoButton),
    ):
        event = QMouseEvent(
            kind,
            QPointF(pos),
            QPointF(vp.mapToGlobal(pos)),
            button if kind != QEvent.Type.MouseMove else Qt.MouseButton.NoButton,
            buttons,
            modifiers,
        )
        QApplication.sendEvent(vp, event)


def test_empty_window_offers_open_pair_and_demo(window):
    assert window.stack.currentWidget() is window.welcome
    assert window.welcome.findChild(object, "welcome-open-pair") is not None
    assert window.welcome.findChild(object, "welcome-open-demo") is not None


def test_opening_a_pair_shows_before_left_and_after_right(opened):
    doc = opened.document
    assert doc.before.name == "before.png" and doc.after.name == "after.png"
    assert opened.stack.currentWidget() is opened.reading
    assert opened.splitter.widget(0) is opened.panes["before"]
    assert opened.splitter.widget(1) is opened.panes["after"]
    assert opened.panes["before"].film_item is not None
    assert opened.panes["after"].film_item is not None


def test_wheel_zoom_in_one_pane_zooms_both_anchored_at_cursor(opened):
    before, after = opened.panes["before"], opened.panes["after"]
    anchor = QPointF(200, 150)
    under_cursor = before.before_point(anchor)
    zoom0 = before.transform().m11()
    wheel(before, anchor, 2)
    assert before.transform().m11() == pytest.approx(stepped_zoom(zoom0, 2), rel=1e-6)
    assert after.transform().m11() == pytest.approx(before.transform().m11(), rel=1e-6)
    # the point under the cursor stays under the cursor (within a screen pixel)
    moved = before.viewport_point(under_cursor)
    assert abs(moved.x() - anchor.x()) < 1.0 and abs(moved.y() - anchor.y()) < 1.0
    # and both panes centre the same before-frame point
    assert np.allclose(centre_before_point(before), centre_before_point(after), atol=1.0 / zoom0)


def test_drag_pans_both_panes(qtbot, opened):
    before, after = opened.panes["before"], opened.panes["after"]
    opened.controller.set_zoom(2.0, before.viewport_size())
    start = centre_before_point(after)
    drag(before, QPoint(300, 300), QPoint(340, 280))
    end = centre_before_point(after)
    assert end[0] == pytest.approx(start[0] - 40 / 2.0, abs=0.6)
    assert end[1] == pytest.approx(start[1] + 20 / 2.0, abs=0.6)


def test_ctrl_pauses_sync_and_the_offset_is_kept(qtbot, opened):
    before, after = opened.panes["before"], opened.panes["after"]
    opened.controller.set_zoom(1.0, before.viewport_size())
    after_centre = centre_before_point(after)
    drag(before, QPoint(300, 300), QPoint(330, 300), modifiers=Qt.KeyboardModifier.ControlModifier)
    assert centre_before_point(after) == pytest.approx(after_centre, abs=0.6)
    offset = opened.document.pane_offset("before")
    assert offset[0, 2] == pytest.approx(30.0)
    # after releasing Ctrl, a linked pan moves both and keeps the 30 px offset between them
    opened.controller.pan("before", 10, 0, before.viewport_size())
    assert opened.document.pane_offset("before")[0, 2] == pytest.approx(30.0)
    assert centre_before_point(after)[0] == pytest.approx(after_centre[0] - 10, abs=0.6)


def test_unlinked_panes_move_alone(opened):
    """Unlinked (the menu), a drag and a wheel in one pane leave the other where it was."""
    opened.actions["link_panes"].setChecked(False)
    assert not opened.document.link_panes
    before, after = opened.panes["before"], opened.panes["after"]
    start_before, start_after = centre_film_point(before), centre_before_point(after)
    zoom_after = after.transform().m11()
    drag(before, QPoint(300, 300), QPoint(350, 300))
    wheel(before, QPointF(200, 150), 1)
    assert centre_before_point(after) == pytest.approx(start_after, abs=0.6)
    assert after.transform().m11() == pytest.approx(zoom_after)
    assert centre_film_point(before) != pytest.approx(start_before, abs=5.0)  # it moved
    # linked again: a drag moves both
    opened.actions["link_panes"].setChecked(True)
    start_after = centre_before_point(after)
    drag(before, QPoint(300, 300), QPoint(350, 300))
    assert centre_before_point(after) != pytest.approx(start_after, abs=5.0)


def centre_film_point(pane) -> tuple[float, float]:
    """The film pixel at the centre of a pane's viewport."""
    w, h = pane.viewport_size()
    return pane.film_point(QPointF(w / 2, h / 2))


def test_ctrl_moves_one_pane_alone_while_linked(opened):
    """Holding Ctrl pauses the link for one gesture; the pane keeps its offset afterwards."""
    assert opened.document.link_panes
    before, after = opened.panes["before"], opened.panes["after"]
    start_after = centre_before_point(after)
    drag(before, QPoint(300, 300), QPoint(360, 300), modifiers=Qt.KeyboardModifier.ControlModifier)
    assert centre_before_point(after) == pytest.approx(start_after, abs=0.6)
    assert not np.allclose(opened.document.pane_offset("before"), np.eye(3))


def hover(pane, pos: QPoint) -> None:
    """A mouse move with no button, sent to the viewport itself: qtbot.mouseMove moves the
    global cursor, which sends nothing when the cursor already stands there (a previous
    test's window at the same place) and goes to whichever window Qt finds there first."""
    vp = pane.viewport()
    event = QMouseEvent(
        QEvent.Type.MouseMove,
        QPointF(pos),
        QPointF(vp.mapToGlobal(pos)),
        Qt.MouseButton.NoButton,
        Qt.MouseButton.NoButton,
        Qt.KeyboardModifier.NoModifier,
    )
    QApplication.sendEvent(vp, event)


def test_cursor_crosshair_follows_through_the_alignment(opened):
    doc = opened.document
    m = similarity(scale=1.1, angle_deg=12.0, tx=15.0, ty=-8.0, center=(160, 200))
    doc.set_global_alignment(Alignment("auto", m, model="similarity"))
    before, after = opened.panes["before"], opened.panes["after"]
    pos = QPoint(260, 330)
    hover(before, pos)
    bone = before.before_point(QPointF(pos))
    assert doc.cursor == pytest.approx(bone)
    # the after pane draws the crosshair where the same bone is in the after film
    expected = after.viewport_point(transform_point(invert(m), *bone))
    drawn = after.mapped_cursor()
    assert drawn is not None
    assert (drawn.x(), drawn.y()) == pytest.approx((expected.x(), expected.y()), abs=1e-6)
    # and the same bone is at the same place on screen in both panes (anatomical sync)
    assert (drawn.x(), drawn.y()) == pytest.approx((pos.x(), pos.y()), abs=1.0)
    assert after.transform().m12() != 0  # the after pane is rotated to match


def test_fit_and_one_to_one(opened):
    before = opened.panes["before"]
    opened.actions["one_to_one"].trigger()
    dpr = opened.devicePixelRatioF()
    assert before.transform().m11() == pytest.approx(1.0 / dpr)
    opened.actions["fit"].trigger()
    assert opened.document.view.is_fit


def test_both_panes_draw_their_film_into_the_window(opened):
    """Each pane paints inside the shared window backing store, not only the first one."""
    shot = opened.grab().toImage().convertToFormat(QImage.Format.Format_Grayscale8)
    for film in ("before", "after"):
        pane = opened.panes[film]
        origin = pane.viewport().mapTo(opened, QPoint(0, 0))
        vp = pane.viewport()
        values = [
            shot.pixelColor(x, y).value()
            for y in range(origin.y() + 60, origin.y() + vp.height(), 4)  # below the title
            for x in range(origin.x(), origin.x() + vp.width(), 4)
        ]
        assert np.std(values) > 20, f"the {film} pane shows no film"


def test_an_exact_zoom_is_typed_in_the_zoom_box(qtbot, opened):
    from PySide6.QtCore import Qt

    from xraycompare.qt.view.zoom_box import parse_zoom

    box = opened.zoom_box
    opened.actions["zoom_to"].trigger()  # Z: the box takes the keyboard, text selected
    assert box.lineEdit().hasFocus() or not opened.isActiveWindow()
    box.lineEdit().setText("400")
    qtbot.keyClick(box.lineEdit(), Qt.Key.Key_Return)
    view = opened.controller.resolved(opened.view_size())
    assert view.zoom == pytest.approx(4.0)
    assert box.currentText() == "400 %"
    box.lineEdit().setText("fit")
    qtbot.keyClick(box.lineEdit(), Qt.Key.Key_Return)
    assert opened.document.view.is_fit and box.currentText().endswith("(fit)")
    box.lineEdit().setText("lots")  # unreadable: nothing changes, the zoom is shown again
    qtbot.keyClick(box.lineEdit(), Qt.Key.Key_Return)
    assert opened.document.view.is_fit and box.currentText().endswith("(fit)")
    opened.actions["zoom_in"].trigger()  # the box follows the view
    shown = opened.controller.resolved(opened.view_size()).zoom
    assert box.currentText() == f"{100 * shown:.0f} %"
    assert parse_zoom("250,5 %") == pytest.approx(2.505)
    assert parse_zoom("0") is None and parse_zoom("100000") is None
