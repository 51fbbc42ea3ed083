"""A rectangle is named after the joint it holds: a marked site first, else a found joint."""

from __future__ import annotations

import numpy as np

from xraycompare.core.annotations.regions import Region, ellipse_points
from xraycompare.core.document import Document
from xraycompare.core.geometry import translation
from xraycompare.core.io.image import ImageInfo, Window, XrayImage
from xraycompare.core.joints.model import JOINT_SITES, Joint, JointMap
from xraycompare.core.registration.alignment import Alignment
from xraycompare.core.site_names import site_name_for


def film() -> XrayImage:
    return XrayImage(
        pixels=np.zeros((200, 200), np.uint16),
        bits_stored=12,
        photometric="MONOCHROME2",
        invert=False,
        default_window=Window(2000.0, 4000.0),
        default_window_source="auto",
        info=ImageInfo(format="test"),
    )


def joints(**found: tuple[float, float]) -> JointMap:
    return JointMap(
        tuple(
            Joint(s, *(found.get(s, (None, None))), 0.9 if s in found else 0.0) for s in JOINT_SITES
        )
    )


def test_a_marked_site_wins_over_a_found_joint_and_the_nearest_wins():
    doc = Document()
    doc.set_pair(film(), film())
    doc.set_global_alignment(Alignment("Global", translation(10.0, 0.0)))
    # marked on the after film at x=40: x=50 in the before frame
    doc.annotations.add(
        Region.create("after", "ellipse", ellipse_points(40.0, 50.0, 4.0, 4.0), site="MCP3",
                      laterality="right", kind="erosion")
    )  # fmt: skip
    found = joints(MCP3=(52.0, 52.0), PIP3=(50.0, 20.0))
    assert site_name_for(doc, (30.0, 30.0, 40.0, 40.0), joints=found) == "MCP3 right"
    # a found joint takes the film's hand (here from its region)
    assert site_name_for(doc, (30.0, 0.0, 40.0, 30.0), joints=found) == "PIP3 right"
    assert site_name_for(doc, (150.0, 150.0, 20.0, 20.0), joints=found) is None
    assert site_name_for(doc, (30.0, 0.0, 40.0, 30.0)) is None  # joints not known yet


def test_a_found_joint_without_a_known_hand_is_named_by_its_site():
    doc = Document()
    doc.set_pair(film(), film())
    found = joints(PIP3=(50.0, 20.0))
    assert site_name_for(doc, (30.0, 0.0, 40.0, 30.0), joints=found) == "PIP3"
