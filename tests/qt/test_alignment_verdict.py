"""A failed or doubtful automatic alignment says so where the reader looks, offers the way
out, and is never used to match the exposure; a correction by hand ends the warning."""

from __future__ import annotations

import numpy as np

from tests.qt.comparison_helpers import open_compared, wait_for_match
from xraycompare.core.geometry import translation
from xraycompare.core.registration.alignment import Alignment


def set_global(window, **fields) -> None:
    window.document.set_global_alignment(Alignment("Global", translation(-6.0, 4.0), **fields))


def test_a_failed_alignment_is_announced_and_not_used_for_the_exposure(qtbot, window, tmp_path):
    open_compared(qtbot, window, tmp_path)
    matched = window.comparison.match
    assert matched.method == "linear" and abs(matched.gain - 1.0) > 0.05
    reason = "No alignment fits: the hands do not line up anywhere."
    set_global(window, status="failed", reason=reason)
    text = window.notices.text("alignment")
    assert text is not None and "failed" in text and reason in text
    assert window.comparison.match.method == "none"  # the films as exposed
    assert "alignment failed" in window.comparison.match_description
    assert "FAILED" in window.alignment_panel.warning.text()
    button = window.notices.button("alignment", "Place landmarks")
    button.click()
    assert window.actions["tool_landmarks"].isChecked()
    window.actions["nudge_right"].trigger()  # the reader's own correction
    assert window.document.global_alignment.status == "ok"
    assert window.notices.text("alignment") is None
    wait_for_match(qtbot, window)
    assert window.comparison.match.method == "linear"


def test_a_doubtful_alignment_warns_and_still_matches(qtbot, window, tmp_path):
    open_compared(qtbot, window, tmp_path)
    set_global(window, status="poor", reason="Little of the palm is in both films.")
    assert "doubtful" in (window.notices.text("alignment") or "")
    wait_for_match(qtbot, window)
    assert window.comparison.match.method == "linear"
    set_global(window)  # a trusted one
    assert window.notices.text("alignment") is None


def test_the_verdict_is_kept_in_the_project(qtbot, window, tmp_path):
    from xraycompare.core.project import file as pf

    open_compared(qtbot, window, tmp_path)
    set_global(window, status="poor", reason="Little of the palm is in both films.")
    path = tmp_path / "read.xrc.json"
    assert window.project.save_to(path)
    data = pf.read_project(path)
    assert data.global_alignment.status == "poor"
    assert data.global_alignment.reason == "Little of the palm is in both films."
    assert np.allclose(data.global_alignment.matrix, translation(-6.0, 4.0))
