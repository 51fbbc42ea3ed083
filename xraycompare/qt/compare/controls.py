"""The Comparison dock: the options of each mode and the exposure match.

Widgets only forward choices to the :class:`ComparisonController` (presentation options)
or to the Document (exposure method, difference range, absolute: recorded in the project),
and refresh from their signals; they hold no state of their own.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSlider,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from xraycompare.core.compare.colormaps import COLORMAPS
from xraycompare.core.types import (
    DIFFERENCE_FILTER_LABELS,
    DIFFERENCE_FILTERS,
    EXPOSURE_METHODS,
)
from xraycompare.qt.compare.controller import SIDE_BY_SIDE
from xraycompare.qt.compare.flicker import MAX_RATE, MIN_RATE

if TYPE_CHECKING:
    from xraycompare.qt.compare.controller import ComparisonController

METHOD_TEXT = {
    "none": "None (as exposed)",
    "linear": "Linear fit inside the hand (robust)",
    "histogram": "Histogram matching (non-linear)",
}
RANGE_STEPS = 200  # the range slider: the suggested range ×/÷ 16, in 200 log steps


def _slider(low: int, high: int) -> QSlider:
    slider = QSlider(Qt.Orientation.Horizontal)
    slider.setRange(low, high)
    return slider


class ComparisonControls(QWidget):
    """Options of the comparison modes, for a dock."""

    def __init__(self, comparison: ComparisonController) -> None:
        super().__init__()
        self.comparison = c = comparison
        self.document = comparison.document
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)

        exposure = QGroupBox("Exposure matching")
        form = QFormLayout(exposure)
        self.method = QComboBox()
        for method in EXPOSURE_METHODS:
            self.method.addItem(METHOD_TEXT[method], method)
        self.method.setToolTip(
            "Films years apart never share exposure: match the after film to the before film "
            "inside the hand before comparing. Histogram matching is non-linear: disclose it."
        )
        self.method.activated.connect(
            lambda i: c.set_difference(exposure_method=self.method.itemData(i))
        )
        form.addRow("Method", self.method)
        self.match_label = QLabel()
        self.match_label.setWordWrap(True)
        form.addRow(self.match_label)
        layout.addWidget(exposure)

        self.pages = QStackedWidget()
        self.pages.addWidget(QLabel("Pick a comparison mode (Ctrl+2 … Ctrl+7) to see the change."))
        self.pages.addWidget(self._difference_page())
        self.pages.addWidget(QLabel("Before in green, after in magenta, grey where they agree."))
        self.pages.addWidget(self._blend_page())
        self.pages.addWidget(self._checkerboard_page())
        self.pages.addWidget(self._swipe_page())
        self.pages.addWidget(self._flicker_page())
        for i in range(self.pages.count()):
            page = self.pages.widget(i)
            if isinstance(page, QLabel):
                page.setWordWrap(True)
                page.setAlignment(Qt.AlignmentFlag.AlignTop)
        self.mode_box = QGroupBox("Mode")
        box_layout = QVBoxLayout(self.mode_box)
        box_layout.addWidget(self.pages)
        layout.addWidget(self.mode_box)

        loupe = QGroupBox("Magnifier")
        row = QHBoxLayout(loupe)
        self.magnifier = QCheckBox("Show at the cursor")
        self.magnifier.toggled.connect(lambda on: c.set_options(magnifier=on))
        self.magnifier_factor = QComboBox()
        for factor in (2, 4, 8, 16):
            self.magnifier_factor.addItem(f"×{factor}", float(factor))
        self.magnifier_factor.activated.connect(
            lambda i: c.set_options(magnifier_factor=self.magnifier_factor.itemData(i))
        )
        row.addWidget(self.magnifier)
        row.addWidget(self.magnifier_factor)
        layout.addWidget(loupe)
        layout.addStretch(1)

        c.options_changed.connect(self.refresh)
        c.match_changed.connect(self.refresh)
        c.changed.connect(self.refresh)
        c.flicker.playing_changed.connect(lambda _on: self.refresh())
        self.document.difference_changed.connect(self.refresh)
        self.refresh()

    # -- pages ---------------------------------------------------------------------------
    def _difference_page(self) -> QWidget:
        c = self.comparison
        page = QWidget()
        form = QFormLayout(page)
        self.range_auto = QCheckBox("Automatic (99th percentile inside the hand)")
        self.range_auto.toggled.connect(self._on_range_auto)
        self.range_slider = _slider(0, RANGE_STEPS)
        self.range_slider.valueChanged.connect(self._on_range_slider)
        self.range_spin = QDoubleSpinBox()
        self.range_spin.setRange(1e-3, 1e9)
        self.range_spin.setDecimals(3)
        self.range_spin.setPrefix("± ")
        self.range_spin.setKeyboardTracking(False)
        self.range_spin.valueChanged.connect(lambda v: c.set_difference(difference_range=v))
        self.absolute = QCheckBox("Absolute difference |after − before|")
        self.absolute.toggled.connect(lambda on: c.set_difference(absolute=on))
        self.colormap = QComboBox()
        for name in ("difference", "difference-light"):
            self.colormap.addItem(COLORMAPS[name].label, name)
        self.colormap.activated.connect(lambda i: c.set_options(colormap=self.colormap.itemData(i)))
        self.filter = QComboBox()
        for method in DIFFERENCE_FILTERS:
            self.filter.addItem(DIFFERENCE_FILTER_LABELS[method], method)
        self.filter.setToolTip(
            "Bone edges a fraction of a pixel apart, or sharpened differently by each "
            "machine, show as blue/orange seams. Edge-tolerant: unchanged where the other "
            "film has the value within the radius; Smooth: both films blurred. Recorded in "
            "the project and disclosed in a figure's methods text. Both also hide change "
            "smaller than the films' grain (a faint, diffuse loss of density): check such "
            "findings on the raw difference."
        )
        self.filter.activated.connect(
            lambda i: c.set_difference(difference_filter=self.filter.itemData(i))
        )
        self.radius = QDoubleSpinBox()
        self.radius.setRange(0.5, 5.0)
        self.radius.setSingleStep(0.5)
        self.radius.setDecimals(1)
        self.radius.setSuffix(" film px")
        self.radius.setKeyboardTracking(False)
        self.radius.setToolTip("How far an edge may be off and still count as unchanged")
        self.radius.valueChanged.connect(lambda v: c.set_difference(filter_radius=v))
        self.dim = QCheckBox("Dim outside the hand")
        self.dim.setToolTip(
            "Outside the hand the difference is exposure drift in air: show the before film "
            "dimmed there, so the eye goes to the bones"
        )
        self.dim.toggled.connect(lambda on: c.set_difference(outside_hand="dim" if on else "show"))
        self.colour_bar = QCheckBox("Show colour bar")
        self.colour_bar.toggled.connect(lambda on: c.set_options(colour_bar=on))
        self.captions = QCheckBox("Show captions")
        self.captions.setToolTip("The alignment and its quality, bottom left")
        self.captions.toggled.connect(lambda on: c.set_options(captions=on))
        shown = QHBoxLayout()
        shown.addWidget(self.colour_bar)
        shown.addWidget(self.captions)
        form.addRow(self.range_auto)
        form.addRow("Range", self.range_spin)
        form.addRow(self.range_slider)
        form.addRow(self.absolute)
        form.addRow("Colours", self.colormap)
        form.addRow("Edges", self.filter)
        form.addRow("Radius ±", self.radius)
        form.addRow(self.dim)
        form.addRow(shown)  # no label: a long one would widen the whole form
        return page

    def _blend_page(self) -> QWidget:
        page = QWidget()
        form = QFormLayout(page)
        self.blend = _slider(0, 100)
        self.blend.valueChanged.connect(
            lambda v: self.comparison.set_options(blend_weight=v / 100.0)
        )
        self.blend_label = QLabel()
        form.addRow("Before ↔ After", self.blend)
        form.addRow(self.blend_label)
        return page

    def _checkerboard_page(self) -> QWidget:
        c = self.comparison
        page = QWidget()
        form = QFormLayout(page)
        self.tile = QDoubleSpinBox()
        self.tile.setRange(4, 2048)
        self.tile.setDecimals(0)
        self.tile.setSuffix(" px")
        self.tile.setToolTip("Tile side in before-film pixels: tiles stay on the anatomy")
        self.tile.valueChanged.connect(lambda v: c.set_options(tile_size=float(v)))
        self.reveal = QCheckBox("Reveal square at the cursor")
        self.reveal.toggled.connect(lambda on: c.set_options(reveal=on))
        self.reveal_size = QDoubleSpinBox()
        self.reveal_size.setRange(20, 800)
        self.reveal_size.setDecimals(0)
        self.reveal_size.setSuffix(" px")
        self.reveal_size.valueChanged.connect(lambda v: c.set_options(reveal_size=float(v)))
        form.addRow("Tile size", self.tile)
        form.addRow(self.reveal)
        form.addRow("Square", self.reveal_size)
        return page

    def _swipe_page(self) -> QWidget:
        c = self.comparison
        page = QWidget()
        form = QFormLayout(page)
        self.orientation = QComboBox()
        self.orientation.addItem("Vertical divider (before left)", "vertical")
        self.orientation.addItem("Horizontal divider (before above)", "horizontal")
        self.orientation.activated.connect(
            lambda i: c.set_options(swipe_orientation=self.orientation.itemData(i))
        )
        centre = QPushButton("Centre the divider")
        centre.clicked.connect(lambda: c.set_options(swipe_fraction=0.5))
        form.addRow("Divider", self.orientation)
        form.addRow(centre)
        form.addRow(QLabel("Drag the divider, or Shift+click to move it there."))
        return page

    def _flicker_page(self) -> QWidget:
        f = self.comparison.flicker
        page = QWidget()
        form = QFormLayout(page)
        self.rate = QDoubleSpinBox()
        self.rate.setRange(MIN_RATE, MAX_RATE)
        self.rate.setSingleStep(0.5)
        self.rate.setSuffix(" changes/s")
        self.rate.valueChanged.connect(f.set_rate)
        self.play = QPushButton()
        self.play.setCheckable(True)
        self.play.toggled.connect(f.set_playing)
        self.phase_label = QLabel()
        form.addRow("Rate", self.rate)
        form.addRow(self.play)
        form.addRow(self.phase_label)
        form.addRow(QLabel("Hold B to show the before film; release for after."))
        return page

    # -- model -> widgets ------------------------------------------------------------------
    def refresh(self) -> None:
        c, d, o = self.comparison, self.document.difference, self.comparison.options
        modes = (SIDE_BY_SIDE, "difference", "overlay", "blend", "checkerboard", "swipe")
        self.pages.setCurrentIndex(modes.index(c.mode) if c.mode in modes else 6)
        self.mode_box.setTitle(f"Mode: {c.mode}")
        widgets = (
            self.method, self.range_auto, self.range_slider, self.range_spin, self.absolute,
            self.colormap, self.filter, self.radius, self.dim, self.colour_bar, self.captions,
            self.blend, self.tile, self.reveal, self.reveal_size,
            self.orientation, self.rate, self.play, self.magnifier, self.magnifier_factor,
        )  # fmt: skip
        for widget in widgets:
            widget.blockSignals(True)
        self.method.setCurrentIndex(max(0, self.method.findData(d.exposure_method)))
        match = c.match
        text = c.match_description
        if match is not None and match.samples:
            text += f"; residual {match.residual:.3g} over {match.samples} pixels"
        self.match_label.setText(text)
        limit = c.difference_range
        self.range_auto.setChecked(d.difference_range is None)
        if limit:
            self.range_spin.setValue(limit)
            self.range_slider.setValue(self._slider_value(limit))
        self.absolute.setChecked(d.absolute)
        self.colormap.setCurrentIndex(max(0, self.colormap.findData(o.colormap)))
        self.filter.setCurrentIndex(max(0, self.filter.findData(d.difference_filter)))
        self.radius.setValue(d.filter_radius)
        self.radius.setEnabled(d.difference_filter != "none")
        self.dim.setChecked(d.outside_hand == "dim")
        self.colour_bar.setChecked(o.colour_bar)
        self.captions.setChecked(o.captions)
        self.blend.setValue(round(100 * o.blend_weight))
        after = round(100 * o.blend_weight)
        self.blend_label.setText(f"{100 - after} % before, {after} % after")
        self.tile.setValue(o.tile_size)
        self.reveal.setChecked(o.reveal)
        self.reveal_size.setValue(o.reveal_size)
        self.orientation.setCurrentIndex(max(0, self.orientation.findData(o.swipe_orientation)))
        f = c.flicker
        self.rate.setValue(f.rate)
        self.play.setChecked(f.playing)
        self.play.setText("Pause" if f.playing else "Play")
        self.phase_label.setText(f"Showing: {f.phase}")
        self.magnifier.setChecked(o.magnifier)
        self.magnifier_factor.setCurrentIndex(
            max(0, self.magnifier_factor.findData(o.magnifier_factor))
        )
        for widget in widgets:
            widget.blockSignals(False)

    # -- the difference range ----------------------------------------------------------------
    def _suggested(self) -> float | None:
        return self.comparison.suggested_range

    def _slider_value(self, limit: float) -> int:
        suggested = self._suggested()
        if not suggested:
            return RANGE_STEPS // 2
        steps = RANGE_STEPS / 2 * (1 + math.log2(limit / suggested) / 4)
        return int(round(min(RANGE_STEPS, max(0, steps))))

    def _on_range_slider(self, value: int) -> None:
        suggested = self._suggested()
        if suggested:
            limit = suggested * 2 ** (4 * (2 * value / RANGE_STEPS - 1))
            self.comparison.set_difference(difference_range=float(f"{limit:.4g}"))

    def _on_range_auto(self, automatic: bool) -> None:
        limit = None if automatic else self.comparison.difference_range
        self.comparison.set_difference(difference_range=limit)
