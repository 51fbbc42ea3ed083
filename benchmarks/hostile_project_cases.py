"""Hostile projects and output targets (issue 11), each as the command line that meets it.

``CASES`` lists ``(name, build)``: ``build(folder)`` makes one hostile input in ``folder``
(from the repo's own demo project and small films made there) and returns the
``xraycompare`` arguments (without the program name) that must refuse it, or, for the few
inputs a user may legitimately have (a 10 000-vertex outline, a film named ``*``, a stray
recovery block), open it without harm. ``EXPECTED_EXIT`` gives each case's exit status
(2: refused with one line naming the file; 0: opened). ``benchmarks/bench_hostile.py``
prints the time and peak memory of each; ``tests/core/test_hostile_cases.py`` checks the
statuses; targets: under 2 s and 500 MB each.

    nice -n 10 python benchmarks/hostile_project_cases.py   # each case once: exit, s, MB
"""

from __future__ import annotations

import json
import os
import stat
import sys
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

import numpy as np

from tests.core import hostile  # the builders the tests use

Build = Callable[[Path], list[str]]


def _films(folder: Path) -> dict:
    """The demo project (as JSON values) over two small films made in ``folder``."""
    return hostile.small_films(folder, hostile.demo_project())


def _project(folder: Path, name: str, change: Callable[[dict], None]) -> Path:
    obj = _films(folder)
    change(obj)
    return hostile.write_project(folder / name, obj)


def _annotations(project: Path, folder: Path) -> list[str]:
    return ["annotations", str(project), "--out", str(folder / "out")]


def crafted_recovery(folder: Path) -> list[str]:
    """A normal project whose ``recovery`` block names another file: opening it must not
    make that file where the app writes (it is ignored; the export writes only to --out)."""
    victim = folder / "precious.txt"
    victim.write_text("keep me")

    def change(obj: dict) -> None:
        obj["recovery"] = {"project_path": str(victim), "saved_at": "", "pid": 1}

    return _annotations(_project(folder, "recovery.xrc.json", change), folder)


def vertices(n: int, *, decimals: int | None = None) -> Build:
    """A region outline of ``n`` vertices (rounded to ``decimals`` to keep the file small)."""

    def build(folder: Path) -> list[str]:
        points = np.asarray(hostile.star_points(n))
        if decimals is not None:
            points = points.round(decimals)

        def change(obj: dict) -> None:
            obj["regions"][0]["points"] = points.tolist()

        return _annotations(_project(folder, f"v{n}.xrc.json", change), folder)

    return build


def bulky(megabytes: int) -> Build:
    """A valid-looking project padded to ``megabytes`` MB (an unknown key full of numbers)."""

    def build(folder: Path) -> list[str]:
        path = hostile.bulky_project(folder / f"p{megabytes}.xrc.json", megabytes)
        return _annotations(path, folder)

    return build


def mutated(name: str, change: Callable[[dict], None]) -> Build:
    def build(folder: Path) -> list[str]:
        return _annotations(_project(folder, name, change), folder)

    return build


def _far_point(obj: dict) -> None:
    obj["regions"][0]["points"][0] = [1e308, 1e308]


def _singular(obj: dict) -> None:
    obj["alignment"]["global"]["matrix"] = [[0, 0, 0], [0, 0, 0], [0, 0, 1]]


def _lone_surrogate(obj: dict) -> None:
    obj["regions"][0]["note"] = "erosion \ud800 grade 2"  # written with surrogatepass


def glob_film(folder: Path) -> list[str]:
    """A film recorded as ``*`` above 300 folders of PNGs: none may be opened (the film is
    reported missing and the regions are exported without the values inside)."""
    root = folder / "globbed"
    _films(folder)  # makes film_before.png, copied into every folder
    png = (folder / "film_before.png").read_bytes()
    for i in range(300):
        sub = root / f"d{i}" / "e"
        sub.mkdir(parents=True)
        (sub / f"f{i}.png").write_bytes(png)

    obj = _films(root)
    obj["images"]["before"]["path"] = "*"
    obj["images"]["after"]["path"] = "*/e/*"
    return _annotations(hostile.write_project(root / "p.xrc.json", obj), folder)


def _tiny_png(folder: Path) -> Path:
    return hostile.tiny_pngs(folder)[2]  # 8 × 8


def read_only_out(folder: Path) -> list[str]:
    """``render --out`` a read-only file (0444): refused, even for root who could write it."""
    out = folder / "locked.png"
    out.write_bytes(b"keep me")
    out.chmod(0o444)
    return ["render", str(_tiny_png(folder)), "--out", str(out)]


def dev_null_out(folder: Path) -> list[str]:
    """``render --out /dev/null``: a device is never replaced (checked before any work)."""
    return ["render", str(_tiny_png(folder)), "--out", os.devnull]


def fifo_out(folder: Path) -> list[str]:
    """``render --out`` a FIFO: not opened (it would block), not replaced."""
    fifo = folder / "pipe.png"
    os.mkfifo(fifo)
    return ["render", str(_tiny_png(folder)), "--out", str(fifo)]


def fifo_project(folder: Path) -> list[str]:
    """A project 'file' that is a FIFO: refused without blocking on it."""
    fifo = folder / "pipe.xrc.json"
    os.mkfifo(fifo)
    return _annotations(fifo, folder)


def figure_through_a_link_to_a_fifo(folder: Path) -> list[str]:
    """``figure --out`` a link to a FIFO: the link is followed, the FIFO refused before the
    films are even opened."""
    fifo = folder / "pipe.png"
    os.mkfifo(fifo)
    (folder / "fig.png").symlink_to(fifo)
    project = hostile.write_project(folder / "fig.xrc.json", _films(folder))
    return ["figure", str(project), "--out", str(folder / "fig.png")]


CASES: list[tuple[str, Build]] = [
    ("project with a recovery block naming another file (opens)", crafted_recovery),
    ("region of 10 000 vertices (exports)", vertices(10_000)),
    ("region of 1 000 000 vertices", vertices(1_000_000, decimals=1)),
    ("project of 250 MB", bulky(250)),
    ("coordinates of 1e308", mutated("huge.xrc.json", _far_point)),
    ("singular alignment matrix", mutated("singular.xrc.json", _singular)),
    ("lone surrogate in a note", mutated("surrogate.xrc.json", _lone_surrogate)),
    ("film path '*' above 300 folders (opens)", glob_film),
    ("render --out a read-only file", read_only_out),
    ("render --out /dev/null", dev_null_out),
    ("render --out a FIFO", fifo_out),
    ("project that is a FIFO", fifo_project),
    ("figure --out a link to a FIFO", figure_through_a_link_to_a_fifo),
]
EXPECTED_EXIT: dict[str, int] = {name: 0 if "(opens)" in name or "(exports)" in name else 2
                                 for name, _ in CASES}  # fmt: skip


def untouched(folder: Path) -> bool:
    """After a run: the read-only target and the recovery victim are as they were."""
    locked, victim = folder / "locked.png", folder / "precious.txt"
    if locked.exists() and locked.read_bytes() != b"keep me":
        return False
    if victim.exists() and victim.read_text() != "keep me":
        return False
    if (folder / "precious.txt.bak").exists():
        return False
    fifo = folder / "pipe.png"
    return not fifo.exists() or stat.S_ISFIFO(fifo.lstat().st_mode)


_CHILD = """
import contextlib, io, json, resource, sys, time
sys.path.insert(0, {repo!r})
from xraycompare.cli import _command_module, main
args = json.loads(sys.argv[1])
_command_module(args[0])  # imports are not part of a refusal's time
err = io.StringIO()
started = time.perf_counter()
with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
    code = main(args)
seconds = time.perf_counter() - started
try:  # this process's own peak (ru_maxrss would carry the parent's across exec)
    peak = next(int(ln.split()[1]) for ln in open("/proc/self/status") if ln.startswith("VmHWM"))
except (OSError, StopIteration):
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
peak /= 1024
print(json.dumps({{"code": code, "seconds": seconds, "peak_mb": peak, "err": err.getvalue()}}))
"""


def main() -> None:
    """Run every case once, each in its own process: exit status, time, peak memory (MB,
    the process's whole peak, imports included), and whether it ended as promised."""
    import subprocess
    import tempfile

    print(f"{'case':<58} exit  seconds  peak MB  outcome")
    for name, build in CASES:
        with tempfile.TemporaryDirectory() as tmp:
            args = build(Path(tmp))
            proc = subprocess.run(
                [sys.executable, "-c", _CHILD.format(repo=str(REPO)), json.dumps(args)],
                capture_output=True, text=True, timeout=600,
            )  # fmt: skip
            if proc.returncode != 0:
                print(f"{name:<58} crashed: {proc.stderr.strip().splitlines()[-1:]}")
                continue
            r = json.loads(proc.stdout.strip().splitlines()[-1])
            ok = r["code"] == EXPECTED_EXIT[name] and untouched(Path(tmp))
            said = (r["err"].strip().splitlines() or ["ok"])[-1].split(": ", 2)[-1][:60]
            figures = f"{r['code']:>4}  {r['seconds']:7.3f}  {r['peak_mb']:7.0f}"
            print(f"{name:<58} {figures}  {'' if ok else 'NOT AS PROMISED: '}{said}")


if __name__ == "__main__":
    main()
