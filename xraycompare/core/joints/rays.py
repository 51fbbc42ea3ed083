"""Rays: each digit's centre line from its tip into the palm, and how it reads.

A ray starts at a fingertip on the outline and follows the bones (:func:`.ridges.track`);
the intensity along it, across a band a third of a finger wide, is searched for joint
spaces (:mod:`.gaps`), which are read as joints as a finger and as a thumb
(:mod:`.anatomy`). A finger whose tip the outline did not show (two fingertips touching,
a marker on it) is looked for from its named neighbour: beside it, a proximal phalanx's
width of MCP spacing away, on the strongest bone ridge, and followed out to where the soft
tissue ends and back into the palm.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from xraycompare.core.joints.anatomy import fit_finger, fit_thumb
from xraycompare.core.joints.digits import Tip
from xraycompare.core.joints.gaps import find_gaps, profile, resample, slanted_gaps
from xraycompare.core.joints.naming import MCP_SPACING, PP_RATIO, Naming, Ray
from xraycompare.core.joints.ridges import bone_tophat, ridge_strength, sample, track
from xraycompare.core.joints.view import HandView

STEP = 0.5  # profile step, work pixels
_RAY_LENGTH = 3.2  # units: past the MCP of the longest finger
# the thumb lies turned on a PA film: its joint spaces cross its ray at a slant
_THUMB_TILTS = tuple(np.radians(a) for a in (-30.0, -15.0, 15.0, 30.0))


class RayTracer:
    """Rays of one hand view: the bone (soft tissue removed), its ridge map and that map's
    noise floor, and a ray's readings from its path."""

    def __init__(self, view: HandView) -> None:
        f = view.finger_width
        self.view = view
        self.bone = bone_tophat(view.image, f)
        self.strength = ridge_strength(self.bone, f)
        inside = view.mask & (self.strength > 0)
        self.floor = 0.3 * float(np.median(self.strength[inside])) if inside.any() else 0.0

    def from_tips(self, tips: Sequence[Tip]) -> list[Ray]:
        """A ray from each of ``tips`` (fingertips of the view)."""
        f = self.view.finger_width
        rays = []
        for tip in tips:
            path = self._follow(tip.point + 0.35 * f * tip.inward, tip.inward, self._length)
            ray = self._ray(tip.point, path)
            if ray is not None:
                rays.append(ray)
        return rays

    def missed_fingers(self, rays: list[Ray], naming: Naming) -> list[Ray]:
        """Rays for fingers (index to little) missing beside named ones, where bone shows."""
        named = naming.digits
        fingers = sorted(d for d in named if d > 1)
        if not fingers:
            return []
        if len(fingers) >= 2:
            across = named[fingers[-1]][0].tip[0] - named[fingers[0]][0].tip[0]
            across /= fingers[-1] - fingers[0]
        elif 1 in named:
            across = named[fingers[0]][0].tip[0] - named[1][0].tip[0]
        else:
            return []
        scale = float(np.median([named[d][1].proximal / PP_RATIO[d] for d in fingers]))
        # where the digits already are: a named ray only as far as its MCP (beyond, in the
        # palm, it may stray across a neighbour's metacarpal)
        kept = {id(r): f for r, f in named.values()}
        taken = np.vstack(
            [
                r.points[: int(round(kept[id(r)].joints[-1] / r.step)) + 1]
                if id(r) in kept
                else r.points
                for r in rays
            ]
        )
        found = []
        for k in range(2, 6):
            if k in named:
                continue
            j = next((j for j in (k - 1, k + 1) if j in named and j > 1), None)
            if j is None:
                continue
            ray = self._beside(named[j], np.sign(across) * np.sign(k - j), scale, j, k, taken)
            if ray is not None:
                found.append(ray)
                taken = np.vstack([taken, ray.points])
        thumb = self._thumb(named, np.sign(across), scale, taken) if 1 not in named else None
        if thumb is not None:
            found.append(thumb)
        return found

    @property
    def _length(self) -> float:
        return _RAY_LENGTH * self.view.unit

    def _follow(self, start: np.ndarray, direction: np.ndarray, length: float) -> np.ndarray:
        f = self.view.finger_width
        return track(self.strength, start, direction, f, max_length=length, floor=self.floor)

    def _ray(self, tip: np.ndarray, path: np.ndarray, *, from_tip: bool = True) -> Ray | None:
        """The ray from ``tip`` (the soft-tissue end) along ``path`` into the palm."""
        view = self.view
        f = view.finger_width
        points = resample(np.vstack([tip[None, :], path]), STEP, 0.3 * f)
        if len(points) < 8:
            return None
        fine = points * 2.0 + 0.5
        gaps = find_gaps(profile(view.fine, fine, f / 3.0), STEP, f)
        # read as a thumb, slanted joint spaces count too (turned bands on the fingers
        # found more distal joints but also more wrong ones on dark copies)
        thumb_gaps = slanted_gaps(
            view.fine, fine, f / 3.0, STEP, f, tilts=_THUMB_TILTS, straight=gaps
        )
        length = (len(points) - 1) * STEP
        return Ray(
            tip,
            points,
            STEP,
            tuple(fit_finger(gaps, length, view.unit)),
            tuple(fit_thumb(thumb_gaps, length, view.unit)),
            from_tip,
        )

    def _beside(self, neighbour, side: float, scale: float, j: int, k: int, taken) -> Ray | None:
        """A ray for finger ``k`` next to named finger ``j`` (``side``: +1 to the right)."""
        ray, fit = neighbour
        mcp, pip = ray.point_at(fit.joints[-1]), ray.point_at(fit.joints[-2])
        down = mcp - pip
        norm = float(np.hypot(*down))
        if norm == 0 or side == 0:
            return None
        down /= norm
        normal = np.array([-down[1], down[0]])
        if normal[0] * side < 0:
            normal = -normal
        spacing = MCP_SPACING[min(j, k)] * scale
        # halfway along the missing finger's proximal phalanx, where its bone is plainest
        centre = mcp + spacing * normal - 0.5 * PP_RATIO[k] * scale * down
        offsets = np.linspace(-0.4 * scale, 0.4 * scale, 33)
        across = centre[None, :] + offsets[:, None] * normal[None, :]
        values = sample(self.strength, across)
        near = np.min(
            np.hypot(
                across[:, None, 0] - taken[None, :, 0], across[:, None, 1] - taken[None, :, 1]
            ),
            axis=1,
        )
        values[near < 0.25 * scale] = 0.0
        best = int(np.argmax(values))
        if values[best] < 2.0 * self.floor:
            return None
        # out to the fingertip (where the outline ends) and back into the palm
        return self._out_and_back(across[best], -down, 2.5 * scale)

    def _thumb(self, named, across: float, scale: float, taken) -> Ray | None:
        """A ray for a thumb the outline missed (its tip against the index, say): the
        strongest bone ridge about 0.9 of a proximal phalanx from the index's MCP on the
        side away from the other fingers, followed both ways along its own direction."""
        first = min(d for d in named if d > 1)
        if first > 3 or across == 0:
            return None
        ray, fit = named[first]
        mcp, pip = ray.point_at(fit.joints[-1]), ray.point_at(fit.joints[-2])
        down = (mcp - pip) / max(float(np.hypot(*(mcp - pip))), 1e-6)
        normal = np.array([-down[1], down[0]])
        if normal[0] * across > 0:
            normal = -normal  # towards the thumb's side: away from the other fingers
        reach = MCP_SPACING[1] + sum(MCP_SPACING[k] for k in range(2, first))
        centre = mcp + reach * scale * normal + 0.3 * scale * down
        grid = np.linspace(-0.5 * scale, 0.5 * scale, 9)
        cells = centre[None, :] + grid[:, None, None] * normal + grid[None, :, None] * down
        cells = cells.reshape(-1, 2)
        values = sample(self.strength, cells)
        near = np.min(
            np.hypot(cells[:, None, 0] - taken[None, :, 0], cells[:, None, 1] - taken[None, :, 1]),
            axis=1,
        )
        values[near < 0.3 * scale] = 0.0
        best = int(np.argmax(values))
        if values[best] < 2.0 * self.floor:
            return None
        start = cells[best]
        along = _ridge_direction(self.strength, start, 0.3 * scale)
        if along @ (normal - down) < 0:
            along = -along  # the thumb points out and up, away from the wrist
        return self._out_and_back(start, along, 1.6 * scale)

    def _out_and_back(self, start: np.ndarray, out: np.ndarray, reach: float) -> Ray | None:
        """A ray through ``start``: followed along ``out`` to where the outline ends (its
        tip) and back from there into the palm."""
        distal = self._follow(start, out, reach)
        mask = self.view.mask
        h, w = mask.shape
        xi = np.clip(np.round(distal[:, 0]).astype(int), 0, w - 1)
        yi = np.clip(np.round(distal[:, 1]).astype(int), 0, h - 1)
        outside = np.flatnonzero(~mask[yi, xi])
        if len(outside) == 0 or outside[0] < 2:
            return None
        tip = distal[outside[0] - 1]
        used = float(np.hypot(*(tip - start)))
        back = self._follow(start, -out, self._length - used)
        return self._ray(tip, np.vstack([distal[: outside[0]][::-1], back[1:]]), from_tip=False)


def _ridge_direction(strength: np.ndarray, point: np.ndarray, radius: float) -> np.ndarray:
    """The unit direction along which the ridge through ``point`` runs (either sign)."""
    angles = np.linspace(0.0, np.pi, 24, endpoint=False)
    u = np.stack([np.cos(angles), np.sin(angles)], axis=1)
    values = sample(strength, point + radius * u) + sample(strength, point - radius * u)
    return u[int(np.argmax(values))]
