"""The joint gallery's state: built in the background, rebuilt when what it shows changes.

The gallery is built only while it is on screen (it costs a second or two of CPU): from the
pair's global alignment, the joints the finder found on both films and the reader's
corrections. A corrected joint is one undo step (:class:`JointCommand`) saved in the
project; the gallery follows it.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QUndoCommand, QUndoStack

from xraycompare.core.compare.settings import DifferenceSettings
from xraycompare.core.document import Document
from xraycompare.core.figures.panels import FigureSource
from xraycompare.core.gallery import Gallery, build_gallery
from xraycompare.core.joints.corrections import JointCorrections
from xraycompare.core.types import Film
from xraycompare.qt.joints.finder import JointFinder
from xraycompare.qt.workers import JobRunner

GALLERY_MODES = ("side-by-side", "overlay", "difference")


class JointCommand(QUndoCommand):
    """Move one joint on one film (undo puts the earlier corrections back)."""

    def __init__(self, document: Document, corrections: JointCorrections, text: str) -> None:
        super().__init__(text)
        self.document = document
        self.new = corrections
        self.old = document.joint_corrections

    def redo(self) -> None:
        self.document.set_joint_corrections(self.new)

    def undo(self) -> None:
        self.document.set_joint_corrections(self.old)


def _built(document: Document, before, after, alignment, joints, corrections, should_stop=None):
    """The worker half: the gallery (from values taken on the GUI thread, so later edits
    cannot tear it) and what its tiles are drawn from. A newer build stops this one
    (``should_stop``) before the joints it has not started."""
    # the gallery's rendering loads matplotlib (~40 MB): not at start, only when one is made
    from xraycompare.core.gallery.render import gallery_source

    gallery = build_gallery(
        before,
        after,
        alignment=alignment,
        before_joints=joints[0],
        after_joints=joints[1],
        corrections=corrections,
        should_stop=should_stop,
    )
    return gallery, gallery_source(document)


class GalleryController(QObject):
    """Builds the gallery of the Document's pair while it is shown."""

    changed = Signal()  # a new gallery (or none), or another mode
    message = Signal(str)

    def __init__(
        self,
        document: Document,
        undo_stack: QUndoStack,
        finder: JointFinder,
        runner: JobRunner,
    ) -> None:
        super().__init__(runner)
        self.document = document
        self.undo_stack = undo_stack
        self.finder = finder
        self.runner = runner
        self.runner_for_files = JobRunner(self)  # exports, apart from the rebuilds
        self.gallery: Gallery | None = None
        self.source: FigureSource | None = None
        self.mode = "side-by-side"
        self.shown = False
        self.problem: str | None = None
        self._stale = True
        document.pair_changed.connect(self._on_pair_changed)
        document.alignment_changed.connect(self.invalidate)
        document.joints_changed.connect(self.invalidate)
        document.display_changed.connect(lambda _film: self.invalidate())
        document.difference_changed.connect(self._on_difference_changed)
        finder.found.connect(self.invalidate)
        self._difference: DifferenceSettings = document.difference

    # -- showing ---------------------------------------------------------------------------
    def show(self, shown: bool = True) -> None:
        """The gallery is on screen (build it if needed) or not (stop building)."""
        self.shown = shown
        if shown and self._stale:
            self._build()

    def set_mode(self, mode: str) -> None:
        if mode not in GALLERY_MODES:
            raise ValueError(f"the gallery shows {', '.join(GALLERY_MODES)}, not {mode!r}")
        if mode != self.mode:
            self.mode = mode
            self.changed.emit()

    def invalidate(self) -> None:
        """Something the gallery shows changed: rebuild now if shown, else when shown."""
        self._stale = True
        if self.shown:
            self._build()

    def _on_pair_changed(self) -> None:
        self.runner.cancel()
        self.gallery, self.source, self.problem = None, None, None
        self.changed.emit()
        self.invalidate()

    def _on_difference_changed(self) -> None:
        d = self.document.difference
        if d.refitted() != self._difference.refitted():  # not just a new fit of the match
            self._difference = d
            self.invalidate()

    def _build(self) -> None:
        doc = self.document
        if not doc.has_pair:
            return
        if doc.global_alignment is None:
            self.problem = "Align the pair first: each tile starts from the pair's alignment."
            self.changed.emit()
            return
        if self.finder.joints("before") is None:
            self.problem = "Finding the joints…"
            self.changed.emit()
            self.finder.find()  # the gallery is rebuilt when they are found
            return
        self._stale = False
        self.problem = None
        joints = (self.finder.joints("before"), self.finder.joints("after"))
        self.runner.submit(
            _built, doc, doc.before, doc.after, doc.global_alignment, joints,
            doc.joint_corrections, on_done=self._done, on_error=self._failed,
        )  # fmt: skip

    def _done(self, result: tuple[Gallery, FigureSource]) -> None:
        self.gallery, self.source = result
        self.changed.emit()

    def _failed(self, exc: BaseException, _details: str) -> None:
        self.problem = f"The gallery could not be made: {exc}"
        self.changed.emit()

    # -- corrections -----------------------------------------------------------------------
    def move_joint(self, film: Film, site: str, point: tuple[float, float]) -> None:
        """The reader dragged ``site`` on ``film`` to ``point`` (that film's pixels)."""
        corrections = self.document.joint_corrections.moved(film, site, point)
        title = "Before" if film == "before" else "After"
        self.undo_stack.push(JointCommand(self.document, corrections, f"Move {site} ({title})"))
