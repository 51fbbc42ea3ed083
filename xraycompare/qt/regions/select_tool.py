"""The select-and-edit tool: select, move, reshape, add and delete vertices, edit labels.

A drag previews on the pane's layer and becomes one undo step on release; tolerances are
screen pixels turned into film pixels at the current zoom (see :mod:`region_tools`).
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeyEvent, QMouseEvent

from xraycompare.core.annotations.editing import (
    delete_vertex,
    handles,
    hit_test,
    insert_vertex,
    move_handle,
    nearest_handle,
)
from xraycompare.qt.regions.draw_tools import (
    HIT_PX,
    MIN_MOVE,
    XY,
    AskText,
    RegionToolBase,
    no_text_dialog,
)

if TYPE_CHECKING:
    from xraycompare.core.annotations.regions import Region
    from xraycompare.qt.regions.editor import RegionEditor
    from xraycompare.qt.regions.layer import RegionLayer
    from xraycompare.qt.view.pane import PaneView


class SelectTool(RegionToolBase):
    """Click selects (Shift adds), drag moves the selection, the current region's handles
    reshape it, Alt+click on a vertex deletes it, double-click on an outline adds one (on a
    text label: edits its text); a drag on empty film pans."""

    cursor = Qt.CursorShape.ArrowCursor

    def __init__(
        self,
        editor: RegionEditor,
        layers: dict[str, RegionLayer],
        *,
        ask_text: AskText = no_text_dialog,
    ) -> None:
        super().__init__(editor, layers)
        self.ask_text = ask_text
        self._drag: tuple[str, PaneView, XY, tuple[Region, ...], int] | None = None

    def hit(self, pane: PaneView, xy: XY) -> str | None:
        """The visible region of ``pane``'s film under ``xy``: label texts first."""
        if not self.editor.visible:
            return None
        layer = self.layers[pane.film]
        here = pane.viewport_point(xy)
        tolerance = self.px(pane, HIT_PX)
        candidates = []
        for region_id, region in layer.regions.items():
            if region.geometry == "text":
                rect = layer.device_text_rect(region_id)
                if rect is not None and rect.contains(here):
                    return region_id
            elif layer.bounds_contain(region_id, xy, tolerance):
                candidates.append(region)
        return hit_test(candidates, xy, tolerance=tolerance)

    def _handle_at(self, pane: PaneView, xy: XY) -> tuple[Region, int] | None:
        """A handle of the current region (the last selected: the one showing handles)."""
        region = self.editor.selection.current
        if region is None or region.film != pane.film:
            return None
        index = nearest_handle(handles(region), xy, tolerance=self.px(pane, HIT_PX))
        return None if index is None else (region, index)

    def press(self, pane: PaneView, xy: XY, event: QMouseEvent) -> bool:
        selection = self.editor.selection
        modifiers = event.modifiers()
        grabbed = self._handle_at(pane, xy)
        if grabbed is not None:
            region, index = grabbed
            if modifiers & Qt.KeyboardModifier.AltModifier:
                smaller = delete_vertex(region, index)
                if smaller is not None:
                    self.editor.replace([smaller], "Delete vertex")
                return True
            self._drag = ("handle", pane, xy, (region,), index)
            return True
        hit = self.hit(pane, xy)
        if hit is None:
            if not modifiers & Qt.KeyboardModifier.ShiftModifier:
                selection.clear()
            return False  # the pane pans
        if modifiers & Qt.KeyboardModifier.ShiftModifier:
            selection.toggle(hit)
            return True
        if hit not in selection.ids:
            selection.set([hit])
        moving = tuple(r for r in selection.regions() if r.film == pane.film)
        self._drag = ("move", pane, xy, moving, -1)
        return True

    def _dragged(self, xy: XY) -> tuple[Region, ...]:
        assert self._drag is not None
        kind, pane, start, regions, index = self._drag
        if kind == "handle":
            target = self.snapped(pane, xy, exclude=regions[0].id)
            return (move_handle(regions[0], index, target),)
        dx, dy = xy[0] - start[0], xy[1] - start[1]
        return tuple(r.moved(dx, dy) for r in regions)

    def move(self, pane: PaneView, xy: XY, event: QMouseEvent) -> None:
        if self._drag is None:
            return
        for region in self._dragged(xy):
            self.layers[pane.film].preview(region)

    def release(self, pane: PaneView, xy: XY, event: QMouseEvent) -> None:
        if self._drag is None:
            return
        kind, _pane, start, originals, _index = self._drag
        new = self._dragged(xy)
        self._drag = None
        moved = max(abs(xy[0] - start[0]), abs(xy[1] - start[1])) >= MIN_MOVE
        if not moved or self.screen_distance(pane, start, xy) < 1.0:
            for region in originals:
                self.layers[pane.film].end_preview(region.id)
            return
        what = "Reshape region" if kind == "handle" else (
            "Move region" if len(new) == 1 else f"Move {len(new)} regions")  # fmt: skip
        self.editor.replace(new, what)

    def double_click(self, pane: PaneView, xy: XY, event: QMouseEvent) -> bool:
        hit = self.hit(pane, xy)
        if hit is None:
            return False
        region = self.editor.document.annotations.get(hit)
        if region.geometry == "text":  # edit the label's text
            text = self.ask_text("Text label", region.label)
            if text and text != region.label:
                self.editor.replace([replace(region, label=text)], "Edit text label")
            return True
        bigger = insert_vertex(region, xy, tolerance=self.px(pane, HIT_PX))
        if bigger is not None:
            self.editor.replace([bigger], "Add vertex")
            self.editor.selection.set([hit])
        return True

    def key(self, pane: PaneView, event: QKeyEvent) -> bool:
        if event.key() == Qt.Key.Key_Escape:
            if self._drag is not None:
                for region in self._drag[3]:
                    self.layers[self._drag[1].film].end_preview(region.id)
                self._drag = None
            else:
                self.editor.selection.clear()
            return True
        if event.key() in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace) and self.editor.selection.ids:
            self.editor.delete_selected()
            return True
        return False

    def deactivate(self) -> None:
        if self._drag is not None:
            for region in self._drag[3]:
                self.layers[self._drag[1].film].end_preview(region.id)
        self._drag = None
