"""Random mutations of a project's JSON values and bytes, for the fuzzing tests (issue 11).

:func:`mutate` changes types, numbers, strings, nesting and sizes somewhere in a project;
:func:`text_damage` breaks its bytes (truncation, flipped bytes, NaN, deep nesting);
:func:`snapshot` records a folder so a test can check nothing was written outside ``--out``.
"""

from __future__ import annotations

import copy
import json
import os
import random
from pathlib import Path

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


def mutate(obj: dict, rng: random.Random) -> dict:
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


def text_damage(data: bytes, rng: random.Random) -> bytes:
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


def snapshot(root: Path, skip: Path) -> dict[str, tuple[int, int]]:
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


EDGES = [0, -0.0, 1e-300, 0.5, -1, 3, 1e4, 9.99e6, -9.99e6, 1e9, -1e9, 1e29, 255, 65535]


def nudge(obj: dict, rng: random.Random) -> dict:
    """One number somewhere set to an edge of what a project may hold (most stay valid, so
    the film and region code behind the parser meets them)."""
    numbers = [p for p in _paths(obj) if p and _is_number(_get(obj, p))]
    if numbers:
        where = rng.choice(numbers)
        _get(obj, where[:-1])[where[-1]] = rng.choice(EDGES)
    return obj


def _is_number(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def nudged_project(good: dict, seed: int) -> bytes:
    """The bytes of ``good`` with one to four numbers at the edges of their ranges."""
    rng = random.Random(seed)
    obj = copy.deepcopy(good)
    for _ in range(rng.randint(1, 4)):
        obj = nudge(obj, rng)
    return json.dumps(obj).encode("utf-8")


def mutated_project(good: dict, seed: int) -> tuple[bytes, random.Random]:
    """The bytes of ``good`` after the mutations of ``seed``, and the generator (for more
    choices that depend on the seed)."""
    rng = random.Random(seed)
    obj = copy.deepcopy(good)
    for _ in range(rng.choice([1, 1, 1, 2, 3])):
        obj = mutate(obj, rng)
    data = json.dumps(obj, indent=rng.choice([None, 1])).encode("utf-8", "surrogatepass")
    if rng.random() < 0.1:
        data = text_damage(data, rng)
    return data, rng


def no_constant(name: str):
    """``parse_constant`` for json.loads: NaN and Infinity are not JSON."""
    raise AssertionError(f"{name} in an exported JSON file")
