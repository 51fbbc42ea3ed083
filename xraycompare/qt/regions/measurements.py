"""The Measurements dock: one sortable row per region, with the change along each lineage.

Sizes come in mm² / mm with the calibration type when the film has a valid spacing, else
in px² / px. Measuring the values inside 500 regions takes ~140 ms, so it runs on the
thread pool; results are cached per region value (regions are frozen), so an edit only
re-measures what changed. Selecting a row selects the region and centres the panes on it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QItemSelection,
    QItemSelectionModel,
    QModelIndex,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
    QTimer,
)
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableView, QVBoxLayout, QWidget

from xraycompare.core.annotations.measurements import (
    MeasurementChange,
    RegionMeasurement,
    lineage_changes,
    measure_region,
)
from xraycompare.core.annotations.regions import Region
from xraycompare.core.types import FILMS, GEOMETRY_NAMES, STATUS_LABELS
from xraycompare.qt.workers import JobRunner

if TYPE_CHECKING:
    from xraycompare.core.io.image import XrayImage
    from xraycompare.qt.regions.editor import RegionEditor

COLUMNS = (
    "Film", "Site", "Hand", "Kind", "Score", "Status", "Shape", "Area", "Perimeter",
    "Longest diameter", "Length", "Mean", "SD", "Change", "Calibration",
)  # fmt: skip
SORT_ROLE = Qt.ItemDataRole.UserRole + 1
ID_ROLE = Qt.ItemDataRole.UserRole + 2
Index = QModelIndex | QPersistentModelIndex


def measure_missing(
    regions: list[Region], images: Mapping[str, XrayImage | None]
) -> dict[Region, RegionMeasurement]:
    """Measure regions (in a worker); keyed by the region value, so results stay valid
    exactly as long as the region is unchanged."""
    return {r: measure_region(images.get(r.film), r) for r in regions}


def _number(value: float | None, digits: int = 2) -> str:
    return "" if value is None else f"{value:.{digits}f}"


class MeasurementsModel(QAbstractTableModel):
    """Regions and their measurements (the cache is filled by the dock's worker)."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.regions: list[Region] = []
        self.cache: dict[Region, RegionMeasurement] = {}
        self.changes: dict[str, MeasurementChange] = {}
        self.matrix = None  # after -> before, to compare uncalibrated sizes (set by the dock)

    def set_regions(self, regions: list[Region]) -> None:
        self.beginResetModel()
        self.regions = regions
        self._update_changes()
        self.endResetModel()

    def add_measurements(self, found: dict[Region, RegionMeasurement]) -> None:
        self.cache.update(found)
        live = set(self.regions)
        self.cache = {r: m for r, m in self.cache.items() if r in live}
        self._update_changes()
        if self.regions:
            last = self.index(len(self.regions) - 1, len(COLUMNS) - 1)
            self.dataChanged.emit(self.index(0, 0), last)

    def _update_changes(self) -> None:
        measured = {r.id: self.cache[r] for r in self.regions if r in self.cache}
        self.changes = lineage_changes(self.regions, measured, matrix=self.matrix)

    def missing(self) -> list[Region]:
        return [r for r in self.regions if r not in self.cache]

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.regions)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = 0) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        region = self.regions[index.row()]
        if role == ID_ROLE:
            return region.id
        m = self.cache.get(region)
        column = COLUMNS[index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(region, m, column)
        if role == SORT_ROLE:
            return self._sort_key(region, m, column)
        if role == Qt.ItemDataRole.ToolTipRole and column == "Change":
            change = self._change(region)
            return change.warning if change is not None and change.warning else None
        if role == Qt.ItemDataRole.TextAlignmentRole and index.column() >= 7:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def _change(self, region: Region) -> MeasurementChange | None:
        change = self.changes.get(region.lineage_id)
        return change if change is not None and change.after.region_id == region.id else None

    def _text(self, r: Region, m: RegionMeasurement | None, column: str) -> str:
        simple = {
            "Film": r.film.capitalize(),
            "Site": r.site or "",
            "Hand": r.laterality or "",
            "Kind": r.kind,
            "Score": "" if r.score is None else str(r.score),
            "Status": STATUS_LABELS.get(r.status or "", ""),
            "Shape": GEOMETRY_NAMES.get(r.geometry, r.geometry),
        }
        if column in simple:
            return simple[column]
        if m is None:
            return "…"
        if column == "Area":
            return f"{_number(m.area)} {m.area_unit}" if m.area is not None else ""
        if column in ("Perimeter", "Longest diameter", "Length"):
            value = {"Perimeter": m.perimeter, "Longest diameter": m.longest_diameter,
                     "Length": m.length}[column]  # fmt: skip
            return f"{_number(value)} {m.length_unit}" if value is not None else ""
        if column == "Mean":
            return _number(m.mean, 1)
        if column == "SD":
            return _number(m.sd, 1)
        if column == "Calibration":
            return m.calibration_label
        change = self._change(r)
        if change is None or change.area_change is None:
            return ""
        percent = change.area_change_percent
        tail = f" ({percent:+.0f} %)" if percent is not None else ""
        return f"{change.area_change:+.2f} {change.area_unit}{tail}"

    def _sort_key(self, r: Region, m: RegionMeasurement | None, column: str) -> Any:
        numeric = {
            "Score": r.score,
            "Area": m.area if m else None,
            "Perimeter": m.perimeter if m else None,
            "Longest diameter": m.longest_diameter if m else None,
            "Length": m.length if m else None,
            "Mean": m.mean if m else None,
            "SD": m.sd if m else None,
        }
        if column == "Change":
            change = self._change(r)
            value = change.area_change if change is not None else None
            return float("-inf") if value is None else float(value)
        if column in numeric:
            value = numeric[column]
            return float("-inf") if value is None else float(value)
        return self._text(r, m, column).lower()


class MeasurementsPanel(QWidget):
    """The table, kept in step with the regions and the selection."""

    def __init__(self, editor: RegionEditor, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.editor = editor
        self.document = editor.document
        self.model = MeasurementsModel(self)
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.model)
        self.proxy.setSortRole(SORT_ROLE)
        self.table = QTableView()
        self.table.setModel(self.proxy)
        self.table.setSortingEnabled(True)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.setObjectName("measurements-table")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addWidget(self.table)
        self.runner = JobRunner(self)
        self.runner.finished.connect(self._on_measured)
        self.runner.failed.connect(self._on_failed)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(100)
        self._timer.timeout.connect(self.refresh)
        self._syncing = False
        annotations = self.document.annotations
        for signal in (annotations.region_added, annotations.region_changed,
                       annotations.region_removed, annotations.regions_reset,
                       self.document.alignment_changed):  # fmt: skip
            signal.connect(lambda *_: self._timer.start())
        self.document.pair_changed.connect(self._on_pair_changed)
        editor.selection.changed.connect(self._select_rows)
        self.table.selectionModel().selectionChanged.connect(self._on_rows_selected)
        self.refresh()

    @property
    def busy(self) -> bool:
        return self.runner.busy or self._timer.isActive()

    def _on_pair_changed(self) -> None:
        self.model.cache = {}  # the same region on another film measures differently
        self._timer.start()

    def refresh(self) -> None:
        """Show the current regions now; measure the new or changed ones in the background."""
        self.model.matrix = self.document.alignment_matrix if self.document.has_pair else None
        self.model.set_regions(list(self.document.annotations.regions()))
        self._select_rows()
        missing = self.model.missing()
        if missing:
            images = {f: self.document.image(f) for f in FILMS}
            self.runner.submit(measure_missing, missing, images)

    def _on_measured(self, found: dict[Region, RegionMeasurement]) -> None:
        self.model.add_measurements(found)

    def _on_failed(self, exc: object, details: str) -> None:
        self.editor.message.emit(f"Measuring regions failed: {exc}")

    # -- selection -----------------------------------------------------------------------
    def _select_rows(self) -> None:
        ids = set(self.editor.selection.ids)
        selection = QItemSelection()
        for row, region in enumerate(self.model.regions):
            if region.id in ids:
                left = self.proxy.mapFromSource(self.model.index(row, 0))
                right = self.proxy.mapFromSource(self.model.index(row, len(COLUMNS) - 1))
                selection.select(left, right)
        self._syncing = True
        try:
            flags = QItemSelectionModel.SelectionFlag.ClearAndSelect
            self.table.selectionModel().select(selection, flags)
        finally:
            self._syncing = False

    def _on_rows_selected(self, *_: object) -> None:
        if self._syncing:
            return
        rows = self.table.selectionModel().selectedRows()
        ids = [self.proxy.data(index, ID_ROLE) for index in rows]
        if len(ids) == 1:
            self.editor.centre_on(ids[0])
        else:
            self.editor.selection.set(ids)

    def select_row(self, row: int) -> None:
        """Select a (sorted) table row as a click would (tests, keyboard users)."""
        self.table.selectRow(row)
