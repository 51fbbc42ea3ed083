"""A batch run: the summary, failures that do not stop the rest, resuming, the local pool."""

from __future__ import annotations

import shutil
from functools import partial

import pytest

from xraycompare.core.batch.engine import LOST, EngineError
from xraycompare.core.batch.engines import open_engine
from xraycompare.core.batch.local_pool import LocalEngine
from xraycompare.core.batch.pairs import read_pairs
from xraycompare.core.batch.run import BatchProgress, plan_batch, run_batch
from xraycompare.core.batch.steps import Step
from xraycompare.core.batch.summary import COLUMNS, QUALITY_COLUMNS

from .batch_helpers import (
    STEPS,
    SerialEngine,
    crash_step,
    file_stamps,
    read_summary,
    steps_with,
    write_films,
    write_pairs,
)


@pytest.fixture(scope="module")
def films(tmp_path_factory):
    return write_films(tmp_path_factory.mktemp("films"))


@pytest.fixture
def pairs_csv(films, tmp_path):
    return _pairs_csv(films, tmp_path)


def _pairs_csv(films, folder):
    """Five pairs, one of each outcome, with two carried columns."""
    rows = [
        ("P1", films["before"], films["after"], "Oslo", "=1+1"),
        ("P2", films["before"], films["broken"], "Bergen", ""),
        ("P3", films["before"], films["mirrored"], "Oslo", "x"),
        ("P4", films["before"], films["noise"], "Tromsø", "y"),
        ("P5", films["before"], films["after"], "Oslo", "z"),
    ]
    return write_pairs(
        folder / "pairs.csv", rows, header=("pair_id", "before", "after", "site", "note")
    )


@pytest.fixture(scope="module")
def finished(films, tmp_path_factory):
    """A batch of :func:`pairs_csv` run once; tests copy it."""
    folder = tmp_path_factory.mktemp("finished")
    csv_path = _pairs_csv(films, folder)
    _run(csv_path, folder / "out")
    return folder / "out"


@pytest.fixture
def out(finished, tmp_path):
    """A copy of the finished batch, next to this test's pairs file."""
    shutil.copytree(finished, tmp_path / "out")
    return tmp_path / "out"


def _run(csv_path, out, engine=None, **kw):
    out.mkdir(exist_ok=True)
    return run_batch(read_pairs(csv_path), out, engine=engine or SerialEngine(), steps=STEPS, **kw)


def test_the_summary_has_a_row_per_pair_with_status_reason_quality_and_carried_columns(
    pairs_csv, tmp_path
):
    out = tmp_path / "out"
    seen: list[BatchProgress] = []
    report = _run(pairs_csv, out, on_progress=seen.append)
    rows = read_summary(out)
    assert list(rows[0]) == [*COLUMNS, "site", "note"]
    assert COLUMNS[:4] == ("pair_id", "status", "reason", "seconds")
    assert set(QUALITY_COLUMNS) >= {"ncc_initial", "ncc_final", "mi_final", "overlap"}
    assert [(r["pair_id"], r["status"]) for r in rows] == [
        ("P1", "ok"),
        ("P2", "failed"),
        ("P3", "poor"),
        ("P4", "failed"),
        ("P5", "ok"),
    ]
    p1, p2, p3, p4, _ = rows
    assert p1["reason"] == "" and float(p1["ncc_final"]) > 0.9 and float(p1["seconds"]) > 0
    assert p1["site"] == "Oslo" and p1["note"] == "'=1+1"  # no formula for a spreadsheet
    assert p2["reason"].startswith("the after film cannot be read") and p2["ncc_final"] == ""
    assert "mirrored" in p3["reason"] and p4["reason"] and p4["site"] == "Tromsø"
    assert report.counts == {"ok": 2, "poor": 1, "failed": 2} and report.ran == 5
    assert [p.done for p in seen] == [0, 1, 2, 3, 4, 5] and seen[-1].eta == 0
    assert seen[-1].counts == {"ok": 2, "failed": 2, "poor": 1}


def test_a_second_run_redoes_nothing_and_rewrites_no_pair_file(pairs_csv, out):
    stamps = file_stamps(out)
    engine = SerialEngine()
    report = _run(pairs_csv, out, engine=engine)
    assert engine.ran == [] and report.ran == 0 and report.finished_before == 5
    after = file_stamps(out)
    summary = after.pop("summary.csv")
    assert summary != stamps.pop("summary.csv")  # the table is rewritten, the pairs not
    assert after == stamps
    assert len(read_summary(out)) == 5


def test_retry_failed_redoes_only_the_failed_pairs(pairs_csv, out):
    engine = SerialEngine()
    _run(pairs_csv, out, engine=engine, retry_failed=True)
    assert engine.ran == ["P2", "P4"]


def test_a_pair_left_half_done_or_damaged_is_done_again(pairs_csv, out):
    (out / "P1" / "manifest.json").unlink()  # killed before its manifest was written
    (out / "P3" / "difference.png").unlink()  # a file lost since
    engine = SerialEngine()
    _run(pairs_csv, out, engine=engine)
    assert engine.ran == ["P1", "P3"]
    assert (out / "P3" / "difference.png").is_file()


def test_a_finished_pair_given_other_films_is_kept_and_noted(pairs_csv, films, out):
    text = pairs_csv.read_text().replace(f"P5,{films['before']}", f"P5,{films['mirrored']}")
    pairs_csv.write_text(text)
    plan = plan_batch(read_pairs(pairs_csv), out)
    assert plan.todo == () and "P5" in plan.finished
    assert len(plan.notes) == 1 and "row 6: pair P5 was finished with other films" in plan.notes[0]


def test_a_study_folder_moved_whole_is_still_finished(films, tmp_path):
    study = tmp_path / "study"
    (study / "films").mkdir(parents=True)
    for name in ("before", "after"):
        shutil.copy(films[name], study / "films" / f"{name}.png")
    write_pairs(study / "pairs.csv", [("P1", "films/before.png", "films/after.png")])
    _run(study / "pairs.csv", study / "out")
    moved = shutil.move(study, tmp_path / "elsewhere")
    plan = plan_batch(read_pairs(moved / "pairs.csv"), moved / "out")
    assert plan.todo == () and plan.notes == () and "P1" in plan.finished


def test_nothing_left_to_do_never_starts_the_engine(pairs_csv, out):

    class Refuses(SerialEngine):
        def __enter__(self):
            raise AssertionError("started")

    assert _run(pairs_csv, out, engine=Refuses()).ran == 0


def test_a_stop_keeps_what_was_done_in_the_summary(pairs_csv, tmp_path):
    out = tmp_path / "out"

    def stop_after_two(progress: BatchProgress) -> None:
        if progress.done == 2:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        _run(pairs_csv, out, on_progress=stop_after_two)
    assert [r["pair_id"] for r in read_summary(out)] == ["P1", "P2"]
    engine = SerialEngine()
    _run(pairs_csv, out, engine=engine)
    assert engine.ran == ["P3", "P4", "P5"]


def test_eta_from_this_runs_pace():
    p = BatchProgress(done=10, total=40, finished_before=100, counts={}, elapsed=20.0)
    assert p.eta == 60.0 and p.pairs_per_minute == 30.0
    assert BatchProgress(0, 40, 0, {}, 5.0).eta is None


def test_the_local_pool_records_a_crashed_worker_and_goes_on(films, tmp_path):
    rows = [(f"P{i}", films["before"], films["after"]) for i in range(1, 5)]
    csv_path = write_pairs(tmp_path / "pairs.csv", rows)
    out = tmp_path / "out"
    out.mkdir()
    steps = steps_with(Step("crash", partial(crash_step, pair_id="P2")))
    report = run_batch(read_pairs(csv_path), out, engine=LocalEngine(2), steps=steps)
    statuses = {k: (r.status, r.reason) for k, r in report.records.items()}
    assert statuses["P2"] == ("failed", LOST)
    assert all(statuses[k] == ("ok", None) for k in ("P1", "P3", "P4"))
    assert [r["status"] for r in read_summary(out)] == ["ok", "failed", "ok", "ok"]
    assert (out / "P2" / "manifest.json").is_file()  # recorded: not tried again next run


def test_engines_are_checked_before_anything_starts(monkeypatch):
    with pytest.raises(ValueError, match="at least 1"):
        open_engine("local", workers=0)
    with pytest.raises(EngineError, match="--address"):
        open_engine("local", address="tcp://x:1")
    monkeypatch.setitem(__import__("sys").modules, "ray", None)
    with pytest.raises(EngineError, match=r"pip install 'xraycompare\[ray\]'"):
        open_engine("ray")
