"""Comparison modes and layouts: switching keeps the view, panes stay in sync, the match refits."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QEvent, QObject, QPointF
from PySide6.QtGui import QKeySequence

from tests.qt.comparison_helpers import (
    AFTER_TO_BEFORE,
    changed_pair,
    move_mouse,
    open_compared,
    wait_for_match,
)
from tests.qt.test_panes import centre_before_point, drag, wheel
from xraycompare.core.compare.exposure import fit_exposure_match
from xraycompare.core.document import ViewState
from xraycompare.core.geometry import compose, translation
from xraycompare.core.registration.alignment import Alignment
from xraycompare.core.types import VIEW_MODES
from xraycompare.core.view_control import stepped_zoom
from xraycompare.qt.compare.layout import shared_widths
from xraycompare.qt.compare.overlays import quality_line
from xraycompare.qt.menus import mode_action_name

MODE_KEYS = {mode: f"Ctrl+{i}" for i, mode in enumerate(VIEW_MODES, start=1)}
LAYOUT_KEYS = {"two": "Ctrl+Shift+1", "three": "Ctrl+Shift+2", "one": "Ctrl+Shift+3"}


@pytest.fixture
def compared(qtbot, window, tmp_path):
    return open_compared(qtbot, window, tmp_path)


def visible_panes(window) -> tuple[bool, bool, bool]:
    panes = (window.panes["before"], window.panes["after"], window.comparison_view)
    return tuple(not p.isHidden() for p in panes)  # type: ignore[return-value]


def test_every_mode_and_layout_has_its_own_shortcut(window):
    actions = window.actions
    for mode, key in MODE_KEYS.items():
        assert actions[mode_action_name(mode)].shortcut() == QKeySequence(key)
    for layout, key in LAYOUT_KEYS.items():
        assert actions[f"layout_{layout}"].shortcut() == QKeySequence(key)
    keys = [
        s.toString()
        for action in actions.items.values()
        for s in action.shortcuts()
        if not s.isEmpty()
    ]
    clashes = {k for k in keys if keys.count(k) > 1}
    assert not clashes, f"shortcuts used twice: {clashes}"


def test_switching_modes_keeps_zoom_pan_and_alignment(compared):
    doc = compared.document
    doc.set_view(ViewState(center=(150.0, 170.0), zoom=2.5, mode="side-by-side"))
    before_transform = compared.panes["before"].transform()
    matrix = doc.alignment_matrix.copy()
    for mode in (*VIEW_MODES[1:], "side-by-side", "difference"):
        compared.actions[mode_action_name(mode)].trigger()
        assert doc.view == ViewState(center=(150.0, 170.0), zoom=2.5, mode=mode)
        assert compared.panes["before"].transform() == before_transform
        assert np.array_equal(doc.alignment_matrix, matrix)
        assert compared.actions[mode_action_name(mode)].isChecked()
    view = compared.comparison_view
    assert view.transform() == before_transform  # the comparison pane shows the same zoom
    assert centre_before_point(view) == pytest.approx((150.0, 170.0), abs=0.5)


def test_layouts_show_two_three_or_one_pane(compared):
    a, c = compared.actions, compared.comparison
    compared.set_mode("side-by-side")
    assert visible_panes(compared) == (True, True, False)
    a["layout_three"].trigger()
    assert visible_panes(compared) == (True, True, True)
    assert c.mode == "difference"  # a comparison layout opens the last comparison mode
    a["layout_one"].trigger()
    assert visible_panes(compared) == (False, False, True)
    a[mode_action_name("overlay")].trigger()
    assert visible_panes(compared) == (False, False, True)  # the chosen layout stays
    a["layout_two"].trigger()
    assert c.mode == "side-by-side" and visible_panes(compared) == (True, True, False)
    a[mode_action_name("blend")].trigger()
    assert visible_panes(compared) == (False, False, True) and a["layout_one"].isChecked()


class ResizeCounter(QObject):
    def __init__(self) -> None:
        super().__init__()
        self.resized: list[str] = []

    def eventFilter(self, watched, event) -> bool:
        if event.type() == QEvent.Type.Resize:
            self.resized.append(watched.objectName())
        return False


def test_a_layout_switch_sizes_the_panes_once_at_their_final_widths(qtbot, compared):
    """Each pane was resized (and painted) twice: first at a width that ignored the handles."""
    compared.resize(1400, 900)
    compared.set_mode("side-by-side")
    qtbot.wait(50)
    splitter = compared.splitter
    panes = (compared.panes["before"], compared.panes["after"], compared.comparison_view)
    counter = ResizeCounter()
    for pane in panes:
        pane.installEventFilter(counter)
    for layout, shown in (("three", (True, True, True)), ("one", (False, False, True)),
                          ("two", (True, True, False))):  # fmt: skip
        compared.actions[f"layout_{layout}"].trigger()
        widths = [p.width() if not p.isHidden() else 0 for p in panes]
        handles = splitter.handleWidth() * (sum(shown) - 1)
        assert visible_panes(compared) == shown
        assert sum(widths) == splitter.width() - handles  # final at once, before any event
        assert max(widths) - min(w for w in widths if w) <= 1  # the width shared equally
        counter.resized.clear()
        qtbot.wait(50)  # the splitter's own layout pass changes nothing now
        assert counter.resized == [] and widths == [p.width() if p.isVisible() else 0
                                                    for p in panes]  # fmt: skip


def test_widths_are_shared_in_whole_pixels():
    assert shared_widths(1228, (True, True, True)) == [410, 409, 409]
    assert shared_widths(1231, (True, True, False)) == [616, 615, 0]
    assert shared_widths(1234, (False, False, True)) == [0, 0, 1234]
    assert shared_widths(0, (True, True, False)) == [1, 1, 0]  # a collapsed window


def test_zoom_keys_follow_the_comparison_pane_when_it_is_alone(qtbot, compared):
    compared.set_mode("difference")
    compared.actions["layout_one"].trigger()
    qtbot.wait(20)
    view = compared.comparison_view
    fit_zoom = view.transform().m11()
    compared.actions["zoom_in"].trigger()
    assert view.transform().m11() == pytest.approx(stepped_zoom(fit_zoom, 1), rel=1e-6)


def test_comparison_pane_stays_in_sync_with_the_film_panes(qtbot, compared):
    compared.set_mode("difference")
    qtbot.wait(20)
    before, after, view = (
        compared.panes["before"],
        compared.panes["after"],
        compared.comparison_view,
    )
    # wheel in the comparison pane zooms every pane about the same anatomy
    anchor = QPointF(120, 140)
    under = view.before_point(anchor)
    wheel(view, anchor, 2)
    assert compared.document.view.zoom == pytest.approx(before.transform().m11())
    assert view.transform() == before.transform()
    # a pan in the before pane moves the comparison pane the same way
    drag(before, before.rect().center(), before.rect().center() + QPointF(30, -20).toPoint())
    assert centre_before_point(view) == pytest.approx(centre_before_point(before), abs=0.5)
    # the cursor in the comparison pane is the same bone in both film panes
    move_mouse(view, anchor)
    under = view.before_point(anchor)
    assert compared.document.cursor == pytest.approx(under)
    drawn = after.mapped_cursor()
    expected = before.mapped_cursor()
    assert (drawn.x(), drawn.y()) == pytest.approx((expected.x(), expected.y()), abs=1.0)


def test_a_changed_alignment_refits_the_exposure_match_and_nothing_else_does(qtbot, compared):
    c, doc = compared.comparison, compared.document
    first = c.match
    assert first is not None and first.method == "linear"
    # after = 1.25 before + 100, so matching maps after back by gain 0.8, offset -80
    assert first.gain == pytest.approx(0.8, abs=0.02)
    assert doc.difference.exposure_gain == pytest.approx(first.gain, abs=1e-5)
    # a window change rebuilds the picture from the same match
    compared.controller.adjust_window("before", 20, 10)
    assert c.match is first and not c.busy
    # a nudge re-samples off the UI thread; the view uses the new alignment at once
    compared.actions["nudge_right_10"].trigger()
    assert c.busy
    assert np.array_equal(c.pair.after_to_before, doc.alignment_matrix)
    wait_for_match(qtbot, compared)
    assert c.match is not first
    # fitted for the alignment in use: the same fit the core makes for that alignment
    expected = fit_exposure_match(doc.before, doc.after, doc.alignment_matrix)
    assert c.match.gain == pytest.approx(expected.gain, rel=1e-3)
    assert c.match.intercept == pytest.approx(expected.intercept, rel=1e-3, abs=0.5)
    # undo returns to the samples of the first alignment without another job
    compared.undo_stack.undo()
    assert np.array_equal(doc.alignment_matrix, AFTER_TO_BEFORE)
    assert not c.busy


def test_a_new_alignment_is_sampled_once_its_frame_is_painted(qtbot, compared, monkeypatch):
    """Sampling at the same time as the paint held the GIL: the nudged frame came 3-4x later."""
    import xraycompare.qt.compare.controller as controller

    c = compared.comparison
    compared.set_mode("difference")
    qtbot.wait(50)
    item = compared.comparison_view.item
    painted_when_sampled: list[int] = []
    sample = controller.sample_alignment

    def recording(*args):
        painted_when_sampled.append(item.frames_rendered)
        return sample(*args)

    monkeypatch.setattr(controller, "sample_alignment", recording)
    painted = item.frames_rendered
    compared.actions["nudge_right_10"].trigger()
    assert c.busy and not c.runner.busy  # the match is on its way, after the paint
    wait_for_match(qtbot, compared)
    assert painted_when_sampled and painted_when_sampled[0] > painted
    compared.actions["nudge_right_10"].trigger()
    compared.undo_stack.undo()  # back before sampling started: nothing is sampled
    assert not c.busy and len(painted_when_sampled) == 1


def test_exposure_method_is_chosen_shown_and_recorded(qtbot, compared):
    c, doc = compared.comparison, compared.document
    controls = compared.comparison_controls
    controls.method.setCurrentIndex(controls.method.findData("histogram"))
    controls.method.activated.emit(controls.method.currentIndex())
    wait_for_match(qtbot, compared)  # fitted on the thread pool
    assert c.match.method == "histogram" and doc.difference.exposure_method == "histogram"
    assert doc.difference.exposure_gain is None
    assert "histogram" in controls.match_label.text()
    compared.set_mode("difference")
    assert "histogram" in compared.comparison_view.subtitle()
    c.set_difference(exposure_method="none")
    wait_for_match(qtbot, compared)
    assert c.match.method == "none" and "no exposure matching" in controls.match_label.text()


def test_exposure_fits_run_off_the_gui_thread_and_are_kept(qtbot, compared, monkeypatch):
    """A fit takes tens of milliseconds (histogram): on the GUI thread it froze the window."""
    import threading

    import xraycompare.qt.compare.controller as controller

    c = compared.comparison
    first = c.match
    threads: list[threading.Thread] = []
    fit = controller.match_exposure

    def recording_fit(samples, *, method):
        threads.append(threading.current_thread())
        return fit(samples, method=method)

    monkeypatch.setattr(controller, "match_exposure", recording_fit)
    weights: list[threading.Thread] = []  # the hand weight the difference dims with, too
    weight = controller.film_hand_weight
    monkeypatch.setattr(
        controller,
        "film_hand_weight",
        lambda film: weights.append(threading.current_thread()) or weight(film),
    )
    c.set_difference(exposure_method="histogram")
    # until the fit arrives the view keeps the match it has, and says one is on its way
    assert c.match is first and "matching exposure" in c.match_description
    wait_for_match(qtbot, compared)
    assert c.match.method == "histogram"
    assert threads and threading.main_thread() not in threads
    c.set_difference(exposure_method="linear")  # fitted before: at once, no job
    assert c.match is first and not c.busy
    compared.document.set_global_alignment(Alignment("Global", translation(-5.0, 4.0)))
    wait_for_match(qtbot, compared)  # a new alignment: sampled and fitted in one job
    assert c.match.method == "linear" and c.match is not first
    assert threading.main_thread() not in threads and len(threads) == 2
    assert weights and threading.main_thread() not in weights


def test_difference_range_is_symmetric_and_user_set_or_automatic(compared):
    c, doc = compared.comparison, compared.document
    compared.set_mode("difference")
    controls = compared.comparison_controls
    suggested = c.match.difference_range
    assert c.difference_range == suggested and controls.range_auto.isChecked()
    controls.range_spin.setValue(250.0)
    assert doc.difference.difference_range == 250.0 and c.difference_range == 250.0
    assert not controls.range_auto.isChecked()
    assert c.render_settings().difference_range == 250.0
    controls.range_auto.setChecked(True)
    assert doc.difference.difference_range is None and c.difference_range == suggested
    compared.actions["absolute_difference"].trigger()
    assert doc.difference.absolute and controls.absolute.isChecked()


def test_linked_window_shows_the_after_pane_through_the_match(compared):
    c = compared.comparison
    after = compared.panes["after"]
    shown = after.film_item._colouring
    assert shown == c.pair.after_lut.apply  # the before window, after exposure matching
    compared.actions["link_window"].trigger()  # unlinked: the after film's own window
    assert after.film_item._colouring != c.pair.after_lut.apply
    offset = compose(translation(1, 0), compared.document.pane_offset("after"))
    compared.document.set_pane_offset("after", offset)  # unrelated view changes keep it so
    assert after.film_item._colouring != c.pair.after_lut.apply


def test_a_failed_exposure_match_still_compares_the_films_as_exposed(qtbot, window, tmp_path,
                                                                     monkeypatch):  # fmt: skip
    import xraycompare.qt.compare.controller as controller

    def fail(*_args):
        raise RuntimeError("no hand found")

    monkeypatch.setattr(controller, "sample_alignment", fail)
    window.set_mode("difference")
    with qtbot.waitSignal(window.ready, timeout=20000):
        window.open_pair(*changed_pair(tmp_path))
    c = window.comparison
    assert c.pair is not None and c.match.method == "none"
    assert "as exposed" in window.statusBar().currentMessage()
    assert "no exposure matching" in window.comparison_view.subtitle()


def test_the_comparison_uses_the_active_local_alignment(qtbot, compared):
    doc, c = compared.document, compared.comparison
    local = compose(translation(0.5, -0.25), AFTER_TO_BEFORE)
    doc.set_local_alignment(Alignment("PIP3", local, method="local", roi=(150, 100, 60, 80)))
    doc.set_active_alignment("PIP3")
    assert np.array_equal(c.pair.after_to_before, local)
    wait_for_match(qtbot, compared)
    assert quality_line(doc, c.quality).startswith("Alignment: PIP3 (local), local")
    doc.set_active_alignment("Global")
    assert np.array_equal(c.pair.after_to_before, AFTER_TO_BEFORE)
    assert not c.busy  # the global alignment's samples were kept
