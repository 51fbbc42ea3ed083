"""Alignment in the GUI: automatic, local, landmark and nudge edits, off the UI thread.

Registration jobs run in a worker process, waited for on the pool (newest wins, cancellable
from the status bar, progress relayed): its temporary copies of both films (~100 MB for the
demo pair) and its Python work stay out of the app, whose window keeps the CPU and the GIL.
Results come back here on the GUI thread and enter the Document as one undoable step. Quality
figures are re-measured in the background whenever the active alignment changes by hand.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import replace

import numpy as np
from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtGui import QUndoStack

from xraycompare.core.annotations.regions import Region
from xraycompare.core.document import Document
from xraycompare.core.geometry import compose, similarity, translation
from xraycompare.core.progress import Cancelled
from xraycompare.core.registration import (
    LandmarkFit,
    Registration,
    evaluate_quality,
    fit_landmarks,
    register,
)
from xraycompare.core.registration.alignment import (
    GLOBAL,
    Alignment,
    AlignmentState,
    LandmarkPair,
    alignment_from,
    joint_roi,
)
from xraycompare.core.types import MODELS, Model
from xraycompare.core.view_control import ViewController
from xraycompare.qt.alignment.commands import AlignmentCommand, LandmarksCommand
from xraycompare.qt.settings import Settings
from xraycompare.qt.workers import JobRunner, in_process_reporting

QUALITY_DELAY_MS = 150  # re-measure once a burst of nudges has settled


class AlignmentController(QObject):
    """Runs and applies the pair's alignments."""

    ready = Signal()  # an automatic alignment after opening finished, failed or was cancelled
    quality_measured = Signal(object)  # dict of figures for the active alignment, or None
    message = Signal(str)
    failed = Signal(str, str)  # an alignment could not be made: text, details

    def __init__(
        self,
        document: Document,
        undo_stack: QUndoStack,
        settings: Settings,
        view: ViewController,
        view_size: Callable[[], tuple[float, float]],
        *,
        runner: JobRunner,
        quality_runner: JobRunner,
    ) -> None:
        super().__init__(runner)
        self.document = document
        self.undo_stack = undo_stack
        self.settings = settings
        self.view = view
        self.view_size = view_size
        self.runner = runner
        self.quality_runner = quality_runner
        self.model: Model = settings.registration_model
        self._quality_timer = QTimer(self)
        self._quality_timer.setSingleShot(True)
        self._quality_timer.setInterval(QUALITY_DELAY_MS)
        self._quality_timer.timeout.connect(self._measure_quality)
        self._after_open = False
        document.alignment_changed.connect(lambda: self._quality_timer.start())

    @property
    def busy(self) -> bool:
        return self.runner.busy

    # -- jobs ----------------------------------------------------------------------------
    def set_model(self, model: Model) -> None:
        if model in MODELS:
            self.model = model
            self.settings.registration_model = model

    def align_automatically(self, *, after_open: bool = False) -> None:
        """Global automatic alignment of the pair with the current model."""
        doc = self.document
        if not doc.has_pair:
            if after_open:
                self.ready.emit()
            return
        self._after_open = after_open
        job = functools.partial(
            in_process_reporting, register, doc.before, doc.after, model=self.model
        )
        self._submit(job, lambda r: self._apply_global(r, "automatic", "Align automatically"))

    def refine_from_landmarks(self) -> None:
        """Automatic refinement starting from the landmark fit."""
        fit = self.landmark_fit()
        if fit is None:
            self.message.emit("Place at least two landmark pairs first.")
            return
        doc = self.document
        self._after_open = False
        job = functools.partial(
            in_process_reporting,
            register,
            doc.before,
            doc.after,
            model=self.model,
            initial=fit.matrix,
        )
        self._submit(
            job, lambda r: self._apply_global(r, "landmarks+automatic", "Refine alignment")
        )

    def align_region(self, roi: tuple[float, float, float, float], name: str) -> None:
        """Local alignment of a before-frame rectangle, from the global alignment."""
        doc = self.document
        if not doc.has_pair:
            return
        start = doc.global_alignment.matrix if doc.global_alignment else doc.alignment_matrix
        model: Model = "rigid" if self.model == "rigid" else "similarity"
        self._after_open = False
        job = functools.partial(
            in_process_reporting,
            register,
            doc.before,
            doc.after,
            model=model,
            roi=roi,
            initial=start,
        )
        self._submit(job, lambda r: self._apply_local(r, name))

    def align_joint_of(self, region: Region | None) -> None:
        """Local alignment of the joint around ``region``, named after its site."""
        doc = self.document
        if region is None or not doc.has_pair:
            self.message.emit("Select a region at the joint to align first.")
            return
        roi = joint_roi(region.outline(samples=32), doc.film_to_before(region.film), doc.before)
        name = " ".join(p for p in (region.site, region.laterality) if p) or self.free_name()
        self.align_region(roi, name)

    def add_local(self, alignment: Alignment) -> None:
        """Make a local alignment made elsewhere (a gallery tile's) the active one."""
        state = self.document.alignment_state()
        others = tuple(a for a in state.local_alignments if a.name != alignment.name)
        new = AlignmentState(state.global_alignment, (*others, alignment), alignment.name)
        self.undo_stack.push(AlignmentCommand(self.document, f"Align {alignment.name}", new))

    def free_name(self) -> str:
        """A local alignment name not in use yet ("Region 1", "Region 2", ...)."""
        existing = {a.name for a in self.document.local_alignments}
        return next(f"Region {i}" for i in range(1, 10_000) if f"Region {i}" not in existing)

    def cancel(self) -> None:
        if self.runner.busy:
            self.runner.cancel()
            self.message.emit("Alignment cancelled.")
            self._end_open()

    def _submit(self, job, on_done: Callable[[Registration], None]) -> None:
        def done(registration: Registration) -> None:
            on_done(registration)
            if registration.warning:
                self.message.emit(registration.warning)
            self._end_open()

        self.runner.submit(job, on_done=done, on_error=self._on_failed)

    def _apply_global(self, registration: Registration, method: str, text: str) -> None:
        state = self.document.alignment_state()
        alignment = alignment_from(registration, GLOBAL, method)
        new = AlignmentState(alignment, state.local_alignments, state.active)
        was_clean = self.undo_stack.isClean()
        self.undo_stack.push(AlignmentCommand(self.document, text, new))
        if self._after_open and was_clean:
            # Reproducible from the files alone: undoable, but not unsaved work to warn about.
            self.undo_stack.setClean()

    def _apply_local(self, registration: Registration, name: str) -> None:
        state = self.document.alignment_state()
        alignment = alignment_from(registration, name, "local")
        others = tuple(a for a in state.local_alignments if a.name != name)
        new = AlignmentState(state.global_alignment, (*others, alignment), name)
        self.undo_stack.push(AlignmentCommand(self.document, f"Align {name} locally", new))

    def _on_failed(self, exc: BaseException, details: str) -> None:
        if isinstance(exc, Cancelled):
            self.message.emit("Alignment cancelled.")
        else:
            self.failed.emit(f"The films could not be aligned: {exc}", details)
        self._end_open()

    def _end_open(self) -> None:
        if self._after_open:
            self._after_open = False
            self.ready.emit()

    # -- manual edits --------------------------------------------------------------------
    def _replace_active(self, matrix: np.ndarray, text: str, method: str = "manual") -> None:
        doc = self.document
        state = doc.alignment_state()
        active = doc.active_alignment
        if active is None:
            active = Alignment(GLOBAL, doc.alignment_matrix, model="affine", method=method)
        # the reader's own correction: the automatic verdict no longer applies
        updated = replace(
            active, matrix=matrix, method=method, quality={}, warning=None, status="ok",
            reason=None,
        )  # fmt: skip
        if updated.name == GLOBAL:
            new = AlignmentState(updated, state.local_alignments, state.active)
        else:
            locals_ = tuple(
                updated if a.name == updated.name else a for a in state.local_alignments
            )
            new = AlignmentState(state.global_alignment, locals_, state.active)
        self.undo_stack.push(AlignmentCommand(doc, text, new))

    def nudge(self, dx: float, dy: float) -> None:
        """Shift the after film by (dx, dy) screen pixels in the before frame."""
        doc = self.document
        if not doc.has_pair:
            return
        zoom = self.view.resolved(self.view_size()).zoom or 1.0
        shift = translation(dx / zoom, dy / zoom)
        self._replace_active(compose(shift, doc.alignment_matrix), "Nudge after film")

    def rotate(self, degrees: float) -> None:
        """Turn the after film about the centre of the view."""
        doc = self.document
        if not doc.has_pair:
            return
        view = self.view.resolved(self.view_size())
        turn = similarity(angle_deg=degrees, center=view.center or (0.0, 0.0))
        self._replace_active(compose(turn, doc.alignment_matrix), "Rotate after film")

    def reset_alignment(self) -> None:
        """Forget every alignment (back to the unregistered placement)."""
        self.undo_stack.push(
            AlignmentCommand(self.document, "Reset alignment", AlignmentState(None, (), GLOBAL))
        )

    def set_active(self, name: str) -> None:
        doc = self.document
        if name == doc.active_alignment_name:
            return
        state = doc.alignment_state()
        new = AlignmentState(state.global_alignment, state.local_alignments, name)
        self.undo_stack.push(AlignmentCommand(doc, f"Use alignment {name}", new))

    def delete_local(self, name: str) -> None:
        doc = self.document
        state = doc.alignment_state()
        locals_ = tuple(a for a in state.local_alignments if a.name != name)
        active = GLOBAL if state.active == name else state.active
        new = AlignmentState(state.global_alignment, locals_, active)
        self.undo_stack.push(AlignmentCommand(doc, f"Delete local alignment {name}", new))

    # -- landmarks -----------------------------------------------------------------------
    def landmark_fit(self) -> LandmarkFit | None:
        """Least-squares fit of the landmark pairs (None with fewer than two)."""
        pairs = self.document.landmarks
        if len(pairs) < 2:
            return None
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
        self.undo_stack.push(LandmarksCommand(self.document, text, landmarks))

    # -- quality -------------------------------------------------------------------------
    def _measure_quality(self) -> None:
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

        self.quality_runner.submit(
            measure,
            doc.before,
            doc.after,
            doc.alignment_matrix,
            on_done=self.quality_measured.emit,
            on_error=lambda *_: self.quality_measured.emit(None),
        )
