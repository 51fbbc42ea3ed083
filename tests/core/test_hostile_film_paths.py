"""Film paths a project may record that are not films (issue 11, items 5 and 9): system
pseudo-files, endless files and files that grow are never read past a film's size."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import pytest

from tests.core import hostile
from xraycompare.cli import main
from xraycompare.core.project import file as pf
from xraycompare.core.project import images as project_images


@pytest.mark.skipif(not Path("/proc/self/pagemap").exists(), reason="Linux /proc")
@pytest.mark.parametrize("path", ["/proc/self/pagemap", "/proc/self/mem", "/dev/zero"])
def test_a_pseudo_file_recorded_as_a_film_is_missing_at_once(tmp_path, capsys, path):
    # /proc/self/pagemap claims 0 bytes and reads for hundreds of gigabytes: hashing it
    # hung an export before films had to be non-empty and hashes were bounded
    obj = hostile.small_films(tmp_path, hostile.demo_project())
    obj["images"]["before"]["path"] = path
    project = hostile.write_project(tmp_path / "p.xrc.json", obj)
    started = time.perf_counter()
    found = pf.resolve_images(pf.read_project(project))
    assert found["before"].status == "missing" and found["after"].status == "ok"
    assert main(["annotations", str(project), "--out", str(tmp_path / "out")]) == 0
    assert "was not found" in capsys.readouterr().err
    assert time.perf_counter() - started < 60  # a hang guard, not a timing target


def test_a_film_hash_reads_no_more_than_a_film(tmp_path, monkeypatch):
    film = tmp_path / "film.png"
    film.write_bytes(b"x" * 5000)
    monkeypatch.setattr(project_images, "MAX_FILE_BYTES", 4096)
    assert project_images._sha256(film) == ""  # longer than any film: not one
    monkeypatch.setattr(project_images, "MAX_FILE_BYTES", 5000)
    assert len(project_images._sha256(film)) == 64


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX files")
def test_an_empty_file_of_the_recorded_name_is_not_a_film(tmp_path):
    obj = hostile.small_films(tmp_path, hostile.demo_project())
    obj["images"]["before"]["path"] = "empty.png"
    (tmp_path / "empty.png").write_bytes(b"")
    found = pf.resolve_images(pf.parse_project(obj, path=tmp_path / "p.xrc.json"))
    assert found["before"].status == "missing"
