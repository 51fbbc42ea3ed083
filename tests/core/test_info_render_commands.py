"""The headless ``info`` and ``render`` commands: their contracts, exit codes and no Qt."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest

from tests.core.conftest import REPO
from xraycompare.cli import main
from xraycompare.core.io.display import render_display
from xraycompare.core.io.image import Window
from xraycompare.core.io.loading import load_image

CONTRACT_KEYS = {
    "width",
    "height",
    "bits_stored",
    "photometric",
    "modality",
    "spacing_mm",
    "calibration",
    "window",
    "transfer_syntax",
}
# The phantom files carry these dummy identifiers; no command may print them.
IDENTIFIERS = ("Test^Phantom", "PHANTOM-001", "19700101", "ACC-0001", "20200102")


def run_json(capsys, *args: str) -> dict:
    assert main(["info", *args, "--json"]) == 0
    out = capsys.readouterr().out
    assert out.count("\n") == 1  # one JSON object on one line
    return json.loads(out)


def test_info_json_contract_for_dicom(capsys, test_data: Path):
    facts = run_json(capsys, str(test_data / "dx_mono2_12bit.dcm"))
    assert facts.keys() >= CONTRACT_KEYS
    assert (facts["width"], facts["height"]) == (64, 80)
    assert facts["bits_stored"] == 12
    assert facts["photometric"] == "MONOCHROME2"
    assert facts["modality"] == "DX"
    assert facts["spacing_mm"] == [0.1, 0.125]
    assert facts["calibration"] == "calibrated"
    assert facts["window"] == [2000.0, 3600.0]
    assert facts["transfer_syntax"] == "Explicit VR Little Endian"
    assert facts["body_part"] == "HAND" and facts["laterality"] == "R"


def test_info_json_for_a_png_has_null_syntax_and_spacing(capsys, test_data: Path):
    facts = run_json(capsys, str(test_data / "grey12_in_16.png"))
    assert facts["transfer_syntax"] is None
    assert facts["spacing_mm"] is None and facts["calibration"] == "none"
    assert facts["bits_stored"] == 12 and facts["format"] == "PNG"
    _center, width = facts["window"]
    assert width > 0


def test_info_json_lists_presets_and_detector_calibration(capsys, test_data: Path):
    facts = run_json(capsys, str(test_data / "cr_multi_window.dcm"))
    assert [p["label"] for p in facts["presets"]] == ["SOFT TISSUE", "BONE"]
    facts = run_json(capsys, str(test_data / "cr_mono1_10bit.dcm"))
    assert facts["calibration"] == "detector" and facts["spacing_mm"] == [0.15, 0.15]
    assert facts["photometric"] == "MONOCHROME1"


@pytest.mark.parametrize("as_json", [True, False])
def test_info_never_prints_patient_identifiers(capsys, test_data: Path, as_json: bool):
    args = ["info", str(test_data / "dx_mono2_12bit.dcm")] + (["--json"] if as_json else [])
    assert main(args) == 0
    out = capsys.readouterr().out
    for identifier in IDENTIFIERS:
        assert identifier not in out
    if as_json:
        keys = " ".join(json.loads(out)).lower()
        assert "patient" not in keys and "birth" not in keys and "accession" not in keys


def test_info_text_is_readable(capsys, test_data: Path):
    assert main(["info", str(test_data / "cr_mono1_10bit.dcm")]) == 0
    out = capsys.readouterr().out
    assert "64 × 80 px" in out
    assert "0.15 × 0.15 mm" in out and "at detector" in out
    assert "MONOCHROME1" in out


@pytest.mark.parametrize("command", ["info", "render"])
def test_unreadable_input_exits_2_with_the_reason(capsys, tmp_path: Path, command: str):
    bad = tmp_path / "broken.dcm"
    bad.write_bytes(b"\x00" * 128 + b"DICM" + b"\x01" * 40)
    out = tmp_path / "out.png"
    args = [command, str(bad)] + (["--out", str(out)] if command == "render" else [])
    assert main(args) == 2
    captured = capsys.readouterr()
    assert "broken.dcm" in captured.err and captured.out == ""
    assert not out.exists()
    assert main([command, str(tmp_path / "missing.png"), *args[2:]]) == 2
    assert "no such file" in capsys.readouterr().err


def test_render_writes_the_default_display(tmp_path: Path, test_data: Path):
    source = test_data / "cr_mono1_10bit.dcm"
    out = tmp_path / "out.png"
    assert main(["render", str(source), "--out", str(out)]) == 0
    written = cv2.imread(str(out), cv2.IMREAD_UNCHANGED)
    assert written.dtype == np.uint8 and written.ndim == 2
    np.testing.assert_array_equal(written, render_display(load_image(source)))
    assert [p.name for p in tmp_path.iterdir()] == ["out.png"]  # no temporary left over


def test_render_with_a_window_and_max_size(tmp_path: Path, test_data: Path):
    source = test_data / "dx_mono2_12bit.dcm"
    out = tmp_path / "small.png"
    assert main(["render", str(source), "--out", str(out), "--window", "3000", "500"]) == 0
    expected = render_display(load_image(source), Window(3000, 500))
    np.testing.assert_array_equal(cv2.imread(str(out), cv2.IMREAD_UNCHANGED), expected)
    assert main(["render", str(source), "--out", str(out), "--max-size", "40"]) == 0
    small = cv2.imread(str(out), cv2.IMREAD_UNCHANGED)
    assert small.shape == (40, 32)
    full = render_display(load_image(source))
    np.testing.assert_array_equal(small, cv2.resize(full, (32, 40), interpolation=cv2.INTER_AREA))


def test_render_window_accepts_negative_centres(tmp_path: Path, test_data: Path):
    out = tmp_path / "neg.png"
    args = ["render", str(test_data / "cr_signed_rescale.dcm"), "--out", str(out)]
    assert main([*args, "--window", "-500", "3000"]) == 0
    assert main([*args, "--window", "100", "0"]) == 2


def test_a_failed_render_leaves_the_old_file_untouched(
    tmp_path: Path, test_data: Path, monkeypatch
):
    out = tmp_path / "figure.png"
    out.write_bytes(b"previous figure")
    monkeypatch.setattr(cv2, "imencode", lambda *a, **k: (False, None))
    assert main(["render", str(test_data / "grey8.png"), "--out", str(out)]) == 1
    assert out.read_bytes() == b"previous figure"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["figure.png"]


def test_render_the_cr_hand_downsized(tmp_path: Path, shared_data: Path):
    out = tmp_path / "hand.png"
    source = shared_data / "dicom/pylibjpeg-data/cr_right_hand_pa.dcm"
    assert main(["render", str(source), "--out", str(out), "--max-size", "500"]) == 0
    small = cv2.imread(str(out), cv2.IMREAD_UNCHANGED)
    assert small.shape == (500, 410) and small.dtype == np.uint8
    # the film through its default window, area-averaged: what the full render shows
    full = render_display(load_image(source))
    expected = cv2.resize(full, (410, 500), interpolation=cv2.INTER_AREA)
    assert np.abs(small.astype(int) - expected.astype(int)).mean() < 1.0
    assert small.std() > 20  # bone and air, not a flat picture


def test_info_in_a_fresh_interpreter_loads_no_qt(test_data: Path):
    """``python -m xraycompare info --json`` and the same through main(): no PySide6 import."""
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    path = str(test_data / "cr_j2k_mono1.dcm")
    result = subprocess.run(
        [sys.executable, "-m", "xraycompare", "info", path, "--json"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["photometric"] == "MONOCHROME1"
    probe = (
        "import sys\n"
        "from xraycompare.cli import main\n"
        f"code = main(['info', {path!r}, '--json'])\n"
        "qt = sorted(m for m in sys.modules if m.startswith('PySide6'))\n"
        "assert not qt, qt\n"
        "sys.exit(code)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["transfer_syntax"].startswith("JPEG 2000")
