"""Time and peak memory to refusal, per class of hostile input (issue 11).

Each case runs in its own subprocess (``xraycompare info`` or ``annotations`` in-process
there, its modules imported before the clock starts). Peak memory is the process's peak
resident size while the case ran (Linux: VmHWM, reset after the imports; elsewhere
``ru_maxrss``), imports included; ``+MB`` is what the case added to the size it started
with. The first row is the baseline: a tiny image. Targets: under 2 s and 500 MB each.
Inputs are made from the repo's own data by tests/core/hostile.py.

    nice -n 10 python benchmarks/bench_hostile.py
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.core import hostile  # the builders the tests use
from xraycompare.core.annotations.formats import MAX_REGIONS

CHILD = """
import json, resource, sys, time, io, contextlib
sys.path.insert(0, {repo!r})
from xraycompare.cli import _command_module, main
args = json.loads(sys.argv[1])
_command_module(args[0])  # imports are not part of a refusal's time


def status(key):  # kB from /proc/self/status (Linux); None elsewhere
    try:
        for line in open("/proc/self/status"):
            if line.startswith(key + ":"):
                return int(line.split()[1])
    except OSError:
        return None


try:  # reset the peak (VmHWM) to the current size: the peak then is this case's own
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")
except OSError:
    pass
start = status("VmRSS")
err = io.StringIO()
started = time.perf_counter()
with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
    code = main(args)
seconds = time.perf_counter() - started
peak = status("VmHWM") or resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({{"code": code, "seconds": seconds, "peak_mb": peak / 1024,
                  "start_mb": (start or 0) / 1024, "err": err.getvalue()}}))
"""


def run(args: list[str]) -> dict:
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1")
    proc = subprocess.run(
        [sys.executable, "-c", CHILD.format(repo=str(REPO)), json.dumps(args)],
        capture_output=True, text=True, env=env, timeout=600,
    )  # fmt: skip
    if proc.returncode != 0:
        return {"code": proc.returncode, "seconds": float("nan"), "peak_mb": float("nan"),
                "start_mb": float("nan"), "err": proc.stderr.strip().splitlines()[-1:]}  # fmt: skip
    return json.loads(proc.stdout.strip().splitlines()[-1])


def cases(folder: Path) -> list[tuple[str, list[str]]]:
    """(class of input, command line) for each hostile input, made in ``folder``."""
    tiny = hostile.tiny_pngs(folder)
    films = hostile.small_films(folder, hostile.demo_project())

    def project(name: str, change) -> str:
        obj = json.loads(json.dumps(films))
        change(obj)
        return str(hostile.write_project(folder / name, obj))

    def annotations(path: str) -> list[str]:
        return ["annotations", path, "--out", str(folder / "out")]

    def vertices(n: int):
        return lambda o: o["regions"][0].update(points=hostile.star_points(n))

    def far_point(obj):
        obj["regions"][0]["points"][0] = [1e308, 1e308]

    def singular(obj):
        obj["alignment"]["global"]["matrix"] = [[0, 0, 0], [0, 0, 0], [0, 0, 1]]

    def film_boxes(obj):  # as many regions as a project may hold, each as large as the film
        box = [[0, 0], [1599, 0], [1599, 1199], [0, 1199]]
        obj["regions"] = [
            {"id": f"r{i}", "film": "before", "geometry": "polygon", "points": box}
            for i in range(MAX_REGIONS)
        ]

    glob_dir = folder / "globbed"
    for i in range(300):
        sub = glob_dir / f"d{i}" / "e"
        sub.mkdir(parents=True)
        (sub / f"f{i}.png").write_bytes((folder / "film_before.png").read_bytes())
    star = project("glob/p.xrc.json", lambda o: o["images"]["before"].update(path="*"))
    (glob_dir / "p.xrc.json").write_text(Path(star).read_text())
    big_json = folder / "big.xrc.json"
    return [
        ("baseline: info on a 2×2 PNG", ["info", str(tiny[1])]),
        ("JPEG-LS frame claiming 60000² (DICOM 64×80)",
         ["info", str(hostile.lying_frame(folder / "ls.dcm", "cr_jpegls.dcm"))]),
        ("JPEG lossy frame claiming 60000²",
         ["info", str(hostile.lying_frame(folder / "jpg.dcm", "cr_jpeg_baseline.dcm"))]),
        ("JPEG 2000 SIZ claiming 60000²",
         ["info", str(hostile.lying_frame(folder / "j2k.dcm", "cr_j2k_mono1.dcm"))]),
        ("5 kB zlib float32 TIFF of 13000²",
         ["info", str(hostile.tiff_bomb(folder / "bomb.tif", side=13000))]),
        ("1 MB deflated DICOM inflating to 600 MB",
         ["info", str(hostile.deflate_bomb(folder / "deflated.dcm", 600 << 20))]),
        ("tiny valid PNG 3×5000 (opens)", ["info", str(tiny[3])]),
        ("project of 40 MB (over the 32 MB cap)",
         annotations(str(hostile.bulky_project(folder / "p40.xrc.json", 40)))),
        ("project of 30 MB, unknown key (opens)",
         annotations(str(hostile.bulky_project(folder / "p30.xrc.json", 30)))),
        ("project nested 200 000 deep",
         annotations(str(hostile.deep_project(folder / "deep.xrc.json")))),
        ("project with 1.1 M lists", annotations(_lists(big_json))),
        ("region of 10 000 vertices (exports)",
         annotations(project("v10k.xrc.json", vertices(10_000)))),
        ("region of 100 000 vertices", annotations(project("v100k.xrc.json", vertices(100_000)))),
        (f"{MAX_REGIONS} regions (the cap) as large as the film (exports)",
         annotations(project("boxes.xrc.json", film_boxes))),
        ("coordinates of 1e308", annotations(project("huge.xrc.json", far_point))),
        ("singular alignment matrix", annotations(project("singular.xrc.json", singular))),
        ("image path '*' above 300 folders (opens)", annotations(str(glob_dir / "p.xrc.json"))),
    ]  # fmt: skip


def _lists(path: Path) -> str:
    path.write_bytes(b'{"format": "xraycompare-project", "x": ' + b"[" * 1_100_000 + b"}")
    return str(path)


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        (folder / "glob").mkdir()
        rows = [(name, run(args)) for name, args in cases(folder)]
    width = max(len(name) for name, _ in rows)
    print(f"{'input':<{width}}  exit  seconds  peak MB  (+MB)  outcome")
    for name, r in rows:
        err = r["err"] if isinstance(r["err"], str) else " ".join(r["err"])
        outcome = (err.strip().splitlines() or ["ok"])[0].split(": ", 2)[-1][:70]
        extra = r["peak_mb"] - r["start_mb"]
        figures = f"{r['code']:>4}  {r['seconds']:7.3f}  {r['peak_mb']:7.0f}  {extra:5.0f}"
        print(f"{name:<{width}}  {figures}  {outcome}")


if __name__ == "__main__":
    main()
