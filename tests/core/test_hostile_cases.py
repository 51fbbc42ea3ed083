"""Every case of benchmarks/hostile_project_cases.py meets the exit status it promises
(issue 11): one line naming the file for a refusal, nothing written where it must not be."""

from __future__ import annotations

import os
import sys

import pytest

from benchmarks.hostile_project_cases import CASES, EXPECTED_EXIT, untouched
from xraycompare.cli import main


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="POSIX FIFOs")
@pytest.mark.skipif(sys.platform == "win32", reason="POSIX devices")
@pytest.mark.parametrize(("name", "build"), CASES, ids=[name for name, _ in CASES])
def test_hostile_case_ends_as_promised(tmp_path, capsys, name, build):
    args = build(tmp_path)
    capsys.readouterr()
    code = main(args)
    err = capsys.readouterr().err
    assert code == EXPECTED_EXIT[name], err
    assert "Traceback" not in err and "internal error" not in err
    if code == 2:
        assert err.startswith(f"xraycompare {args[0]}: ") and err.count("\n") == 1, err
        assert not (tmp_path / "out").exists()  # nothing written
    assert untouched(tmp_path)
