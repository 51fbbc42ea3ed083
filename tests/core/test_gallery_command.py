"""``xraycompare gallery``: the figure, its provenance and JSON, exit codes, and nothing
written (and every reason named) on bad input."""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np
import pytest

from tests.core.conftest import TEST_DATA
from tests.core.test_figure_files import DATES, dicom_film, forbidden_strings
from xraycompare.cli import main
from xraycompare.core.document import Document
from xraycompare.core.geometry import similarity, transform_points
from xraycompare.core.io.loading import load_image
from xraycompare.core.joints import find_joints
from xraycompare.core.joints.corrections import JointCorrections
from xraycompare.core.project.file import save_project
from xraycompare.core.registration.alignment import Alignment
from xraycompare.core.synthetic import FollowupSpec, simulate_followup

TRUTH = similarity(angle_deg=6.0, center=(183.0, 223.0), tx=7.0, ty=-5.0)
FAST = ["--dpi", "100", "--width-mm", "120"]


@pytest.fixture(scope="module")
def pair(tmp_path_factory) -> list[Path]:
    """The small real hand as a dated DICOM with identifiers, and its follow-up."""
    folder = tmp_path_factory.mktemp("pair")
    hand = cv2.imread(str(TEST_DATA / "cr_hand_small.png"), cv2.IMREAD_UNCHANGED)
    hand = hand.astype(np.uint16) * 16  # 12-bit values
    after = simulate_followup(hand, FollowupSpec(matrix=TRUTH, gamma=1.15, noise_sd=0.005))
    return [
        dicom_film(folder / "dulcinea_2011.dcm", hand, DATES["before"]),
        dicom_film(folder / "dulcinea_2018.dcm", after, DATES["after"]),
    ]


def test_a_pair_gives_the_figure_its_provenance_and_the_tiles_json(pair, tmp_path, capsys):
    out, data = tmp_path / "gallery.png", tmp_path / "tiles.json"
    args = ["gallery", *map(str, pair), "--out", str(out), "--json", str(data), *FAST]
    assert main(args) == 0
    printed = capsys.readouterr()
    assert printed.out.splitlines() == [
        f"{out}: {printed.out.split(': ')[1].splitlines()[0]}",
        str(tmp_path / "gallery.provenance.json"),
    ]
    assert " of 11 joints" in printed.out
    tiles = json.loads(data.read_text())
    assert [t["site"] for t in tiles["tiles"]][:3] == ["MCP1", "MCP2", "MCP3"]
    found = [t for t in tiles["tiles"] if t["found"]]
    assert len(found) >= 8 and set(tiles["missing"]) == {
        t["site"] for t in tiles["tiles"] if not t["found"]
    }
    for tile in found:
        assert len(tile["before_box"]) == 4 and tile["before_box"][2] == tiles["tile_side_px"]
        assert set(tile["quality"]) >= {"ncc", "ncc_global", "shift_px", "local"}
        assert tile["status"] in ("ok", "poor", "failed")
        shown = transform_points(np.array(tile["matrix"]), np.array([tile["after_centre"]]))
        truth = transform_points(TRUTH, np.array([tile["after_centre"]]))
        assert np.linalg.norm(shown - truth) < 1.5, tile["site"]
    assert tiles["tile_mm"] == pytest.approx(tiles["tile_side_px"] * 0.46)
    # nothing identifying in any output or message
    everything = [out.read_bytes(), data.read_bytes(), (tmp_path / "gallery.provenance.json")
                  .read_bytes(), (printed.out + printed.err).encode()]  # fmt: skip
    for value in forbidden_strings():
        assert not any(value.encode() in hay for hay in everything), value


def test_a_project_brings_its_alignment_and_corrected_joints(tmp_path, capsys):
    hand = cv2.imread(str(TEST_DATA / "cr_hand_small.png"), cv2.IMREAD_UNCHANGED)
    cv2.imwrite(str(tmp_path / "a.png"), hand)
    cv2.imwrite(str(tmp_path / "b.png"), simulate_followup(hand, FollowupSpec(matrix=TRUTH)))
    doc = Document()
    doc.set_pair(load_image(tmp_path / "a.png"), load_image(tmp_path / "b.png"))
    doc.set_global_alignment(Alignment("Global", TRUTH))
    x, y = find_joints(doc.before).get("PIP3").point
    doc.set_joint_corrections(JointCorrections(before={"PIP3": (x + 3.0, y + 2.0)}))
    save_project(doc, tmp_path / "p.xrc.json")
    data = tmp_path / "tiles.json"
    args = ["gallery", str(tmp_path / "p.xrc.json"), "--out", str(tmp_path / "g.pdf")]
    assert main([*args, "--json", str(data), "--mode", "difference", *FAST]) == 0
    tiles = {t["site"]: t for t in json.loads(data.read_text())["tiles"]}
    assert tiles["PIP3"]["source"] == "corrected"
    assert tiles["PIP3"]["centre"] == pytest.approx([x + 3.0, y + 2.0], abs=0.01)
    assert np.allclose(json.loads(data.read_text())["global_matrix"], TRUTH)
    assert (tmp_path / "g.pdf").read_bytes().startswith(b"%PDF")


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--out", "{tmp}/g.jpg"], "g.jpg"),
        (["--out", "{tmp}/g.png", "--dpi", "10"], "resolution"),
        (["--out", "{tmp}/g.png", "--width-mm", "5"], "width"),
        (["--out", "{tmp}/no/g.png"], "does not exist"),
        (["--out", "{tmp}/g.png", "--json", "{tmp}"], "is a folder"),
    ],
)
def test_bad_options_exit_2_and_write_nothing(pair, tmp_path, capsys, extra, message):
    args = [a.replace("{tmp}", str(tmp_path)) for a in extra]
    assert main(["gallery", *map(str, pair), *args]) == 2
    assert message in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


def test_unreadable_films_are_named(tmp_path, capsys):
    broken = tmp_path / "broken.dcm"
    broken.write_bytes(b"DICM" + bytes(300))
    out = tmp_path / "g.png"
    assert main(["gallery", str(broken), str(tmp_path / "nowhere.png"), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "broken.dcm" in err or "nowhere.png" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["broken.dcm"]


def test_a_pair_that_cannot_be_aligned_exits_3(tmp_path, capsys):
    for name in ("a.png", "b.png"):
        cv2.imwrite(str(tmp_path / name), np.full((200, 160), 90, np.uint8))  # blank films
    out = tmp_path / "g.png"
    assert (
        main(["gallery", str(tmp_path / "a.png"), str(tmp_path / "b.png"), "--out", str(out)]) == 3
    )
    assert "cannot align" in capsys.readouterr().err
    assert not out.exists()


def test_films_without_a_hand_exit_2_saying_so(tmp_path, capsys):
    rng = np.random.default_rng(0)
    texture = cv2.GaussianBlur(rng.uniform(0, 255, (240, 200)).astype(np.float32), (0, 0), 3)
    texture = cv2.normalize(texture, None, 0, 255, cv2.NORM_MINMAX).astype(np.uint8)
    for name in ("a.png", "b.png"):
        cv2.imwrite(str(tmp_path / name), texture)
    out = tmp_path / "g.png"
    code = main(["gallery", str(tmp_path / "a.png"), str(tmp_path / "b.png"), "--out", str(out)])
    err = capsys.readouterr().err
    assert code == 2 and "no joint was found" in err and "a.png" in err
    assert not out.exists()


def test_three_inputs_are_refused(tmp_path, capsys):
    names = [str(tmp_path / n) for n in ("a.png", "b.png", "c.png")]
    assert main(["gallery", *names, "--out", str(tmp_path / "g.png")]) == 2
    assert "give a project file, or the before and the after film" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []
