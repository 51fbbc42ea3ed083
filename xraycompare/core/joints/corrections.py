"""Joint positions the reader corrected, per film, and how the other film follows them.

The finder can miss a joint or put it on the wrong notch; the reader then drags it where it
belongs. A :class:`JointCorrections` value holds those corrected centres (site -> (x, y)
in that film's pixels). It is immutable: every edit returns a new value, so an undo step
is the value before the edit. Corrections are saved in the project with each film.

Until the reader corrects a joint on the after film too, that joint *follows* the before
film's through the alignment (:meth:`JointCorrections.after_point`): correcting PIP3 on the
before film moves PIP3 on the after film to the same anatomy. A correction on the after
film is kept as it is.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from types import MappingProxyType

import numpy as np

from xraycompare.core.joints.model import JOINT_SITES, Joint, JointMap
from xraycompare.core.types import FILMS, Film

Point = tuple[float, float]
CORRECTED_CONFIDENCE = 1.0  # a joint the reader placed is as sure as it gets


@dataclass(frozen=True)
class JointCorrections:
    """Corrected joint centres of both films: ``before`` and ``after`` map site -> (x, y).

    Sites are those of :data:`~xraycompare.core.joints.model.JOINT_SITES`; points are in the
    film's own pixel coordinates (centres at integers). ValueError for an unknown site or a
    point that is not two finite numbers.
    """

    before: Mapping[str, Point] = field(default_factory=dict)
    after: Mapping[str, Point] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for film in FILMS:
            object.__setattr__(self, film, MappingProxyType(_checked(getattr(self, film))))

    def of(self, film: Film) -> Mapping[str, Point]:
        """The corrected sites of ``film``."""
        return self.before if film == "before" else self.after

    def point(self, film: Film, site: str) -> Point | None:
        """The corrected centre of ``site`` on ``film``, or None when not corrected."""
        return self.of(film).get(site)

    @property
    def is_empty(self) -> bool:
        return not self.before and not self.after

    def moved(self, film: Film, site: str, point: Point) -> JointCorrections:
        """A new value with ``site`` on ``film`` placed at ``point``."""
        points = dict(self.of(film))
        points[site] = point
        return replace(self, **{film: points})

    def cleared(self, film: Film, site: str) -> JointCorrections:
        """A new value without the correction of ``site`` on ``film`` (the finder's again)."""
        points = {k: v for k, v in self.of(film).items() if k != site}
        return replace(self, **{film: points})

    def on_films(
        self, before_shape: tuple[int, ...], after_shape: tuple[int, ...]
    ) -> JointCorrections:
        """Only the corrections that lie on their film ((H, W) shapes): a stale or crafted
        project may hold points far off it, which would make the hand's scale absurd."""

        def on(point: Point, shape: tuple[int, ...]) -> bool:
            h, w = shape[:2]
            return -0.5 <= point[0] <= w - 0.5 and -0.5 <= point[1] <= h - 0.5

        return JointCorrections(
            before={s: p for s, p in self.before.items() if on(p, before_shape)},
            after={s: p for s, p in self.after.items() if on(p, after_shape)},
        )

    def swapped(self) -> JointCorrections:
        """Before and after exchanged (the pair was swapped)."""
        return JointCorrections(before=self.after, after=self.before)

    def applied(self, film: Film, found: JointMap) -> JointMap:
        """``found`` with this film's corrections in place of the finder's joints.

        A corrected joint has confidence 1; the axes and the laterality are kept.
        """
        points = self.of(film)
        if not points:
            return found
        joints = tuple(
            Joint(j.site, *points[j.site], CORRECTED_CONFIDENCE) if j.site in points else j
            for j in found.joints
        )
        return replace(found, joints=joints)

    def after_point(
        self, site: str, before_point: Point | None, after_to_before: np.ndarray
    ) -> Point | None:
        """Where ``site`` is on the after film.

        Parameters
        ----------
        site
            The joint.
        before_point
            Its centre on the before film (corrected or found), or None.
        after_to_before
            The alignment (3×3, after pixels -> before pixels) the after joint follows: the
            joint's own local alignment when there is one, else the pair's.

        Returns
        -------
        tuple of float or None
            The after film's correction when there is one; else the before point mapped
            through the inverse of the alignment; None when neither is known.
        """
        own = self.after.get(site)
        if own is not None:
            return own
        if before_point is None:
            return None
        m = np.linalg.inv(np.asarray(after_to_before, dtype=np.float64))
        x, y = before_point
        w = m[2, 0] * x + m[2, 1] * y + m[2, 2]
        return (
            float((m[0, 0] * x + m[0, 1] * y + m[0, 2]) / w),
            float((m[1, 0] * x + m[1, 1] * y + m[1, 2]) / w),
        )


def _checked(points: Mapping[str, Point]) -> dict[str, Point]:
    """Sites in reading order, points as float pairs; ValueError for anything else."""
    if not isinstance(points, Mapping):
        raise ValueError("joint corrections map a site to a point (x, y)")
    unknown = sorted(set(points) - set(JOINT_SITES))
    if unknown:
        raise ValueError(f"unknown joint site(s): {', '.join(map(str, unknown))}")
    out = {}
    for site in JOINT_SITES:
        if site not in points:
            continue
        p = points[site]
        try:
            x, y = (float(v) for v in p)
        except (TypeError, ValueError):
            raise ValueError(f"{site}: a joint's point is two numbers (x, y)") from None
        if not (math.isfinite(x) and math.isfinite(y)):
            raise ValueError(f"{site}: a joint's point must be finite")
        out[site] = (x, y)
    return out
