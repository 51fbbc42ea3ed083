"""Where the bundled files are, installed or in a source checkout (Qt-free)."""

from __future__ import annotations

from pathlib import Path

DEMO_BEFORE = "demo_before.dcm"
DEMO_AFTER = "demo_after.dcm"
DEMO_PROJECT = "demo.xrc.json"


def assets_dir() -> Path:
    """The assets folder: installed next to the package, or ``<repo>/assets`` in a checkout.

    ``pip install .`` puts the repo's ``assets/`` at ``xraycompare/assets`` (see
    pyproject.toml); an editable install or a plain checkout finds the repo folder.
    """
    package = Path(__file__).resolve().parent
    for folder in (package / "assets", package.parent / "assets"):
        if (folder / DEMO_BEFORE).exists():
            return folder
    return package.parent / "assets"


def demo_pair() -> tuple[Path, Path]:
    """The bundled demo pair: a real CR hand and its simulated follow-up."""
    folder = assets_dir()
    return folder / DEMO_BEFORE, folder / DEMO_AFTER


def demo_project() -> Path | None:
    """The bundled demo project (regions and scores on the demo pair), if present."""
    path = assets_dir() / DEMO_PROJECT
    return path if path.exists() else None
