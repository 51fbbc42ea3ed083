"""What a rectangle on the hand is called: the joint or scoring site it holds.

A local alignment is made for one joint; naming it "PIP3 right" rather than "Region 1" lets
the reader find it again in the alignment list, the project and a figure's caption. The
name comes from what the reader marked (a region with an SvdH site inside the rectangle),
else from the joints found on the before film, else there is none.
"""

from __future__ import annotations

import numpy as np

from xraycompare.core.document import Document
from xraycompare.core.geometry import transform_point
from xraycompare.core.joints.model import JointMap

Roi = tuple[float, float, float, float]


def _inside(roi: Roi, xy: tuple[float, float]) -> bool:
    x, y, w, h = roi
    return x - 0.5 <= xy[0] <= x + w - 0.5 and y - 0.5 <= xy[1] <= y + h - 0.5


def _distance(roi: Roi, xy: tuple[float, float]) -> float:
    x, y, w, h = roi
    return float(np.hypot(xy[0] - (x + (w - 1) / 2), xy[1] - (y + (h - 1) / 2)))


def site_name_for(document: Document, roi: Roi, *, joints: JointMap | None = None) -> str | None:
    """The name of the site a before-frame rectangle holds, or None.

    Parameters
    ----------
    document
        The open pair: its regions (either film, mapped through the alignment) and the
        hand of the before film.
    roi
        (x, y, width, height) in before pixels.
    joints
        The joints found on the before film, when they are known.

    Returns
    -------
    str or None
        "PIP3 right": the site of the region (or joint) nearest the rectangle's centre
        among those inside it, with the hand when it is known.
    """
    candidates: list[tuple[float, str, str | None]] = []
    for region in document.annotations.regions():
        if region.site is None:
            continue
        centre = region.outline(samples=32).mean(axis=0)
        xy = transform_point(document.film_to_before(region.film), *centre)
        if _inside(roi, xy):
            candidates.append((_distance(roi, xy), region.site, region.laterality))
    if not candidates and joints is not None:
        hand = document.film_hand("before")
        for site, xy in joints.points().items():
            if _inside(roi, xy):
                candidates.append((_distance(roi, xy), site, hand))
    if not candidates:
        return None
    _, site, hand = min(candidates)
    return f"{site} {hand}" if hand else site
