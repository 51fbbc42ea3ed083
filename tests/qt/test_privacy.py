"""Nothing on screen names the patient unless the reader asks: not the DICOM identifiers, not
the files' or folders' names (films are often named after the patient)."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QAbstractButton,
    QComboBox,
    QDockWidget,
    QLabel,
    QLineEdit,
    QMenu,
    QTableWidget,
    QWidget,
)

from tests.qt.patients import NAME_PARTS, patient_dicom


def screen_texts(window) -> list[str]:
    """Every text the window shows or would show on hover: titles, labels, buttons, menus,
    tooltips, tables, combo boxes, docks, the status bar and the panes' drawn titles."""
    texts = [window.windowTitle(), window.statusBar().currentMessage()]
    widgets: list[QWidget] = window.findChildren(QWidget)
    for w in widgets:
        texts.append(w.toolTip())
        if isinstance(w, QLabel | QAbstractButton | QLineEdit):
            texts.append(w.text())
        elif isinstance(w, QDockWidget):
            texts.append(w.windowTitle())
        elif isinstance(w, QComboBox):
            texts += [w.itemText(i) for i in range(w.count())]
        elif isinstance(w, QTableWidget):
            texts += [
                w.item(r, c).text()
                for r in range(w.rowCount())
                for c in range(w.columnCount())
                if w.item(r, c) is not None
            ]
        elif isinstance(w, QMenu):
            w.aboutToShow.emit()  # fill the dynamic menus (recent pairs, presets)
            texts += [a.text() for a in w.actions()] + [a.toolTip() for a in w.actions()]
    for action in window.actions.items.values():
        texts += [action.text(), action.toolTip(), action.statusTip()]
    for pane in (*window.panes.values(), window.comparison_view):
        texts += list(pane.title_lines())
    return texts


def leaks(texts: list[str]) -> list[str]:
    return [t for t in texts if any(part.lower() in t.lower() for part in NAME_PARTS)]


def test_a_patient_named_pair_shows_no_name_anywhere(qtbot, window, patient_pair):
    before, after = patient_pair
    with qtbot.waitSignal(window.pair_shown, timeout=20000):
        window.open_pair(after, before, by_date=True)  # given later film first
    assert window.document.before.identity.study_date == "20180218"  # put in time order
    for mode in ("side-by-side", "difference", "flicker"):
        window.set_mode(mode)
        qtbot.wait(50)
        texts = [*screen_texts(window), window.comparison_view.flicker_caption()]
        assert leaks(texts) == [], mode
    # what is shown instead: the role, the modality, the year and the interval
    assert window.panes["after"].title_lines() == ("After", "CR · 2025 · +7 y 2 m")
    assert "Before ↔ After, +7 y 2 m" in window.windowTitle()


def test_identifiers_appear_only_when_asked_for(qtbot, window, patient_pair):
    with qtbot.waitSignal(window.pair_shown, timeout=20000):
        window.open_pair(*patient_pair)
    window.actions["show_identifiers"].trigger()
    assert window.info_panel.reveal.isChecked()
    assert "DOE_JANE_2018-02-18.dcm" in window.panes["before"].title_lines()[1]
    assert "DOE_JANE_2018-02-18.dcm" in window.windowTitle()
    assert leaks(screen_texts(window))  # the reader asked: now they are there
    window.info_panel.reveal.setChecked(False)
    assert not window.document.show_identifiers
    assert leaks(screen_texts(window)) == []


def test_an_unreadable_patient_named_file_is_not_named_on_screen(qtbot, window, tmp_path):
    folder = tmp_path / "DOE_JANE"
    folder.mkdir()
    broken = folder / "DOE_JANE_2018-02-18.dcm"
    broken.write_bytes(b"\0" * 128 + b"DICM" + b"\x02\x00\x10\x00garbage")
    with qtbot.waitSignal(window.load_failed, timeout=10000) as blocker:
        window.open_pair(broken, broken)
    assert leaks([blocker.args[0]]) == [] and leaks(screen_texts(window)) == []
    boxes = [b for b in window.findChildren(QWidget) if b.objectName() == "xraycompare-error"]
    assert boxes and leaks([b.text() for b in boxes]) == []
    for box in boxes:
        box.close()


def test_films_given_in_reverse_order_say_so_until_another_pair(qtbot, window, patient_pair):
    before, after = patient_pair
    with qtbot.waitSignal(window.pair_shown, timeout=20000):
        window.open_pair(after, before, by_date=True)
    note = window.notices.text("order")
    assert note is not None and "2018" in note and "Before" in note
    assert window.notices.isVisibleTo(window)
    assert window.notices.text("dates") is None  # both dated, now in order
    assert "DOE" not in note and "2018-02-18" not in note
    with qtbot.waitSignal(window.pair_shown, timeout=20000):
        window.open_pair(before, after, by_date=True)  # already in order: nothing to say
    assert window.notices.text("order") is None


def test_undated_or_same_day_films_are_warned_about(qtbot, window, tmp_path):
    same_a = patient_dicom(tmp_path / "a.dcm", "20200101")
    same_b = patient_dicom(tmp_path / "b.dcm", "20200101", shift=4)
    with qtbot.waitSignal(window.pair_shown, timeout=20000):
        window.open_pair(same_a, same_b, by_date=True)
    assert "same study date" in (window.notices.text("dates") or "")
    undated = patient_dicom(tmp_path / "c.dcm", "")
    with qtbot.waitSignal(window.pair_shown, timeout=20000):
        window.open_pair(same_a, undated, by_date=True)
    assert "no study date" in (window.notices.text("dates") or "")
    window.notices.clear("dates")
    assert not window.notices.isVisibleTo(window)


def test_the_command_line_puts_films_in_time_order(patient_pair, monkeypatch):
    from xraycompare.qt import app as app_module

    calls = []

    class Window:
        def open_pair(self, *paths, by_date=False):
            calls.append((paths, by_date))

    args = type("Args", (), {"demo": False, "project": None, "screenshot": None})()
    args.before, args.after = patient_pair[1], patient_pair[0]
    app_module._open_from_arguments(Window(), args)
    assert calls == [((patient_pair[1], patient_pair[0]), True)]
