"""The joints of both films, found in the background once a pair is shown and aligned.

Finding a hand's joints takes up to a second of CPU: it runs in a worker process (no stall
of the window) after the alignment, so the two do not compete for the cores while the reader
waits for the first picture. Whatever needs joints (a local alignment's name, the gallery)
asks :meth:`JointFinder.joints` and gets None until they are known.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal

from xraycompare.core.document import Document
from xraycompare.core.io.image import XrayImage
from xraycompare.core.joints import find_joints
from xraycompare.core.joints.model import JointMap
from xraycompare.core.types import FILMS, Film
from xraycompare.qt.workers import JobRunner, in_process, result_of


def find_both(before: XrayImage, after: XrayImage) -> tuple[JointMap, JointMap]:
    """Both films' joints, each in a worker process (the worker half)."""
    jobs = [in_process(find_joints, image) for image in (before, after)]
    return result_of(jobs[0]), result_of(jobs[1])


class JointFinder(QObject):
    """Joints of the Document's films, kept until the pair changes."""

    found = Signal()  # joints of the current pair are known

    def __init__(self, document: Document, runner: JobRunner) -> None:
        super().__init__(runner)
        self.document = document
        self.runner = runner
        self._maps: dict[Film, JointMap] = {}
        self._for: tuple[int, int] | None = None
        document.pair_changed.connect(self._forget)

    def _key(self) -> tuple[int, int] | None:
        doc = self.document
        return (id(doc.before), id(doc.after)) if doc.has_pair else None

    def _forget(self) -> None:
        if self._key() != self._for:
            self.runner.cancel()
            self._maps, self._for = {}, None

    def find(self) -> None:
        """Start finding the joints of the current pair (once per pair)."""
        key = self._key()
        if key is None or key == self._for:
            return
        self._for = key
        doc = self.document

        def done(result: object) -> None:
            if self._for == key:
                self._maps = dict(zip(FILMS, result, strict=True))  # type: ignore[arg-type]
                self.found.emit()

        self.runner.submit(find_both, doc.before, doc.after, on_done=done, on_error=lambda *_: None)

    def joints(self, film: Film) -> JointMap | None:
        """The joints of ``film`` when they are known."""
        return self._maps.get(film)
