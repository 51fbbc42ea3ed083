"""Publication figures: exact panel geometry, scale bar, alignment of panels, marks, provenance.

Small films made here (a calibrated 400 × 300 "hand" with bright markers), so every test
knows the answer: where each panel goes, how long 10 mm is at 300 dpi, where a marker must
appear in both panels of a known transform.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import cv2
import numpy as np
import pytest

from tests.core.figure_pair import MARKERS, TRUTH, document, film, scene
from xraycompare.core.annotations.regions import Region, rectangle_points
from xraycompare.core.figures import FigureError, FigureSpec, render_figure, write_figure
from xraycompare.core.figures.labels import film_captions, interval_caption, scale_bar
from xraycompare.core.figures.layout import figure_layout
from xraycompare.core.figures.marks import figure_marks
from xraycompare.core.figures.panels import figure_source, render_panel

BARE = {"letters": False, "captions": False, "scale_bar": False, "colour_bar": False}


def test_panels_are_placed_at_exact_pixel_boxes():
    # 85 mm at 300 dpi = 1004 px; a 1 mm gutter = 12 px; two 400 × 300 crops share 992 px:
    # height floor(992 / (2 × 4/3)) = 372, widths 496 each, scale 372 / 300 = 1.24.
    spec = FigureSpec(width_mm=85, dpi=300, crop=(100, 50, 400, 300))
    layout = figure_layout(spec, spec.crop)
    assert (layout.width_px, layout.height_px) == (1004, 372)
    a, b = layout.panels
    assert (a.letter, a.content, a.box) == ("A", "before", (0, 0, 496, 372))
    assert (b.letter, b.content, b.box) == ("B", "after", (508, 0, 496, 372))
    assert a.scale == b.scale == pytest.approx(1.24)
    assert a.crop == pytest.approx((100, 50, 400, 300))
    # Stacked three panels: each row is the full width, 1004 × round(1004 × 3/4) = 753.
    tall = figure_layout(
        replace(spec, layout="before-after-overlay", orientation="vertical"), spec.crop
    )
    assert [p.box for p in tall.panels] == [
        (0, 0, 1004, 753),
        (0, 765, 1004, 753),
        (0, 1530, 1004, 753),
    ]
    assert [p.content for p in tall.panels] == ["before", "after", "overlay"]
    assert tall.height_px == 2283
    # A difference panel's colour bar keeps a 15 mm strip (177 px) right of every row, so
    # all three panels keep one scale: 827 × 620 (floor(827 × 3/4)), 620 / 300 px per px.
    tall = figure_layout(
        replace(spec, layout="before-after-difference", orientation="vertical"), spec.crop
    )
    assert [p.box for p in tall.panels] == [
        (0, 0, 827, 620),
        (0, 632, 827, 620),
        (0, 1264, 827, 620),
    ]
    assert {p.scale for p in tall.panels} == {620 / 300}


def test_grid_insets_put_each_inset_in_its_own_row_of_before_and_after():
    spec = FigureSpec(layout="grid-insets", width_mm=85, dpi=300, insets=((10, 20, 50, 50),))
    layout = figure_layout(spec, (0, 0, 400, 300), spec.insets)
    letters = [(p.letter, p.content, p.inset, p.row) for p in layout.panels]
    assert letters == [
        ("A", "before", None, 0),
        ("B", "after", None, 0),
        ("C", "before", 0, 1),
        ("D", "after", 0, 1),
    ]
    c = layout.panels[2]
    assert c.box == (0, 384, 496, 496) and c.scale == pytest.approx(496 / 50)
    assert layout.panel_at(700, 500).letter == "D" and layout.panel_at(500, 10) is None


def test_each_panel_holds_its_rendered_pixels_unchanged_and_gutters_are_white():
    doc = document()
    spec = FigureSpec(width_mm=85, dpi=300, crop=(20, 10, 360, 280), **BARE)
    figure = render_figure(doc, spec)
    source = figure_source(doc, spec)
    for panel in figure.layout.panels:
        x, y, w, h = panel.box
        expected = render_panel(source, panel, spec)
        assert np.array_equal(figure.image[y : y + h, x : x + w], expected), panel.letter
    a, b = figure.layout.panels
    gutter = figure.image[:, a.box[0] + a.box[2] : b.box[0]]
    assert gutter.size and np.all(gutter == 255)


def test_the_two_panels_of_a_known_transform_agree_within_a_pixel():
    figure = render_figure(document(), FigureSpec(width_mm=120, dpi=300, **BARE))
    centres = []
    for panel in figure.layout.panels:
        x, y, w, h = panel.box
        grey = figure.image[y : y + h, x : x + w, 0]
        count, _, stats, found = cv2.connectedComponentsWithStats((grey > 200).astype(np.uint8))
        big = [tuple(found[i]) for i in range(1, count) if stats[i, cv2.CC_STAT_AREA] > 50]
        centres.append(sorted(big, key=lambda c: (round(c[1] / 20), c[0])))
    before, after = (np.array(c) for c in centres)
    assert before.shape == after.shape == (len(MARKERS), 2)
    assert np.max(np.abs(before - after)) < 1.0
    # and they are where the layout puts the markers of the before film
    expected = figure.layout.panels[0].to_panel(np.array(MARKERS, float))
    order = np.lexsort((expected[:, 0], np.round(expected[:, 1] / 20)))
    assert np.max(np.abs(before - expected[order])) < 1.0


def test_scale_bar_is_ten_mm_long_in_pixels_at_the_panels_scale():
    doc = document()
    spec = FigureSpec(width_mm=85, dpi=300, crop=(0, 0, 400, 300), letters=False, captions=False)
    figure = render_figure(doc, spec)
    a = figure.layout.panels[0]
    bar = scale_bar(a, doc.before)
    # 400 px × 0.1 mm = 40 mm wide panel: the bar is the round length up to 12 mm, at
    # 10 mm / 0.1 mm × 1.24 figure px per film px = 124 px
    assert (bar.length_mm, bar.label) == (10.0, "10 mm (calibrated)")
    assert bar.length_px == pytest.approx(124.0)
    x, y, w, h = a.box
    region = figure.image[y + h - 40 : y + h, x + w - 200 : x + w, 0].astype(float)
    background = np.median(region[:, :20])
    coverage = (region - background) / (255.0 - background)
    row = coverage[np.argmax(coverage.sum(axis=1))]
    assert row.sum() == pytest.approx(124.0, abs=1.0)


def test_a_pixel_only_film_gets_no_scale_bar_and_a_warning():
    doc = document(spacing=None)
    figure = render_figure(doc, FigureSpec(width_mm=85, dpi=150))
    assert any("no pixel spacing" in w and "no scale bar" in w for w in figure.warnings)
    source = figure_source(doc, FigureSpec())
    assert scale_bar(figure.layout.panels[0], source.before) is None
    detector = doc.before.with_calibration((0.1, 0.1), "detector")
    assert scale_bar(figure.layout.panels[0], detector).label.endswith("(at detector)")


def test_captions_state_the_interval_never_the_dates():
    early, late = film(scene(), date="20110218"), film(scene(), date="20180218")
    assert film_captions(early, late) == ("Baseline", "Year 7")
    assert film_captions(late, early) == ("Before", "After")  # out of order: plain titles
    assert film_captions(film(scene()), late) == ("Before", "After")
    assert [interval_caption(d) for d in (10, 182, 400)] == ["Day 10", "Month 6", "Year 1"]


def test_marks_follow_the_switches_and_the_alignment():
    doc = document()
    arrow = Region.create("after", "arrow", [(100, 100), (150, 120)])
    outline = Region.create("before", "rectangle", rectangle_points(70, 50, 90, 70))
    label = Region.create("after", "text", [(60, 40)], label="Remodeling")
    for region in (arrow, outline, label):
        doc.annotations.add(region)
    spec = FigureSpec(width_mm=85, dpi=150, outlines=False)
    source = figure_source(doc, spec)
    layout = figure_layout(spec, (0, 0, 400, 300))
    images = [render_panel(source, p, spec) for p in layout.panels]
    a, b = figure_marks(doc, source, spec, layout, images)
    assert a.outlines == a.arrows == a.labels == ()  # outlines off; the rest is on the after film
    # after-film marks are mapped through the alignment into the after panel
    on_after = np.array([[100, 100], [150, 120], [60, 40]], float)
    expected = b.panel.to_panel(on_after @ TRUTH[:2, :2].T + TRUTH[:2, 2])
    ((tail, head),) = b.arrows
    ((anchor, text),) = b.labels
    assert np.allclose([tail, head, anchor], expected) and text == "Remodeling"
    assert (a.letter, a.caption, b.caption) == ("A", "Before", "After")
    with_outlines = figure_marks(doc, source, replace(spec, outlines=True), layout, images)
    assert len(with_outlines[0].outlines) == 1 and with_outlines[1].outlines == ()
    bare = figure_marks(doc, source, spec.without_annotations(), layout, images)
    assert all(m.arrows == m.labels == m.outlines == () for m in bare)


def test_crops_off_the_film_are_refused_or_cut_with_a_warning():
    doc = document()
    with pytest.raises(FigureError, match="outside the before film"):
        render_figure(doc, FigureSpec(width_mm=85, dpi=100, crop=(500, 0, 50, 50)))
    with pytest.raises(FigureError, match="lower the width or the resolution"):
        render_figure(doc, FigureSpec(width_mm=1000, dpi=2400))  # 94 488 px wide
    cut = render_figure(doc, FigureSpec(width_mm=85, dpi=100, crop=(-50, 0, 250, 300)))
    assert cut.layout.panels[0].crop[:3] == pytest.approx((0, 0, 200), abs=0.5)
    assert any("cut to the before film" in w for w in cut.warnings)


def test_enlarging_beyond_the_film_is_warned_and_recorded(tmp_path: Path):
    doc = document()
    spec = FigureSpec(width_mm=85, dpi=300, crop=(50, 40, 100, 80), format="png")
    written = write_figure(doc, spec, tmp_path / "zoom.png")
    assert any("beyond its resolution" in w for w in written.warnings)
    panels = written.provenance["panels"]
    assert panels[0]["enlarged"] == pytest.approx(panels[0]["scale"]) and panels[0]["scale"] > 4
    # the after film is 3 % larger: its pixels are enlarged a little less
    assert panels[1]["enlarged"] == pytest.approx(panels[0]["scale"] / 1.03, rel=1e-3)
    preview = render_figure(doc, spec, preview_dpi=72)
    assert preview.layout.dpi == 72 and preview.image.shape[1] == round(85 / 25.4 * 72)
    assert preview.warnings == written.warnings  # a preview warns about the print


def test_sidecar_records_what_was_done(tmp_path: Path):
    doc = document()
    spec = FigureSpec(layout="before-after-difference", width_mm=85, dpi=150, format="png")
    written = write_figure(doc, spec, tmp_path / "fig.png")
    assert written.sidecar == tmp_path / "fig.provenance.json"
    record = json.loads(written.sidecar.read_text())
    assert record == written.provenance
    for key in (
        "software",
        "inputs",
        "alignment",
        "exposure",
        "window",
        "interpolation",
        "panels",
        "legend",
    ):
        assert key in record
    assert record["software"]["name"] == "xraycompare"
    assert np.allclose(record["alignment"]["matrix"], TRUTH)
    assert (
        record["exposure"]["method"] == "linear" and "difference" in record["exposure"]["used_for"]
    )
    # the requested crop, to within half a figure pixel at either side (whole pixels)
    for panel in record["panels"]:
        assert panel["crop"] == pytest.approx([0, 0, 400, 300], abs=0.5 / panel["scale"])
    assert len(record["inputs"]["before"]["sha256"]) == 64
    legend = record["legend"]
    assert "registered" in legend and "linearly matched" in legend
    assert "Scale bar: 10 mm (calibrated pixel spacing, 0.1 mm)" in legend
    assert "one window (centre 2000, width 4000)" in legend
    raw = write_figure(doc, replace(spec, unaligned=True, window="each"), tmp_path / "raw.png")
    assert raw.provenance["alignment"]["applied"] is False
    assert raw.provenance["window"]["mode"] == "each"
    assert "without registration" in raw.provenance["legend"]
    assert "baseline centre 2000, width 4000; follow-up centre 2000" in raw.provenance["legend"]


def test_spec_round_trips_and_refuses_nonsense():
    spec = FigureSpec(layout="grid-insets", insets=((1, 2, 3, 4),), crop=(0, 0, 10, 10))
    assert FigureSpec.from_dict(json.loads(json.dumps(spec.to_dict()))) == spec
    for bad in (
        {"width_mm": 5},
        {"dpi": 30},
        {"crop": (0, 0, -1, 5)},
        {"layout": "grid-insets"},
        {"format": "jpeg"},
        {"dpi": 300.5},
        {"colormap": "jet"},
    ):
        with pytest.raises(ValueError):
            FigureSpec(**bad)
    with pytest.raises(ValueError, match="unknown"):
        FigureSpec.from_dict({"letter": True})
