"""The Document: the one source of truth for an open pair.

It holds the two films, the alignments (global, local, landmarks), the display settings of
each film, the shared ViewState and the transient cursor. Widgets observe it through
past-tense events that fire only when a value really changes; undo commands call its
methods. Everything is in the *before* image's pixel frame unless a name says otherwise.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
from psygnal import Signal

from xraycompare.core.annotations.laterality import film_hand
from xraycompare.core.annotations.regions import AnnotationSet
from xraycompare.core.annotations.svdh import ScoreEntries
from xraycompare.core.compare.settings import DifferenceSettings
from xraycompare.core.geometry import IDENTITY, as_matrix, compose, invert, transform_point
from xraycompare.core.io.display import DisplaySettings
from xraycompare.core.io.image import Window, XrayImage
from xraycompare.core.joints.corrections import JointCorrections
from xraycompare.core.registration.alignment import (
    GLOBAL,
    Alignment,
    AlignmentState,
    LandmarkPair,
    placement,
    swapped_local,
)
from xraycompare.core.teaching import BlindedReading, Bookmark, Quiz
from xraycompare.core.types import FILM_TITLES, FILMS, HANDS, Film, Hand, ViewMode


@dataclass(frozen=True)
class ViewState:
    """The shared view, in the before frame: the point at the pane centres and the zoom.

    ``zoom`` is logical screen pixels per before pixel; None for both means "fit".
    """

    center: tuple[float, float] | None = None
    zoom: float | None = None
    mode: ViewMode = "side-by-side"

    @property
    def is_fit(self) -> bool:
        return self.center is None or self.zoom is None


class Document:
    """The open pair and everything the user did to it.

    Events (psygnal signals; each fires only when its value really changed):
    ``pair_changed()``, ``alignment_changed()``, ``landmarks_changed()``, ``view_changed()``,
    ``display_changed(film)``, ``sync_changed()``, ``cursor_moved(point or None)`` (before
    frame), ``difference_changed()``, ``hands_changed()`` (the reader said which hand a
    film is), ``identifiers_changed()`` (patient identifiers shown or hidden, or a blinded
    reading started or ended: what the film titles may say), ``joints_changed()`` (the
    reader corrected a joint), ``bookmarks_changed()``, ``quiz_changed()`` and
    ``blinding_changed()`` (teaching). Regions and scores have their own events on
    :attr:`annotations` and :attr:`scores`.
    """

    pair_changed = Signal()
    alignment_changed = Signal()
    landmarks_changed = Signal()
    view_changed = Signal()
    display_changed = Signal(str)
    sync_changed = Signal()
    cursor_moved = Signal(object)
    difference_changed = Signal()
    hands_changed = Signal()
    identifiers_changed = Signal()
    joints_changed = Signal()
    bookmarks_changed = Signal()
    quiz_changed = Signal()
    blinding_changed = Signal()

    def __init__(self) -> None:
        self._images: dict[Film, XrayImage | None] = {"before": None, "after": None}
        self._display: dict[Film, DisplaySettings] = {f: DisplaySettings() for f in FILMS}
        self._view = ViewState()
        self._difference = DifferenceSettings()
        self._global: Alignment | None = None
        self._locals: tuple[Alignment, ...] = ()
        self._active = GLOBAL
        self._landmarks: tuple[LandmarkPair, ...] = ()
        self._offsets: dict[Film, np.ndarray] = {f: IDENTITY for f in FILMS}
        self._link_panes = True
        self._link_window = True
        self._cursor: tuple[float, float] | None = None
        self._hands: dict[Film, Hand | None] = {f: None for f in FILMS}
        # off at every start: names and file names appear only when the reader asks
        self._show_identifiers = False
        self._joints = JointCorrections()
        self._bookmarks: tuple[Bookmark, ...] = ()
        self._quiz = Quiz()
        self._blinded: BlindedReading | None = None
        self.project_path: Path | None = None
        # regions and directly entered SvdH scores; evented themselves (region_added, ...)
        self.annotations = AnnotationSet()
        self.scores = ScoreEntries()

    # -- films ---------------------------------------------------------------------------
    def image(self, film: Film) -> XrayImage | None:
        return self._images[film]

    @property
    def before(self) -> XrayImage | None:
        return self._images["before"]

    @property
    def after(self) -> XrayImage | None:
        return self._images["after"]

    @property
    def has_pair(self) -> bool:
        return self.before is not None and self.after is not None

    def set_pair(self, before: XrayImage | None, after: XrayImage | None) -> None:
        """Open a new pair: everything tied to the old films is reset."""
        self._images = {"before": before, "after": after}
        self._reset_pair_state()
        self._announce_everything()

    def set_image(self, film: Film, image: XrayImage | None) -> None:
        """Replace one film; the alignment and landmarks no longer apply and are reset."""
        images = dict(self._images)
        images[film] = image
        self.set_pair(images["before"], images["after"])

    def swap(self) -> None:
        """Exchange before and after, keeping the alignment (inverted) and the landmarks."""
        to_new_before = invert(self.alignment_matrix)  # old before frame -> new before frame
        before, after = self._images["before"], self._images["after"]
        self._images = {"before": after, "after": before}
        self._display = {"before": self._display["after"], "after": self._display["before"]}
        flip = invert(self._global.matrix) if self._global else IDENTITY
        if self._global is not None:
            self._global = replace(self._global, matrix=flip)
        self._locals = tuple(swapped_local(a) for a in self._locals)
        self._landmarks = tuple(LandmarkPair(p.id, p.after, p.before) for p in self._landmarks)
        self._offsets = {f: IDENTITY for f in FILMS}
        self._hands = {"before": self._hands["after"], "after": self._hands["before"]}
        self._joints = self._joints.swapped()
        self._bookmarks = tuple(b.swapped(to_new_before) for b in self._bookmarks)
        if self._blinded is not None:  # each image keeps its letter
            self._blinded = self._blinded.swapped()
        self.annotations.swap_films()  # each region stays on its image, whose label flips
        self.scores.swap_films()
        d = self._difference  # the fitted match was for the other film
        self._difference = d.refitted()
        if self._view.center is not None:
            center = transform_point(to_new_before, *self._view.center)
            self._view = replace(self._view, center=center)
        self._announce_everything()

    def _announce_everything(self) -> None:
        """After a new or swapped pair every view must refresh: pair first, view last."""
        self.pair_changed.emit()
        self.alignment_changed.emit()
        self.landmarks_changed.emit()
        for film in FILMS:
            self.display_changed.emit(film)
        self.difference_changed.emit()
        self.hands_changed.emit()
        self.joints_changed.emit()
        self.bookmarks_changed.emit()
        self.quiz_changed.emit()
        self.blinding_changed.emit()
        self.view_changed.emit()

    def _reset_pair_state(self) -> None:
        self._display = {f: DisplaySettings() for f in FILMS}
        self._view = ViewState(mode=self._view.mode)
        # the method and the absolute option are the reader's choice; the fit and range
        # belong to the old pair
        d = self._difference
        self._difference = d.refitted()
        self._global = None
        self._locals = ()
        self._active = GLOBAL
        self._landmarks = ()
        self._offsets = {f: IDENTITY for f in FILMS}
        self._cursor = None
        self._hands = {f: None for f in FILMS}
        self._joints = JointCorrections()
        self._bookmarks, self._quiz, self._blinded = (), Quiz(), None
        self.annotations.clear()
        self.scores.reset()

    # -- alignment -----------------------------------------------------------------------
    @property
    def global_alignment(self) -> Alignment | None:
        return self._global

    @property
    def local_alignments(self) -> tuple[Alignment, ...]:
        return self._locals

    @property
    def active_alignment_name(self) -> str:
        return self._active

    @property
    def active_alignment(self) -> Alignment | None:
        """The alignment the views and comparisons use now (a local one, or the global)."""
        for a in self._locals:
            if a.name == self._active:
                return a
        return self._global

    @property
    def alignment_matrix(self) -> np.ndarray:
        """After -> before through the active alignment.

        Before any registration this is the identity for films of one size; films of
        different sizes are centred on each other at a common scale, so both are in view.
        """
        active = self.active_alignment
        if active is not None:
            return active.matrix
        return placement(self.before, self.after)

    def set_global_alignment(self, alignment: Alignment | None) -> None:
        if (alignment is None and self._global is None) or (
            alignment is not None and alignment.same_as(self._global)
        ):
            return
        self._global = None if alignment is None else replace(alignment, name=GLOBAL)
        self.alignment_changed.emit()

    def set_local_alignment(self, alignment: Alignment) -> None:
        """Add a local alignment, or replace the one with the same name."""
        if alignment.name == GLOBAL:
            raise ValueError(f"{GLOBAL!r} is reserved for the global alignment")
        existing = next((a for a in self._locals if a.name == alignment.name), None)
        if existing is not None and existing.same_as(alignment):
            return
        others = tuple(a for a in self._locals if a.name != alignment.name)
        self._locals = (
            (*others, alignment)
            if existing is None
            else tuple(alignment if a.name == alignment.name else a for a in self._locals)
        )
        self.alignment_changed.emit()

    def set_active_alignment(self, name: str) -> None:
        if name != GLOBAL and not any(a.name == name for a in self._locals):
            raise KeyError(f"no local alignment named {name!r}")
        if name != self._active:
            self._active = name
            self.alignment_changed.emit()

    def alignment_state(self) -> AlignmentState:
        return AlignmentState(self._global, self._locals, self._active)

    def restore_alignment_state(self, state: AlignmentState) -> None:
        """Put back a snapshot from :meth:`alignment_state` (undo/redo)."""
        same = (
            (
                (state.global_alignment is None and self._global is None)
                or (
                    state.global_alignment is not None
                    and state.global_alignment.same_as(self._global)
                )
            )
            and state.active == self._active
            and len(state.local_alignments) == len(self._locals)
        )
        same = same and all(
            a.same_as(b) for a, b in zip(state.local_alignments, self._locals, strict=True)
        )
        if same:
            return
        self._global = state.global_alignment
        self._locals = tuple(state.local_alignments)
        names = {a.name for a in self._locals}
        self._active = state.active if state.active in names else GLOBAL
        self.alignment_changed.emit()

    # -- landmarks -----------------------------------------------------------------------
    @property
    def landmarks(self) -> tuple[LandmarkPair, ...]:
        return self._landmarks

    def set_landmarks(self, landmarks: tuple[LandmarkPair, ...]) -> None:
        if tuple(landmarks) != self._landmarks:
            self._landmarks = tuple(landmarks)
            self.landmarks_changed.emit()

    # -- display and view ----------------------------------------------------------------
    def display(self, film: Film) -> DisplaySettings:
        return self._display[film]

    def effective_window(self, film: Film) -> Window | None:
        image = self._images[film]
        if image is None:
            return None
        return self._display[film].window or image.default_window

    def set_display(self, film: Film, settings: DisplaySettings) -> None:
        if settings != self._display[film]:
            self._display[film] = settings
            self.display_changed.emit(film)

    @property
    def view(self) -> ViewState:
        return self._view

    def set_view(self, view: ViewState) -> None:
        if view.zoom is not None and not (math.isfinite(view.zoom) and view.zoom > 0):
            raise ValueError(f"invalid zoom {view.zoom}")
        if view != self._view:
            self._view = view
            self.view_changed.emit()

    @property
    def difference(self) -> DifferenceSettings:
        return self._difference

    def set_difference(self, settings: DifferenceSettings) -> None:
        if settings != self._difference:
            self._difference = settings
            self.difference_changed.emit()

    @property
    def link_panes(self) -> bool:
        return self._link_panes

    @property
    def link_window(self) -> bool:
        return self._link_window

    def set_sync(self, *, panes: bool | None = None, window: bool | None = None) -> None:
        changed = False
        if panes is not None and panes != self._link_panes:
            self._link_panes, changed = panes, True
        if window is not None and window != self._link_window:
            self._link_window, changed = window, True
        if changed:
            self.sync_changed.emit()

    def pane_offset(self, film: Film) -> np.ndarray:
        """The extra before-frame transform a pane keeps after being moved on its own."""
        return self._offsets[film]

    def set_pane_offset(self, film: Film, matrix: np.ndarray) -> None:
        m = as_matrix(matrix)
        if not np.array_equal(m, self._offsets[film]):
            self._offsets[film] = m
            self.view_changed.emit()

    def film_to_before(self, film: Film) -> np.ndarray:
        """Maps a film's pixels to the before frame through the alignment (no pane offsets)."""
        return IDENTITY if film == "before" else self.alignment_matrix

    def pane_matrix(self, film: Film) -> np.ndarray:
        """Maps a film's pixel coordinates into the shared before frame, for its pane."""
        return compose(self._offsets[film], self.film_to_before(film))

    # -- hands and identifiers ---------------------------------------------------------------
    def assigned_hand(self, film: Film) -> Hand | None:
        """The hand the reader said ``film`` shows (None: not said)."""
        return self._hands[film]

    def set_assigned_hand(self, film: Film, hand: Hand | None) -> None:
        if hand not in (None, *HANDS):
            raise ValueError(f"hand must be left, right or None, not {hand!r}")
        if hand != self._hands[film]:
            self._hands[film] = hand
            self.hands_changed.emit()

    def film_hand(self, film: Film) -> Hand | None:
        """The hand ``film`` shows: the file's, the reader's, its regions', the other film's."""
        return film_hand(film, self._images, self._hands, self.annotations.regions())

    @property
    def show_identifiers(self) -> bool:
        """Whether patient names, IDs, dates and file names may appear on screen."""
        return self._show_identifiers

    def set_show_identifiers(self, on: bool) -> None:
        """Show or hide identifiers; refused (no change) while a blinded reading is blind."""
        if on and self.is_blinded:
            return
        if on != self._show_identifiers:
            self._show_identifiers = on
            self.identifiers_changed.emit()

    # -- joints ----------------------------------------------------------------------------
    @property
    def joint_corrections(self) -> JointCorrections:
        """The joints the reader placed on each film (the finder's stand elsewhere)."""
        return self._joints

    def set_joint_corrections(self, corrections: JointCorrections) -> JointCorrections:
        """Put in a new value (from ``joint_corrections.moved(...)``, say) and return the
        one it replaced: what an undo step puts back."""
        old = self._joints
        if corrections != old:
            self._joints = corrections
            self.joints_changed.emit()
        return old

    # -- teaching: bookmarks, quiz, blinded reading --------------------------------------------
    @property
    def bookmarks(self) -> tuple[Bookmark, ...]:
        """The saved views of the tour, in order."""
        return self._bookmarks

    def set_bookmarks(self, bookmarks: tuple[Bookmark, ...]) -> tuple[Bookmark, ...]:
        """Put in new bookmarks and return the ones they replaced (an undo step's value)."""
        old, self._bookmarks = self._bookmarks, tuple(bookmarks)
        if self._bookmarks != old:
            self.bookmarks_changed.emit()
        return old

    @property
    def quiz(self) -> Quiz:
        """The regions hidden until revealed (none hidden: no quiz)."""
        return self._quiz

    def set_quiz(self, quiz: Quiz) -> Quiz:
        old, self._quiz = self._quiz, quiz
        if quiz != old:
            self.quiz_changed.emit()
        return old

    @property
    def blinded(self) -> BlindedReading | None:
        """The blinded reading of this pair, blind or revealed (None: none was done)."""
        return self._blinded

    @property
    def is_blinded(self) -> bool:
        """True while the time order is hidden: films are "A" and "B", no dates or names."""
        return self._blinded is not None and not self._blinded.revealed

    def set_blinded(self, reading: BlindedReading | None) -> BlindedReading | None:
        """Start, reveal or drop a blinded reading; returns the one it replaced. Starting
        one hides the patient identifiers (and they stay hidden until the reader asks)."""
        old, self._blinded = self._blinded, reading
        if reading != old:
            if self.is_blinded:
                self._show_identifiers = False
            self.blinding_changed.emit()
            self.identifiers_changed.emit()
        return old

    def film_title(self, film: Film) -> str:
        """What the screen calls ``film``: "Before" / "After", or "A" / "B" while blind."""
        blind = self._blinded if self.is_blinded else None
        return blind.letter(film) if blind is not None else FILM_TITLES[film]

    @property
    def films_shown(self) -> tuple[Film, Film]:
        """The films left to right: before, after, or "A", "B" while blind."""
        blind = self._blinded if self.is_blinded else None
        return blind.order if blind is not None else ("before", "after")

    # -- cursor --------------------------------------------------------------------------
    @property
    def cursor(self) -> tuple[float, float] | None:
        return self._cursor

    def set_cursor(self, point: tuple[float, float] | None) -> None:
        if point != self._cursor:
            self._cursor = point
            self.cursor_moved.emit(point)
