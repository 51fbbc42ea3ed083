"""Packaging: every subpackage and the bundled demo files are installed by `pip install .`."""

from __future__ import annotations

import tomllib
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def _config() -> dict:
    return tomllib.loads((REPO / "pyproject.toml").read_text())


def test_every_subpackage_is_listed_in_pyproject():
    listed = set(_config()["tool"]["setuptools"]["packages"])
    found = {
        ".".join(p.parent.relative_to(REPO).parts)
        for p in (REPO / "xraycompare").rglob("__init__.py")
    }
    missing = found - listed
    assert not missing, f"add these packages to [tool.setuptools] packages: {sorted(missing)}"


def test_demo_files_are_package_data():
    config = _config()["tool"]["setuptools"]
    assert config["package-dir"]["xraycompare.assets"] == "assets"
    patterns = config["package-data"]["xraycompare.assets"]
    for name in ("demo_before.dcm", "demo_after.dcm", "demo.xrc.json"):
        assert (REPO / "assets" / name).exists()
        assert any(Path(name).match(p) for p in patterns), name
