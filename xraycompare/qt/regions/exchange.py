"""File ▸ Export regions and File ▸ Import regions.

Exports use the same core writers as ``xraycompare annotations``: GeoJSON (QuPath) and
labelme one file per film, CSV of the regions per film plus the score sheet. Files are
named after the project (or "regions"), never after the films, and film names that hold
a patient identifier are left out, so an export carries no patient data. Imports add the
regions of a labelme or GeoJSON file to one film as one undo step.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QUndoStack

from xraycompare.core.annotations.export import (
    FORMAT_TITLES,
    outputs_for,
    safe_image_name,
    write_outputs,
)
from xraycompare.core.annotations.formats.fields import renumbered
from xraycompare.core.annotations.formats.reading import read_regions_file
from xraycompare.core.document import Document
from xraycompare.core.project.file import SUFFIX
from xraycompare.core.types import FILM_TITLES, FILMS, Film
from xraycompare.qt.dialogs import REGIONS_FILTER, Dialogs
from xraycompare.qt.regions.commands import RegionsCommand
from xraycompare.qt.settings import Settings


class RegionExchange(QObject):
    """Exports the Document's regions and imports regions from files, as undoable steps."""

    message = Signal(str)

    def __init__(
        self,
        document: Document,
        undo_stack: QUndoStack,
        settings: Settings,
        dialogs: Dialogs,
        select: Callable[[list[str]], None],
    ) -> None:
        super().__init__(undo_stack)
        self.document = document
        self.undo_stack = undo_stack
        self.settings = settings
        self.dialogs = dialogs
        self.select = select

    def export_stem(self) -> str:
        path = self.document.project_path
        if path is None:
            return "regions"
        return path.name[: -len(SUFFIX)] if path.name.endswith(SUFFIX) else path.stem

    def export_regions(self, fmt: str, out_dir: str | Path) -> list[Path]:
        """Write the regions (and scores) in ``fmt`` into ``out_dir``.

        Raises OSError when the folder cannot be written (then no file was put in place).
        """
        doc = self.document
        out_dir = Path(out_dir)
        images = {f: doc.image(f) for f in FILMS}
        names = {f: None if i is None else safe_image_name(i.name, i) for f, i in images.items()}
        paths = {}
        for film, image in images.items():
            source = image.source if image is not None else None
            if source is not None and names[film] is not None:
                try:
                    paths[film] = Path(os.path.relpath(source, out_dir.resolve())).as_posix()
                except ValueError:  # another drive
                    paths[film] = names[film]
        outputs = outputs_for(
            doc.annotations.regions(), doc.scores.entries(), fmt, stem=self.export_stem(),
            images=images, image_names=names, image_paths=paths,
            matrix=doc.alignment_matrix if doc.has_pair else None,
        )  # fmt: skip
        return write_outputs(outputs, out_dir)

    def export_dialog(self, fmt: str) -> None:
        if not len(self.document.annotations) and fmt != "csv":
            self.dialogs.error("Nothing to export", "There are no regions yet.")
            return
        title = f"Export regions: {FORMAT_TITLES[fmt]}"
        folder = self.dialogs.ask_folder(title, self.settings.last_directory)
        if not folder:
            return
        try:
            written = self.export_regions(fmt, folder)
        except OSError as exc:
            where = f" to {folder}" if self.document.show_identifiers else ""
            reason = getattr(exc, "reason", None) or exc.strerror or str(exc)
            self.dialogs.error("Export failed", f"Cannot write{where}: {reason}.")
            return
        self.settings.last_directory = folder
        if self.document.show_identifiers:
            names = ", ".join(p.name for p in written)
            self.message.emit(f"Exported {len(written)} file(s) to {folder}: {names}")
        else:
            self.message.emit(f"Exported {len(written)} file(s).")

    def import_regions(self, path: str | Path, film: Film) -> tuple[int, list[str]]:
        """Add a file's regions to ``film`` as one undo step; (count added, skipped notes)."""
        regions, skipped = read_regions_file(path, film)
        # fresh ids: the document may hold the originals; one film, so no cross-film lineages
        regions = [replace(r, lineage_id=r.id) for r in renumbered(regions)]
        if regions:
            text = f"Import {len(regions)} region(s)"
            self.undo_stack.push(RegionsCommand(self.document.annotations, text, added=regions))
            self.select([r.id for r in regions])
        return len(regions), skipped

    def import_dialog(self, active_film: Film) -> None:
        films = [f for f in FILMS if self.document.image(f) is not None]
        if not films:
            self.dialogs.error("Import regions", "Open a pair of films first.")
            return
        start = self.settings.last_directory
        path = self.dialogs.ask_open_path("Import regions", start, REGIONS_FILTER)
        if not path:
            return
        titles = [FILM_TITLES[f] for f in films]
        current = films.index(active_film) if active_film in films else 0
        label = "Put the regions on the film:"
        choice = self.dialogs.ask_choice("Import regions", label, titles, current)
        if choice is None:
            return
        film = films[titles.index(choice)]
        try:
            count, skipped = self.import_regions(path, film)
        except ValueError as exc:
            self.dialogs.error("Import failed", f"{exc}.")
            return
        text = f"Imported {count} region(s) onto the {film} film."
        if skipped:
            note = f"{text} {len(skipped)} skipped."
            self.dialogs.error("Import regions", note, "\n".join(skipped))
        else:
            self.message.emit(text)
