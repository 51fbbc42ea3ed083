"""``xraycompare register``: the JSON contract, exit codes, and no JSON on failure."""

from __future__ import annotations

import json
import subprocess
import sys

import cv2
import numpy as np
import pytest

from xraycompare.cli import main
from xraycompare.core.exit_codes import EXIT_NOT_ALIGNED
from xraycompare.core.geometry import similarity, transform_points
from xraycompare.core.synthetic import FollowupSpec, simulate_followup

from .conftest import REPO, TEST_DATA

KEYS = {"matrix", "direction", "model", "quality", "mirrored", "seconds", "warning", "roi"}
KEYS |= {"before_size", "after_size", "software", "status", "reason"}


@pytest.fixture(scope="module")
def pair(tmp_path_factory):
    """A before PNG (the small real hand) and an after PNG turned 12 degrees, with truth."""
    folder = tmp_path_factory.mktemp("pair")
    hand = cv2.imread(str(TEST_DATA / "cr_hand_small.png"), cv2.IMREAD_UNCHANGED)
    truth = np.asarray(similarity(angle_deg=12, center=(183, 223), tx=9, ty=-6))
    after = simulate_followup(hand, FollowupSpec(matrix=truth, gamma=1.2, noise_sd=0.01))
    before_path, after_path = folder / "before.png", folder / "after.png"
    cv2.imwrite(str(before_path), hand)
    cv2.imwrite(str(after_path), after)
    return before_path, after_path, truth


def test_json_to_a_file_has_the_contract_keys_and_the_right_matrix(pair, tmp_path, capsys):
    before, after, truth = pair
    out = tmp_path / "reg.json"
    assert main(["register", str(before), str(after), "--json", str(out)]) == 0
    data = json.loads(out.read_text())
    assert set(data) >= KEYS
    assert data["direction"] == "after_to_before" and data["model"] == "similarity"
    assert data["mirrored"] is False and data["seconds"] > 0
    assert data["status"] == "ok" and data["reason"] is None and data["warning"] is None
    assert set(data["quality"]) >= {"ncc_initial", "ncc_final", "mi_final", "overlap"}
    matrix = np.array(data["matrix"])
    assert matrix.shape == (3, 3) and np.allclose(matrix[2], [0, 0, 1])
    pts = np.array([[150.0, 200.0], [200.0, 320.0], [180.0, 120.0]])
    assert np.abs(transform_points(matrix, pts) - transform_points(truth, pts)).max() < 0.5
    assert capsys.readouterr().out == ""  # with --json, stdout stays clean


def test_json_to_stdout_model_roi_and_warped_png(pair, tmp_path, capsys):
    before, after, _ = pair
    warped = tmp_path / "warped.png"
    code = main(
        [
            "register",
            str(before),
            str(after),
            "--model",
            "rigid",
            "--roi",
            "120",
            "100",
            "140",
            "180",
            "--warped",
            str(warped),
        ]
    )
    assert code == 0
    data = json.loads(capsys.readouterr().out)
    assert data["model"] == "rigid" and data["roi"] == [120.0, 100.0, 140.0, 180.0]
    image = cv2.imread(str(warped), cv2.IMREAD_UNCHANGED)
    assert image is not None and image.dtype == np.uint8 and image.shape == (448, 367)
    hand = cv2.imread(str(before), cv2.IMREAD_UNCHANGED).astype(np.float32)
    inside = image > 0
    assert np.corrcoef(hand[inside], image[inside].astype(np.float32))[0, 1] > 0.9


def test_dicom_input_of_either_polarity(tmp_path):
    """The same phantom stored 12-bit MONOCHROME2 and 10-bit MONOCHROME1 (bone stored
    dark) aligns to the identity: the after film's polarity is honoured."""
    out = tmp_path / "reg.json"
    before, after = TEST_DATA / "dx_mono2_12bit.dcm", TEST_DATA / "cr_mono1_10bit.dcm"
    assert main(["register", str(before), str(after), "--json", str(out)]) == 0
    data = json.loads(out.read_text())
    assert np.allclose(np.array(data["matrix"]), np.eye(3), atol=0.05)
    assert data["quality"]["ncc_final"] > 0.9


def test_unreadable_input_exits_2_without_json(pair, tmp_path, capsys):
    before, _, _ = pair
    broken = tmp_path / "broken.dcm"
    broken.write_bytes(b"DICM" * 10)
    out = tmp_path / "reg.json"
    for bad in (tmp_path / "missing.png", broken):
        assert main(["register", str(before), str(bad), "--json", str(out)]) == 2
        captured = capsys.readouterr()
        assert bad.name in captured.err and captured.out == ""
        assert not out.exists()


def test_a_film_with_nothing_to_align_exits_2_naming_it_without_json(pair, tmp_path, capsys):
    before, _, _ = pair
    blank = tmp_path / "blank.png"
    cv2.imwrite(str(blank), np.full((300, 300), 128, np.uint8))
    out = tmp_path / "reg.json"
    assert main(["register", str(before), str(blank), "--json", str(out)]) == 2
    captured = capsys.readouterr()
    assert f"{blank}: cannot be aligned" in captured.err and "blank" in captured.err
    assert captured.out == "" and not out.exists()
    # nor on stdout
    assert main(["register", str(before), str(blank)]) == 2
    assert capsys.readouterr().out == ""


def test_bad_roi_exits_2(pair, capsys):
    before, after, _ = pair
    assert main(["register", str(before), str(after), "--roi", "10", "10", "0", "5"]) == 2
    assert "--roi" in capsys.readouterr().err


def test_mirrored_film_is_flagged_with_a_warning(pair, tmp_path, capsys):
    before, after, _ = pair
    flipped = tmp_path / "flipped.png"
    cv2.imwrite(str(flipped), cv2.imread(str(after), cv2.IMREAD_UNCHANGED)[:, ::-1])
    assert main(["register", str(before), str(flipped)]) == 0
    captured = capsys.readouterr()
    data = json.loads(captured.out)
    assert data["mirrored"] is True and "mirror" in captured.err
    assert data["status"] == "poor"  # usable once confirmed: exit 0, with the warning
    assert np.linalg.det(np.array(data["reflected_matrix"])[:2, :2]) < 0


def test_the_command_never_imports_qt(pair):
    before, after, _ = pair
    code = (
        "import sys; from xraycompare.cli import main; "
        f"rc = main(['register', {str(before)!r}, {str(after)!r}]); "
        "assert not any(m.startswith('PySide6') for m in sys.modules), 'Qt was imported'; "
        "sys.exit(rc)"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["direction"] == "after_to_before"


def _scrambled(pixels: np.ndarray) -> np.ndarray:
    """Another "hand": the film's 64 px tiles shuffled and turned (nothing in its place)."""
    h, w = pixels.shape
    t = 64
    spots = [(y, x) for y in range(0, h - t + 1, t) for x in range(0, w - t + 1, t)]
    order = np.random.default_rng(3).permutation(len(spots))
    out = pixels.copy()
    for k, (y, x) in enumerate(spots):
        sy, sx = spots[order[k]]
        tile = pixels[sy : sy + t, sx : sx + t]
        out[y : y + t, x : x + t] = np.rot90(tile, k % 4) if k % 2 else tile
    return out


def test_no_plausible_alignment_exits_3_and_still_writes_the_best_candidate(pair, tmp_path):
    """Contract: status "failed" -> exit 3 (EXIT_NOT_ALIGNED), the reason on stderr, and
    the best candidate's JSON (and --warped picture) written with "status": "failed"."""
    before, _, _ = pair
    other = tmp_path / "other.png"
    cv2.imwrite(str(other), _scrambled(cv2.imread(str(before), cv2.IMREAD_UNCHANGED)))
    out, warped = tmp_path / "reg.json", tmp_path / "warped.png"
    args = [str(before), str(other), "--json", str(out), "--warped", str(warped)]
    done = subprocess.run(
        [sys.executable, "-m", "xraycompare", "register", *args],
        cwd=REPO,
        capture_output=True,
        text=True,
    )
    assert done.returncode == EXIT_NOT_ALIGNED == 3, done.stderr
    assert "not aligned" in done.stderr and "same hand" in done.stderr
    data = json.loads(out.read_text())
    assert set(data) >= KEYS and data["status"] == "failed"
    assert data["reason"] and data["reason"] in done.stderr
    assert np.array(data["matrix"]).shape == (3, 3)
    assert warped.is_file()
    # on stdout too
    assert main(["register", str(before), str(other)]) == 3
