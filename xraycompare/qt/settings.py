"""UI preferences in QSettings (geometry, recent pairs, last folder, theme).

Only preferences live here; anything needed to reproduce a result belongs in the project
file. Tests point QSettings at a temporary directory (see tests/conftest.py).
"""

from __future__ import annotations

import json
from pathlib import Path

from PySide6.QtCore import QByteArray, QSettings

MAX_RECENT = 10


class Settings:
    """Typed access to the app's QSettings."""

    def __init__(self, settings: QSettings | None = None) -> None:
        self._s = settings or QSettings("xraycompare", "xraycompare")

    def _get(self, key: str, default):
        value = self._s.value(key, default)
        return default if value is None else value

    # -- look -----------------------------------------------------------------------------
    @property
    def theme(self) -> str:
        value = str(self._get("ui/theme", "dark"))
        return value if value in ("dark", "system") else "dark"

    @theme.setter
    def theme(self, value: str) -> None:
        self._s.setValue("ui/theme", value)

    @property
    def auto_register(self) -> bool:
        return str(self._get("registration/auto", "true")).lower() in ("true", "1")

    @auto_register.setter
    def auto_register(self, value: bool) -> None:
        self._s.setValue("registration/auto", "true" if value else "false")

    @property
    def registration_model(self) -> str:
        value = str(self._get("registration/model", "similarity"))
        return value if value in ("rigid", "similarity", "affine") else "similarity"

    @registration_model.setter
    def registration_model(self, value: str) -> None:
        self._s.setValue("registration/model", value)

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
        try:
            raw = json.loads(str(self._get("files/recent_pairs", "[]")))
            return [(str(b), str(a)) for b, a in raw][:MAX_RECENT]
        except (ValueError, TypeError):
            return []

    def add_recent_pair(self, before: str, after: str) -> None:
        pair = (str(Path(before).resolve()), str(Path(after).resolve()))
        pairs = [pair] + [p for p in self.recent_pairs() if p != pair]
        self._s.setValue("files/recent_pairs", json.dumps(pairs[:MAX_RECENT]))

    def clear_recent_pairs(self) -> None:
        self._s.setValue("files/recent_pairs", "[]")

    def sync(self) -> None:
        self._s.sync()
