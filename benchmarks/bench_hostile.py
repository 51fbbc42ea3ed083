"""Time and peak memory to refusal, per class of hostile input (issue 11).

A table of cases, each ``(name, build)``: ``build(tmp_dir)`` makes the hostile input in
``tmp_dir`` (from the repo's own data, by tests/core/hostile.py and hostile_streams.py;
the rows marked "real film" use ../shared/data and are left out without it) and returns
the ``xraycompare`` arguments to run on it. Each case runs as its own process,
``python -m xraycompare ...``, as a user would run it; its wall time and its own peak
resident memory (``os.wait4``'s rusage of that child) are printed with its exit status,
whether both are within the targets (under 2 s and 500 MB), and the first line it printed
on stderr. Both figures include starting Python and importing the app: the first row, a
tiny image that opens, is that floor. Each child runs under an 8 GB address-space limit, so
that a regression fails its row instead of exhausting the (shared) machine.

After its own cases the script runs those of ``benchmarks/hostile_project_cases.py`` (the
hostile projects), when that file exists: its ``CASES`` list has the same shape.

    nice -n 10 python benchmarks/bench_hostile.py
"""

from __future__ import annotations

import importlib.util
import os
import resource
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.core import hostile  # the builders the tests use
from tests.core import hostile_streams as hs

Build = Callable[[Path], list[str]]
TARGET_SECONDS = 2.0
TARGET_MB = 500
TIMEOUT_SECONDS = 300
MEMORY_LIMIT = 8 * 1024**3
SHARED = REPO.parent / "shared" / "data" / "dicom" / "nema-wg04"


def _info(path: Path) -> list[str]:
    return ["info", str(path)]


def _write(path: Path, data: bytes) -> list[str]:
    path.write_bytes(data)
    return _info(path)


def _lossless_60000(tmp: Path) -> list[str]:
    honest = hs.lossless_dicom(tmp / "lossless_honest.dcm")
    return _info(hostile.lying_frame(tmp / "lossless.dcm", honest, 60000, 60000))


def _scan_bomb(tmp: Path) -> list[str]:
    return _write(tmp / "scans.jpg", hs.progressive_jpeg(4000, scans=20_000))


def _frames_1e9(tmp: Path) -> list[str]:
    import pydicom

    ds = pydicom.dcmread(hostile.TEST_DATA / "dx_mono2_12bit.dcm")
    ds.NumberOfFrames = 1_000_000_000
    ds.save_as(tmp / "frames.dcm")
    return _info(tmp / "frames.dcm")


def _big_film(tmp: Path) -> list[str]:
    import cv2
    import numpy as np

    film = np.zeros((3500, 4300), np.uint16)
    film[500:3000, 500:3800] = 3000
    cv2.imwrite(str(tmp / "cr_4300x3500.png"), film)
    return ["render", str(tmp / "cr_4300x3500.png"), "--out", str(tmp / "render.png")]


def _link_loop(tmp: Path) -> list[str]:
    (tmp / "loop_a.png").symlink_to(tmp / "loop_b.png")
    (tmp / "loop_b.png").symlink_to(tmp / "loop_a.png")
    return _info(tmp / "loop_a.png")


def _real(name: str, width: int | None, height: int | None) -> Build:
    """A NEMA film whose frame header says ``width`` × ``height`` (None: as it was)."""

    def build(tmp: Path) -> list[str]:
        source = SHARED / name
        w, h = width, height
        if w is None or h is None:
            import pydicom

            ds = pydicom.dcmread(source, stop_before_pixels=True)
            w, h = w or ds.Columns, ds.Rows if h is None else h
        return _info(hostile.lying_frame(tmp / f"real_{name}", source, w, h))

    return build


CASES: list[tuple[str, Build]] = [
    ("baseline: info on a 2×2 PNG (opens)", lambda t: _info(hostile.tiny_pngs(t)[1])),
    ("JPEG-LS frame claiming 60000² (DICOM 64×80)",
     lambda t: _info(hostile.lying_frame(t / "ls.dcm", "cr_jpegls.dcm"))),
    ("JPEG-lossless frame claiming 60000²", _lossless_60000),
    ("JPEG-lossless frame of height 0 (DNL)",
     lambda t: _info(hs.lossless_dicom(t / "dnl.dcm", height=0))),
    ("JPEG baseline frame claiming 60000²",
     lambda t: _info(hostile.lying_frame(t / "jpg.dcm", "cr_jpeg_baseline.dcm"))),
    ("JPEG 2000 SIZ claiming 60000²",
     lambda t: _info(hostile.lying_frame(t / "j2k.dcm", "cr_j2k_mono1.dcm"))),
    ("JPEG 2000 SIZ of 1-pixel tiles", lambda t: _info(hs.j2k_tiles(t / "tiles.dcm", 1))),
    ("RLE frame of 8 MB of 128-byte runs", lambda t: _info(hs.rle_bomb(t / "rle.dcm", 2 << 20))),
    ("RLE segment table claiming 3 segments",
     lambda t: _info(hs.rle_frame_with_segments(t / "rle3.dcm", 3))),
    ("native DICOM claiming 10⁹ frames", _frames_1e9),
    ("1 MB deflated DICOM inflating to 600 MB",
     lambda t: _info(hostile.deflate_bomb(t / "deflated.dcm", 600 << 20))),
    ("progressive JPEG 4000² of 20 000 scans", _scan_bomb),
    ("JPEG of 2.5 M empty comments (10 MB)",
     lambda t: _write(t / "comments.jpg", hs.padded_jpeg(2_500_000))),
    ("PNG of 700 000 text chunks (10 MB)",
     lambda t: _write(t / "chunks.png", hs.padded_png(700_000))),
    ("5 kB zlib float32 TIFF of 13000²",
     lambda t: _info(hostile.tiff_bomb(t / "bomb.tif", side=13000))),
    ("PNG of 13000² (160 kB, 8-bit)", lambda t: _info(hs.huge_png(t / "huge.png", 13000, 13000))),
    ("PNG header of 60000² (one row of data)",
     lambda t: _info(hs.huge_png(t / "header.png", 60000, 60000, rows=1))),
    ("tiny valid PNG 3×5000 (opens)", lambda t: _info(hostile.tiny_pngs(t)[3])),
    ("register against a 2×2 PNG",
     lambda t: ["register", str(hostile.TEST_DATA / "grey8.png"), str(hostile.tiny_pngs(t)[1])]),
    ("image path: a link loop", _link_loop),
    ("image path: a name of 300 characters", lambda t: _info(t / ("n" * 300 + ".png"))),
    ("image path: 6000 characters deep", lambda t: _info(Path(str(t) + "/d" * 3000 + "/x.png"))),
    ("image path: a folder", lambda t: _info(t)),
    ("image path: /dev/zero", lambda t: _info(Path("/dev/zero"))),
    ("render of an ordinary 4300×3500 16-bit film (opens)", _big_film),
]  # fmt: skip
if SHARED.is_dir():
    CASES += [
        ("real film: JPEG lossless 1760×2140, height 0 (was 23 GB)",
         _real("RG2_JPLL.dcm", None, 0)),
        ("real film: JPEG-LS 1760², claiming 60000²", _real("RG3_JLSL.dcm", 60000, 60000)),
        ("real film: JPEG 2000 1760², 8-pixel tiles",
         lambda t: _info(hs.j2k_tiles(t / "real_tiles.dcm", 8, SHARED / "RG3_J2KR.dcm"))),
        ("real film: JPEG lossless 1760×2140, honest (opens)", _real("RG2_JPLL.dcm", None, None)),
    ]  # fmt: skip


def _limit_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))


def run(args: list[str], folder: Path) -> dict:
    """Run ``xraycompare args`` as a child: exit status, wall seconds, its peak RSS in MB."""
    err_path = folder / "stderr.txt"
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1", QT_QPA_PLATFORM="offscreen")
    with open(err_path, "wb") as err, open(os.devnull, "wb") as out:
        started = time.perf_counter()
        child = subprocess.Popen(
            [sys.executable, "-m", "xraycompare", *args],
            stdout=out, stderr=err, env=env, cwd=folder, preexec_fn=_limit_memory,
        )  # fmt: skip
        while True:
            pid, status, usage = os.wait4(child.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() - started > TIMEOUT_SECONDS:
                child.send_signal(signal.SIGKILL)
            time.sleep(0.005)
        seconds = time.perf_counter() - started
    child.returncode = os.waitstatus_to_exitcode(status)  # reaped here: Popen must not wait
    lines = err_path.read_text("utf-8", "replace").strip().splitlines()
    first = next((line for line in lines if "Traceback" in line), lines[0] if lines else "ok")
    return {
        "code": child.returncode,
        "seconds": seconds,
        "peak_mb": usage.ru_maxrss / 1024,  # kB on Linux
        "outcome": first.split(": ", 2)[-1] if first.startswith("xraycompare") else first,
    }


def project_cases() -> list[tuple[str, Build]]:
    """``CASES`` of benchmarks/hostile_project_cases.py, when that file exists."""
    path = Path(__file__).with_name("hostile_project_cases.py")
    if not path.exists():
        return []
    spec = importlib.util.spec_from_file_location("hostile_project_cases", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return list(module.CASES)


def main() -> None:
    sections = [("images", CASES), ("projects (hostile_project_cases.py)", project_cases())]
    width = max(len(name) for _, cases in sections for name, _ in cases)
    print(f"{'case':<{width}}  exit  seconds  peak MB  targets  outcome")
    for title, cases in sections:
        if not cases:
            continue
        print(f"-- {title}")
        for name, build in cases:
            with tempfile.TemporaryDirectory() as tmp:
                folder = Path(tmp)
                args = build(folder)
                r = run(args, folder)
            within = r["seconds"] < TARGET_SECONDS and r["peak_mb"] < TARGET_MB
            figures = f"{r['code']:>4}  {r['seconds']:7.2f}  {r['peak_mb']:7.0f}"
            mark = "yes" if within else "NO"
            print(f"{name:<{width}}  {figures}  {mark:>7}  {r['outcome'][:90]}", flush=True)


if __name__ == "__main__":
    main()
