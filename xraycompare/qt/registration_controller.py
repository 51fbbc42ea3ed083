"""Alignment in the GUI: automatic, local, landmark and nudge edits, off the UI thread.

Registration jobs run on the pool (newest wins, cancellable from the status bar); results
come back here on the GUI thread and enter the Document as one undoable step. Quality
figures are re-measured in the background whenever the active alignment changes by hand.
"""

from __future__ import annotations

import functools
from dataclasses import replace
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer, Signal

from xraycompare.core.geometry import compose, similarity, translation
from xraycompare.core.registration.alignment import (
    GLOBAL,
    Alignment,
    AlignmentState,
    LandmarkPair,
    alignment_from,
    joint_roi,
)
from xraycompare.qt.undo_commands import AlignmentCommand, LandmarksCommand
from xraycompare.qt.workers import JobRunner

if TYPE_CHECKING:
    from xraycompare.qt.main_window import MainWindow

MODELS = ("rigid", "similarity", "affine")


class RegistrationController(QObject):
    """Runs and applies alignments for one main window."""

    ready = Signal()  # an automatic alignment after opening finished, failed or was cancelled
    quality_measured = Signal(object)  # dict of figures for the active alignment, or None
    message = Signal(str)

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.document = window.document
        self.runner = JobRunner(self)
        self.quality_runner = JobRunner(self)
        self.model = window.settings.registration_model
        self._pending: tuple[str, str] | None = None
        self._quality_timer = QTimer(self)
        self._quality_timer.setSingleShot(True)
        self._quality_timer.setInterval(150)
        self._quality_timer.timeout.connect(self._measure_quality)
        self.runner.finished.connect(self._on_registered)
        self.runner.failed.connect(self._on_failed)
        self.runner.progressed.connect(window.readout.show_progress)
        self.runner.busy_changed.connect(lambda busy: window.readout.set_busy(busy, "Aligning…"))
        window.readout.cancel.clicked.connect(self.cancel)
        self.quality_runner.finished.connect(self.quality_measured.emit)
        self.quality_runner.failed.connect(lambda *_: self.quality_measured.emit(None))
        self.document.alignment_changed.connect(self._quality_timer.start)

    @property
    def busy(self) -> bool:
        return self.runner.busy

    # -- jobs ----------------------------------------------------------------------------
    def set_model(self, model: str) -> None:
        if model in MODELS:
            self.model = model
            self.window.settings.registration_model = model

    def align_automatically(self, *, after_open: bool = False) -> None:
        """Global automatic alignment of the pair with the current model."""
        try:
            from xraycompare.core.registration import register
        except ImportError as exc:  # a broken install must not leave --screenshot waiting
            self.message.emit(f"Automatic alignment is unavailable: {exc}")
            if after_open:
                self.ready.emit()
            return
        doc = self.document
        if not doc.has_pair:
            if after_open:
                self.ready.emit()
            return
        self._pending = ("global-open" if after_open else "global", GLOBAL)
        self.runner.submit(functools.partial(register, doc.before, doc.after, model=self.model))

    def refine_from_landmarks(self) -> None:
        """Automatic refinement starting from the landmark fit."""
        from xraycompare.core.registration import register

        fit = self.landmark_fit()
        if fit is None:
            self.message.emit("Place at least two landmark pairs first.")
            return
        doc = self.document
        self._pending = ("refine", GLOBAL)
        self.runner.submit(
            functools.partial(register, doc.before, doc.after, model=self.model, initial=fit.matrix)
        )

    def align_region(self, roi: tuple[float, float, float, float], name: str) -> None:
        """Local alignment of a before-frame rectangle, from the global alignment."""
        from xraycompare.core.registration import register

        doc = self.document
        if not doc.has_pair:
            return
        start = doc.global_alignment.matrix if doc.global_alignment else doc.alignment_matrix
        model = "rigid" if self.model == "rigid" else "similarity"
        self._pending = ("local", name)
        self.runner.submit(
            functools.partial(register, doc.before, doc.after, model=model, roi=roi, initial=start)
        )

    def align_around_selection(self) -> None:
        """Local alignment of the joint around the selected region, named after its site."""
        editor = getattr(self.window, "regions", None)
        region = editor.selection.current if editor is not None else None
        doc = self.document
        if region is None or not doc.has_pair:
            self.message.emit("Select a region at the joint to align first.")
            return
        roi = joint_roi(region.outline(samples=32), doc.film_to_before(region.film), doc.before)
        existing = {a.name for a in doc.local_alignments}
        name = " ".join(p for p in (region.site, region.laterality) if p) or next(
            f"Region {i}" for i in range(1, 1000) if f"Region {i}" not in existing
        )
        self.align_region(roi, name)

    def cancel(self) -> None:
        if self.runner.busy:
            was_open = self._pending is not None and self._pending[0] == "global-open"
            self.runner.cancel()
            self._pending = None
            self.message.emit("Alignment cancelled.")
            if was_open:
                self.ready.emit()

    def _on_registered(self, registration) -> None:
        kind, name = self._pending or ("global", GLOBAL)
        self._pending = None
        doc = self.document
        state = doc.alignment_state()
        if kind == "local":
            alignment = alignment_from(registration, name, "local")
            others = tuple(a for a in state.local_alignments if a.name != name)
            new = AlignmentState(state.global_alignment, (*others, alignment), name)
            text = f"Align {name} locally"
        else:
            method = "landmarks+automatic" if kind == "refine" else "automatic"
            alignment = alignment_from(registration, GLOBAL, method)
            new = AlignmentState(alignment, state.local_alignments, state.active)
            text = "Refine alignment" if kind == "refine" else "Align automatically"
        stack = self.window.undo_stack
        was_clean = stack.isClean()
        stack.push(AlignmentCommand(doc, text, new))
        if kind == "global-open" and was_clean:
            # Reproducible from the files alone: undoable, but not unsaved work to warn about.
            stack.setClean()
        if registration.warning:
            self.message.emit(registration.warning)
        if kind == "global-open":
            self.ready.emit()

    def _on_failed(self, exc: object, details: str) -> None:
        kind = self._pending[0] if self._pending else ""
        self._pending = None
        name = type(exc).__name__
        if name == "RegistrationCancelled":
            self.message.emit("Alignment cancelled.")
        else:
            from xraycompare.qt.dialogs import show_error

            show_error(
                self.window, "Alignment failed", f"The films could not be aligned: {exc}", details
            )
        if kind == "global-open":
            self.ready.emit()

    # -- manual edits --------------------------------------------------------------------
    def _replace_active(self, matrix, text: str, method: str = "manual") -> None:
        doc = self.document
        state = doc.alignment_state()
        active = doc.active_alignment
        if active is None:
            active = Alignment(GLOBAL, doc.alignment_matrix, model="affine", method=method)
        updated = replace(active, matrix=matrix, method=method, quality={}, warning=None)
        if updated.name == GLOBAL:
            new = AlignmentState(updated, state.local_alignments, state.active)
        else:
            locals_ = tuple(
                updated if a.name == updated.name else a for a in state.local_alignments
            )
            new = AlignmentState(state.global_alignment, locals_, state.active)
        self.window.undo_stack.push(AlignmentCommand(doc, text, new))

    def nudge(self, dx: float, dy: float) -> None:
        """Shift the after film by (dx, dy) screen pixels in the before frame."""
        doc = self.document
        if not doc.has_pair:
            return
        zoom = self.window.controller.resolved(self.window.view_size()).zoom
        shift = translation(dx / (zoom or 1.0), dy / (zoom or 1.0))
        self._replace_active(compose(shift, doc.alignment_matrix), "Nudge after film")

    def rotate(self, degrees: float) -> None:
        """Turn the after film about the centre of the view."""
        doc = self.document
        if not doc.has_pair:
            return
        view = self.window.controller.resolved(self.window.view_size())
        turn = similarity(angle_deg=degrees, center=view.center or (0.0, 0.0))
        self._replace_active(compose(turn, doc.alignment_matrix), "Rotate after film")

    def reset_alignment(self) -> None:
        """Forget every alignment (back to the unregistered placement)."""
        doc = self.document
        self.window.undo_stack.push(
            AlignmentCommand(doc, "Reset alignment", AlignmentState(None, (), GLOBAL))
        )

    def set_active(self, name: str) -> None:
        doc = self.document
        if name == doc.active_alignment_name:
            return
        state = doc.alignment_state()
        self.window.undo_stack.push(
            AlignmentCommand(
                doc,
                f"Use alignment {name}",
                AlignmentState(state.global_alignment, state.local_alignments, name),
            )
        )

    def delete_local(self, name: str) -> None:
        doc = self.document
        state = doc.alignment_state()
        locals_ = tuple(a for a in state.local_alignments if a.name != name)
        active = GLOBAL if state.active == name else state.active
        self.window.undo_stack.push(
            AlignmentCommand(
                doc,
                f"Delete local alignment {name}",
                AlignmentState(state.global_alignment, locals_, active),
            )
        )

    # -- landmarks -----------------------------------------------------------------------
    def landmark_fit(self):
        """Least-squares fit of the landmark pairs (None with fewer than two)."""
        pairs = self.document.landmarks
        if len(pairs) < 2:
            return None
        from xraycompare.core.registration import fit_landmarks

        try:
            return fit_landmarks([p.before for p in pairs], [p.after for p in pairs])
        except (ValueError, ArithmeticError):
            return None

    def apply_landmarks(self) -> None:
        fit = self.landmark_fit()
        if fit is None:
            self.message.emit("Place at least two landmark pairs first.")
            return
        self._replace_active(fit.matrix, "Align from landmarks", method="landmarks")

    def set_landmarks(self, landmarks: tuple[LandmarkPair, ...], text: str) -> None:
        self.window.undo_stack.push(LandmarksCommand(self.document, text, landmarks))

    # -- quality -------------------------------------------------------------------------
    def _measure_quality(self) -> None:
        from xraycompare.core.registration import evaluate_quality

        doc = self.document
        if not doc.has_pair:
            self.quality_measured.emit(None)
            return
        active = doc.active_alignment
        if active is not None and active.quality:
            self.quality_runner.cancel()  # a measurement of an older alignment must not win
            self.quality_measured.emit(dict(active.quality))
            return

        def measure(before, after, matrix) -> dict:
            return evaluate_quality(before, after, matrix).as_dict()

        self.quality_runner.submit(measure, doc.before, doc.after, doc.alignment_matrix)
