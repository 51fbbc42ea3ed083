"""File ▸ Export animation…: the flicker, swipe or blend as a GIF or MP4 for slides.

The animation is drawn from the comparison the app shows (same alignment, exposure match
and window), over the area both films cover or the current view, with optional Before/After
corner labels and nothing that identifies the patient. It is written in the background with
a progress bar and can be cancelled; a cancelled or failed export leaves no file behind.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QLabel,
    QProgressBar,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from xraycompare.core.animation.export import export_animation
from xraycompare.core.animation.plan import (
    ANIMATION_MODES,
    DEFAULT_FPS,
    DEFAULT_PERIOD,
    DEFAULT_WIDTH,
    AnimationPlan,
    AnimationSettings,
    AnimationSettingsError,
    Crop,
)
from xraycompare.core.atomic import AtomicWriteError
from xraycompare.core.compare.comparison import ComparisonPair
from xraycompare.core.progress import Cancelled
from xraycompare.qt.dialogs import Dialogs
from xraycompare.qt.settings import Settings
from xraycompare.qt.workers import JobRunner

MODE_TEXTS = {"flicker": "Flicker (before ↔ after)", "swipe": "Swipe (a curtain across)",
              "blend": "Blend (cross-fade)"}  # fmt: skip
FORMAT_TEXTS = {"gif": "GIF (loops everywhere)", "mp4": "MP4 video (H.264)"}


class AnimationDialog(QDialog):
    """The options of an animated export, and the export itself."""

    def __init__(
        self,
        pair: ComparisonPair,
        settings: Settings,
        dialogs: Dialogs,
        parent: QWidget | None = None,
        *,
        mode: str = "flicker",
        current_view: Callable[[], Crop | None] = lambda: None,
        written: Callable[[str], None] = lambda _text: None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Export animation")
        self.setObjectName("animation-dialog")
        self.pair, self.settings, self.dialogs = pair, settings, dialogs
        self.current_view, self.written = current_view, written
        self.runner = JobRunner(self)
        form = QFormLayout()
        self.mode = QComboBox()
        for name in ANIMATION_MODES:
            self.mode.addItem(MODE_TEXTS[name], name)
        self.mode.setCurrentIndex(max(0, self.mode.findData(mode)))
        self.format = QComboBox()
        for name, text in FORMAT_TEXTS.items():
            self.format.addItem(text, name)
        self.area = QComboBox()
        self.area.addItem("The area both films cover", "common")
        self.area.addItem("The current view", "view")
        self.width_box = QSpinBox()
        self.width_box.setRange(16, 4096)
        self.width_box.setValue(DEFAULT_WIDTH)
        self.width_box.setSuffix(" px wide")
        self.fps = QDoubleSpinBox()
        self.fps.setRange(1.0, 50.0)
        self.fps.setSuffix(" frames/s")
        self.period = QDoubleSpinBox()
        self.period.setRange(0.2, 60.0)
        self.period.setSingleStep(0.5)
        self.period.setSuffix(" s per cycle")
        self.labels = QCheckBox("“Before” / “After” in a corner")
        for label, widget in (("Shows", self.mode), ("Format", self.format), ("Area", self.area),
                              ("Size", self.width_box), ("Rate", self.fps),
                              ("Speed", self.period), ("", self.labels)):  # fmt: skip
            form.addRow(label, widget)
        self.mode.currentIndexChanged.connect(self._defaults)
        self.format.currentIndexChanged.connect(self._defaults)
        self._defaults()
        self.progress = QProgressBar()
        self.progress.setRange(0, 1000)
        self.progress.setVisible(False)
        self.status = QLabel("No patient data is written: no names, dates or file names.")
        self.status.setWordWrap(True)
        self.buttons = QDialogButtonBox()
        self.export_button = self.buttons.addButton(
            "Export…", QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.buttons.addButton(QDialogButtonBox.StandardButton.Close)
        self.buttons.accepted.connect(self.export)
        self.buttons.rejected.connect(self.reject)
        self.runner.progressed.connect(lambda f, _m: self.progress.setValue(round(1000 * f)))
        column = QVBoxLayout(self)
        column.addLayout(form)
        column.addWidget(self.progress)
        column.addWidget(self.status)
        column.addWidget(self.buttons)

    def _defaults(self) -> None:
        self.fps.setValue(DEFAULT_FPS[self.format.currentData()])
        self.period.setValue(DEFAULT_PERIOD[self.mode.currentData()])

    def animation_settings(self) -> AnimationSettings:
        """What the form says (raises AnimationSettingsError for impossible values)."""
        crop = self.current_view() if self.area.currentData() == "view" else None
        return AnimationSettings(
            mode=self.mode.currentData(),
            fps=self.fps.value(),
            width=self.width_box.value(),
            crop=None if crop is None else tuple(round(v) for v in crop),  # type: ignore[arg-type]
            labels=self.labels.isChecked(),
            period=self.period.value(),
        )

    def export(self) -> None:
        """Ask where, then write in the background."""
        extension = f".{self.format.currentData()}"
        start = str(Path(self.settings.last_directory or ".") / f"{self.mode.currentData()}"
                    f"{extension}")  # fmt: skip
        filters = "GIF (*.gif)" if extension == ".gif" else "MP4 video (*.mp4)"
        path = self.dialogs.ask_save_path("Export animation", start, filters)
        if not path:
            return
        if Path(path).suffix.lower() != extension:
            path = str(Path(path).with_suffix(extension))
        self.settings.last_directory = str(Path(path).parent)
        self.export_to(path)

    def export_to(self, path: str | Path) -> None:
        """Write to ``path`` without asking (the dialog's export, tests, scripts)."""
        try:
            chosen = self.animation_settings()
        except AnimationSettingsError as exc:
            self.status.setText(f"Not written: {exc}")
            return
        self.export_button.setEnabled(False)
        self.progress.setValue(0)
        self.progress.setVisible(True)
        self.status.setText(f"Writing {Path(path).name}…")
        self.runner.submit(
            export_animation, self.pair, Path(path), settings=chosen,
            on_done=lambda plan, p=Path(path): self._written(p, plan),
            on_error=self._failed,
        )  # fmt: skip

    def _written(self, path: Path, plan: AnimationPlan) -> None:
        self.export_button.setEnabled(True)
        self.progress.setVisible(False)
        w, h = plan.size
        text = (f"Animation written: {path.name}, {w} × {h} px, {plan.frame_count} frames at "
                f"{plan.fps:g} frames/s.")  # fmt: skip
        self.status.setText(text)
        self.written(text)

    def _failed(self, exc: BaseException, details: str) -> None:
        self.export_button.setEnabled(True)
        self.progress.setVisible(False)
        if isinstance(exc, Cancelled):
            self.status.setText("Cancelled: nothing was written.")
            return
        reason = f"{exc.path.name}: {exc.reason}" if isinstance(exc, AtomicWriteError) else str(exc)
        self.status.setText(f"Not written: {reason}")
        self.dialogs.error("Cannot export the animation", f"Nothing was written: {reason}",
                           details)  # fmt: skip

    def reject(self) -> None:
        """Close; an export still running is cancelled (it leaves no file)."""
        if self.runner.busy:
            self.runner.cancel()
        super().reject()
