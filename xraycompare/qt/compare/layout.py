"""Which panes the window shows: two (before | after), three (+ comparison) or one.

The comparison pane joins the film panes in the window's splitter. The mode lives in the
Document's ViewState and the layout follows it (:class:`ComparisonController.layout`):
side by side is two panes; a comparison mode opens the comparison pane in the layout last
chosen for it. The pane whose size stands for "the view" (zoom keys, 1:1, nudges) is the
before pane, or the comparison pane when it is shown alone.
"""

from __future__ import annotations

from PySide6.QtWidgets import QSplitter

from xraycompare.qt.compare.controller import LAYOUTS, ComparisonController
from xraycompare.qt.compare.view import ComparisonView
from xraycompare.qt.view.pane import PaneView

SHOWN = {  # layout -> (before pane, after pane, comparison pane) visible
    "two": (True, True, False),
    "three": (True, True, True),
    "one": (False, False, True),
}


class PaneLayout:
    """Shows the panes of the comparison's layout in ``splitter``, sharing its width."""

    def __init__(
        self,
        splitter: QSplitter,
        before: PaneView,
        after: PaneView,
        comparison_view: ComparisonView,
        comparison: ComparisonController,
    ) -> None:
        self.splitter = splitter
        self.panes = (before, after, comparison_view)
        self.comparison = comparison
        for pane in self.panes:
            if pane.parent() is not splitter:
                splitter.addWidget(pane)
        comparison.layout_changed.connect(self.apply)
        self.apply(comparison.layout)

    @property
    def reference(self) -> PaneView:
        """The pane whose size stands for the view (the comparison when shown alone)."""
        before, _after, view = self.panes
        return view if before.isHidden() and not view.isHidden() else before

    def view_size(self) -> tuple[float, float]:
        return self.reference.viewport_size()

    def apply(self, layout: str) -> None:
        """Show the layout's panes at their final, equal widths at once.

        The splitter lays out a shown or hidden child later (a posted layout request) and
        takes its handles' width from the panes then: every pane was resized, and painted,
        twice, the first time at a width it never kept. Laying out now, and sharing the width
        the handles leave, makes one resize and one paint.
        """
        if layout not in LAYOUTS:
            raise ValueError(f"unknown layout {layout!r}")
        shown = SHOWN[layout]
        for pane, visible in zip(self.panes, shown, strict=True):
            pane.setVisible(visible)
        self.splitter.refresh()  # lay the shown panes out now, handles included
        self.splitter.setSizes(shared_widths(sum(self.splitter.sizes()), shown))
        for pane, visible in zip(self.panes, shown, strict=True):
            if visible:
                pane.apply_view()


def shared_widths(total: int, shown: tuple[bool, ...]) -> list[int]:
    """``total`` pixels shared as equally as whole pixels allow by the shown panes (the first
    ones take the remainder), 0 for hidden ones."""
    count = max(1, sum(shown))
    share, extra = divmod(max(total, count), count)
    widths, given = [], 0
    for visible in shown:
        widths.append(share + (1 if given < extra else 0) if visible else 0)
        given += visible
    return widths
