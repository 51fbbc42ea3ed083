"""The core and the headless commands never load Qt (ARCHITECTURE.md rule 1).

Two independent checks: importing every module in a fresh interpreter loads no PySide6
module (catches imports done at run time by third-party code too), and import-linter's
contract from pyproject.toml (catches a forbidden import even in code no test imports).
"""

from __future__ import annotations

import os
import pkgutil
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def qt_free_modules() -> list[str]:
    """Every module of the core and the headless commands, subpackages included."""
    names = []
    for package in ("core", "commands"):
        folder = REPO / "xraycompare" / package
        prefix = f"xraycompare.{package}"
        names.append(prefix)
        names += [info.name for info in pkgutil.walk_packages([str(folder)], prefix=prefix + ".")]
    return sorted(names)


def test_there_are_modules_to_check():
    names = qt_free_modules()
    assert "xraycompare.core.io.image" in names and "xraycompare.commands.info" in names


def test_importing_the_core_and_commands_loads_no_qt():
    probe = (
        "import importlib, sys\n"
        f"for name in {qt_free_modules()!r}:\n"
        "    importlib.import_module(name)\n"
        "import xraycompare.cli\n"
        "qt = sorted(m for m in sys.modules if m.startswith('PySide6') or m == 'xraycompare.qt')\n"
        "assert not qt, qt\n"
    )
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    result = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-2000:]


def _ini_value(value: object) -> str:
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, list):
        return "".join(f"\n    {item}" for item in value)
    return str(value)


def importlinter_config(folder: Path) -> Path:
    """pyproject.toml's ``[tool.importlinter]`` as an INI file for ``lint-imports --config``.

    Forbidding an external package (PySide6) needs ``include_external_packages``; it is
    added here when pyproject.toml lacks it, so the contracts themselves are what is tested.
    """
    settings = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["importlinter"]
    settings = dict(settings)
    contracts = settings.pop("contracts")
    settings.setdefault("include_external_packages", True)
    lines = ["[importlinter]"] + [f"{k} = {_ini_value(v)}" for k, v in settings.items()]
    for i, contract in enumerate(contracts):
        lines.append(f"\n[importlinter:contract:{i + 1}]")
        lines += [f"{k} = {_ini_value(v)}" for k, v in contract.items()]
    path = folder / "importlinter.ini"
    path.write_text("\n".join(lines) + "\n")
    return path


def test_import_linter_contract_holds(tmp_path: Path):
    linter = Path(sys.executable).parent / "lint-imports"
    if not linter.exists():
        found = shutil.which("lint-imports")
        if found is None:
            pytest.skip("import-linter is not installed")
        linter = Path(found)
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    config = importlinter_config(tmp_path)
    result = subprocess.run(
        [str(linter), "--config", str(config), "--no-cache"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert " 0 broken" in result.stdout, result.stdout


def import_cycles(package: str = "xraycompare") -> list[list[str]]:
    """Groups of modules that import each other, directly or in a ring (Tarjan's SCCs)."""
    grimp = pytest.importorskip("grimp")  # import-linter's graph builder
    graph = grimp.build_graph(package, include_external_packages=False)
    edges = {m: graph.find_modules_directly_imported_by(m) for m in graph.modules}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    cycles: list[list[str]] = []

    def visit(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        for target in edges[module]:
            if target not in index:
                visit(target)
                low[module] = min(low[module], low[target])
            elif target in stack:
                low[module] = min(low[module], index[target])
        if low[module] == index[module]:
            group = []
            while True:
                member = stack.pop()
                group.append(member)
                if member == module:
                    break
            if len(group) > 1:
                cycles.append(sorted(group))

    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10_000))
    for module in sorted(edges):
        if module not in index:
            visit(module)
    return cycles


def test_no_import_cycles_not_even_for_type_checking():
    """A cycle through ``if TYPE_CHECKING:`` couples modules as much as a runtime one."""
    assert import_cycles() == []
