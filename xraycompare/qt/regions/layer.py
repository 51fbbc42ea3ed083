"""The regions of one pane, kept in step with the model, the selection and the zoom.

A :class:`RegionLayer` observes the AnnotationSet (added / changed / removed / reset), the
selection and the view. Most regions are drawn by the pane's :class:`RegionBatch`; the
current region, its counterpart and a drag's preview are lifted into their own
:class:`RegionItem` (see :mod:`region_items` for why).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from PySide6.QtCore import QRectF

from xraycompare.core.annotations.regions import Region
from xraycompare.qt.regions.items import RegionBatch, RegionItem
from xraycompare.qt.regions.look import RegionLook, device_text_rect

if TYPE_CHECKING:
    from xraycompare.qt.regions.editor import RegionEditor
    from xraycompare.qt.view.pane import PaneView


class RegionLayer:
    """The regions of one pane: a batch for most, own items for the ones being worked on."""

    def __init__(self, pane: PaneView, editor: RegionEditor) -> None:
        self.pane = pane
        self.editor = editor
        self.document = pane.document
        self.looks: dict[str, RegionLook] = {}  # every region of this film, in model order
        self.items: dict[str, RegionItem] = {}  # the lifted ones
        self._previewing: set[str] = set()
        self._styles: dict[str, str] = {}
        self.pixel_bucket = 1.0
        self.image = self.document.image(pane.film)
        self.batch = RegionBatch(self)
        pane.scene().addItem(self.batch)
        annotations = self.document.annotations
        annotations.region_added.connect(self._on_added)
        annotations.region_changed.connect(self._on_changed)
        annotations.region_removed.connect(self._on_removed)
        annotations.regions_reset.connect(self.rebuild)
        # the core resets regions before pair_changed: rebuild again once the pair is in
        self.document.pair_changed.connect(self.rebuild)
        self.document.quiz_changed.connect(self.rebuild)  # a quiz hides regions until revealed
        self.document.view_changed.connect(self._on_view_changed)
        self.document.alignment_changed.connect(self._on_view_changed)
        editor.selection.changed.connect(self._restate)
        editor.options_changed.connect(self._on_options_changed)
        self._update_pixel_bucket()
        self.rebuild()

    @property
    def film(self) -> str:
        return self.pane.film

    @property
    def regions(self) -> dict[str, Region]:
        """The regions shown on this pane, by id."""
        return {i: look.region for i, look in self.looks.items()}

    def batch_looks(self) -> list[RegionLook]:
        return [look for i, look in self.looks.items() if i not in self.items]

    def batch_styles(self) -> dict[str, str]:
        """ "selected" / "linked" for batched regions that are (beyond the lifted ones)."""
        return self._styles

    def look(self, region_id: str) -> RegionLook | None:
        item = self.items.get(region_id)
        return item.look if item is not None else self.looks.get(region_id)

    # -- model -> view -------------------------------------------------------------------
    def rebuild(self) -> None:
        self.image = self.document.image(self.film)
        for item in list(self.items.values()):
            self._drop_item(item)
        self.items, self._previewing = {}, set()
        self.looks = {}
        if self.image is not None:
            quiz = self.document.quiz
            for region in self.document.annotations.on_film(self.film):  # type: ignore[arg-type]
                if not quiz.hides(region.id):
                    self.looks[region.id] = RegionLook(region, self.image)
        self._restate()
        self.batch.invalidate()

    def _on_added(self, region: Region) -> None:
        if self.document.quiz.hides(region.id):
            return
        if region.film == self.film and self.image is not None:
            self.looks[region.id] = RegionLook(region, self.image)
            self._restate()
            self.batch.invalidate()

    def _on_changed(self, old: Region, new: Region) -> None:
        if new.film != self.film or self.document.quiz.hides(new.id):
            self._on_removed(old)
            return
        if self.image is None:
            return
        look = RegionLook(new, self.image)
        self.looks[new.id] = look
        self._previewing.discard(new.id)
        item = self.items.get(new.id)
        if item is not None:
            item.set_look(look)
        self._restate()
        self.batch.invalidate()

    def _on_removed(self, region: Region) -> None:
        if self.looks.pop(region.id, None) is not None:
            self._previewing.discard(region.id)
            item = self.items.pop(region.id, None)
            if item is not None:
                self._drop_item(item)
            self.batch.invalidate()

    def _drop_item(self, item: RegionItem) -> None:
        if item.scene() is not None:
            item.scene().removeItem(item)

    def _restate(self) -> None:
        """Lift the current region (the last selected), its counterpart and any preview into
        their own items; other selected and linked regions are styled inside the batch, so
        selecting all 500 regions costs no more per frame than selecting none."""
        annotations = self.document.annotations
        selection = [i for i in self.editor.selection.ids if i in annotations]
        selected = set(selection)
        lineages = {annotations.get(i).lineage_id for i in selected}
        current = annotations.get(selection[-1]) if selection else None
        styles: dict[str, str] = {}
        wanted: dict[str, tuple[bool, bool]] = {}
        for i, look in self.looks.items():
            is_selected, is_linked = i in selected, look.region.lineage_id in lineages
            lifted = i in self._previewing or (
                current is not None and look.region.lineage_id == current.lineage_id
            )
            if lifted:
                wanted[i] = (is_selected, is_linked and not is_selected)
            elif is_selected:
                styles[i] = "selected"
            elif is_linked:
                styles[i] = "linked"
        changed = styles != self._styles
        self._styles = styles
        for region_id in list(self.items):
            if region_id not in wanted:
                self._drop_item(self.items.pop(region_id))
                changed = True
        for region_id, (is_selected, is_linked) in wanted.items():
            item = self.items.get(region_id)
            if item is None:
                item = RegionItem(self.looks[region_id], self)
                item.setVisible(self.editor.visible)
                self.pane.scene().addItem(item)
                self.items[region_id] = item
                changed = True
            item.set_state(is_selected, is_linked)
        if changed:
            self.batch.invalidate()

    def _on_options_changed(self) -> None:
        self.batch.setVisible(self.editor.visible)
        for item in self.items.values():
            item.setVisible(self.editor.visible)

    # -- zoom ----------------------------------------------------------------------------
    def pixel_size(self) -> float:
        """Film pixels per screen pixel on this pane now."""
        t = self.pane.transform()
        scale = math.sqrt(abs(t.m11() * t.m22() - t.m12() * t.m21()))
        return 1.0 / scale if scale > 0 else 1.0

    def _update_pixel_bucket(self) -> bool:
        # round up to a power of √2, so a margin in scene units always covers the decoration
        bucket = 2.0 ** (math.ceil(2.0 * math.log2(max(self.pixel_size(), 1e-6))) / 2.0)
        if bucket != self.pixel_bucket:
            self.pixel_bucket = bucket
            return True
        return False

    def _on_view_changed(self) -> None:
        if self._update_pixel_bucket():
            for item in self.items.values():
                item.rescale()
            self.batch.invalidate()

    # -- tools ---------------------------------------------------------------------------
    def preview(self, region: Region) -> None:
        """Show a changed copy of a region while a tool drags it (the model is unchanged)."""
        if region.id not in self.looks or self.image is None:
            return
        if region.id not in self._previewing:
            self._previewing.add(region.id)
            self._restate()
        item = self.items.get(region.id)
        if item is not None:
            item.set_look(RegionLook(region, self.image))

    def end_preview(self, region_id: str) -> None:
        """Show the model's region again (a drag was cancelled or changed nothing)."""
        if region_id in self._previewing:
            self._previewing.discard(region_id)
            item = self.items.get(region_id)
            if item is not None and region_id in self.looks:
                item.set_look(self.looks[region_id])
            self._restate()

    def device_text_rect(self, region_id: str) -> QRectF | None:
        """Where a text region's label is on the viewport (for hit tests)."""
        look = self.look(region_id)
        if look is None:
            return None
        return device_text_rect(look, self.pane.viewportTransform())

    def bounds_contain(self, region_id: str, xy: tuple[float, float], margin: float) -> bool:
        """Whether ``xy`` is within ``margin`` film pixels of the region's bounding box."""
        look = self.looks[region_id]
        (x0, y0), (x1, y1) = look.corners[0], look.corners[2]
        x, y = xy
        return x0 - margin <= x <= x1 + margin and y0 - margin <= y <= y1 + margin
