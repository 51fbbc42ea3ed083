"""Alignments as values: after -> before transforms with where they came from, landmarks.

An undo step restores an :class:`AlignmentState` whole; :func:`placement` is how the films
sit before any registration.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace

import numpy as np

from xraycompare.core.geometry import (
    IDENTITY,
    as_matrix,
    compose,
    invert,
    similarity,
    transform_points,
    translation,
)
from xraycompare.core.io.image import XrayImage
from xraycompare.core.registration.pipeline import Registration

GLOBAL = "Global"


@dataclass(frozen=True, eq=False)
class Alignment:
    """A transform from after pixels to before pixels, with where it came from.

    ``method`` is ``"identity"``, ``"automatic"``, ``"landmarks"``, ``"manual"`` or
    ``"local"``; ``roi`` (x, y, w, h in the before frame) is set for local alignments.
    ``status`` (``"ok"``, ``"poor"``, ``"failed"``) and ``reason`` come from an automatic
    registration (see :class:`~xraycompare.core.registration.pipeline.Registration`): show
    a persistent notice unless ``"ok"``, and derive nothing (no exposure match) from a
    ``"failed"`` one.
    """

    name: str
    matrix: np.ndarray
    model: str = "similarity"
    method: str = "automatic"
    roi: tuple[float, float, float, float] | None = None
    quality: Mapping[str, float] = field(default_factory=dict)
    mirrored: bool = False
    seconds: float = 0.0
    warning: str | None = None
    status: str = "ok"
    reason: str | None = None

    @property
    def trusted(self) -> bool:
        """Not a failed automatic alignment: an exposure match may be taken from it."""
        return self.status != "failed"

    def __post_init__(self) -> None:
        object.__setattr__(self, "matrix", as_matrix(self.matrix))

    def same_as(self, other: Alignment | None) -> bool:
        return (
            other is not None
            and self.name == other.name
            and np.array_equal(self.matrix, other.matrix)
            and self.method == other.method
            and self.roi == other.roi
            and dict(self.quality) == dict(other.quality)
            and (self.status, self.reason) == (other.status, other.reason)
        )


@dataclass(frozen=True)
class AlignmentState:
    """Every alignment of the pair at once: what an undo step restores."""

    global_alignment: Alignment | None
    local_alignments: tuple[Alignment, ...]
    active: str


@dataclass(frozen=True)
class LandmarkPair:
    """A point on the before film and its partner on the after film."""

    id: str
    before: tuple[float, float]
    after: tuple[float, float]


def placement(before: XrayImage | None, after: XrayImage | None) -> np.ndarray:
    """The unregistered after -> before map: identity, or centring and size matching."""
    if before is None or after is None or before.shape == after.shape:
        return IDENTITY
    (bh, bw), (ah, aw) = before.shape, after.shape
    if before.spacing_mm and after.spacing_mm:
        scale = after.spacing_mm[1] / before.spacing_mm[1]  # same physical size
    else:
        scale = min(bw / aw, bh / ah)  # same size on screen
    return compose(
        translation((bw - 1) / 2, (bh - 1) / 2),
        similarity(scale=scale),
        translation(-(aw - 1) / 2, -(ah - 1) / 2),
    )


def swapped_local(alignment: Alignment) -> Alignment:
    flipped = invert(alignment.matrix)
    roi = alignment.roi
    if roi is not None:
        x, y, w, h = roi
        corners = np.array([[x, y], [x + w, y], [x, y + h], [x + w, y + h]], dtype=float)
        mapped = transform_points(flipped, corners)  # old before frame -> new before frame
        (x0, y0), (x1, y1) = mapped.min(axis=0), mapped.max(axis=0)
        roi = (float(x0), float(y0), float(x1 - x0), float(y1 - y0))
    return replace(alignment, matrix=flipped, roi=roi)


JOINT_MM = 30.0  # a joint with some of both bones: what a local alignment should see
JOINT_FRACTION = 0.12  # the same without a calibration, as a fraction of the film


def joint_roi(
    outline: np.ndarray, film_to_before: np.ndarray, before: XrayImage
) -> tuple[float, float, float, float]:
    """A square before-frame window (x, y, w, h) around a region, big enough for its joint.

    Parameters
    ----------
    outline
        (N, 2) points of a region on either film (an erosion at PIP3, say), e.g.
        ``region.outline(samples=32)``.
    film_to_before
        Maps the region's film to the before frame (identity for the before film).
    before
        The before film: its calibration sets the window's least size (30 mm), else 12 %
        of its shorter side.

    Returns
    -------
    tuple of float
        (x, y, w, h), at least three times the region's extent, kept on the film.
    """
    outline = transform_points(film_to_before, np.asarray(outline, dtype=np.float64))
    (x0, y0), (x1, y1) = outline.min(axis=0), outline.max(axis=0)
    if before.spacing_mm is not None:
        floor = JOINT_MM / before.spacing_mm[1]
    else:
        floor = JOINT_FRACTION * min(before.shape)
    side = min(max(3.0 * max(x1 - x0, y1 - y0), floor), float(min(before.shape)))
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    left = min(max(cx - side / 2, 0.0), before.width - side)
    top = min(max(cy - side / 2, 0.0), before.height - side)
    return (float(left), float(top), float(side), float(side))


def alignment_from(registration: Registration, name: str = GLOBAL, method: str = "automatic"):
    """The :class:`Alignment` value of a :func:`~xraycompare.core.registration.register` result.

    A local alignment's quality adds ``ncc_region``: the correlation inside its own region
    (the hand's figures say little about one joint).
    """
    quality = registration.quality.as_dict()
    region = registration.details.get("roi_score") if registration.roi is not None else None
    if region is not None:
        quality["ncc_region"] = float(region)
    return Alignment(
        name=name,
        matrix=registration.matrix,
        model=registration.model,
        method=method,
        roi=registration.roi,
        quality=quality,
        mirrored=registration.mirrored,
        seconds=registration.seconds,
        warning=registration.warning,
        status=registration.status,
        reason=registration.reason,
    )
