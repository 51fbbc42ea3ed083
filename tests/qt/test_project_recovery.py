"""Autosave and recovery, for real: a window in another process is killed with SIGKILL, and
the next start recovers every region it had autosaved."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.qt.annotation_helpers import drag
from xraycompare.core.annotations.formats.fields import region_from_fields
from xraycompare.qt.project.autosave import pending_recoveries

REPO = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")


def run_child_until_autosaved(film_pair, settings_dir: Path, want: int) -> tuple[list, Path]:
    """Start the child window, wait for an autosave holding ``want`` regions, SIGKILL it."""
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "XRAYCOMPARE_AUTOSAVE_SECONDS": "0.3"}
    child = subprocess.Popen(
        [sys.executable, "-m", "tests.qt.recovery_child", *map(str, film_pair), str(settings_dir)],
        cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    deadline = time.monotonic() + 60
    try:
        assert child.stdout is not None
        for line in child.stdout:
            if line.startswith("AUTOSAVED"):
                _tag, count, path, regions = line.split(" ", 3)
                if int(count) >= want:
                    os.kill(child.pid, signal.SIGKILL)  # no chance to clean up anything
                    child.wait(10)
                    return json.loads(regions), Path(path)
            assert time.monotonic() < deadline, "the child never autosaved"
        raise AssertionError(f"the child exited: {child.wait()} {child.stderr.read()}")
    finally:
        if child.poll() is None:
            child.kill()
            child.wait(10)


def test_killed_window_is_recovered_at_the_next_start(
    qtbot, window, film_pair, tmp_path, isolated_recovery
):
    autosaved, recovery_file = run_child_until_autosaved(film_pair, tmp_path, want=12)
    assert recovery_file.parent == isolated_recovery and recovery_file.exists()
    expected = [region_from_fields(f, film=f["film"]) for f in autosaved]
    assert len(expected) == 12  # three rectangles and three polygons, each on both films

    offered = []

    def answer(project, regions, saved_at, remaining):
        offered.append((project, regions))
        return "recover"

    window.dialogs.ask_recover = answer
    with qtbot.waitSignal(window.ready, timeout=20000):
        assert window.offer_recovery()
    assert offered == [("an unsaved project", 12)]
    assert list(window.document.annotations.regions()) == expected
    assert not window.undo_stack.isClean() and window.isWindowModified()
    assert window.document.project_path is None  # it was never saved
    # saving the recovered work makes the recovery file unnecessary
    window.dialogs.ask_save_path = lambda *args: str(tmp_path / "recovered.xrc.json")
    assert window.project.save()
    assert not recovery_file.exists() and pending_recoveries() == []


def test_autosave_writes_only_unsaved_work_and_cleans_up(qtbot, opened, tmp_path):
    autosave = opened.autosave
    assert not autosave.tick()  # nothing unsaved yet
    opened.set_tool("point")
    drag(opened.panes["before"], [(100, 100)])
    assert autosave.tick()
    written = autosave.path
    assert written.exists() and not autosave.tick()  # nothing new since
    opened.undo_stack.undo()  # back to the saved state: the recovery file goes
    assert not written.exists() and autosave.path is None
    opened.undo_stack.redo()
    assert autosave.tick() and written.exists()


def test_live_windows_are_not_offered_and_declined_recovery_is_deleted(
    qtbot, opened, window, monkeypatch
):
    opened.set_tool("point")
    drag(opened.panes["before"], [(100, 100)])
    # as if written by another xraycompare that is still running (a live pid, not ours)
    with monkeypatch.context() as patch:
        patch.setattr("xraycompare.core.project.file.os.getpid", os.getppid)
        assert opened.autosave.tick()
    assert pending_recoveries() == []
    window.dialogs.ask_recover = lambda *args: pytest.fail("offered a live file")
    assert not window.offer_recovery()
    # once that process is gone (here: the file names our own pid) it is offered
    opened.autosave._dirty = True
    assert opened.autosave.tick()
    (info,) = pending_recoveries()
    window.dialogs.ask_recover = lambda *args: "discard"
    assert not window.offer_recovery()
    assert not info.path.exists()
