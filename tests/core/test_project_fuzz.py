"""Random mutations of the demo project through ``xraycompare annotations`` (issue 11).

Each case changes types, numbers, strings, nesting and sizes of the demo project (and
sometimes its bytes; see :mod:`tests.core.project_mutations`), runs the command in-process
and asserts: exit 0 or a one-line exit 2, never a traceback, valid JSON out (no NaN),
nothing written outside ``--out``, bounded time. The default run is a fixed list of seeds
(about 15 s); set ``XRAYCOMPARE_FUZZ_CASES=2000`` for a longer hunt (seeds continue from
the default list). The other commands that open a project are fuzzed in
test_project_fuzz_commands.py.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest

from tests.core import hostile
from tests.core.project_mutations import mutated_project, no_constant, snapshot
from xraycompare.cli import main

CASES = int(os.environ.get("XRAYCOMPARE_FUZZ_CASES", "120"))


@pytest.fixture(scope="module")
def base(tmp_path_factory) -> tuple[Path, dict]:
    root = tmp_path_factory.mktemp("fuzz")
    return root, hostile.small_films(root, hostile.demo_project())


@pytest.mark.parametrize("seed", range(CASES))
def test_mutated_projects_exit_cleanly(base, capsys, seed):
    root, good = base
    data, rng = mutated_project(good, seed)
    project = root / f"case{seed}.xrc.json"
    project.write_bytes(data)
    out = root / f"out{seed}"
    fmt = rng.choice(["geojson", "labelme", "csv"])
    before = snapshot(root, out)
    started = time.perf_counter()
    code = main(["annotations", str(project), "--format", fmt, "--out", str(out)])
    elapsed = time.perf_counter() - started
    err = capsys.readouterr().err
    assert code in (0, 2), err
    assert "Traceback" not in err
    if code == 2:
        assert err.startswith("xraycompare annotations: ") and err.count("\n") == 1, err
        assert not out.exists()
    else:
        for path in out.iterdir():
            if path.suffix == ".json" or path.suffix == ".geojson":
                json.loads(path.read_text("utf-8"), parse_constant=no_constant)
    assert snapshot(root, out) == before  # nothing written outside --out
    assert elapsed < 20, elapsed  # a hang guard; timings are in benchmarks/bench_hostile.py
    project.unlink()
