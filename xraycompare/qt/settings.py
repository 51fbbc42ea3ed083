"""UI preferences in QSettings: the only module that reads or writes them.

Only preferences live here (window geometry, recent files, last folder, theme, autosave
interval, whether new regions are propagated); anything needed to reproduce a result
belongs in the project file. Tests point QSettings at a temporary folder (tests/qt/conftest.py).
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

from PySide6.QtCore import QByteArray, QSettings

from xraycompare.core.types import MODELS, Model

MAX_RECENT = 10
LABEL_SCALES = (1.0, 1.5, 2.0)  # normal, large, projector


def _now() -> str:
    return datetime.now().isoformat(timespec="minutes")


def opened_label(when: str) -> str:
    """ "opened 2 Dec 14:05" from an ISO time: a recent entry named without its files."""
    try:
        moment = datetime.fromisoformat(when)
    except ValueError:
        return "opened earlier"
    return f"opened {moment.day} {moment:%b %H:%M}"


DEFAULT_AUTOSAVE_SECONDS = 30.0


class Settings:
    """Typed access to the app's QSettings."""

    def __init__(self, settings: QSettings | None = None) -> None:
        self._s = settings or QSettings("xraycompare", "xraycompare")

    def _get(self, key: str, default):
        value = self._s.value(key, default)
        return default if value is None else value

    def _flag(self, key: str, default: bool) -> bool:
        return str(self._get(key, "true" if default else "false")).lower() in ("true", "1")

    def _set_flag(self, key: str, value: bool) -> None:
        self._s.setValue(key, "true" if value else "false")

    # -- look -----------------------------------------------------------------------------
    @property
    def theme(self) -> str:
        value = str(self._get("ui/theme", "dark"))
        return value if value in ("dark", "system") else "dark"

    @theme.setter
    def theme(self, value: str) -> None:
        self._s.setValue("ui/theme", value)

    @property
    def label_scale(self) -> float:
        """How large pane titles, captions, region tags and the colour bar are (1 = normal)."""
        try:
            value = float(self._get("ui/label_scale", 1.0))
        except (TypeError, ValueError):
            return 1.0
        return value if value in LABEL_SCALES else 1.0

    @label_scale.setter
    def label_scale(self, value: float) -> None:
        self._s.setValue("ui/label_scale", float(value))

    # -- figures -------------------------------------------------------------------------
    @property
    def figure_options(self) -> dict:
        """The figure dialog's last options (a FigureSpec's dict, without crop or insets)."""
        try:
            value = json.loads(str(self._get("figure/options", "{}")))
        except ValueError:
            return {}
        return value if isinstance(value, dict) else {}

    @figure_options.setter
    def figure_options(self, value: dict) -> None:
        self._s.setValue("figure/options", json.dumps(value))

    @property
    def auto_register(self) -> bool:
        return self._flag("registration/auto", True)

    @auto_register.setter
    def auto_register(self, value: bool) -> None:
        self._set_flag("registration/auto", value)

    @property
    def registration_model(self) -> Model:
        value = str(self._get("registration/model", "similarity"))
        return value if value in MODELS else "similarity"  # type: ignore[return-value]

    @registration_model.setter
    def registration_model(self, value: Model) -> None:
        self._s.setValue("registration/model", value)

    @property
    def propagate_regions(self) -> bool:
        """Whether a region drawn on one film also gets a linked counterpart on the other."""
        return self._flag("regions/propagate", True)

    @propagate_regions.setter
    def propagate_regions(self, value: bool) -> None:
        self._set_flag("regions/propagate", value)

    @property
    def autosave_seconds(self) -> float:
        """Seconds between recovery saves of unsaved work; 0 turns autosave off."""
        try:
            value = float(self._get("project/autosave_seconds", DEFAULT_AUTOSAVE_SECONDS))
        except (TypeError, ValueError):
            return DEFAULT_AUTOSAVE_SECONDS
        return value if value >= 0 else DEFAULT_AUTOSAVE_SECONDS

    @autosave_seconds.setter
    def autosave_seconds(self, value: float) -> None:
        self._s.setValue("project/autosave_seconds", float(max(value, 0.0)))

    # -- window ---------------------------------------------------------------------------
    def geometry(self) -> QByteArray | None:
        value = self._s.value("window/geometry")
        return value if isinstance(value, QByteArray) else None

    def window_state(self) -> QByteArray | None:
        value = self._s.value("window/state")
        return value if isinstance(value, QByteArray) else None

    def save_window(self, geometry: QByteArray, state: QByteArray) -> None:
        self._s.setValue("window/geometry", geometry)
        self._s.setValue("window/state", state)

    # -- files ----------------------------------------------------------------------------
    @property
    def last_directory(self) -> str:
        return str(self._get("files/last_directory", str(Path.home())))

    @last_directory.setter
    def last_directory(self, value: str) -> None:
        self._s.setValue("files/last_directory", value)

    def recent_pairs(self) -> list[tuple[str, str]]:
        return [(entry[0], entry[1]) for entry in self._recent("files/recent_pairs", 2)]

    def recent_pairs_opened(self) -> list[str]:
        """When each recent pair was opened (ISO time; "" for entries from older versions)."""
        return [entry[2] for entry in self._recent("files/recent_pairs", 2)]

    def add_recent_pair(self, before: str, after: str) -> None:
        pair = [str(Path(before).resolve()), str(Path(after).resolve())]
        old = [e for e in self._recent("files/recent_pairs", 2) if e[:2] != pair]
        entries = [[*pair, _now()], *old][:MAX_RECENT]
        self._s.setValue("files/recent_pairs", json.dumps(entries))

    def clear_recent_pairs(self) -> None:
        self._s.setValue("files/recent_pairs", "[]")

    def recent_projects(self) -> list[str]:
        return [entry[0] for entry in self._recent("files/recent_projects", 1)]

    def recent_projects_opened(self) -> list[str]:
        return [entry[1] for entry in self._recent("files/recent_projects", 1)]

    def add_recent_project(self, path: str | Path) -> None:
        p = str(Path(path).resolve())
        old = [e for e in self._recent("files/recent_projects", 1) if e[0] != p]
        entries = [[p, _now()], *old][:MAX_RECENT]
        self._s.setValue("files/recent_projects", json.dumps(entries))

    def _recent(self, key: str, paths: int) -> list[list[str]]:
        """Entries of ``paths`` file paths and the time they were opened (older: none)."""
        try:
            raw = json.loads(str(self._get(key, "[]")))
        except (ValueError, TypeError):
            return []
        out = []
        for entry in raw if isinstance(raw, list) else []:
            items = [entry] if isinstance(entry, str) else entry
            if isinstance(items, list) and len(items) >= paths:
                names = [str(x) for x in items[:paths]]
                when = str(items[paths]) if len(items) > paths else ""
                out.append([*names, when])
        return out[:MAX_RECENT]

    def clear_recent_projects(self) -> None:
        self._s.setValue("files/recent_projects", "[]")

    def sync(self) -> None:
        self._s.sync()
