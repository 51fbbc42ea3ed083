"""Region editing for one window: selection, new-region defaults, propagation, clipboard.

Tools, panels and menus go through :class:`RegionEditor`, which turns
every gesture into one :class:`RegionsCommand` on the window's one undo stack. The
selection is view state (which regions the user is working on), not document state, so it
lives here and is never saved.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import replace

import numpy as np
from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QUndoCommand, QUndoStack
from PySide6.QtWidgets import QApplication

from xraycompare.core.annotations.editing import centroid
from xraycompare.core.annotations.formats.fields import (
    region_fields,
    region_from_fields,
    renumbered,
)
from xraycompare.core.annotations.propagation import (
    film_to_film_matrix,
    map_region_points,
    propagate,
)
from xraycompare.core.annotations.regions import Region, new_id
from xraycompare.core.document import Document, ViewState
from xraycompare.core.geometry import transform_point
from xraycompare.core.types import CLOSED_GEOMETRIES, GEOMETRY_NAMES, Film, Hand, other
from xraycompare.core.view_control import ViewController
from xraycompare.qt.regions.commands import HandsCommand, RegionsCommand, ScoreCommand
from xraycompare.qt.settings import Settings

CLIPBOARD_FORMAT = "xraycompare-regions"
PASTE_OFFSET = 12.0  # px: a paste onto the originals' own places lands visibly beside them


class RegionSelection(QObject):
    """The selected region ids (in selection order) shared by panes, table and panel."""

    changed = Signal()

    def __init__(self, document: Document, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.document = document
        self._ids: tuple[str, ...] = ()
        annotations = document.annotations
        annotations.region_removed.connect(self._on_removed)
        annotations.regions_reset.connect(self._prune)

    @property
    def ids(self) -> tuple[str, ...]:
        return self._ids

    @property
    def current(self) -> Region | None:
        """The last selected region (what the properties panel shows)."""
        if not self._ids:
            return None
        return self.document.annotations.get(self._ids[-1])

    def regions(self) -> tuple[Region, ...]:
        annotations = self.document.annotations
        return tuple(annotations.get(i) for i in self._ids if i in annotations)

    def set(self, ids: Iterable[str]) -> None:
        ids = tuple(dict.fromkeys(i for i in ids if i in self.document.annotations))
        if ids != self._ids:
            self._ids = ids
            self.changed.emit()

    def toggle(self, region_id: str) -> None:
        if region_id in self._ids:
            self.set(i for i in self._ids if i != region_id)
        else:
            self.set((*self._ids, region_id))

    def clear(self) -> None:
        self.set(())

    def _on_removed(self, region: Region) -> None:
        if region.id in self._ids:
            self.set(i for i in self._ids if i != region.id)

    def _prune(self) -> None:
        self.set(self._ids)


class RegionEditor(QObject):
    """Every region edit of a window, as undoable steps."""

    options_changed = Signal()  # propagate / snap / visibility switched
    message = Signal(str)  # something the tools tell the user (a length, a refused edit)

    def __init__(
        self,
        document: Document,
        undo_stack: QUndoStack,
        settings: Settings,
        view: ViewController,
        pane_size: Callable[[Film], tuple[float, float]],
        *,
        ask_hand: Callable[[], Hand | None] = lambda: None,
    ) -> None:
        super().__init__(undo_stack)
        self.document = document
        self.undo_stack = undo_stack
        self.settings = settings
        self.view = view
        self.pane_size = pane_size
        self.ask_hand = ask_hand
        self.selection = RegionSelection(self.document, self)
        self._propagate = settings.propagate_regions
        self._snap = False  # off by default, every session
        self._visible = True

    # -- options -------------------------------------------------------------------------
    @property
    def propagate_new(self) -> bool:
        """Whether a region drawn on one film also gets a linked counterpart on the other."""
        return self._propagate

    def set_propagate_new(self, on: bool) -> None:
        if on != self._propagate:
            self._propagate = on
            self.settings.propagate_regions = on
            self.options_changed.emit()

    @property
    def snapping(self) -> bool:
        return self._snap

    def set_snapping(self, on: bool) -> None:
        if on != self._snap:
            self._snap = on
            self.options_changed.emit()

    @property
    def visible(self) -> bool:
        return self._visible

    def set_visible(self, on: bool) -> None:
        if on != self._visible:
            self._visible = on
            if not on:
                self.selection.clear()
            self.options_changed.emit()

    # -- new regions ---------------------------------------------------------------------
    def default_laterality(self, film: Film) -> str | None:
        """The hand the film shows (its file's, the reader's, its regions', the other film's)."""
        return self.document.film_hand(film)

    def ensure_hand(self) -> Hand | None:
        """The hand of the pair, asking the reader once when nothing says (None: cancelled).

        The answer is recorded for both films (one undo step), so it is asked only once.
        """
        known = self.document.film_hand("before") or self.document.film_hand("after")
        if known is not None:
            return known
        hand = self.ask_hand()
        if hand is not None:
            self.push(HandsCommand(self.document, hand))
        return hand

    def new_region(self, film: Film, geometry: str, points: Iterable, **fields: object) -> Region:
        """A region with the defaults a reader expects: outlines are erosions, marks are not."""
        closed = geometry in CLOSED_GEOMETRIES
        fields.setdefault("kind", "erosion" if closed else "other")
        fields.setdefault("laterality", self.default_laterality(film))
        return Region.create(film, geometry, points, **fields)  # type: ignore[arg-type]

    def alignment_for(self, region: Region) -> np.ndarray:
        """The after -> before matrix to carry ``region`` across.

        The active alignment when it is a local one; otherwise the local alignment whose
        region holds this one (that finger's own alignment), else the global one.
        """
        doc = self.document
        active = doc.active_alignment
        if active is not None and active.roi is not None:
            return active.matrix
        x, y = centroid(region)
        if region.film == "after":
            x, y = transform_point(doc.alignment_matrix, x, y)
        covering = [
            a
            for a in doc.local_alignments
            if a.roi is not None
            and a.roi[0] <= x <= a.roi[0] + a.roi[2]
            and a.roi[1] <= y <= a.roi[1] + a.roi[3]
        ]
        if covering:
            return min(covering, key=lambda a: a.roi[2] * a.roi[3]).matrix  # type: ignore[index]
        return doc.alignment_matrix

    def counterpart_of(self, region: Region) -> Region | None:
        """A new linked region on the other film, or None when that film is not open."""
        if self.document.image(other(region.film)) is None:
            return None
        return propagate(region, self.alignment_for(region))

    def add(self, region: Region, *, propagate: bool | None = None, select: bool = True) -> None:
        """Add a drawn region (with its counterpart when propagation is on): one undo step."""
        added = [region]
        if self._propagate if propagate is None else propagate:
            partner = self.counterpart_of(region)
            if partner is not None:
                added.append(partner)
        name = GEOMETRY_NAMES.get(region.geometry, region.geometry)
        text = f"Add {name}" + (" on both films" if len(added) == 2 else "")
        self.push(RegionsCommand(self.document.annotations, text, added=added))
        if select:
            self.selection.set([region.id])

    def propagate_selected(self) -> int:
        """Give every selected region without a counterpart one; returns how many."""
        annotations = self.document.annotations
        added = []
        for region in self.selection.regions():
            if annotations.counterpart(region) is None:
                partner = self.counterpart_of(region)
                if partner is not None:
                    added.append(partner)
        if added:
            self.push(RegionsCommand(annotations, "Propagate to the other film", added=added))
        return len(added)

    # -- edits ---------------------------------------------------------------------------
    def push(self, command: QUndoCommand) -> None:
        if isinstance(command, RegionsCommand) and command.is_empty:
            return
        self.undo_stack.push(command)

    def replace(self, regions: Iterable[Region], text: str) -> None:
        """Put changed copies of existing regions in place (one undo step)."""
        annotations = self.document.annotations
        changed = [(annotations.get(r.id), r) for r in regions]
        self.push(RegionsCommand(annotations, text, changed=changed))

    def remove(self, ids: Iterable[str], text: str = "") -> None:
        annotations = self.document.annotations
        regions = [annotations.get(i) for i in dict.fromkeys(ids) if i in annotations]
        if regions:
            text = text or (
                "Delete region" if len(regions) == 1 else f"Delete {len(regions)} regions"
            )
            self.push(RegionsCommand(annotations, text, removed=regions))

    def delete_selected(self) -> None:
        self.remove(self.selection.ids)

    def unlink(self, region_id: str) -> None:
        """Give a region a lineage of its own (it is no longer the other's counterpart)."""
        region = self.document.annotations.get(region_id)
        if self.document.annotations.counterpart(region) is not None:
            self.replace([replace(region, lineage_id=new_id())], "Unlink region")

    def set_score(self, film: str, hand: str, kind: str, site: str, score: int | None) -> None:
        """Enter a site's score directly (None: back to the regions' score)."""
        scores = self.document.scores
        if scores.get(film, hand, kind, site) != score:  # type: ignore[arg-type]
            self.push(ScoreCommand(scores, (film, hand, kind, site), score))

    # -- clipboard -----------------------------------------------------------------------
    def copy_selected(self) -> int:
        """Copy the selected regions as JSON text (it pastes into another xraycompare too).

        Plain text rather than a custom QMimeData: PySide6 crashes at exit when the
        clipboard still owns a QMimeData made in Python.
        """
        regions = self.selection.regions()
        if not regions:
            return 0
        payload = {"format": CLIPBOARD_FORMAT, "regions": [region_fields(r) for r in regions]}
        QApplication.clipboard().setText(json.dumps(payload))
        return len(regions)

    def paste(self, film: Film) -> int:
        """Paste copied regions onto ``film`` (mapped through the alignment when they came
        from the other film; beside the originals when they are still there)."""
        if self.document.image(film) is None:
            return 0
        try:
            payload = json.loads(QApplication.clipboard().text())
            if not isinstance(payload, dict) or payload.get("format") != CLIPBOARD_FORMAT:
                return 0
            copied = [region_from_fields(f, film=f["film"]) for f in payload["regions"]]
        except (ValueError, TypeError, KeyError):
            return 0
        pasted = []
        annotations = self.document.annotations
        for region in renumbered(copied):
            if region.film != film:
                matrix = film_to_film_matrix(self.alignment_for(region), region.film)
                region = replace(region, film=film, points=map_region_points(region, matrix))
            # all land on one film: each pasted region is a lineage of its own
            pasted.append(replace(region, film=film, lineage_id=region.id))
        occupied = {r.points for r in annotations.on_film(film)}
        if any(r.points in occupied for r in pasted):
            pasted = [r.moved(PASTE_OFFSET, PASTE_OFFSET) for r in pasted]
        count = len(pasted)
        self.push(RegionsCommand(annotations, f"Paste {count} region(s)", added=pasted))
        self.selection.set(r.id for r in pasted)
        return count

    # -- navigation ----------------------------------------------------------------------
    def centre_on(self, region_id: str) -> None:
        """Select a region and move the shared view so it is in the middle of the panes."""
        doc = self.document
        region = doc.annotations.get(region_id)
        self.selection.set([region_id])
        x, y = transform_point(doc.pane_matrix(region.film), *centroid(region))
        view = self.view.resolved(self.pane_size(region.film))
        doc.set_view(ViewState(center=(x, y), zoom=view.zoom, mode=view.mode))
