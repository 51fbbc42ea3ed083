"""Every question and message box the app shows, in one injectable object.

Parts of the window never open a dialog themselves: they are given a :class:`Dialogs` and
call it. Tests replace single methods (``window.dialogs.ask_save_path = lambda *a: path``);
headless runs (``--screenshot``) use ``Dialogs(parent, interactive=False)``, which never
opens anything: questions get their cautious answer (cancel, keep, later) and errors go to
stderr, so such a run fails fast instead of waiting for a user who is not there.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QFileDialog, QInputDialog, QMessageBox, QWidget

IMAGE_FILTER = (
    "Radiographs (*.dcm *.dicom *.DCM *.png *.jpg *.jpeg *.tif *.tiff *.bmp);;All files (*)"
)
PROJECT_FILTER = "xraycompare projects (*.xrc.json);;All files (*)"
REGIONS_FILTER = "Regions (*.geojson *.json);;All files (*)"


class Dialogs:
    """The window's dialogs; ``interactive=False`` answers every question without asking."""

    def __init__(self, parent: QWidget, *, interactive: bool = True) -> None:
        self.parent = parent
        self.interactive = interactive
        self.unshown: list[str] = []  # errors not shown (not interactive), for the run to report

    # -- messages --------------------------------------------------------------------------
    def error(self, title: str, text: str, details: str = "") -> QMessageBox | None:
        """A window-modal error box opened asynchronously (returned, so tests can close it)."""
        if not self.interactive:
            # kept for the run to report (a failed opening it reports with its file)
            if text not in self.unshown:
                self.unshown.append(text)
            return None
        return self._open_box(QMessageBox.Icon.Warning, "xraycompare-error", title, text, details)

    def about(self, title: str, text: str) -> None:
        if self.interactive:
            QMessageBox.about(self.parent, title, text)

    def inform(self, title: str, text: str) -> QMessageBox | None:
        """A window-modal message opened asynchronously (returned, so tests can close it)."""
        if not self.interactive:
            return None
        return self._open_box(QMessageBox.Icon.Information, "xraycompare-information", title, text)

    def _open_box(
        self, icon: QMessageBox.Icon, name: str, title: str, text: str, details: str = ""
    ) -> QMessageBox:
        box = QMessageBox(self.parent)
        box.setIcon(icon)
        box.setWindowTitle(title)
        box.setText(text)
        if details:
            box.setDetailedText(details)
        box.setStandardButtons(QMessageBox.StandardButton.Ok)
        box.setObjectName(name)
        box.open()
        return box

    def confirm(self, title: str, text: str) -> bool:
        """Yes or no (blocking); without a reader to ask, yes: the action was chosen."""
        if not self.interactive:
            return True
        buttons = QMessageBox.StandardButton
        answer = QMessageBox.question(self.parent, title, text, buttons.Yes | buttons.No)
        return answer == buttons.Yes

    # -- questions -------------------------------------------------------------------------
    def ask_unsaved(self, what: str) -> str:
        """ "save", "discard" or "cancel" for unsaved work (blocking)."""
        if not self.interactive:
            return "cancel"
        box = QMessageBox(self.parent)
        box.setIcon(QMessageBox.Icon.Question)
        box.setWindowTitle("Unsaved changes")
        box.setText(f"{what}\n\nThis project has unsaved changes.")
        buttons = QMessageBox.StandardButton
        box.setStandardButtons(buttons.Save | buttons.Discard | buttons.Cancel)
        box.setDefaultButton(buttons.Save)
        answer = QMessageBox.StandardButton(box.exec())
        return {buttons.Save: "save", buttons.Discard: "discard"}.get(answer, "cancel")

    def ask_read_only(self) -> str:
        """ "elsewhere", "replace" or "cancel" when saving would replace a read-only project."""
        if not self.interactive:
            return "cancel"
        box = QMessageBox(self.parent)
        box.setIcon(QMessageBox.Icon.Question)
        box.setWindowTitle("Read-only project")
        box.setText(
            "The project file is read-only (protected from changes). Save the project in "
            "another file, or replace the read-only file?"
        )
        elsewhere = box.addButton("Save elsewhere…", QMessageBox.ButtonRole.AcceptRole)
        replace = box.addButton("Replace", QMessageBox.ButtonRole.DestructiveRole)
        box.addButton(QMessageBox.StandardButton.Cancel)
        box.setDefaultButton(elsewhere)
        box.exec()
        clicked = box.clickedButton()
        return (
            "elsewhere" if clicked is elsewhere else "replace" if clicked is replace else "cancel"
        )

    def ask_recover(self, project: str, regions: int, saved_at: str, remaining: int) -> str:
        """ "recover", "discard" or "later" for work left by a crash (blocking)."""
        if not self.interactive:
            return "later"
        box = QMessageBox(self.parent)
        box.setIcon(QMessageBox.Icon.Question)
        box.setWindowTitle("Recover unsaved work")
        more = f"\n\n({remaining} more recovery file(s) after this one.)" if remaining else ""
        box.setText(
            f"xraycompare was not closed properly. Unsaved work on {project} was kept "
            f"({regions} region(s), autosaved {saved_at or 'recently'}).\n\n"
            f"Recover it now?{more}"
        )
        recover = box.addButton("Recover", QMessageBox.ButtonRole.AcceptRole)
        discard = box.addButton("Discard", QMessageBox.ButtonRole.DestructiveRole)
        box.addButton("Later", QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(recover)
        box.exec()
        clicked = box.clickedButton()
        return "recover" if clicked is recover else "discard" if clicked is discard else "later"

    def ask_text(self, title: str, label: str, default: str = "") -> str | None:
        """A line of text; None when cancelled or empty."""
        if not self.interactive:
            return None
        text, ok = QInputDialog.getText(self.parent, title, label, text=default)
        text = text.strip()
        return text if ok and text else None

    def ask_choice(self, title: str, label: str, items: list[str], current: int) -> str | None:
        if not self.interactive:
            return None
        choice, ok = QInputDialog.getItem(self.parent, title, label, items, current, False)
        return choice if ok else None

    def ask_hand(self) -> str | None:
        """Which hand the films show, when nothing says: "left", "right" or None."""
        choice = self.ask_choice(
            "Which hand?",
            "The files do not say which hand these films show. They show the patient's:",
            ["Left hand", "Right hand"],
            0,
        )
        return None if choice is None else choice.split()[0].lower()

    def ask_int(
        self, title: str, label: str, value: int, low: int, high: int, step: int
    ) -> int | None:
        if not self.interactive:
            return None
        number, ok = QInputDialog.getInt(self.parent, title, label, value, low, high, step)
        return number if ok else None

    # -- files -----------------------------------------------------------------------------
    def ask_open_paths(self, title: str, start: str, filter_: str = IMAGE_FILTER) -> list[str]:
        if not self.interactive:
            return []
        paths, _ = QFileDialog.getOpenFileNames(self.parent, title, start, filter_)
        return paths

    def ask_open_path(self, title: str, start: str, filter_: str = IMAGE_FILTER) -> str | None:
        if not self.interactive:
            return None
        path, _ = QFileDialog.getOpenFileName(self.parent, title, start, filter_)
        return path or None

    def ask_save_path(self, title: str, start: str, filter_: str = PROJECT_FILTER) -> str | None:
        if not self.interactive:
            return None
        path, _ = QFileDialog.getSaveFileName(self.parent, title, start, filter_)
        return path or None

    def ask_folder(self, title: str, start: str) -> str | None:
        if not self.interactive:
            return None
        return QFileDialog.getExistingDirectory(self.parent, title, start) or None

    def ask_locate(self, film: str, message: str, start: str) -> Path | None:
        """Let the user find a film a project cannot (blocking); None when cancelled."""
        if not self.interactive:
            return None
        QMessageBox.information(self.parent, "Film not found", f"{message}.\n\nPlease locate it.")
        path, _ = QFileDialog.getOpenFileName(self.parent, f"Locate the {film} film", start)
        return Path(path) if path else None
