"""Where the bundled files are, installed or in a source checkout (Qt-free)."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

DEMO_BEFORE = "demo_before.dcm"
DEMO_AFTER = "demo_after.dcm"
DEMO_PROJECT = "demo.xrc.json"


def assets_dir() -> Path:
    """The assets folder: ``xraycompare.assets`` when installed, else ``<repo>/assets``."""
    try:
        installed = Path(str(resources.files("xraycompare.assets")))
        if (installed / DEMO_BEFORE).exists():
            return installed
    except (ModuleNotFoundError, TypeError):
        pass
    return Path(__file__).resolve().parent.parent / "assets"


def demo_pair() -> tuple[Path, Path]:
    """The bundled demo pair: a real CR hand and its simulated follow-up."""
    folder = assets_dir()
    return folder / DEMO_BEFORE, folder / DEMO_AFTER


def demo_project() -> Path | None:
    """The bundled demo project (regions and scores on the demo pair), if present."""
    path = assets_dir() / DEMO_PROJECT
    return path if path.exists() else None
