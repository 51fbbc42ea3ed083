"""The figure dialogs of the File menu, opened on the open pair: export a figure, export an
animation, import a published side-by-side figure.

:class:`FigureLaunchers` holds what the dialogs need from the window (the Document, the
settings and dialogs, the current view, the joints found) so the window only names it.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget

from xraycompare.core.compare.comparison import ComparisonPair
from xraycompare.core.document import Document
from xraycompare.core.joints.model import JointMap
from xraycompare.qt.dialogs import Dialogs
from xraycompare.qt.figures.animation_dialog import AnimationDialog
from xraycompare.qt.figures.import_dialog import ImportFigureDialog
from xraycompare.qt.settings import Settings

if TYPE_CHECKING:
    # loads matplotlib (~40 MB): imported when a figure is first made, not at start
    from xraycompare.qt.figures.dialog import FigureDialog

Box = tuple[float, float, float, float]


class FigureLaunchers:
    """Opens the figure, animation and import dialogs (window-modal, deleted on close)."""

    def __init__(
        self,
        document: Document,
        comparison: Callable[[], ComparisonPair | None],
        settings: Settings,
        dialogs: Dialogs,
        parent: QWidget,
        *,
        current_view: Callable[[], Box | None],
        joints: Callable[[], JointMap | None],
        open_pair: Callable[[str | Path, str | Path], None],
        notice: Callable[[str], None],
        problem: Callable[[str], None],
    ) -> None:
        self.document = document
        self.comparison = comparison  # the pair as compared now (None until matched)
        self.settings = settings
        self.dialogs = dialogs
        self.parent = parent
        self.current_view = current_view
        self.joints = joints
        self.open_pair = open_pair
        self.notice = notice
        self.problem = problem
        self.figure_dialog: FigureDialog | None = None
        self.animation_dialog: AnimationDialog | None = None
        self.import_dialog: ImportFigureDialog | None = None

    def export_figure(self) -> FigureDialog | None:
        """File ▸ Export figure…: the figure builder with its live preview."""
        if not self.document.has_pair:
            self.problem("Open a pair first: a figure needs a Before and an After film.")
            return None
        from xraycompare.qt.figures.dialog import FigureDialog

        self.figure_dialog = FigureDialog(
            self.document, self.settings, self.dialogs, self.parent,
            current_view=self.current_view, joints=self.joints, written=self.notice,
        )  # fmt: skip
        return _opened(self.figure_dialog)

    def import_figure(self, path: str | Path | None = None) -> ImportFigureDialog | None:
        """File ▸ Import side-by-side figure…: split a published figure into a pair."""
        if path is None:
            path = self.dialogs.ask_open_path(
                "Import a side-by-side figure", self.settings.last_directory
            )
            if not path:
                return None
            self.settings.last_directory = str(Path(path).parent)
        self.import_dialog = ImportFigureDialog(path, self.parent, open_pair=self.open_pair)
        return _opened(self.import_dialog)

    def export_animation(self) -> AnimationDialog | None:
        """File ▸ Export animation…: the comparison shown, as a GIF or MP4."""
        pair = self.comparison()
        if pair is None:
            self.problem("Open a pair first (and let the exposure match finish).")
            return None
        mode = self.document.view.mode
        self.animation_dialog = AnimationDialog(
            pair, self.settings, self.dialogs, self.parent,
            mode=mode if mode in ("flicker", "swipe", "blend") else "flicker",
            current_view=self.current_view, written=self.notice,
        )  # fmt: skip
        return _opened(self.animation_dialog)


D = TypeVar("D", "FigureDialog", AnimationDialog, ImportFigureDialog)


def _opened(dialog: D) -> D:
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.open()  # type: ignore[attr-defined]
    return dialog
