"""Joints the reader corrected: a value with undoable edits, kept in the project file, and
the after film's joint following a corrected before joint through the alignment."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from tests.core.conftest import TEST_DATA, saved_pair
from xraycompare.core.document import Document
from xraycompare.core.geometry import similarity, transform_points
from xraycompare.core.io.loading import load_image
from xraycompare.core.joints import JointMap
from xraycompare.core.joints.corrections import JointCorrections
from xraycompare.core.project.file import apply_project, read_project, save_project

M = similarity(angle_deg=6.0, scale=1.02, tx=30.0, ty=-12.0, center=(180.0, 220.0))


def test_edits_return_new_values_and_leave_the_old_one_alone():
    empty = JointCorrections()
    one = empty.moved("before", "PIP3", (120, 80.5))
    assert empty.is_empty and one.point("before", "PIP3") == (120.0, 80.5)
    two = one.moved("after", "PIP3", (130.0, 70.0)).moved("before", "PIP3", (121.0, 81.0))
    assert one.point("before", "PIP3") == (120.0, 80.5)  # unchanged: an undo step restores it
    assert two.point("before", "PIP3") == (121.0, 81.0)
    assert two.cleared("after", "PIP3").point("after", "PIP3") is None
    assert two.swapped().point("before", "PIP3") == (130.0, 70.0)
    assert JointCorrections(before={"PIP3": [1, 2]}) == JointCorrections(before={"PIP3": (1, 2)})


@pytest.mark.parametrize(
    "points",
    [{"CMC7": (1.0, 2.0)}, {"PIP3": (1.0,)}, {"PIP3": (float("nan"), 2.0)}, {"PIP3": "x"}],
)
def test_unknown_sites_and_bad_points_are_refused(points):
    with pytest.raises(ValueError):
        JointCorrections(before=points)


def test_corrected_joints_replace_the_found_ones_with_full_confidence():
    found = JointMap.empty()
    corrected = JointCorrections(before={"MCP2": (10.0, 20.0)}).applied("before", found)
    assert corrected.get("MCP2").point == (10.0, 20.0) and corrected.get("MCP2").confidence == 1
    assert corrected.get("MCP3").point is None  # still not found: nothing guessed


def test_the_after_joint_follows_a_corrected_before_joint_until_corrected_itself():
    c = JointCorrections().moved("before", "PIP3", (150.0, 120.0))
    follows = c.after_point("PIP3", c.point("before", "PIP3"), M)
    assert transform_points(M, np.array([follows]))[0] == pytest.approx([150.0, 120.0])
    moved = c.moved("before", "PIP3", (160.0, 118.0))
    again = moved.after_point("PIP3", moved.point("before", "PIP3"), M)
    assert transform_points(M, np.array([again]))[0] == pytest.approx([160.0, 118.0])
    own = moved.moved("after", "PIP3", (77.0, 66.0))
    assert own.after_point("PIP3", own.point("before", "PIP3"), M) == (77.0, 66.0)
    assert JointCorrections().after_point("PIP3", None, M) is None


def test_the_document_holds_them_and_says_when_they_change():
    doc = Document()
    seen = []
    doc.joints_changed.connect(lambda: seen.append(1))
    edited = doc.joint_corrections.moved("before", "MCP1", (5.0, 6.0))
    previous = doc.set_joint_corrections(edited)
    assert previous.is_empty and doc.joint_corrections == edited and seen == [1]
    doc.set_joint_corrections(edited)  # the same value: no event
    assert seen == [1]
    doc.set_joint_corrections(previous)  # what an undo does
    assert doc.joint_corrections.is_empty and seen == [1, 1]


def test_swapping_the_pair_swaps_the_corrections_and_a_new_pair_drops_them():
    hand = load_image(TEST_DATA / "cr_hand_small.png")
    doc = Document()
    doc.set_pair(hand, hand)
    doc.set_joint_corrections(JointCorrections(before={"MCP1": (5.0, 6.0)}))
    doc.swap()
    assert doc.joint_corrections.point("after", "MCP1") == (5.0, 6.0)
    doc.set_pair(hand, hand)
    assert doc.joint_corrections.is_empty


def test_corrections_round_trip_through_a_project_file(tmp_path: Path):
    doc = saved_pair(tmp_path, M)
    c = JointCorrections(before={"PIP3": (150.25, 120.5), "RC": (170.0, 330.0)})
    doc.set_joint_corrections(c.moved("after", "MCP2", (140.0, 240.0)))
    path = tmp_path / "pair.xrc.json"
    save_project(doc, path)
    images = json.loads(path.read_text())["images"]
    assert images["before"]["joints"] == {"PIP3": [150.25, 120.5], "RC": [170.0, 330.0]}
    assert images["after"]["joints"] == {"MCP2": [140.0, 240.0]}
    opened = Document()
    data = read_project(path)
    apply_project(opened, data, doc.before, doc.after)
    assert opened.joint_corrections == doc.joint_corrections
    # and the after film's PIP3 follows the corrected before PIP3 through the saved alignment
    c2 = opened.joint_corrections
    follows = c2.after_point("PIP3", c2.point("before", "PIP3"), opened.global_alignment.matrix)
    back = transform_points(opened.global_alignment.matrix, np.array([follows]))[0]
    assert back == pytest.approx([150.25, 120.5])


def test_a_project_without_corrections_has_no_joints_key_and_old_files_open(tmp_path: Path):
    doc = saved_pair(tmp_path, M)
    path = tmp_path / "pair.xrc.json"
    save_project(doc, path)
    data = json.loads(path.read_text())
    assert "joints" not in data["images"]["before"]  # files without corrections are as before
    assert read_project(path).joint_corrections.is_empty


def test_a_project_with_a_bad_joint_is_refused_naming_where(tmp_path: Path):
    from xraycompare.core.project.file import ProjectFileError

    doc = saved_pair(tmp_path, M)
    path = tmp_path / "pair.xrc.json"
    save_project(doc, path)
    data = json.loads(path.read_text())
    data["images"]["before"]["joints"] = {"PIP9": [1.0, 2.0]}
    path.write_text(json.dumps(data))
    with pytest.raises(ProjectFileError, match="PIP9"):
        read_project(path)
    data["images"]["before"]["joints"] = {"PIP3": [1.0, "x"]}
    path.write_text(json.dumps(data))
    with pytest.raises(ProjectFileError, match="joints"):
        read_project(path)
