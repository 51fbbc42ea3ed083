"""The joint gallery in the app: built from the demo pair, tiles stepped with the keys,
opened large, scored, joints corrected by dragging (undoable), exported as a figure."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QEvent, QPointF, Qt

from tests.qt.comparison_helpers import send_mouse


@pytest.fixture
def shown(qtbot, window):
    with qtbot.waitSignal(window.ready, timeout=60000):
        window.open_demo()
    window.actions["show_gallery"].trigger()
    assert window.stack.currentWidget() is window.gallery_view
    qtbot.waitUntil(lambda: window.gallery.gallery is not None, timeout=60000)
    qtbot.wait(200)  # the tiles are fitted to the width after a resize pause
    return window


def test_every_site_has_a_tile_and_missing_ones_say_so(shown):
    view, gallery = shown.gallery_view, shown.gallery.gallery
    assert list(view.tiles) == list(gallery.sites)
    for site, tile in view.tiles.items():
        assert tile.images if gallery.tile(site).found else not tile.images
    found = [s for s in gallery.sites if gallery.tile(s).found]
    assert len(found) >= 6 and "PIP3" in found
    text = view.status.text()
    assert f"{len(found)} sites" in text
    for site in gallery.missing():
        assert site in text
    assert view.tiles["PIP3"].quality_text().startswith("NCC ")


def test_keys_step_score_and_open_a_site_large(qtbot, shown):
    view, doc = shown.gallery_view, shown.document
    view.select(next(iter(view.tiles)))
    order = list(view.tiles)
    aligned = doc.alignment_matrix.copy()
    qtbot.keyClick(view, Qt.Key.Key_Right)
    assert view.selected == order[1]
    assert (doc.alignment_matrix == aligned).all()  # the arrow did not nudge the alignment
    view.select("PIP3")
    hand = doc.film_hand("after")
    qtbot.keyClick(view, Qt.Key.Key_4)
    assert doc.scores.get("after", hand, "erosion", "PIP3") == 4
    assert view.score_text("PIP3").endswith("→ 4")
    shown.undo_stack.undo()
    assert doc.scores.get("after", hand, "erosion", "PIP3") is None
    qtbot.keyClick(view, Qt.Key.Key_Return)  # open it large
    assert shown.stack.currentWidget() is shown.reading
    tile = shown.gallery.gallery.tile("PIP3")
    active = doc.active_alignment
    assert active.roi == tile.before_box and active.name.startswith("PIP3")
    x, y, w, h = tile.before_box
    assert doc.view.center == pytest.approx((x + (w - 1) / 2, y + (h - 1) / 2))
    assert not shown.actions["show_gallery"].isChecked()


def test_dragging_a_joint_corrects_it_and_undo_puts_it_back(qtbot, shown):
    view, doc = shown.gallery_view, shown.document
    widget = view.tiles["PIP3"]
    start = widget.crosses()["after"]
    end = start + QPointF(12, 6)
    expected = widget.tile_to_film("after", end)
    send_mouse(widget, QEvent.Type.MouseButtonPress, start, Qt.MouseButton.LeftButton)
    send_mouse(widget, QEvent.Type.MouseMove, end, Qt.MouseButton.NoButton,
               Qt.MouseButton.LeftButton)  # fmt: skip
    send_mouse(widget, QEvent.Type.MouseButtonRelease, end, Qt.MouseButton.LeftButton)
    assert doc.joint_corrections.point("after", "PIP3") == pytest.approx(expected)
    old = shown.gallery.gallery
    qtbot.waitUntil(lambda: shown.gallery.gallery is not old, timeout=60000)
    tile = shown.gallery.gallery.tile("PIP3")
    assert tile.source is not None  # rebuilt with the correction
    shown.undo_stack.undo()
    assert doc.joint_corrections.point("after", "PIP3") is None


def test_the_gallery_exports_as_a_figure(qtbot, shown, tmp_path):
    out = tmp_path / "gallery.png"
    shown.gallery_page.write(out)
    qtbot.waitUntil(lambda: out.exists() and not shown.gallery.runner_for_files.busy,
                    timeout=60000)  # fmt: skip
    assert (tmp_path / "gallery.provenance.json").exists()


def test_escape_goes_back_to_the_films(qtbot, shown):
    qtbot.keyClick(shown.gallery_view, Qt.Key.Key_Escape)
    assert shown.stack.currentWidget() is shown.reading
    assert not shown.gallery.shown


def test_a_newer_build_stops_the_one_it_supersedes(qtbot, shown, monkeypatch):
    """A rebuild asked for while one runs (a joint dragged twice, say) stops the first
    before its remaining joints: the gallery shown is the newest, and no error is shown."""
    import threading

    from xraycompare.qt.joints import gallery_controller

    real = gallery_controller.build_gallery
    asked = threading.Event()  # the newer build has been asked for
    first: list = []  # the first build's should_stop, then whether it was set

    def watched(*args, should_stop=None, **kwargs):
        if not first:  # the first build waits until a newer one is asked for
            first.append(should_stop)
            asked.wait(30)
            first.append(should_stop() if callable(should_stop) else None)
        return real(*args, should_stop=should_stop, **kwargs)

    monkeypatch.setattr(gallery_controller, "build_gallery", watched)
    messages = []
    shown.gallery.message.connect(messages.append)
    old = shown.gallery.gallery
    shown.gallery.invalidate()
    qtbot.waitUntil(lambda: bool(first), timeout=30000)
    shown.gallery.invalidate()  # supersedes the build under way
    asked.set()
    qtbot.waitUntil(lambda: len(first) == 2, timeout=30000)
    assert first[1] is True  # the first build was told to stop
    qtbot.waitUntil(lambda: shown.gallery.gallery is not old, timeout=60000)
    assert not messages
