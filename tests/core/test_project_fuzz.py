"""Random mutations of the demo project through ``xraycompare annotations`` (issue 11).

Each case changes types, numbers, strings, nesting and sizes of the demo project (and
sometimes its bytes), runs the command in-process and asserts: exit 0 or a one-line exit
2, never a traceback, valid JSON out (no NaN), nothing written outside ``--out``, bounded
time. The default run is a fixed list of seeds (a few seconds); set
``XRAYCOMPARE_FUZZ_CASES=2000`` for a longer hunt (seeds continue from the default list).
"""

from __future__ import annotations

import copy
import json
import os
import random
import time
from pathlib import Path

import pytest

from tests.core import hostile
from xraycompare.cli import main

CASES = int(os.environ.get("XRAYCOMPARE_FUZZ_CASES", "30"))
LONG = "z" * 20_000
VALUES = [
    None, True, False, 0, -1, 7, 0.5, 1e308, -1e308, 10**400, 1e-320, "", "x", "*", "../../x",
    "/dev/zero", "\ud800", "a\x00b", "=cmd()", "é" * 300, LONG, [], {}, [[1, 2]],
    [[1e308, 1e308]] * 3, [[0, 0], [0, 0], [0, 0]], {"a": 1}, [[[[[[1]]]]]],
]  # fmt: skip


def _paths(value, where=()):
    yield where
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _paths(v, (*where, k))
    elif isinstance(value, list):
        for i, v in enumerate(value[:4]):
            yield from _paths(v, (*where, i))


def _get(obj, where):
    for key in where:
        obj = obj[key]
    return obj


NUMBERS = [0, -1, 1, 0.5, 3, 64, 1e-9, 1e6, 1e7, 2e7, 1e12, 1e30, 1e308, -1e308, 10**400]
TEXTS = ["", "x", "*", "../x", "\u202e", "é" * 300, LONG, "erosion", "PIP3", "before", "=1+1"]


def _similar(value, rng: random.Random):
    """A value of the same type (so the file gets past the type checks more often)."""
    if isinstance(value, bool):
        return not value
    if isinstance(value, int | float):
        return rng.choice(NUMBERS) * rng.choice([1, -1])
    if isinstance(value, str):
        return rng.choice(TEXTS)
    if isinstance(value, list) and value:
        return value[: rng.randrange(len(value))] if rng.random() < 0.5 else value * 2
    return value


def _mutate(obj: dict, rng: random.Random) -> dict:
    where = rng.choice([p for p in _paths(obj) if p])
    parent, key = _get(obj, where[:-1]), where[-1]
    value = parent[key]
    kind = rng.choice(["similar"] * 5 + ["value", "delete", "grow", "nest", "unknown", "number"])
    if kind == "similar":
        parent[key] = _similar(value, rng)
    elif kind == "value":
        parent[key] = copy.deepcopy(rng.choice(VALUES))
    elif kind == "delete":
        del parent[key]
    elif kind == "grow" and isinstance(value, list) and value:
        parent[key] = value * rng.choice([2, 50, 3000, 12_000])
    elif kind == "nest":
        for _ in range(rng.choice([2, 40, 200])):  # deeper nesting is made as text
            value = [value]
        parent[key] = value
    elif kind == "unknown" and isinstance(value, dict):
        value[rng.choice(["extra", "x" * 300, ""])] = rng.choice(VALUES)
    elif kind == "number" and isinstance(value, int | float) and not isinstance(value, bool):
        parent[key] = value * rng.choice([-1, 0, 1e12, 1e300, 1e-300])
    else:
        parent[key] = copy.deepcopy(rng.choice(VALUES))
    return obj


def _text_damage(data: bytes, rng: random.Random) -> bytes:
    kind = rng.choice(["truncate", "flip", "nan", "deep"])
    if kind == "truncate":
        return data[: rng.randrange(len(data))]
    if kind == "flip":
        out = bytearray(data)
        for _ in range(rng.randint(1, 6)):
            out[rng.randrange(len(out))] = rng.randrange(256)
        return bytes(out)
    if kind == "nan":
        return data.replace(b"0.115", rng.choice([b"NaN", b"Infinity", b"1e999", b"-0"]), 1)
    return data[:-2] + b', "deep": ' + b"[" * 100_000 + b"]" * 100_000 + b"}\n"


def _snapshot(root: Path, skip: Path) -> dict[str, tuple[int, int]]:
    out = {}
    for folder, dirs, files in os.walk(root):
        if Path(folder) == skip or skip in Path(folder).parents:
            continue
        for name in files + dirs:
            path = Path(folder) / name
            if path != skip:
                info = path.lstat()
                out[str(path)] = (info.st_size, info.st_mtime_ns)
    return out


@pytest.fixture(scope="module")
def base(tmp_path_factory) -> tuple[Path, dict]:
    root = tmp_path_factory.mktemp("fuzz")
    return root, hostile.small_films(root, hostile.demo_project())


@pytest.mark.parametrize("seed", range(CASES))
def test_mutated_projects_exit_cleanly(base, capsys, seed):
    root, good = base
    rng = random.Random(seed)
    obj = copy.deepcopy(good)
    for _ in range(rng.choice([1, 1, 1, 2, 3])):
        obj = _mutate(obj, rng)
    data = json.dumps(obj, indent=rng.choice([None, 1])).encode("utf-8", "surrogatepass")
    if rng.random() < 0.1:
        data = _text_damage(data, rng)
    project = root / f"case{seed}.xrc.json"
    project.write_bytes(data)
    out = root / f"out{seed}"
    fmt = rng.choice(["geojson", "labelme", "csv"])
    before = _snapshot(root, out)
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
                json.loads(path.read_text("utf-8"), parse_constant=_no_constant)
    assert _snapshot(root, out) == before  # nothing written outside --out
    assert elapsed < 20, elapsed  # a hang guard; timings are in benchmarks/bench_hostile.py
    project.unlink()


def _no_constant(name: str):
    raise AssertionError(f"{name} in an exported JSON file")
