"""The difference view shows change: quieting and dimming chosen in the UI, recorded in the
project; the colour bar, caption and badge each hideable and faint under the cursor."""

from __future__ import annotations

import json

import numpy as np
import pytest

from tests.qt.comparison_helpers import grab, open_compared
from xraycompare.core.geometry import transform_point


@pytest.fixture
def compared(qtbot, window, tmp_path):
    window = open_compared(qtbot, window, tmp_path)
    window.set_mode("difference")
    window.actions["layout_one"].trigger()
    qtbot.wait(20)
    return window


def test_edge_tolerance_and_dimming_are_chosen_in_the_ui_and_saved(qtbot, compared, tmp_path):
    doc, controls = compared.document, compared.comparison_controls
    assert doc.difference.outside_hand == "dim" and controls.dim.isChecked()  # the default
    compared.actions["tolerant_difference"].trigger()
    assert doc.difference.difference_filter == "tolerant"
    assert controls.filter.currentData() == "tolerant" and controls.radius.isEnabled()
    controls.radius.setValue(1.5)
    controls.dim.setChecked(False)
    settings = compared.comparison.render_settings()
    assert (settings.difference_filter, settings.filter_radius, settings.outside_hand) == (
        "tolerant",
        1.5,
        "show",
    )
    assert not compared.actions["dim_outside_hand"].isChecked()  # the menu follows
    path = tmp_path / "read.xrc.json"
    compared.project.save_to(path)
    written = json.loads(path.read_text())["display"]["difference"]
    assert (written["filter"], written["filter_radius"], written["outside_hand"]) == (
        "tolerant",
        1.5,
        "show",
    )


def test_the_picture_changes_when_the_difference_is_quietened(qtbot, compared):
    view = compared.comparison_view
    plain = grab(view.viewport()).astype(int)
    compared.actions["tolerant_difference"].trigger()
    qtbot.wait(20)
    quiet = grab(view.viewport()).astype(int)
    assert np.abs(quiet - plain).max() > 20  # edges lost their seams somewhere


def test_colour_bar_caption_and_badge_can_each_be_hidden(qtbot, compared):
    view = compared.comparison_view
    view.viewport().repaint()
    assert {"colour_bar", "caption"} <= set(view.overlay_rects())
    compared.actions["show_colour_bar"].trigger()
    view.viewport().repaint()
    assert "colour_bar" not in view.overlay_rects() and "caption" in view.overlay_rects()
    compared.actions["show_captions"].trigger()
    view.viewport().repaint()
    assert view.overlay_rects() == {}
    compared.set_mode("flicker")
    compared.prepare_screenshot()
    view.viewport().repaint()
    assert "badge" in view.overlay_rects()
    compared.actions["show_badges"].trigger()
    view.viewport().repaint()
    assert "badge" not in view.overlay_rects()


def test_the_colour_bar_fades_when_the_cursor_comes_near(qtbot, compared):
    view, doc = compared.comparison_view, compared.document
    view.viewport().repaint()
    bar = view.overlay_rects()["colour_bar"]
    inside = bar.center()
    film_xy = view.film_point(inside)
    far = view.film_point(bar.center() - type(inside)(bar.width() * 3, -bar.height() * 0.2))

    def shot_at(xy):
        doc.set_cursor(transform_point(doc.pane_matrix("before"), *xy))
        view.viewport().repaint()
        return grab(view.viewport()).astype(int)

    away = shot_at(far)
    near = shot_at(film_xy)
    compared.actions["show_colour_bar"].trigger()
    without = shot_at(film_xy)
    box = np.s_[
        int(bar.top()) + 2 : int(bar.bottom()) - 2, int(bar.left()) + 2 : int(bar.right()) - 2
    ]
    shown = np.abs(away[box] - without[box]).mean()
    faint = np.abs(near[box] - without[box]).mean()
    assert shown > 10 and faint < 0.3 * shown
