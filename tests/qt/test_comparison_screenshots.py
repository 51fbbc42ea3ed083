"""Every mode draws something of its own, shows the hand and the change; the CLI contract."""

from __future__ import annotations

import itertools
import os
import subprocess
import sys

import cv2
import numpy as np
import pytest

from tests.qt.comparison_helpers import (
    CHANGE_XY,
    changed_pair,
    grab,
    open_compared,
    patch,
    viewport_xy,
)
from xraycompare.core.compare.colormaps import DIFFERENCE
from xraycompare.core.types import VIEW_MODES

COMPARISON_MODES = VIEW_MODES[1:]


@pytest.fixture
def compared(qtbot, window, tmp_path):
    return open_compared(qtbot, window, tmp_path)


def picture_box(view) -> tuple[slice, slice]:
    """Where the pane shows the film and no overlay (titles, colour bar, quality note)."""
    image = view.document.before
    vp = view.viewport()
    x0, y0 = viewport_xy(view, (0.0, 0.0))
    x1, y1 = viewport_xy(view, (image.width - 1.0, image.height - 1.0))
    rows = slice(max(y0 + 2, 130), min(y1 - 2, vp.height() - 100))
    cols = slice(x0 + 2, min(x1 - 2, vp.width() - 130))
    assert rows.stop - rows.start > 100 and cols.stop - cols.start > 100
    return rows, cols


def test_each_mode_looks_different_and_shows_the_hand(qtbot, compared):
    view = compared.comparison_view
    compared.actions["layout_one"].trigger()
    qtbot.wait(20)
    shots = {}
    for mode in COMPARISON_MODES:
        compared.set_mode(mode)
        compared.prepare_screenshot()  # flicker: the after phase, still
        shots[mode] = grab(view.viewport()).astype(np.int16)
    box = picture_box(view)
    for mode, shot in shots.items():
        inside = shot[box]
        if mode == "difference":
            # matched films agree: the hand is drawn in the map's zero colour and the air
            # dimmed grey, no colour anywhere but at the change
            grey = np.ptp(inside, axis=2) <= 6
            assert grey.mean() > 0.8
            assert (np.abs(inside - DIFFERENCE.centre).max(axis=2) <= 6).mean() > 0.2
        else:  # the hand: structure inside the film (bones, tissue, air), not a flat fill
            assert inside.std() > 8, f"{mode} shows no film"
    for (a, sa), (b, sb) in itertools.combinations(shots.items(), 2):
        # aligned and exposure-matched films agree almost everywhere, so overlay and blend
        # differ only where the bone changed: count pixels, not the mean
        differing = (np.abs(sa[box] - sb[box]).max(axis=2) > 12).sum()
        assert differing > 40, f"{a} and {b} look the same"
    at = viewport_xy(view, CHANGE_XY)
    # difference: the new bone is orange (after brighter), the rest near the dark centre
    r, g, b = patch(shots["difference"], at).mean(axis=0)
    assert r > b + 40
    # overlay: the new bone is magenta (after in red and blue, before in green)
    r, g, b = patch(shots["overlay"], at).mean(axis=0)
    assert r > g + 15 and b > g + 15
    # the difference says what it shows and how the exposure was matched
    compared.set_mode("difference")
    assert view.subtitle().startswith("after − before · linear match: gain 0.8")


def test_swipe_shows_before_on_one_side_and_after_on_the_other(qtbot, compared):
    """Left of the divider is the before film, right the after (through the alignment)."""
    view = compared.comparison_view
    compared.actions["layout_one"].trigger()
    qtbot.wait(20)
    compared.set_mode("flicker")
    compared.prepare_screenshot()
    after_only = grab(view.viewport()).astype(np.int16)
    compared.comparison.flicker.set_phase("before")
    before_only = grab(view.viewport()).astype(np.int16)
    compared.set_mode("swipe")
    swipe = grab(view.viewport()).astype(np.int16)
    rows, cols = picture_box(view)
    split = round(view.divider_position())
    band = slice(rows.start, view.viewport().height() // 2 - 40)  # above the side labels
    left = (band, slice(cols.start, split - 30))
    right = (band, slice(split + 30, cols.stop))
    assert np.abs(swipe[left] - before_only[left]).mean() < 2
    assert np.abs(swipe[right] - after_only[right]).mean() < 2


def test_side_by_side_hides_the_comparison_pane(compared):
    compared.set_mode("difference")
    assert compared.comparison_view.isVisible()
    compared.set_mode("side-by-side")
    assert not compared.comparison_view.isVisible()


def test_cli_screenshot_shows_the_difference_after_registration(tmp_path):
    before, after = changed_pair(tmp_path)
    out = tmp_path / "difference.png"
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", XDG_CONFIG_HOME=str(tmp_path / "cfg"))
    result = subprocess.run(
        [sys.executable, "-m", "xraycompare", str(before), str(after),
         "--screenshot", str(out), "--mode", "difference", "--size", "1200x800"],
        capture_output=True, text=True, timeout=120, env=env,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    shot = cv2.cvtColor(cv2.imread(str(out)), cv2.COLOR_BGR2RGB).astype(int)
    assert shot.shape[:2] == (800, 1200)
    # the comparison pane (right third of the panes) holds the colour map's orange: the new
    # bone, found only if the films were registered and exposure-matched first
    r, g, b = shot[..., 0], shot[..., 1], shot[..., 2]
    orange = (r > 150) & (r > b + 80) & (g > b + 20)
    assert orange.sum() > 30
    cols = np.nonzero(orange.any(axis=0))[0]
    assert cols.min() > shot.shape[1] * 0.45  # in the comparison pane, not the film panes
    # the film panes still show the films
    assert (cv2.cvtColor(shot.astype(np.uint8), cv2.COLOR_RGB2GRAY)[:, :300] > 200).sum() > 300


def test_command_line_mode_wins_over_the_view_a_project_restores(qtbot, compared, tmp_path):
    from xraycompare.core.project.file import save_project
    from xraycompare.qt.app import _keep_mode_after_opening

    compared.set_mode("side-by-side")
    path = tmp_path / "case.xrc.json"
    save_project(compared.document, path)
    compared.undo_stack.setClean()
    _keep_mode_after_opening(compared, "overlay")  # as `--project case.xrc.json --mode overlay`
    with qtbot.waitSignal(compared.ready, timeout=20000):
        compared.project.open_project(path)
    assert compared.comparison.mode == "overlay"
    assert compared.comparison_view.isVisible() and compared.comparison.pair is not None
