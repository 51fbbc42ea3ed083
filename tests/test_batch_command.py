"""``xraycompare batch``: exit codes, progress, a killed run that resumes, and privacy."""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import cv2
import numpy as np
import pytest

from xraycompare.cli import main
from xraycompare.commands.batch_progress import ProgressDisplay, duration
from xraycompare.core.batch.manifest import PairRecord
from xraycompare.core.batch.run import BatchProgress

from .core.batch_helpers import file_stamps, followup, hand, read_summary, write_films, write_pairs
from .core.conftest import RECIPE

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def films(tmp_path_factory):
    return write_films(tmp_path_factory.mktemp("films"))


def test_a_batch_from_the_command_line(films, tmp_path, capsys):
    rows = [
        ("P1", films["before"], films["after"]),
        ("P2", films["before"], films["broken"]),
        ("bad/id", films["before"], films["after"]),
    ]
    csv_path = write_pairs(tmp_path / "pairs.csv", rows)
    out = tmp_path / "new" / "out"  # made, with its parents
    code = main(["batch", str(csv_path), "--out", str(out), "--workers", "1"])
    err = capsys.readouterr().err
    assert code == 2  # a row was left out; the others were done
    assert "row 4: the pair_id 'bad/id' holds a path separator (left out)" in err
    assert "pair P2 failed: the after film cannot be read" in err
    assert "2/2 pairs" in err and "\r" not in err  # plain lines in a log
    assert [r["status"] for r in read_summary(out)] == ["ok", "failed"]
    assert main(["batch", str(csv_path), "--out", str(out)]) == 2
    assert "0 pairs to do; 2 finished before" in capsys.readouterr().err


def test_a_pairs_file_that_cannot_be_read_is_exit_2_naming_it(tmp_path, capsys):
    assert main(["batch", str(tmp_path / "nope.csv"), "--out", str(tmp_path / "o")]) == 2
    assert "nope.csv: no such file" in capsys.readouterr().err
    assert not (tmp_path / "o").exists()


def test_address_without_a_cluster_engine_is_a_bad_argument(tmp_path, capsys):
    argv = ["batch", str(tmp_path / "p.csv"), "--out", str(tmp_path / "o"), "--address", "x:1"]
    assert main(argv) == 2
    assert "--address is for --engine dask or ray" in capsys.readouterr().err


def test_a_missing_engine_says_what_to_install(films, tmp_path, monkeypatch, capsys):
    csv_path = write_pairs(tmp_path / "pairs.csv", [("P1", films["before"], films["after"])])
    monkeypatch.setitem(sys.modules, "dask", None)
    code = main(["batch", str(csv_path), "--out", str(tmp_path / "o"), "--engine", "dask"])
    assert code == 1
    assert "pip install 'xraycompare[dask]'" in capsys.readouterr().err


def test_the_progress_bar_on_a_terminal_and_lines_in_a_log():
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    def progress(done: int, record: PairRecord | None) -> BatchProgress:
        return BatchProgress(done, 4, 0, {"ok": done}, elapsed=30.0 * done + 1, last=record)

    ok = PairRecord("P1", "ok", None, 1.0, "x")
    failed = PairRecord("P2", "failed", "the after film cannot be read", 1.0, "x")
    terminal = Terminal()
    display = ProgressDisplay("batch", terminal)
    display.update(progress(0, None))
    display.update(progress(1, ok))
    display.update(progress(2, failed))
    display.close()
    text = terminal.getvalue()
    assert "\r[######..................] 1/4 pairs (ok 1)" in text and "ETA 1m 33s" in text
    assert "\rbatch: pair P2 failed: the after film cannot be read\n" in text  # bar cleared
    log = io.StringIO()
    display = ProgressDisplay("batch", log)
    for done in range(5):
        display.update(progress(done, ok if done else None))
    lines = log.getvalue().splitlines()
    assert lines[0] == "batch: 4 pairs to do" and "\r" not in log.getvalue()
    assert lines[-1].startswith("batch: 4/4 pairs (ok 4)") and "in 2m 01s" in lines[-1]
    assert [duration(s) for s in (None, 5, 65, 3725)] == ["--", "5s", "1m 05s", "1h 02m"]


def _manifests(out: Path) -> list[Path]:
    return sorted(out.glob("*/manifest.json"))


def _gone(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return True
    return "\nState:\tZ" in state


@pytest.mark.skipif(sys.platform != "linux", reason="reads /proc for the worker processes")
def test_a_killed_run_picks_up_where_it_stopped(tmp_path):
    # films three times the small hand's size, so a pair takes about a second
    big = {"before": cv2.resize(hand(), None, fx=3, fy=3), "after": None}
    big["after"] = cv2.resize(followup(), None, fx=3, fy=3)
    for name, pixels in big.items():
        cv2.imwrite(str(tmp_path / f"{name}.png"), pixels)
    rows = [(f"P{i}", "before.png", "after.png") for i in range(1, 9)]
    csv_path = write_pairs(tmp_path / "pairs.csv", rows)
    out = tmp_path / "out"
    argv = [sys.executable, "-m", "xraycompare", "batch", str(csv_path), "--out", str(out)]
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1"}
    run = subprocess.Popen(
        [*argv, "--workers", "1"],
        cwd=REPO,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 120
        while len(_manifests(out)) < 2 and time.monotonic() < deadline and run.poll() is None:
            time.sleep(0.02)
        children = Path(f"/proc/{run.pid}/task/{run.pid}/children").read_text().split()
        run.send_signal(signal.SIGKILL)  # the batch process only, as the OOM killer would
        run.wait(timeout=30)
        finished = [p.parent.name for p in _manifests(out)]
        assert 2 <= len(finished) < 8, "the run should have been killed mid-way"
        deadline = time.monotonic() + 15  # its workers notice and leave
        while not all(_gone(int(c)) for c in children) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert all(_gone(int(c)) for c in children), "workers outlived the killed batch"
    finally:
        if run.poll() is None:
            os.killpg(run.pid, signal.SIGKILL)
        run.wait(timeout=30)
        run.stderr.close()
    stamps = {k: v for k, v in file_stamps(out).items() if k.split("/")[0] in finished}
    result = subprocess.run(argv, cwd=REPO, env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert f"{8 - len(finished)} pairs to do; {len(finished)} finished before" in result.stderr
    after = file_stamps(out)
    assert {k: after[k] for k in stamps} == stamps  # finished pairs were not rewritten
    assert len(_manifests(out)) == 8 and not list(out.rglob(".*.tmp"))
    rows = read_summary(out)
    assert [r["pair_id"] for r in rows] == [f"P{i}" for i in range(1, 9)]
    assert {r["status"] for r in rows} == {"ok"}


def _dicom(path: Path, pixels: np.ndarray, number: int, date: str) -> None:
    ds = RECIPE._bits(RECIPE._dataset(pixels.astype(np.uint16) * 16, number=number), 12)
    ds.PatientName, ds.PatientID = "Doe^Jane", "MRN-99887766"
    ds.PatientBirthDate, ds.StudyDate, ds.AccessionNumber = "19610417", date, "ACC-5550123"
    ds.InstitutionName, ds.ReferringPhysicianName = "Saint Olav Clinic", "Smith^Peter"
    path.parent.mkdir(parents=True, exist_ok=True)
    ds.save_as(path, enforce_file_format=True)


def test_no_patient_identifier_or_film_name_in_any_output(tmp_path, capsys):
    folder = tmp_path / "Doe_Jane_MRN-99887766"
    _dicom(folder / "Doe_2015-03-11.dcm", hand(), 1, "20150311")
    _dicom(folder / "Doe_2022-09-14.dcm", followup(), 2, "20220914")
    rows = [
        ("TRIAL-001", "Doe_Jane_MRN-99887766/Doe_2015-03-11.dcm", f"{folder}/Doe_2022-09-14.dcm"),
        ("TRIAL-002", f"{folder}/Doe_2015-03-11.dcm", f"{folder}/Doe_missing.dcm"),
    ]
    csv_path = write_pairs(tmp_path / "pairs.csv", rows)
    out = tmp_path / "out"
    assert main(["batch", str(csv_path), "--out", str(out), "--workers", "1"]) == 0
    capsys.readouterr()
    # long enough that no hash or number in the outputs holds one by chance
    identifiers = ["Doe", "Jane", "MRN-", "99887766", "19610417", "20150311", "20220914"]
    identifiers += ["2015-03-11", "2022-09-14", "ACC-", "5550123", "Olav", "Smith", "Peter"]
    identifiers += [str(tmp_path)]
    outputs = sorted(p for p in out.rglob("*") if p.is_file())
    names = {p.relative_to(out).as_posix() for p in outputs}
    assert "TRIAL-001/registration.json" in names and "TRIAL-002/manifest.json" in names
    for path in outputs:
        if path.suffix == ".png":
            continue  # pixels only; checked below
        text = path.read_text(encoding="utf-8")
        if path.name == "project.xrc.json":
            # a project names its films (relative to itself) so the app can open them, as
            # every saved project does; nothing else from the films or their headers
            data = json.loads(text)
            text = json.dumps({k: v for k, v in data.items() if k != "images"})
            assert data["images"]["before"]["path"].startswith("../../Doe_Jane_MRN")
        found = [word for word in identifiers if word in text]
        assert not found, f"{path.relative_to(out)} holds {found}"
    for path in outputs:
        if path.suffix == ".png":
            assert b"tEXt" not in path.read_bytes() and b"iTXt" not in path.read_bytes()
    reason = read_summary(out)[1]["reason"]
    assert reason == "the after film cannot be read: no such file"
