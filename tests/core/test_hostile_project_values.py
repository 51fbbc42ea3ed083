"""Values a project may validly hold that are absurd for its films (issue 11, found by the
fuzzer's edge values): joints placed far off the film must not size the gallery's tiles."""

from __future__ import annotations

import json

from tests.core import hostile
from xraycompare.cli import main
from xraycompare.core.joints.corrections import JointCorrections


def test_corrections_off_their_film_are_left_out():
    corrections = JointCorrections(
        before={"MCP2": (10.0, 20.0), "PIP3": (-9.99e6, 5.0), "PIP4": (99.5, 49.5)},
        after={"MCP2": (9.99e6, 9.99e6), "MCP3": (-0.5, -0.5)},
    )
    on = corrections.on_films((50, 100), (50, 100))
    assert dict(on.before) == {"MCP2": (10.0, 20.0), "PIP4": (99.5, 49.5)}
    assert dict(on.after) == {"MCP3": (-0.5, -0.5)}


def test_a_gallery_of_a_project_with_joints_far_off_the_film(tmp_path, capsys):
    # before: cv2 was asked for 60 TB for one tile (exit 1 after half a minute)
    project = hostile.with_demo_films(tmp_path)
    obj = json.loads(project.read_text("utf-8"))
    far = [-9.99e6, 5.0]  # within the coordinate limit a project may hold
    obj["images"]["before"]["joints"] = {"MCP2": far, "PIP3": far}
    obj["images"]["after"]["joints"] = {"MCP2": far}
    project.write_text(json.dumps(obj), "utf-8")
    out = tmp_path / "gallery.png"
    code = main(["gallery", str(project), "--out", str(out), "--dpi", "50", "--width-mm", "60"])
    err = capsys.readouterr().err
    assert code == 0 and out.exists(), err
    assert "internal error" not in err
