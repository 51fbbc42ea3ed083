"""The Dask and Ray engines give the same records as the local pool (skipped without them)."""

from __future__ import annotations

from functools import partial

import pytest

from xraycompare.core.batch.engine import LOST
from xraycompare.core.batch.engines import open_engine
from xraycompare.core.batch.pairs import read_pairs
from xraycompare.core.batch.run import run_batch
from xraycompare.core.batch.steps import Step

from .batch_helpers import crash_step, read_summary, steps_with, write_films, write_pairs


@pytest.fixture(scope="module")
def pairs_csv(tmp_path_factory):
    folder = tmp_path_factory.mktemp("pairs")
    films = write_films(folder / "films")
    rows = [
        ("P1", "films/before.png", "films/after.png"),
        ("P2", "films/before.png", "films/broken.png"),
        ("P3", "films/before.png", "films/after.png"),
    ]
    return write_pairs(folder / "pairs.csv", rows), films


def _check(pairs_csv, out, engine, steps):
    csv_path, _ = pairs_csv
    out.mkdir()
    report = run_batch(read_pairs(csv_path), out, engine=engine, steps=steps)
    statuses = {k: r.status for k, r in report.records.items()}
    assert [r["pair_id"] for r in read_summary(out)] == ["P1", "P2", "P3"]
    return statuses, report


@pytest.mark.parametrize("name", ["dask", "ray"])
def test_a_cluster_engine_runs_the_pairs_and_records_failures(pairs_csv, tmp_path, name):
    pytest.importorskip("dask.distributed" if name == "dask" else "ray")
    steps = steps_with(Step("crash", partial(crash_step, pair_id="P3")))
    engine = open_engine(name, workers=2)
    statuses, report = _check(pairs_csv, tmp_path / "out", engine, steps)
    assert statuses == {"P1": "ok", "P2": "failed", "P3": "failed"}
    assert report.records["P2"].reason.startswith("the after film cannot be read")
    assert report.records["P3"].reason == LOST  # its worker died, twice
    assert (tmp_path / "out" / "P1" / "difference.png").is_file()
