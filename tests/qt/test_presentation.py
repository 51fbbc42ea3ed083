"""Presentation mode (F11) for a room: only the films, large labels, no patient data, keys
step through the views, Esc puts everything back; the label size for projectors."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QToolBar

from tests.qt.test_privacy import leaks, screen_texts


def chrome(window):
    return [window.menuBar(), *window.findChildren(QToolBar), window.statusBar(),
            *(d for d in window.docks.values())]  # fmt: skip


def test_presentation_shows_only_the_films_and_steps_through_the_views(qtbot, window, patient_pair):
    with qtbot.waitSignal(window.pair_shown, timeout=20000):
        window.open_pair(*patient_pair, by_date=True)
    window.actions["show_identifiers"].trigger()  # the reader had them on
    assert leaks(screen_texts(window))
    shown_before = [w for w in chrome(window) if w.isVisible()]
    size = window.panes["before"].font().pointSizeF()
    window.actions["presentation"].trigger()
    assert window.presentation.active and window.actions["presentation"].isChecked()
    assert not any(w.isVisible() for w in chrome(window))
    assert not window.document.show_identifiers
    assert leaks([window.windowTitle(), *window.panes["before"].title_lines(),
                  *window.panes["after"].title_lines()]) == []  # fmt: skip
    assert window.panes["after"].title_lines()[1].endswith("+7 y 2 m")
    assert window.panes["before"].font().pointSizeF() >= 1.7 * size
    assert QApplication.overrideCursor() is not None  # the big crosshair
    pane = window.panes["before"]
    steps = []
    for key in (Qt.Key.Key_Right, Qt.Key.Key_Right, Qt.Key.Key_Space, Qt.Key.Key_Left):
        qtbot.keyClick(pane, key)
        steps.append(window.document.view.mode)
    assert steps == ["overlay", "flicker", "swipe", "flicker"]
    qtbot.keyClick(pane, Qt.Key.Key_Escape)
    assert not window.presentation.active
    assert [w for w in chrome(window) if w.isVisible()] == shown_before
    assert window.document.show_identifiers  # as the reader had it
    assert window.panes["before"].font().pointSizeF() == size
    assert QApplication.overrideCursor() is None


def test_the_label_size_is_chosen_remembered_and_applied(qtbot, window):
    size = window.panes["before"].font().pointSizeF()
    window.actions["labels_projector"].trigger()
    assert window.settings.label_scale == 2.0
    assert window.panes["before"].font().pointSizeF() == 2 * size
    assert window.comparison_view.font().pointSizeF() == 2 * size
    window.actions["labels_normal"].trigger()
    assert window.panes["before"].font().pointSizeF() == size


def test_a_pane_title_too_long_for_its_pane_is_cut_with_an_ellipsis(qtbot, window):
    """Three panes at 1280 px: the difference pane's exposure-match line does not run off."""
    from PySide6.QtGui import QFontMetrics

    from xraycompare.qt.view.pane import fitted_title_lines

    font = window.font()
    subtitle = "after − before · linear match: gain 0.959, offset −116"
    title, cut = fitted_title_lines(font, "Difference", subtitle, 300)
    assert title == "Difference"
    assert cut != subtitle and cut.endswith("…")
    assert QFontMetrics(font).horizontalAdvance(cut) <= 300 - 24
    assert fitted_title_lines(font, "Difference", subtitle, 2000) == ("Difference", subtitle)
