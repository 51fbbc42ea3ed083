"""Where the app writes (issue 11, items 10 and 11): whole files or none, stale temporaries
of our own cleaned, read-only files and anything that is not a regular file left alone,
links written through."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from tests.core import hostile
from xraycompare.cli import main
from xraycompare.core import atomic
from xraycompare.core.document import Document
from xraycompare.core.project import file as pf

posix = pytest.mark.skipif(sys.platform == "win32", reason="POSIX files")


@pytest.fixture
def document(tmp_path) -> Document:
    obj = hostile.small_films(tmp_path, hostile.demo_project())
    data = pf.read_project(hostile.write_project(tmp_path / "case.xrc.json", obj))
    found = pf.resolve_images(data)
    doc = Document()
    pf.apply_project(doc, data, found["before"].image, found["after"].image)
    return doc


def dead_pid() -> int:
    """The id of a process that has finished."""
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


@posix
def test_temporaries_left_by_a_killed_save_are_removed_by_the_next_save(document, tmp_path):
    path = tmp_path / "case.xrc.json"
    gone, alive = dead_pid(), os.getppid()
    stale = [
        tmp_path / f".case.xrc.json.xrc-{gone}-0123abcd.tmp",
        tmp_path / f".case.xrc.json.xrc-{gone}-0123abcd.bak.tmp",
    ]
    busy = tmp_path / f".case.xrc.json.xrc-{alive}-89abcdef.tmp"  # another live writer's
    unrelated = tmp_path / f".other.xrc.json.xrc-{gone}-0123abcd.tmp"
    for p in (*stale, busy, unrelated):
        p.write_text("half a file")
    pf.save_project(document, path)
    assert not any(p.exists() for p in stale)
    assert busy.exists() and unrelated.exists()


def test_a_failed_write_of_several_files_puts_none_in_place(tmp_path, monkeypatch):
    first, second = tmp_path / "a.json", tmp_path / "b.json"
    first.write_text("old a")
    real_replace = os.replace
    calls = []

    def replace_once(src, dst):
        calls.append(dst)
        if len(calls) == 1:
            raise OSError(28, "No space left on device")
        real_replace(src, dst)

    monkeypatch.setattr(atomic.os, "replace", replace_once)

    def write(text):
        return lambda p: Path(p).write_text(text)

    with pytest.raises(atomic.AtomicWriteError) as caught:
        atomic.write_atomic_many({first: write("new a"), second: write("new b")})
    assert caught.value.errno == 28 and "disk is full" in caught.value.reason
    assert first.read_text() == "old a" and not second.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.json"]


@posix
def test_a_read_only_project_is_not_replaced(document, tmp_path):
    path = tmp_path / "locked.xrc.json"
    pf.save_project(document, path)
    path.chmod(0o444)
    before = path.read_bytes(), path.stat().st_ino
    document.annotations.clear()
    with pytest.raises(pf.ReadOnlyProjectError, match="read-only"):
        pf.save_project(document, path)  # refused even for root, who could write it
    assert (path.read_bytes(), path.stat().st_ino) == before
    pf.save_project(document, path, overwrite_read_only=True)  # after the user said so
    assert pf.read_project(path).regions == () and stat.S_IMODE(path.stat().st_mode) == 0o444


@posix
def test_outputs_through_a_link_write_the_file_and_keep_the_link(tmp_path, test_data):
    real = tmp_path / "real.png"
    real.write_bytes(b"old")
    link = tmp_path / "link.png"
    link.symlink_to(real)
    assert main(["render", str(test_data / "grey8.png"), "--out", str(link)]) == 0
    assert link.is_symlink() and real.read_bytes()[:4] == b"\x89PNG"


@posix
@pytest.mark.parametrize("kind", ["fifo", "folder", "read-only"])
def test_render_never_replaces_what_is_not_a_writable_regular_file(tmp_path, test_data, kind):
    out = tmp_path / "out.png"
    if kind == "fifo":
        os.mkfifo(out)
    elif kind == "folder":
        out.mkdir()
    else:
        out.write_bytes(b"keep")
        out.chmod(0o444)
    mode = out.lstat().st_mode
    assert main(["render", str(test_data / "grey8.png"), "--out", str(out)]) == 2
    assert out.lstat().st_mode == mode
    assert kind != "read-only" or out.read_bytes() == b"keep"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.png"]


@posix
def test_annotations_into_a_folder_holding_a_device_like_target_write_nothing(
    tmp_path, document, capsys
):
    project = tmp_path / "case.xrc.json"
    out = tmp_path / "out"
    out.mkdir()
    os.mkfifo(out / "case_after.geojson")  # the second output's name
    assert main(["annotations", str(project), "--out", str(out)]) == 2
    assert "not a regular file" in capsys.readouterr().err
    assert sorted(p.name for p in out.iterdir()) == ["case_after.geojson"]
