"""The app's shared vocabulary: each set of names written once, as a Literal and its values.

No imports beyond ``typing``: the command line lists the view modes without loading NumPy.
Every tuple below is ``get_args`` of its Literal, so a name added to the type is a value
everywhere (menus, validation, project files) at once. These names are file-format and
command-line contracts: never rename one.
"""

from __future__ import annotations

from typing import Literal, get_args

Film = Literal["before", "after"]
FILMS: tuple[Film, ...] = get_args(Film)
FILM_TITLES: dict[str, str] = {"before": "Before", "after": "After"}


def other(film: Film) -> Film:
    """The other film of the pair."""
    return "after" if film == "before" else "before"


ViewMode = Literal[
    "side-by-side", "difference", "overlay", "blend", "checkerboard", "swipe", "flicker"
]
VIEW_MODES: tuple[ViewMode, ...] = get_args(ViewMode)
ComparisonMode = Literal["difference", "overlay", "blend", "checkerboard", "swipe", "flicker"]
COMPARISON_MODES: tuple[ComparisonMode, ...] = get_args(ComparisonMode)
SIDE_BY_SIDE: ViewMode = "side-by-side"

Model = Literal["rigid", "similarity", "affine"]
MODELS: tuple[Model, ...] = get_args(Model)

# where ``xraycompare batch`` runs its pairs (dask and ray are optional extras)
BatchEngine = Literal["local", "dask", "ray"]
BATCH_ENGINES: tuple[BatchEngine, ...] = get_args(BatchEngine)

ExposureMethod = Literal["none", "linear", "histogram"]
EXPOSURE_METHODS: tuple[ExposureMethod, ...] = get_args(ExposureMethod)

# how the difference quietens speckle from sub-pixel misregistration (see compare/quieting.py)
DifferenceFilter = Literal["none", "smooth", "tolerant"]
DIFFERENCE_FILTERS: tuple[DifferenceFilter, ...] = get_args(DifferenceFilter)
DIFFERENCE_FILTER_LABELS: dict[str, str] = {
    "none": "None (raw difference)",
    "smooth": "Smooth (Gaussian)",
    "tolerant": "Edge-tolerant (nearest match)",
}
# what the difference shows outside the before film's hand: its grey, dimmed, or the colours
OutsideHand = Literal["dim", "show"]
OUTSIDE_HAND: tuple[OutsideHand, ...] = get_args(OutsideHand)

Calibration = Literal["calibrated", "detector", "user", "none"]
CALIBRATIONS: tuple[Calibration, ...] = get_args(Calibration)
CALIBRATION_LABELS: dict[str, str] = {
    "calibrated": "calibrated",
    "detector": "at detector",
    "user": "user calibration",
    "none": "pixels only",
}

VoiFunction = Literal["LINEAR", "LINEAR_EXACT", "SIGMOID"]
VOI_FUNCTIONS: tuple[VoiFunction, ...] = get_args(VoiFunction)

Interpolation = Literal["nearest", "linear", "cubic"]
INTERPOLATIONS: tuple[Interpolation, ...] = get_args(Interpolation)

Geometry = Literal[
    "polygon", "freehand", "rectangle", "ellipse", "point", "arrow", "text", "length"
]
GEOMETRIES: tuple[Geometry, ...] = get_args(Geometry)
ClosedGeometry = Literal["polygon", "freehand", "rectangle", "ellipse"]
CLOSED_GEOMETRIES: frozenset[str] = frozenset(get_args(ClosedGeometry))
VERTEX_GEOMETRIES: frozenset[str] = frozenset({"polygon", "freehand"})  # vertices can be edited
GEOMETRY_NAMES: dict[str, str] = {
    "polygon": "polygon",
    "freehand": "freehand outline",
    "rectangle": "rectangle",
    "ellipse": "ellipse",
    "point": "point",
    "arrow": "arrow",
    "text": "text label",
    "length": "length",
}

RegionKind = Literal["erosion", "narrowing", "other"]
KINDS: tuple[RegionKind, ...] = get_args(RegionKind)
ScoreKind = Literal["erosion", "narrowing"]
SCORE_KINDS: tuple[ScoreKind, ...] = get_args(ScoreKind)

Status = Literal["new", "enlarged", "stable", "healed", "not_visible"]
STATUSES: tuple[Status, ...] = get_args(Status)
STATUS_LABELS: dict[str, str] = {
    "new": "new",
    "enlarged": "enlarged",
    "stable": "stable",
    "healed": "healed",
    "not_visible": "not visible",
}

Hand = Literal["left", "right"]
HANDS: tuple[Hand, ...] = get_args(Hand)


def hand_from_laterality(code: str | None) -> Hand | None:
    """DICOM ImageLaterality / Laterality ("L" or "R") as a hand; None when it says neither."""
    return {"L": "left", "R": "right"}.get((code or "").strip().upper())  # type: ignore[return-value]
