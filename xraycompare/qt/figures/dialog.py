"""File ▸ Export figure…: a form over a FigureSpec with a preview that follows every change.

The preview is the core's own rendering (:func:`~xraycompare.core.figures.render_figure`) at
screen resolution, made in the background and redrawn a moment after the last change, so
what is previewed is what is written, letters and lines at their printed sizes. Export
writes the figure and its provenance sidecar in the background; a failure says why and
writes nothing. The options (not the crop or insets, which belong to one pair) are kept
for the next figure.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from xraycompare.core.atomic import AtomicWriteError
from xraycompare.core.document import Document
from xraycompare.core.figures.render import (
    RenderedFigure,
    WrittenFigure,
    inset_around,
    render_figure,
    write_figure,
)
from xraycompare.core.figures.spec import (
    DPI_PRESETS,
    EXTENSIONS,
    FORMATS,
    LAYOUTS,
    WIDTH_PRESETS_MM,
    Box,
    FigureError,
    FigureSpec,
)
from xraycompare.core.joints.model import JointMap
from xraycompare.core.registration.alignment import GLOBAL, joint_roi
from xraycompare.qt.dialogs import Dialogs
from xraycompare.qt.figures.preview import FigurePreview
from xraycompare.qt.settings import Settings
from xraycompare.qt.workers import JobRunner

LAYOUT_TEXTS = {
    "before-after": "Before | After",
    "before-after-difference": "Before | After | Difference",
    "before-after-overlay": "Before | After | Overlay",
    "before-after-blend": "Before | After | Blend",
    "grid-insets": "Before | After with joint insets (2 × 2)",
}
FORMAT_TEXTS = {"png": "PNG", "tiff": "TIFF (LZW)", "pdf": "PDF (vector labels)",
                "svg": "SVG (vector labels)"}  # fmt: skip
SWITCH_TEXTS = {
    "letters": "Panel letters",
    "captions": "Captions (Baseline, +7 y)",
    "scale_bar": "Scale bar",
    "colour_bar": "Colour bar",
    "arrows": "Arrows",
    "text_labels": "Text labels",
    "outlines": "Region outlines",
}
ACTIVE, UNALIGNED = "(active)", "(unaligned)"
PREVIEW_DELAY_MS = 150
FILTERS = {"png": "PNG (*.png)", "tiff": "TIFF (*.tif *.tiff)", "pdf": "PDF (*.pdf)",
           "svg": "SVG (*.svg)"}  # fmt: skip


class FigureDialog(QDialog):
    """The figure builder; ``current_view()`` is the before pane's visible region."""

    def __init__(
        self,
        document: Document,
        settings: Settings,
        dialogs: Dialogs,
        parent: QWidget | None = None,
        *,
        current_view: Callable[[], Box | None] = lambda: None,
        joints: Callable[[], JointMap | None] = lambda: None,
        written: Callable[[str], None] = lambda _text: None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Export figure")
        self.setObjectName("figure-dialog")
        self.document, self.settings, self.dialogs = document, settings, dialogs
        self.current_view, self.joints, self.written = current_view, joints, written
        self.preview_runner = JobRunner(self)
        self.write_runner = JobRunner(self)
        self.crop: Box | None = None
        self.rendered: RenderedFigure | None = None
        self._timer = QTimer(self, singleShot=True, interval=PREVIEW_DELAY_MS)
        self._timer.timeout.connect(self._render_preview)
        self.preview = FigurePreview()
        self.preview.crop_drawn.connect(self.set_crop)
        options = self._build_options()
        row = QHBoxLayout(self)
        row.addWidget(self.preview, 1)
        row.addWidget(options)
        self._restore(settings.figure_options)
        self.resize(1180, 720)
        self.schedule()

    # -- the form --------------------------------------------------------------------------
    def _build_options(self) -> QWidget:
        panel = QWidget()
        panel.setMaximumWidth(380)
        column = QVBoxLayout(panel)
        column.setContentsMargins(0, 0, 0, 0)
        form = QFormLayout()
        self.layout_box = self._combo([(LAYOUT_TEXTS[k], k) for k in LAYOUTS])
        self.orientation = self._combo([("Side by side", "horizontal"), ("Stacked", "vertical")])
        names = [GLOBAL, *(a.name for a in self.document.local_alignments)]
        active = self.document.active_alignment_name or GLOBAL
        self.alignment = self._combo(
            [
                (f"Active: {active}", ACTIVE),
                *((n, n) for n in names),
                ("Unaligned (as taken)", UNALIGNED),
            ]
        )
        self.window_box = self._combo(
            [("One window (exposure-matched)", "shared"), ("Each film's own", "each")]
        )
        self.width_box = self._combo([(f"{w:g} mm", w) for w in WIDTH_PRESETS_MM])
        self.dpi_box = self._combo([(f"{d} dpi", d) for d in DPI_PRESETS])
        self.format_box = self._combo([(FORMAT_TEXTS[f], f) for f in FORMATS])
        for label, widget in (("Layout", self.layout_box), ("Panels", self.orientation),
                              ("Alignment", self.alignment), ("Window", self.window_box),
                              ("Width", self.width_box), ("Resolution", self.dpi_box),
                              ("Format", self.format_box)):  # fmt: skip
            form.addRow(label, widget)
        column.addLayout(form)

        labels = QGroupBox("On the figure")
        grid = QGridLayout(labels)
        self.switches: dict[str, QCheckBox] = {}
        for i, (name, text) in enumerate(SWITCH_TEXTS.items()):
            box = QCheckBox(text)
            box.setChecked(True)
            box.toggled.connect(self.schedule)
            grid.addWidget(box, i // 2, i % 2)
            self.switches[name] = box
        column.addWidget(labels)

        crop = QGroupBox("Crop (the same on every panel)")
        crop_column = QVBoxLayout(crop)
        self.crop_label = QLabel()
        self.crop_label.setWordWrap(True)
        buttons = QHBoxLayout()
        whole = QPushButton("Whole film")
        whole.clicked.connect(lambda: self.set_crop(None))
        view = QPushButton("Use the current view")
        view.clicked.connect(lambda: self.set_crop(self.current_view()))
        buttons.addWidget(whole)
        buttons.addWidget(view)
        crop_column.addWidget(self.crop_label)
        crop_column.addLayout(buttons)
        column.addWidget(crop)

        insets = QGroupBox("Insets (grid layout): joints to enlarge")
        inset_column = QVBoxLayout(insets)
        self.inset_list = QListWidget()
        self.inset_list.setMaximumHeight(130)
        self.inset_list.itemChanged.connect(lambda _item: self.schedule())
        inset_column.addWidget(self.inset_list)
        column.addWidget(insets)
        self._fill_insets()

        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        column.addWidget(self.summary, 1)
        self.buttons = QDialogButtonBox()
        self.export_button = self.buttons.addButton(
            "Export…", QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.export_button.setDefault(True)
        self.buttons.addButton(QDialogButtonBox.StandardButton.Close)
        self.buttons.accepted.connect(self.export)
        self.buttons.rejected.connect(self.reject)
        column.addWidget(self.buttons)
        return panel

    def _combo(self, items: list[tuple[str, object]]) -> QComboBox:
        box = QComboBox()
        for text, data in items:
            box.addItem(text, data)
        box.currentIndexChanged.connect(lambda _i: self.schedule())
        return box

    def _fill_insets(self) -> None:
        """The joints offered as insets: the reader's scored regions, then found joints."""
        doc = self.document
        self.inset_list.clear()
        named: set[str] = set()
        for region in doc.annotations.regions():
            if region.site is None or region.site in named:
                continue
            named.add(region.site)
            hand = f" {region.laterality}" if region.laterality else ""
            self._add_inset(f"{region.site}{hand}", inset_around(doc, region))
        found = self.joints()
        if found is not None and doc.before is not None:
            for site, (x, y) in found.points().items():
                if site in named or site == "RC":
                    continue
                ring = np.array([[x - 4, y - 4], [x + 4, y - 4], [x + 4, y + 4], [x - 4, y + 4]])
                box = joint_roi(ring, np.eye(3), doc.before)
                self._add_inset(f"{site} (found)", box)

    def _add_inset(self, text: str, box: Box) -> None:
        item = QListWidgetItem(text)
        item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
        item.setCheckState(Qt.CheckState.Unchecked)
        item.setData(Qt.ItemDataRole.UserRole, tuple(float(v) for v in box))
        self.inset_list.addItem(item)

    # -- the spec --------------------------------------------------------------------------
    def spec(self) -> FigureSpec:
        """The figure the form describes (raises ValueError for impossible options)."""
        chosen = self.alignment.currentData()
        insets = tuple(
            self.inset_list.item(i).data(Qt.ItemDataRole.UserRole)
            for i in range(self.inset_list.count())
            if self.inset_list.item(i).checkState() == Qt.CheckState.Checked
        )
        return FigureSpec(
            layout=self.layout_box.currentData(),
            orientation=self.orientation.currentData(),
            width_mm=float(self.width_box.currentData()),
            dpi=int(self.dpi_box.currentData()),
            format=self.format_box.currentData(),
            crop=self.crop,
            insets=insets,
            alignment=None if chosen in (ACTIVE, UNALIGNED) else chosen,
            unaligned=chosen == UNALIGNED,
            window=self.window_box.currentData(),
            **{name: box.isChecked() for name, box in self.switches.items()},
        )

    def _restore(self, saved: dict) -> None:
        """The last figure's options (a bad or old entry is ignored)."""
        per_pair = ("crop", "insets", "alignment", "unaligned")
        try:
            spec = FigureSpec.from_dict({k: v for k, v in saved.items() if k not in per_pair})
        except (TypeError, ValueError):
            return
        chosen = {
            self.layout_box: spec.layout,
            self.orientation: spec.orientation,
            self.window_box: spec.window,
            self.width_box: spec.width_mm,
            self.dpi_box: spec.dpi,
            self.format_box: spec.format,
        }
        for box, value in chosen.items():
            index = box.findData(value)
            if index >= 0:
                box.setCurrentIndex(index)
        for name, box in self.switches.items():
            box.setChecked(bool(getattr(spec, name)))

    def set_crop(self, crop: Box | None) -> None:
        self.crop = None if crop is None else tuple(float(v) for v in crop)  # type: ignore[assignment]
        self.schedule()

    # -- preview ---------------------------------------------------------------------------
    def schedule(self) -> None:
        """Redraw the preview a moment after the last change."""
        if self.crop is None:
            self.crop_label.setText("The whole film; drag on a panel of the preview to crop.")
        else:
            x, y, w, h = self.crop
            self.crop_label.setText(f"{w:.0f} × {h:.0f} before pixels at ({x:.0f}, {y:.0f}).")
        self._timer.start()

    def _render_preview(self) -> None:
        try:
            spec = self.spec()
        except ValueError as exc:
            self.preview.set_figure(None, str(exc))
            return
        dpi = self._preview_dpi(spec)
        self.preview.set_figure(self.rendered, "Rendering…")
        self.preview_runner.submit(
            render_figure, self.document, spec, preview_dpi=dpi,
            on_done=lambda r, s=spec: self._show(r, s), on_error=self._preview_failed,
        )  # fmt: skip

    def _preview_dpi(self, spec: FigureSpec) -> float:
        """About the preview widget's width across the figure's width (never above the print)."""
        inches = spec.width_mm / 25.4
        return float(min(spec.dpi, max(30.0, self.preview.width() / inches)))

    def _show(self, rendered: RenderedFigure, spec: FigureSpec) -> None:
        self.rendered = rendered
        layout = rendered.layout
        height_mm = layout.height_mm
        width_px = round(spec.width_mm / 25.4 * spec.dpi)
        height_px = round(height_mm / 25.4 * spec.dpi)
        lines = [f"{spec.width_mm:g} × {height_mm:.0f} mm; {width_px} × {height_px} px at "
                 f"{spec.dpi} dpi, {FORMAT_TEXTS[spec.format]}."]  # fmt: skip
        lines += [f"⚠ {w}" for w in rendered.warnings]
        self.summary.setText("\n".join(lines))
        self.preview.set_figure(rendered, "")

    def _preview_failed(self, exc: BaseException, _details: str) -> None:
        text = str(exc) if isinstance(exc, FigureError | ValueError) else f"Cannot render: {exc}"
        self.preview.set_figure(None, text)

    # -- export ----------------------------------------------------------------------------
    def export(self) -> None:
        """Ask where, then write the figure and its sidecar in the background."""
        try:
            spec = self.spec()
        except ValueError as exc:
            self.dialogs.error("Export figure", str(exc))
            return
        extension = ".tif" if spec.format == "tiff" else f".{spec.format}"
        start = str(Path(self.settings.last_directory or ".") / f"figure{extension}")
        path = self.dialogs.ask_save_path("Export figure", start, FILTERS[spec.format])
        if not path:
            return
        if EXTENSIONS.get(Path(path).suffix.lower()) != spec.format:
            path = str(Path(path).with_suffix(extension))  # the format chosen decides
        self.settings.last_directory = str(Path(path).parent)
        self.export_to(path, spec)

    def export_to(self, path: str | Path, spec: FigureSpec | None = None) -> None:
        """Write to ``path`` without asking (the dialog's export, tests, scripts)."""
        spec = spec or self.spec()
        self.settings.figure_options = spec.to_dict()
        self.export_button.setEnabled(False)
        self.summary.setText(f"Writing {Path(path).name}…")
        self.write_runner.submit(
            write_figure, self.document, spec, Path(path),
            on_done=self._exported, on_error=self._export_failed,
        )  # fmt: skip

    def _exported(self, written: WrittenFigure) -> None:
        self.export_button.setEnabled(True)
        text = f"Figure written: {written.path.name}, with {written.sidecar.name}."
        warned = "".join(f"\n⚠ {w}" for w in written.warnings)
        self.summary.setText(text + warned)
        self.written(text)

    def _export_failed(self, exc: BaseException, details: str) -> None:
        self.export_button.setEnabled(True)
        if isinstance(exc, AtomicWriteError):
            reason = f"{exc.path.name}: {exc.reason}"
        elif isinstance(exc, FigureError | ValueError | OSError):
            reason = str(exc)
        else:
            reason = f"an unexpected error ({type(exc).__name__}: {exc})"
        self.summary.setText(f"Not written: {reason}")
        self.dialogs.error("Cannot export the figure", f"Nothing was written: {reason}", details)

    def done(self, result: int) -> None:
        self.preview_runner.cancel()  # a figure being written is finished, not cut short
        super().done(result)
