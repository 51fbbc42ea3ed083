"""File ▸ Export regions and File ▸ Import regions.

Exports use the same core writers as ``xraycompare annotations``: GeoJSON (QuPath) and
labelme one file per film, CSV of the regions per film plus the score sheet. Files are
named after the project (or "regions"), never after the films, and film names that hold
a patient identifier are left out, so an export carries no patient data. Imports add the
regions of a labelme or GeoJSON file to one film as one undo step.
"""

from __future__ import annotations

import json
import os
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QFileDialog, QInputDialog

from xraycompare.core.annotations.export import outputs_for, safe_image_name, write_outputs
from xraycompare.core.annotations.formats.fields import renumbered
from xraycompare.core.annotations.formats.geojson import from_geojson
from xraycompare.core.annotations.formats.labelme import from_labelme
from xraycompare.core.project.file import SUFFIX
from xraycompare.qt.dialogs import show_error
from xraycompare.qt.region_commands import RegionsCommand

if TYPE_CHECKING:
    from xraycompare.qt.main_window import MainWindow

FORMAT_TITLES = {
    "geojson": "GeoJSON (QuPath), one file per film",
    "labelme": "labelme JSON, one file per film",
    "csv": "CSV: regions per film and the score sheet",
}
IMPORT_FILTER = "Regions (*.geojson *.json);;All files (*)"


def export_stem(window: MainWindow) -> str:
    path = window.document.project_path
    if path is None:
        return "regions"
    return path.name[: -len(SUFFIX)] if path.name.endswith(SUFFIX) else path.stem


def export_regions(window: MainWindow, fmt: str, out_dir: str | Path) -> list[Path]:
    """Write the document's regions (and scores) in ``fmt`` into ``out_dir``.

    Raises OSError when the folder cannot be written (then no file was put in place).
    """
    doc = window.document
    out_dir = Path(out_dir)
    images = {f: doc.image(f) for f in ("before", "after")}
    names = {f: safe_image_name(i.name, i) if i is not None else None for f, i in images.items()}
    paths = {}
    for film, image in images.items():
        source = image.source if image is not None else None
        if source is not None and names[film] is not None:
            try:
                paths[film] = Path(os.path.relpath(source, out_dir.resolve())).as_posix()
            except ValueError:  # another drive
                paths[film] = names[film]
    outputs = outputs_for(
        doc.annotations.regions(), doc.scores.entries(), fmt, stem=export_stem(window),
        images=images, image_names=names, image_paths=paths,
        matrix=doc.alignment_matrix if doc.has_pair else None,
    )  # fmt: skip
    return write_outputs(outputs, out_dir)


def export_dialog(window: MainWindow, fmt: str) -> None:
    if not len(window.document.annotations) and fmt != "csv":
        show_error(window, "Nothing to export", "There are no regions yet.")
        return
    folder = QFileDialog.getExistingDirectory(
        window, f"Export regions: {FORMAT_TITLES[fmt]}", window.settings.last_directory
    )
    if not folder:
        return
    try:
        written = export_regions(window, fmt, folder)
    except OSError as exc:
        show_error(window, "Export failed", f"Cannot write to {folder}: {exc.strerror or exc}.")
        return
    window.settings.last_directory = folder
    window.statusBar().showMessage(
        f"Exported {len(written)} file(s) to {folder}: " + ", ".join(p.name for p in written),
        10000,
    )


def read_regions_file(path: str | Path, film: str) -> tuple[list, list[str]]:
    """Regions from a labelme or GeoJSON file, put on ``film``; (regions, skipped notes).

    Raises ValueError when the file is neither.
    """
    try:
        obj = json.loads(Path(path).read_text("utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValueError(f"cannot read {Path(path).name}: {exc}") from exc
    if not isinstance(obj, dict):
        raise ValueError(f"{Path(path).name} is neither GeoJSON nor labelme JSON")
    if obj.get("type") == "FeatureCollection":
        return from_geojson(obj, film=film)
    if "shapes" in obj:
        return from_labelme(obj, film=film)
    raise ValueError(f"{Path(path).name} is neither GeoJSON nor labelme JSON")


def import_regions(window: MainWindow, path: str | Path, film: str) -> tuple[int, list[str]]:
    """Add a file's regions to ``film`` as one undo step; (count added, skipped notes)."""
    regions, skipped = read_regions_file(path, film)
    # fresh ids: the document may hold the originals; one film, so no cross-film lineages
    regions = [replace(r, lineage_id=r.id) for r in renumbered(regions)]
    if regions:
        command = RegionsCommand(
            window.document.annotations, f"Import {len(regions)} region(s)", added=regions
        )
        window.undo_stack.push(command)
        window.regions.selection.set(r.id for r in regions)
    return len(regions), skipped


def import_dialog(window: MainWindow) -> None:
    doc = window.document
    films = [f for f in ("before", "after") if doc.image(f) is not None]
    if not films:
        show_error(window, "Import regions", "Open a pair of films first.")
        return
    path, _ = QFileDialog.getOpenFileName(
        window, "Import regions", window.settings.last_directory, IMPORT_FILTER
    )
    if not path:
        return
    titles = [f.capitalize() for f in films]
    current = titles.index(window.active_film.capitalize()) if window.active_film in films else 0
    choice, ok = QInputDialog.getItem(
        window, "Import regions", "Put the regions on the film:", titles, current, False
    )
    if not ok:
        return
    try:
        count, skipped = import_regions(window, path, choice.lower())
    except ValueError as exc:
        show_error(window, "Import failed", f"{exc}.")
        return
    text = f"Imported {count} region(s) onto the {choice.lower()} film."
    if skipped:
        show_error(window, "Import regions", f"{text} {len(skipped)} skipped.", "\n".join(skipped))
    else:
        window.statusBar().showMessage(text, 8000)
