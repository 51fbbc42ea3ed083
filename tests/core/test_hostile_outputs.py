"""Where every command writes (issue 11, items 6, 10, 11): targets checked before any work,
refused in one line (exit 2) when they are not writable regular files, files that belong
together written all or none, devices and other owners' files left as they were."""

from __future__ import annotations

import json
import math
import os
import stat
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import cv2
import pytest

from tests.conftest import TEST_DATA
from tests.core import hostile
from tests.core.figure_composer import compose_figure
from xraycompare.cli import main
from xraycompare.commands import register as register_command

posix = pytest.mark.skipif(sys.platform == "win32", reason="POSIX files")
as_root = pytest.mark.skipif(
    not hasattr(os, "geteuid") or os.geteuid() != 0, reason="needs root (devices, owners)"
)
PNG = str(TEST_DATA / "grey8.png")


@pytest.fixture
def project(tmp_path) -> Path:
    obj = hostile.small_films(tmp_path, hostile.demo_project())
    return hostile.write_project(tmp_path / "case.xrc.json", obj)


def one_line(capsys, command: str) -> str:
    err = capsys.readouterr().err
    assert err.startswith(f"xraycompare {command}: ") and err.count("\n") == 1, err
    assert "internal error" not in err
    return err


def _special(tmp_path: Path, kind: str) -> Path:
    target = tmp_path / f"{kind}.out"
    if kind == "fifo":
        os.mkfifo(target)
    elif kind == "folder":
        target.mkdir()
    elif kind == "read-only":
        target.write_bytes(b"keep")
        target.chmod(0o444)
    elif kind == "loop":
        target.symlink_to(target)
    return target


# -- register: --json and --warped are checked before minutes of work ---------------------------
@posix
@pytest.mark.parametrize("kind", ["fifo", "folder", "read-only", "loop"])
@pytest.mark.parametrize("option", ["--json", "--warped"])
def test_register_refuses_a_bad_output_before_aligning(tmp_path, capsys, monkeypatch, kind, option):
    import xraycompare.core.registration as registration

    def never(*args, **kwargs):
        raise AssertionError("registered although the output was refused")

    monkeypatch.setattr(registration, "register", never)
    target = _special(tmp_path, kind)
    other = tmp_path / "other.json"
    other_option = "--warped" if option == "--json" else "--json"
    args = ["register", PNG, PNG, option, str(target), other_option, str(other)]
    assert main(args) == 2
    one_line(capsys, "register")
    assert not other.exists()  # neither file
    assert kind != "read-only" or target.read_bytes() == b"keep"


def test_register_json_has_null_for_a_figure_not_measured(tmp_path):
    from xraycompare.core.io.loading import load_image

    film = load_image(PNG)
    quality = SimpleNamespace(
        as_dict=lambda: {"ncc_initial": 0.5, "ncc_final": math.nan, "mi_final": math.inf}
    )
    result = SimpleNamespace(
        matrix=[[1, 0, 0], [0, 1, 0], [0, 0, 1]], model="similarity", quality=quality,
        mirrored=False, seconds=0.1, warning=None, roi=None, status="ok", reason=None,
        reflected_matrix=None,
    )  # fmt: skip
    record = register_command._as_json(result, film, film)
    text = json.dumps(record, allow_nan=False)  # raises on NaN
    assert json.loads(text)["quality"] == {"ncc_initial": 0.5, "ncc_final": None, "mi_final": None}


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["register", PNG, PNG, "--roi", "1e308", "0", "10", "10"], "--roi"),
        (["register", PNG, PNG, "--roi", "0", "0", "nan", "10"], "--roi"),
        (["render", PNG, "--out", "x.png", "--window", "1e308", "1e308"], "--window"),
        (["render", PNG, "--out", "x.png", "--window", "nan", "1"], "window"),
    ],
)  # fmt: skip
def test_absurd_numbers_on_the_command_line_are_refused(tmp_path, capsys, args, said):
    args = [str(tmp_path / a) if a == "x.png" else a for a in args]
    assert main(args) == 2
    assert said in one_line(capsys, args[0])
    assert not any(tmp_path.iterdir())


def test_animate_refuses_a_crop_beyond_any_film_in_a_short_line(tmp_path, capsys, project):
    out = tmp_path / "a.gif"
    assert main(["animate", str(project), "--out", str(out), "--crop", "1e308", "0", "9", "9"]) == 2
    err = one_line(capsys, "animate")
    assert "--crop" in err and len(err) < 200 and not out.exists()


# -- annotations: an --out that cannot be a folder ----------------------------------------------
@posix
@pytest.mark.parametrize("kind", ["loop", "too long", "empty", "file in the path"])
def test_annotations_refuses_an_out_folder_that_cannot_be(tmp_path, capsys, project, kind):
    if kind == "loop":
        out = str(_special(tmp_path, "loop"))
    elif kind == "too long":
        out = str(tmp_path / ("y" * 300))
    elif kind == "empty":
        out = ""
    else:
        out = str(project / "inside")
    listing = sorted(p.name for p in tmp_path.iterdir())
    assert main(["annotations", str(project), "--out", out]) == 2
    one_line(capsys, "annotations")
    assert sorted(p.name for p in tmp_path.iterdir()) == listing


# -- split: both films or neither ---------------------------------------------------------------
@posix
def test_split_writes_neither_film_when_one_cannot_be_written(tmp_path, capsys):
    hand = cv2.imread(str(TEST_DATA / "cr_hand_small.png"), cv2.IMREAD_GRAYSCALE)
    figure = tmp_path / "fig.png"
    cv2.imwrite(str(figure), compose_figure(hand, hand, gutter=14, canvas=255).image)
    out = tmp_path / "films"
    out.mkdir()
    _special(out, "read-only").rename(out / "after.png")
    assert main(["split", str(figure), "--out", str(out)]) == 2
    assert "after.png" in one_line(capsys, "split")
    assert sorted(p.name for p in out.iterdir()) == ["after.png"]
    assert (out / "after.png").read_bytes() == b"keep"


# -- figure: the figure and its provenance, or neither -------------------------------------------
def test_a_figure_is_not_replaced_when_its_provenance_cannot_be_written(
    tmp_path, project, monkeypatch, capsys
):
    real_write = Path.write_bytes

    def disk_full_for_provenance(self, data):
        if ".provenance.json" in self.name:
            raise OSError(28, "No space left on device")
        return real_write(self, data)

    monkeypatch.setattr(Path, "write_bytes", disk_full_for_provenance)
    out = tmp_path / "fig.png"
    out.write_bytes(b"old figure")
    code = main(["figure", str(project), "--out", str(out), "--dpi", "50", "--width-mm", "40"])
    assert code == 1 and "disk is full" in capsys.readouterr().err
    assert out.read_bytes() == b"old figure"  # not a new figure beside an old provenance
    assert not (tmp_path / "fig.provenance.json").exists()
    assert not list(tmp_path.glob(".*.tmp"))


# -- devices, owners, leftovers -----------------------------------------------------------------
@posix
@as_root
def test_a_device_is_never_replaced_even_by_root(tmp_path, capsys):
    device = tmp_path / "full"  # a /dev/full of our own: the machine's is never at risk
    try:
        os.mknod(device, stat.S_IFCHR | 0o666, os.makedev(1, 7))
    except (PermissionError, OSError):
        pytest.skip("cannot make a device node here")
    link = tmp_path / "link.png"
    link.symlink_to(device)
    for target in (device, link):
        assert main(["render", PNG, "--out", str(target)]) == 2
        assert "not a regular file" in one_line(capsys, "render")
    assert stat.S_ISCHR(device.lstat().st_mode) and link.is_symlink()


@posix
@as_root
def test_root_replacing_a_users_file_keeps_its_owner_and_mode(tmp_path):
    out = tmp_path / "users.png"
    out.write_bytes(b"old")
    os.chown(out, 12345, 12346)
    out.chmod(0o640)
    assert main(["render", PNG, "--out", str(out)]) == 0
    info = out.stat()
    assert (info.st_uid, info.st_gid, stat.S_IMODE(info.st_mode)) == (12345, 12346, 0o640)
    assert out.read_bytes()[:4] == b"\x89PNG"


@posix
def test_a_command_output_cleans_temporaries_of_a_killed_run(tmp_path):
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    out = tmp_path / "out.png"
    stale = [tmp_path / f".out.png.xrc-{proc.pid}-0badc0de.tmp"]
    stale.append(tmp_path / f".out.png.xrc-{proc.pid}-0badc0de.bak.tmp")
    kept = tmp_path / ".out.png.partial.tmp"  # not ours: left alone
    for path in (*stale, kept):
        path.write_bytes(b"half a file")
    assert main(["render", PNG, "--out", str(out)]) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == [kept.name, "out.png"]


@posix
@pytest.mark.parametrize("kind", ["fifo", "loop", "read-only"])
def test_batch_refuses_an_out_that_is_not_a_folder(tmp_path, capsys, kind):
    pairs = tmp_path / "pairs.csv"
    pairs.write_text(f"pair_id,before,after\np1,{PNG},{PNG}\n", "utf-8")
    out = _special(tmp_path, kind)
    assert main(["batch", str(pairs), "--out", str(out), "--workers", "1"]) == 2
    one_line(capsys, "batch")
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["pairs.csv", out.name])
