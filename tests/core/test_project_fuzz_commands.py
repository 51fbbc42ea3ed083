"""Mutated projects through every command that opens one: figure, animate, gallery (issue 11).

The same mutations as test_project_fuzz.py (``annotations``), and for every other seed
numbers set to the edges of their ranges (so most projects still open and are really drawn
and written, with cheap output options). Each run must end in exit 0 with
its files (valid JSON, no NaN, in ``--out``'s folder only) or exit 2 with one error line
(warnings and notes before it allowed) and nothing written; never a traceback, never
minutes. A few cases run as real processes (``python -m xraycompare``), where an escaping
exception would print a traceback. ``XRAYCOMPARE_FUZZ_CASES`` scales these seeds too.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.core import hostile
from tests.core.project_mutations import mutated_project, no_constant, nudged_project, snapshot
from xraycompare.cli import main

CASES = max(1, int(os.environ.get("XRAYCOMPARE_FUZZ_CASES", "120")) // 4)
FIRST_SEED = 10_000  # other mutations than test_project_fuzz.py's
COMMANDS = {  # cheap settings: a small figure, a short narrow animation
    "figure": ["--out", "fig.png", "--dpi", "50", "--width-mm", "40"],
    "animate": ["--out", "anim.gif", "--width", "64", "--duration", "0.5"],
    "gallery": ["--out", "gallery.svg", "--width-mm", "40", "--dpi", "50"],
}


@pytest.fixture(scope="module")
def base(tmp_path_factory) -> tuple[Path, dict]:
    root = tmp_path_factory.mktemp("fuzz_commands")
    return root, hostile.small_films(root, hostile.demo_project())


def _command_line(name: str, project: Path, out: Path) -> list[str]:
    options = list(COMMANDS[name])
    options[1] = str(out / options[1])
    return [name, str(project), *options]


def _check(name: str, code: int, err: str, out: Path) -> None:
    prog = f"xraycompare {name}: "
    lines = err.splitlines()
    assert "Traceback" not in err and code in (0, 2), err
    assert all(line.startswith(prog) for line in lines), err
    if code == 2:
        errors = [ln for ln in lines if not ln.startswith((prog + "warning", prog + "note"))]
        assert len(errors) == 1, err
        assert not any(out.iterdir()), err  # nothing written
        return
    written = sorted(p.name for p in out.iterdir())
    assert len(written) == 2 or name == "animate", written  # the figure and its provenance
    for path in out.glob("*.json"):
        json.loads(path.read_text("utf-8"), parse_constant=no_constant)


@pytest.mark.parametrize("seed", range(FIRST_SEED, FIRST_SEED + CASES))
def test_mutated_projects_through_every_command(base, capsys, seed):
    root, good = base
    # odd seeds: numbers at the edges of their ranges (mostly valid: drawn and written)
    data = nudged_project(good, seed) if seed % 2 else mutated_project(good, seed)[0]
    name = sorted(COMMANDS)[seed % len(COMMANDS)]
    project = root / f"case{seed}.xrc.json"
    project.write_bytes(data)
    out = root / f"out{seed}"
    out.mkdir()
    before = snapshot(root, out)
    started = time.perf_counter()
    code = main(_command_line(name, project, out))
    elapsed = time.perf_counter() - started
    _check(name, code, capsys.readouterr().err, out)
    assert snapshot(root, out) == before  # nothing written outside --out's folder
    assert elapsed < 30, elapsed  # a hang guard; timings are in benchmarks/bench_hostile.py
    project.unlink()


@pytest.mark.parametrize("seed", [3, 5, 8, 13])
def test_mutated_projects_in_a_real_process(base, seed):
    root, good = base
    data, _ = mutated_project(good, seed)
    project = root / f"process{seed}.xrc.json"
    project.write_bytes(data)
    out = root / f"process_out{seed}"
    out.mkdir()
    command = ["annotations", str(project), "--out", str(out)] if seed % 2 else None
    command = command or _command_line("figure", project, out)
    env = {k: v for k, v in os.environ.items() if k != "XRAYCOMPARE_TRACEBACK"}
    proc = subprocess.run(
        [sys.executable, "-m", "xraycompare", *command],
        capture_output=True, text=True, timeout=120, env=env,
    )  # fmt: skip
    assert proc.returncode in (0, 2), proc.stderr
    assert "Traceback" not in proc.stderr
    if proc.returncode == 2:
        assert proc.stderr.count("\n") >= 1 and not any(out.iterdir()), proc.stderr
