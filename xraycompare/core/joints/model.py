"""What :func:`~xraycompare.core.joints.find_joints` returns: a JointMap.

Site IDs are those of :mod:`xraycompare.core.annotations.svdh` (``MCP1``–``MCP5``, ``IP1``,
``PIP2``–``PIP5``) plus the distal interphalangeal joints ``DIP2``–``DIP5`` and ``RC`` (the
centre of the radiocarpal joint). Points are (x, y) in the film's pixel frame, pixel centres
at integers. A site that was not found has ``found`` False and no point: nothing is guessed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Laterality = Literal["left", "right"]

FINGER_SITES: dict[int, tuple[str, ...]] = {
    1: ("MCP1", "IP1"),
    2: ("MCP2", "PIP2", "DIP2"),
    3: ("MCP3", "PIP3", "DIP3"),
    4: ("MCP4", "PIP4", "DIP4"),
    5: ("MCP5", "PIP5", "DIP5"),
}
# the order a reader goes through them (and the gallery shows them)
JOINT_SITES: tuple[str, ...] = (
    "MCP1",
    "MCP2",
    "MCP3",
    "MCP4",
    "MCP5",
    "IP1",
    "PIP2",
    "PIP3",
    "PIP4",
    "PIP5",
    "DIP2",
    "DIP3",
    "DIP4",
    "DIP5",
    "RC",
)
# the SvdH joints the accuracy targets are about
SCORED_SITES: tuple[str, ...] = JOINT_SITES[:10]


@dataclass(frozen=True)
class Joint:
    """One site: where it is (when found) and how sure the finder is (0–1)."""

    site: str
    x: float | None
    y: float | None
    confidence: float

    @property
    def found(self) -> bool:
        return self.x is not None and self.y is not None

    @property
    def point(self) -> tuple[float, float] | None:
        return (self.x, self.y) if self.x is not None and self.y is not None else None


@dataclass(frozen=True)
class FingerAxis:
    """A traced ray (1 = thumb … 5 = little finger): its centre line from tip to palm."""

    finger: int
    points: tuple[tuple[float, float], ...]


@dataclass(frozen=True)
class JointMap:
    """Every joint site of one hand film, found or not, with the finger axes.

    ``laterality`` is "left" or "right" when the thumb side tells it, read as a PA film is
    shown (a film stored mirrored reads as the other hand), else None. ``seconds`` is how
    long the search took.
    """

    joints: tuple[Joint, ...]
    axes: tuple[FingerAxis, ...] = ()
    laterality: Laterality | None = None
    seconds: float = 0.0

    def __post_init__(self) -> None:
        sites = [j.site for j in self.joints]
        if sorted(sites) != sorted(JOINT_SITES):
            raise ValueError("a JointMap holds every joint site exactly once")

    def get(self, site: str) -> Joint:
        for j in self.joints:
            if j.site == site:
                return j
        raise KeyError(site)

    def found(self) -> tuple[Joint, ...]:
        """The joints that were found, in reading order."""
        return tuple(j for j in self.joints if j.found)

    def points(self) -> dict[str, tuple[float, float]]:
        """Site -> (x, y) for the joints found."""
        return {j.site: (j.x, j.y) for j in self.joints if j.x is not None and j.y is not None}

    @staticmethod
    def empty(seconds: float = 0.0) -> JointMap:
        """Nothing found (not a hand, or no fingers in view)."""
        return JointMap(tuple(Joint(s, None, None, 0.0) for s in JOINT_SITES), seconds=seconds)

    def as_json(self) -> dict:
        """The ``xraycompare joints`` contract: found joints only, plus laterality and time."""
        return {
            "joints": [
                {
                    "site": j.site,
                    "x": round(j.x, 2),
                    "y": round(j.y, 2),
                    "confidence": round(j.confidence, 3),
                }
                for j in self.joints
                if j.x is not None and j.y is not None
            ],
            "laterality": self.laterality,
            "seconds": round(self.seconds, 3),
        }
