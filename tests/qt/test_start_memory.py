"""The app starts without the libraries only some features need (tens of MB each)."""

from __future__ import annotations

import subprocess
import sys

LATER = ("matplotlib", "scipy.signal")  # figures and galleries; joints (worker processes)


def test_the_main_window_does_not_load_figure_or_joint_finding_libraries():
    code = (
        "import sys, xraycompare.qt.main_window\n"
        f"print(','.join(m for m in {LATER!r} if m in sys.modules))"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    ).stdout.strip()
    assert loaded == "", f"loaded at start: {loaded}"


def test_finding_joints_still_loads_what_it_needs(film_pair):
    from xraycompare.core.io.loading import load_image
    from xraycompare.core.joints import find_joints

    joints = find_joints(load_image(film_pair[0]))  # the peak finder is imported on use
    assert "scipy.signal" in sys.modules and joints is not None
