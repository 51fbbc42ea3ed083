"""Joint localisation on hand films: find_joints and the JointMap it returns (no Qt)."""

from xraycompare.core.joints.locate import find_joints
from xraycompare.core.joints.model import (
    FINGER_SITES,
    JOINT_SITES,
    SCORED_SITES,
    FingerAxis,
    Joint,
    JointMap,
)

__all__ = [
    "FINGER_SITES",
    "JOINT_SITES",
    "SCORED_SITES",
    "FingerAxis",
    "Joint",
    "JointMap",
    "find_joints",
]
