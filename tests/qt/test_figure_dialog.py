"""File ▸ Export figure…: a live preview of the core's figure, crops from the view or a drag,
joint insets, and a written figure with its provenance (or a reason and nothing written)."""

from __future__ import annotations

import json

import pytest
from PySide6.QtCore import QEvent, QPointF, Qt
from PySide6.QtGui import QImage

from tests.qt.comparison_helpers import open_compared, send_mouse


@pytest.fixture
def dialog(qtbot, window, tmp_path):
    open_compared(qtbot, window, tmp_path)
    window.actions["export_figure"].trigger()
    dialog = window.figures.figure_dialog
    qtbot.waitUntil(lambda: dialog.rendered is not None, timeout=20000)
    yield dialog
    dialog.close()


def rendered_after(qtbot, dialog, change) -> None:
    old = dialog.rendered
    change()
    qtbot.waitUntil(lambda: dialog.rendered is not old and not dialog.preview_runner.busy,
                    timeout=20000)  # fmt: skip


def test_the_preview_follows_the_options(qtbot, dialog):
    assert len(dialog.rendered.layout.panels) == 2  # Before | After
    assert dialog.preview.figure is dialog.rendered
    width = dialog.rendered.image.shape[1]
    assert width <= dialog.preview.width() + 2  # screen resolution, not 600 dpi
    box = dialog.layout_box
    rendered_after(
        qtbot, dialog, lambda: box.setCurrentIndex(box.findData("before-after-difference"))
    )
    assert [p.content for p in dialog.rendered.layout.panels] == ["before", "after", "difference"]
    assert "180 ×" in dialog.summary.text() and "600 dpi" in dialog.summary.text()


def test_the_crop_comes_from_the_current_view_or_a_drag_on_the_preview(qtbot, window, dialog):
    for _ in range(3):
        window.actions["zoom_in"].trigger()
    view = window.panes["before"].visible_film_box()
    image = window.document.before
    assert view[2] < image.width and view[3] < image.height  # zoomed in: part of the film
    dialog.set_crop(dialog.current_view())
    assert dialog.crop == view
    rendered_after(qtbot, dialog, lambda: None)
    assert dialog.rendered.layout.panels[0].crop == pytest.approx(view, abs=1)  # whole pixels
    rendered_after(qtbot, dialog, lambda: dialog.set_crop(None))
    # a drag across the first panel of the preview crops both panels to that region
    panel = dialog.rendered.layout.panels[0]
    bx, by, bw, bh = panel.box
    scale, x0, y0 = dialog.preview._placement()

    def at(fx, fy):
        return QPointF(x0 + (fx + 0.5) * scale, y0 + (fy + 0.5) * scale)

    start, end = at(bx + bw * 0.2, by + bh * 0.2), at(bx + bw * 0.7, by + bh * 0.6)
    target = dialog.preview
    send_mouse(target, QEvent.Type.MouseButtonPress, start, Qt.MouseButton.LeftButton)
    send_mouse(target, QEvent.Type.MouseMove, end, Qt.MouseButton.NoButton,
               Qt.MouseButton.LeftButton)  # fmt: skip
    send_mouse(target, QEvent.Type.MouseButtonRelease, end, Qt.MouseButton.LeftButton)
    x, y, w, h = dialog.crop
    cx, cy, cw, ch = panel.crop
    assert x == pytest.approx(cx + 0.2 * cw, abs=3) and w == pytest.approx(0.5 * cw, abs=4)
    assert y == pytest.approx(cy + 0.2 * ch, abs=3) and h == pytest.approx(0.4 * ch, abs=4)
    rendered_after(qtbot, dialog, lambda: None)
    assert all(p.crop == pytest.approx(dialog.crop) for p in dialog.rendered.layout.panels)


def test_a_scored_region_is_offered_as_an_inset(qtbot, window, tmp_path):
    from xraycompare.core.annotations.regions import Region, ellipse_points

    open_compared(qtbot, window, tmp_path)
    window.document.annotations.add(
        Region.create("before", "ellipse", ellipse_points(187.0, 160.0, 8.0, 8.0),
                      site="PIP3", laterality="right", kind="erosion")
    )  # fmt: skip
    dialog = window.figures.export_figure()
    items = [dialog.inset_list.item(i) for i in range(dialog.inset_list.count())]
    assert [i.text() for i in items] == ["PIP3 right"]
    box = dialog.layout_box
    box.setCurrentIndex(box.findData("grid-insets"))
    items[0].setCheckState(Qt.CheckState.Checked)
    qtbot.waitUntil(
        lambda: dialog.rendered is not None and len(dialog.rendered.layout.panels) == 4,
        timeout=20000,
    )
    insets = [p for p in dialog.rendered.layout.panels if p.inset is not None]
    x, y, w, h = insets[0].crop
    assert x < 187 < x + w and y < 160 < y + h
    dialog.close()


def test_export_writes_the_figure_and_its_provenance(qtbot, window, dialog, tmp_path):
    notices = []
    dialog.written = notices.append
    fmt = dialog.format_box
    fmt.setCurrentIndex(fmt.findData("png"))
    dpi = dialog.dpi_box
    dpi.setCurrentIndex(dpi.findData(300))
    out = tmp_path / "panel.png"
    dialog.export_to(out)
    qtbot.waitUntil(lambda: not dialog.write_runner.busy, timeout=30000)
    assert out.exists() and (tmp_path / "panel.provenance.json").exists()
    image = QImage(str(out))
    assert round(image.dotsPerMeterX() * 0.0254) == 300
    assert image.width() == round(180 / 25.4 * 300)
    record = json.loads((tmp_path / "panel.provenance.json").read_text())
    assert "legend" in record and "baseline.png" not in json.dumps(record)
    assert notices and "panel.png" in notices[0]
    assert window.settings.figure_options["dpi"] == 300  # kept for the next figure


def test_a_failed_export_writes_nothing_and_says_why(qtbot, window, dialog, tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where a folder is expected")
    dialog.export_to(blocker / "figure.tiff")
    qtbot.waitUntil(lambda: not dialog.write_runner.busy, timeout=30000)
    assert dialog.summary.text().startswith("Not written")
    assert not (blocker.parent / "figure.tiff").exists()
    from PySide6.QtWidgets import QMessageBox

    shown = [b for b in window.findChildren(QMessageBox) if b.objectName() == "xraycompare-error"]
    assert shown and "Nothing was written" in shown[-1].text()
    for box in shown:
        box.close()
    assert dialog.export_button.isEnabled()
