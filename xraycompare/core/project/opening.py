"""Opening a pair for a headless command: a project file, or two films aligned automatically.

Commands that work on a pair (``figure``, ``animate``, ``batch``, ...) accept either
``PROJECT`` or ``BEFORE AFTER``. :func:`open_pair` turns either into a
:class:`~xraycompare.core.document.Document`, the same model the app uses: the films, the
active alignment, the display and difference settings, the regions and scores. Nothing is
asked: a missing or unreadable film raises :class:`PairInputError` naming the file.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from xraycompare.core.document import Document
from xraycompare.core.io.image import ImageLoadError, printable_name
from xraycompare.core.io.loading import load_image
from xraycompare.core.io.pair_order import in_time_order
from xraycompare.core.progress import ProgressFn, StopFn
from xraycompare.core.project.file import ProjectFileError, apply_project, read_project
from xraycompare.core.project.images import resolve_images
from xraycompare.core.registration import Registration, RegistrationError, register
from xraycompare.core.registration.alignment import alignment_from
from xraycompare.core.types import FILMS, Model


class PairInputError(Exception):
    """An input of a pair command cannot be used; the message names the file and the reason."""

    def __init__(self, path: str | Path, reason: str) -> None:
        self.path, self.reason = Path(path), reason
        super().__init__(f"{printable_name(str(self.path))}: {reason}")


@dataclass(frozen=True, eq=False)
class OpenedPair:
    """A pair ready for a command.

    ``registration`` is the automatic alignment made here (None for a project, whose
    alignments come from the file, or when aligning was not asked for); ``swapped`` says the
    two files were put in time order by their study dates; ``notes`` are things to tell
    the user (a film found elsewhere, a swap).
    """

    document: Document
    registration: Registration | None = None
    swapped: bool = False
    notes: tuple[str, ...] = ()


def open_pair(
    inputs: Sequence[str | Path],
    *,
    align: bool = True,
    model: Model = "similarity",
    progress: ProgressFn | None = None,
    should_stop: StopFn | None = None,
) -> OpenedPair:
    """Open ``[PROJECT]`` or ``[BEFORE, AFTER]`` as a Document.

    Parameters
    ----------
    inputs
        One project file, or two films (put in time order by their DICOM study dates when
        both have one).
    align
        Align two films automatically (a project keeps its own alignments).
    model
        The transform model of that alignment.
    progress, should_stop
        Passed to the registration.

    Returns
    -------
    OpenedPair

    Raises
    ------
    PairInputError
        A file cannot be read, a project's film is missing, or the films cannot be aligned.
    """
    if len(inputs) == 1:
        return _open_project(Path(inputs[0]))
    if len(inputs) != 2:
        raise PairInputError(Path("."), "give a project file, or the before and the after film")
    films = []
    for path in inputs:
        try:
            films.append(load_image(path))
        except ImageLoadError as exc:
            raise PairInputError(path, exc.reason) from exc
    before, after, swapped = in_time_order(films[0], films[1])
    document = Document()
    document.set_pair(before, after)
    notes = ("the films were put in time order by their study dates",) if swapped else ()
    registration = None
    if align:
        try:
            registration = register(
                before, after, model=model, progress=progress, should_stop=should_stop
            )
        except RegistrationError as exc:
            # the film at fault when one is (too small, blank), else the one being aligned
            at_fault = {"before": before, "after": after}.get(exc.film or "after", after)
            path = inputs[0] if at_fault is films[0] else inputs[1]
            raise PairInputError(Path(path), f"cannot be aligned: {exc}") from exc
        document.set_global_alignment(alignment_from(registration))
    return OpenedPair(document, registration, swapped, notes)


def _open_project(path: Path) -> OpenedPair:
    try:
        data = read_project(path)
    except ProjectFileError as exc:
        raise PairInputError(path, exc.reason) from exc
    found = resolve_images(data)
    notes = []
    for film in FILMS:
        res = found[film]
        if res.status in ("missing", "unreadable", "none"):
            raise PairInputError(path, res.message or f"the project has no {film} film")
        if res.message:
            notes.append(res.message)
    document = Document()
    apply_project(document, data, found["before"].image, found["after"].image)
    return OpenedPair(document, None, False, tuple(notes))
