"""find_joints: the joints of a hand film, from its outline and its bones.

1. The hand is found, measured and turned upright at a normalised size (:mod:`.view`);
   its fingertips are the outline's far points (:mod:`.digits`).
2. From each tip a ray follows the digit's bones into the palm (:mod:`.rays`,
   :mod:`.ridges`); along it, joint spaces show as narrow dark notches between bright bone
   ends (:mod:`.gaps`), and the notches that fit the bones' proportions are read as the
   joints (:mod:`.anatomy`).
3. The rays are named digit by digit for the hand as a whole (:mod:`.naming`); the side of
   the thumb gives the laterality. A finger whose tip the outline missed (touching its
   neighbour, or under a marker) is looked for beside its named neighbour, on the bone,
   and the hand is named again. The radiocarpal joint is looked for down the line of
   the middle finger's metacarpal (:mod:`.wrist`).
4. A joint is reported only when its notch is clear and the reading of its ray, and the
   naming of the hand, beat their alternatives clearly: otherwise it is "not found".
5. When no fingertips name the hand (the other hand lying across the fingers), the
   digits are read from the palm up instead (:mod:`.palm`), with lower confidence.
"""

from __future__ import annotations

import time

import numpy as np

from xraycompare.core.io.image import XrayImage
from xraycompare.core.joints.model import FINGER_SITES, JOINT_SITES, FingerAxis, Joint, JointMap
from xraycompare.core.joints.naming import Naming, Ray, name_rays
from xraycompare.core.joints.palm import STEP, PalmNaming, fingers_from_palm
from xraycompare.core.joints.rays import RayTracer
from xraycompare.core.joints.view import HandView, hand_view
from xraycompare.core.joints.wrist import radiocarpal
from xraycompare.core.progress import ProgressFn, Reporter, Stage, StopFn

_MIN_DEPTH = 0.05  # a joint is reported only where its notch shows
_MIN_SCORE = 3.0  # below, the best naming of the rays is a poor fit whichever it is
_PALM_TRUST = 0.6  # confidence of joints read from the palm up, against a fingertip reading
_SEARCHES = 2  # rounds of looking for fingers the outline missed
_RIVAL_MARGIN = 3.0  # runner-up namings this close to the best are searched as well
_MIN_DIGITS = 4  # fewer named digits (without the thumb) do not say which fingers they are
_STAGES = (
    Stage("Finding the hand", 0.4),
    Stage("Tracing the fingers", 0.8),
    Stage("Naming the joints", 1.0),
)


def find_joints(
    image: XrayImage | np.ndarray,
    *,
    progress: ProgressFn | None = None,
    should_stop: StopFn | None = None,
) -> JointMap:
    """Find the joints of a PA hand radiograph.

    Parameters
    ----------
    image
        A loaded film, or an (H, W) array with bone bright.
    progress, should_stop
        Optional callbacks (see :mod:`xraycompare.core.progress`).

    Returns
    -------
    JointMap
        Every site of :data:`~xraycompare.core.joints.model.JOINT_SITES`, found or not,
        in the film's pixel coordinates, with the finger axes and the laterality when the
        thumb tells it.

    Raises
    ------
    Cancelled
        ``should_stop()`` returned True.
    ValueError
        ``image`` is an array that is not a non-empty (H, W) image.
    """
    start = time.perf_counter()
    reporter = Reporter(progress, should_stop)
    reporter.enter(_STAGES[0])
    view = hand_view(image)
    if view is None:
        reporter.done()
        return JointMap.empty(time.perf_counter() - start)
    reporter.enter(_STAGES[1])
    tracer = RayTracer(view)
    rays = tracer.from_tips(view.tips)
    reporter.enter(_STAGES[2])
    naming = _name(tracer, rays)
    if (naming is None or not _convincing(naming)) and view.shallow_tips:
        # a finger lying against its neighbour leaves a shallow cleft: its tip is tried
        # only when the clear tips do not name the hand, so a marker or a fold of skin
        # never competes with clear fingers
        second = _name(tracer, rays + tracer.from_tips(view.shallow_tips))
        if second is not None and _convincing(second, thumb_enough=False):
            naming = second
    if naming is None or not _convincing(naming):
        # no fingertips name the hand (the other hand lies across the fingers, say):
        # read the fingers from the palm up
        palm = fingers_from_palm(tracer)
        if palm is not None:
            reporter.done()
            return JointMap(*_palm_map(view, palm), time.perf_counter() - start)
    joints, axes, laterality = _joint_map(view, naming)
    reporter.done()
    return JointMap(joints, axes, laterality, time.perf_counter() - start)


def _name(tracer: RayTracer, rays: list[Ray]) -> Naming | None:
    """The naming of ``rays``, with the fingers the outline missed looked for beside it.

    The search beside a naming can only add the fingers that naming misses: when it has
    slid along the hand (a finger without a fingertip, its joints fused, and its
    neighbours named one place over), the missing finger is the one it does not look for.
    So the close runners-up are searched too, and the naming that explains the hand best
    after its own search wins, as long as it names the hand convincingly.
    """
    first = name_rays(rays, tracer.view.unit)
    best = _searched(tracer, rays, first)
    if first is None or best is None or not _convincing(best):
        return best  # the fallbacks (shallow tips, the palm) are tried by the caller
    for runner_up in first.runners_up():
        if first.score - runner_up.score > _RIVAL_MARGIN:
            break
        other = _searched(tracer, rays, runner_up)
        if other is not None and other.score > best.score and _convincing(other):
            best = other
    return best


def _searched(tracer: RayTracer, rays: list[Ray], naming: Naming | None) -> Naming | None:
    # a finger found beside the first naming can change it (a little finger first read
    # as a thumb): the new naming may show another finger missing
    for _ in range(_SEARCHES):
        if naming is None:
            break
        extra = tracer.missed_fingers(rays, naming)
        if not extra:
            break
        rays = rays + extra
        naming = name_rays(rays, tracer.view.unit)
    return naming


def _confidence(depth: float, named: int, naming: Naming) -> float:
    """0–1: how clearly the joint space shows (notch depth), how much of the hand was
    named (digits of five) and how far the naming beats the next best one."""
    seen = min(depth / 0.3, 1.0)
    lead = 1.0 / (1.0 + np.exp(-naming.margin))
    return float((0.3 + 0.7 * seen) * (0.5 + 0.5 * named / 5.0) * (0.4 + 0.6 * lead))


def _joint_map(view: HandView, naming: Naming | None):
    if naming is None or not _convincing(naming):
        return _every_site({}), (), None
    found: dict[str, tuple[float, float, float]] = {}
    axes: list[FingerAxis] = []
    for digit, (ray, fit) in sorted(naming.digits.items()):
        sites = FINGER_SITES[digit][::-1] if digit > 1 else ("IP1", "MCP1")
        for site, t, depth in zip(sites, fit.joints, fit.depths, strict=True):
            if depth < _MIN_DEPTH:
                continue  # placed by proportions only: a guess, not a finding
            confidence = _confidence(depth, len(naming.digits), naming)
            x, y = view.to_film(ray.point_at(t)[None, :])[0]
            found[site] = (float(x), float(y), confidence)
        end = min(len(ray.points) - 1, int(round(fit.joints[-1] / ray.step)) + 1)
        pts = view.to_film(ray.points[: end + 1 : 4])
        axes.append(FingerAxis(digit, tuple((float(x), float(y)) for x, y in pts)))
    wrist = radiocarpal(view, naming)
    if wrist is not None:
        point, depth = wrist
        x, y = view.to_film(point[None, :])[0]
        found["RC"] = (float(x), float(y), _confidence(depth, len(naming.digits), naming))
    joints = _every_site(found)
    laterality = None
    if naming.thumb_left is not None and 1 in naming.digits:
        # upright, not mirrored (the work frame only rotates): thumb on the viewer's left
        # is a right hand seen PA
        laterality = "right" if naming.thumb_left else "left"
    return joints, tuple(axes), laterality


def _palm_map(view: HandView, palm: PalmNaming):
    """Joints, axes and laterality of digits read from the palm (MCPs, PIPs and the
    thumb's IP; no distal joints or wrist)."""
    found: dict[str, tuple[float, float, float]] = {}
    axes: list[FingerAxis] = []
    lead = 1.0 / (1.0 + np.exp(-palm.margin))
    for digit, ray in sorted(palm.digits.items()):
        pip_site, mcp_site = FINGER_SITES[digit][1], FINGER_SITES[digit][0]
        for site, t, depth in (
            (pip_site, ray.pip, ray.depths[0]),
            (mcp_site, ray.mcp, ray.depths[1]),
        ):
            if depth < _MIN_DEPTH:
                continue
            # read without the fingertips that name a hand most surely: held lower
            confidence = _PALM_TRUST * min(depth / 0.3, 1.0) * (0.4 + 0.6 * lead)
            x, y = view.to_film(ray.point_at(t)[None, :])[0]
            found[site] = (float(x), float(y), float(confidence))
        pts = view.to_film(ray.points[: int(round(ray.mcp / STEP)) + 1 : 4])
        axes.append(FingerAxis(digit, tuple((float(x), float(y)) for x, y in pts)))
    joints = _every_site(found)
    # upright and not mirrored: the index (the thumb's side) on the viewer's left is a
    # right hand seen PA
    return joints, tuple(axes), "right" if palm.index_left else "left"


def _every_site(found: dict[str, tuple[float, float, float]]) -> tuple[Joint, ...]:
    """Every site once, in order: found ones at (x, y, confidence), the rest not found."""
    return tuple(
        Joint(s, *found[s]) if s in found else Joint(s, None, None, 0.0) for s in JOINT_SITES
    )


def _convincing(naming: Naming, *, thumb_enough: bool = True) -> bool:
    """Whether the named digits say which digits they are: a thumb (when
    ``thumb_enough``), or most of the hand with their own fingertips on the outline; and
    whether their readings as a whole fit a hand (the score of a naming whose rays read as
    bones of the sizes a hand has is well above :data:`_MIN_SCORE`).

    Two or three fingers without a thumb fit several namings about equally (and are what a
    film shows of the *other* hand lying across this one, whose own fingertips it hides);
    a finger found beside them on the bone does not make them a hand.
    """
    if naming.score < _MIN_SCORE:
        return False
    if thumb_enough and 1 in naming.digits:
        return True
    return sum(ray.from_tip for ray, _ in naming.digits.values()) >= _MIN_DIGITS
