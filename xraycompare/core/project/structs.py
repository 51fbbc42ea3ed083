"""The project file's JSON, field by field, as typed msgspec Structs with the limits it obeys.

These Structs *are* the format (``"format": "xraycompare-project"``, ``"version": 1``): the
order of their fields is the order of the keys written, their defaults are what a missing
key means, and every number, text and list carries a limit (:data:`LIMITS`), so a crafted
file is refused while it is decoded, before it can cost memory or time. Unknown keys are
ignored, so a file written by a newer release of the same version still opens.
:func:`json_schema` gives the JSON Schema other tools can validate against.

msgspec was chosen over pydantic (and over the hand-written checks it replaces): it decodes
straight from bytes into these types with a path to every error
(``$.regions[3].score``), it is several times faster and holds no intermediate dicts, which
matters for the 32 MB files a project may be, and it is one small compiled wheel.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

import msgspec
from msgspec import UNSET, Meta, Struct, UnsetType, field

from xraycompare.core.annotations.formats import (
    COORDINATE_LIMIT,
    MAX_FILE_BYTES,
    MAX_POINTS_PER_REGION,
    MAX_REGIONS,
)
from xraycompare.core.types import (
    Calibration,
    DifferenceFilter,
    ExposureMethod,
    Film,
    Geometry,
    Hand,
    OutsideHand,
    RegionKind,
    ScoreKind,
    Status,
    ViewMode,
    VoiFunction,
)

FORMAT = "xraycompare-project"

# -- limits: far above any real project, low enough that a crafted one costs little ----------
# (file size, regions, points per region and coordinates are shared with the exchange
# formats, in annotations.formats; a 500-region project is about 300 kB)
MAX_LISTS = 1_000_000  # "[" in the file: bounds the points decoded before counting them
MAX_TOTAL_POINTS = 500_000
MAX_LOCAL_ALIGNMENTS = 256
MAX_LANDMARKS = 1_000
MAX_SCORES = 1_000  # 124 sites exist (2 films × 2 hands × 31)
MAX_QUALITY_FIGURES = 64
MAX_JOINTS = 32  # 15 joint sites exist (core.joints.model.JOINT_SITES)
MAX_BOOKMARKS = 500  # a tour of every joint of both hands is about 60
MAX_TEXT = 10_000  # a note
MAX_LABEL = 1_000
MAX_NAME = 256  # ids, site names, alignment names and models
MAX_PATH = 4_096
MATRIX_LIMIT = 1e9
VALUE_LIMIT = 1e30  # windows and exposure figures (float32 stays finite)

LIMITS = {
    "file size (bytes)": MAX_FILE_BYTES,
    "lists": MAX_LISTS,
    "regions": MAX_REGIONS,
    "points per region": MAX_POINTS_PER_REGION,
    "points in all regions": MAX_TOTAL_POINTS,
    "local alignments": MAX_LOCAL_ALIGNMENTS,
    "landmarks": MAX_LANDMARKS,
    "scores": MAX_SCORES,
    "bookmarks": MAX_BOOKMARKS,
    "note length": MAX_TEXT,
}

# -- value types ------------------------------------------------------------------------------
_PRINTABLE = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f]*$"  # text without control characters (tab, CR, LF ok)
Text = Annotated[str, Meta(max_length=MAX_TEXT, pattern=_PRINTABLE)]
Label = Annotated[str, Meta(max_length=MAX_LABEL, pattern=_PRINTABLE)]
Name = Annotated[str, Meta(max_length=MAX_NAME, pattern=_PRINTABLE)]
Id = Annotated[str, Meta(min_length=1, max_length=MAX_NAME, pattern=_PRINTABLE)]
PathText = Annotated[str, Meta(min_length=1, max_length=MAX_PATH, pattern=_PRINTABLE)]
Sha256 = Annotated[str, Meta(pattern=r"^([0-9a-f]{64})?$")]
Coordinate = Annotated[float, Meta(ge=-COORDINATE_LIMIT, le=COORDINATE_LIMIT)]
Point = tuple[Coordinate, Coordinate]
Entry = Annotated[float, Meta(ge=-MATRIX_LIMIT, le=MATRIX_LIMIT)]
Row = tuple[Entry, Entry, Entry]
Matrix = tuple[Row, Row, Row]
Value = Annotated[float, Meta(ge=-VALUE_LIMIT, le=VALUE_LIMIT)]
Positive = Annotated[float, Meta(gt=0, le=VALUE_LIMIT)]
Spacing = Annotated[float, Meta(gt=0, le=1000)]
Seconds = Annotated[float, Meta(ge=0, le=1e9)]
Zoom = Annotated[float, Meta(gt=0, le=1e6)]
Count = Annotated[int, Meta(ge=0, le=1_000_000)]
Quality = Annotated[dict[Name, Annotated[float, Meta(ge=-1e12, le=1e12)]],
                    Meta(max_length=MAX_QUALITY_FIGURES)]  # fmt: skip


class _Obj(Struct, frozen=True, omit_defaults=False):
    """Base: frozen, unknown keys ignored."""


class ImageJ(_Obj):
    path: PathText
    sha256: Sha256 = ""
    calibration: Calibration = "none"
    spacing_mm: tuple[Spacing, Spacing] | None = None
    hand: Hand | None = None  # the hand the reader said the film shows (the file did not)
    # joints the reader placed on this film, site -> (x, y) in its pixels; written only when
    # there are some, so files without corrections read as before
    joints: Annotated[dict[Name, Point], Meta(max_length=MAX_JOINTS)] | UnsetType = UNSET


class ImagesJ(_Obj):
    before: ImageJ | None = None
    after: ImageJ | None = None


class AlignmentJ(_Obj):
    name: Name
    matrix: Matrix
    model: Name = "similarity"
    method: Name = "automatic"
    roi: tuple[Coordinate, Coordinate, Coordinate, Coordinate] | None = None
    quality: Quality = {}
    mirrored: bool = False
    seconds: Seconds = 0.0
    warning: Text | None = None
    status: Literal["ok", "poor", "failed"] = "ok"  # older files: trusted, as they were
    reason: Text | None = None


class LandmarkJ(_Obj):
    id: Id
    before: Point
    after: Point


class AlignmentsJ(_Obj):
    global_: AlignmentJ | None = field(default=None, name="global")
    local: Annotated[list[AlignmentJ], Meta(max_length=MAX_LOCAL_ALIGNMENTS)] = []
    active: Name = "Global"
    landmarks: Annotated[list[LandmarkJ], Meta(max_length=MAX_LANDMARKS)] = []


class RegionJ(_Obj):
    id: Id
    film: Film
    geometry: Geometry
    points: Annotated[list[Point], Meta(max_length=MAX_POINTS_PER_REGION)]
    site: Name | None = None
    laterality: Hand | None = None
    kind: RegionKind = "other"
    score: int | None = None  # the range depends on the kind: checked by Region
    status: Status | None = None
    note: Text = ""
    label: Label = ""
    lineage_id: Name = ""


class ScoreJ(_Obj):
    film: Film
    hand: Hand
    kind: ScoreKind
    site: Name
    score: int


class PaneOffsetsJ(_Obj):
    before: Matrix | None = None
    after: Matrix | None = None


class ViewJ(_Obj):
    center: Point | None = None
    zoom: Zoom | None = None
    mode: ViewMode = "side-by-side"
    pane_offsets: PaneOffsetsJ = PaneOffsetsJ()


class WindowJ(_Obj):
    center: Value
    width: Positive
    function: VoiFunction = "LINEAR"


class FilmDisplayJ(_Obj):
    window: WindowJ | None = None
    voi_lut_index: Annotated[int, Meta(ge=0, le=10_000)] | None = None
    inverted: bool = False


class DifferenceJ(_Obj):
    exposure_method: ExposureMethod = "linear"
    exposure_gain: Value | None = None
    exposure_offset: Value | None = None
    range_: Positive | None = field(default=None, name="range")
    absolute: bool = False
    filter: DifferenceFilter = "none"
    filter_radius: Annotated[float, Meta(gt=0, le=10)] = 1.0
    outside_hand: OutsideHand = "dim"


class DisplayJ(_Obj):
    before: FilmDisplayJ = FilmDisplayJ()
    after: FilmDisplayJ = FilmDisplayJ()
    link_panes: bool = True
    link_window: bool = True
    difference: DifferenceJ = DifferenceJ()


class BookmarkJ(_Obj):
    """A saved view of the teaching tour (centre and zoom in the before frame, or fit)."""

    name: Id
    caption: Label = ""
    center: Point | None = None
    zoom: Zoom | None = None
    mode: ViewMode = "side-by-side"
    alignment: Id = "Global"


class QuizJ(_Obj):
    """The regions hidden until revealed, by id."""

    hidden: Annotated[list[Id], Meta(max_length=MAX_REGIONS)] = []


class BlindedJ(_Obj):
    """A blinded reading: which film was shown as "A", the seed of that draw, and when the
    order was revealed with the scores as they stood then (filed under the true films)."""

    a_film: Film
    seed: Annotated[int, Meta(ge=0, le=2**63 - 1)] = 0
    revealed_at: Name | None = None
    scores: Annotated[list[ScoreJ], Meta(max_length=MAX_SCORES)] = []


class RecoveryJ(_Obj):
    project_path: PathText | None = None
    saved_at: Name = ""
    pid: Count = 0


class ProjectJ(_Obj):
    """A whole project file of the current version."""

    format: Literal["xraycompare-project"]
    version: int
    images: ImagesJ
    generator: Name = ""
    alignment: AlignmentsJ = AlignmentsJ()
    regions: Annotated[list[RegionJ], Meta(max_length=MAX_REGIONS)] = []
    scores: Annotated[list[ScoreJ], Meta(max_length=MAX_SCORES)] = []
    view: ViewJ = ViewJ()
    display: DisplayJ = DisplayJ()
    # teaching, each written only when there is something: files without are as before
    bookmarks: Annotated[list[BookmarkJ], Meta(max_length=MAX_BOOKMARKS)] | UnsetType = UNSET
    quiz: QuizJ | UnsetType = UNSET
    blinded: BlindedJ | UnsetType = UNSET
    recovery: RecoveryJ | UnsetType = UNSET  # written only into recovery files


# the order keys are written in (generator third, as files have always had it)
_KEY_ORDER = ("format", "version", "generator", "images", "alignment", "regions", "scores",
              "view", "display", "bookmarks", "quiz", "blinded", "recovery")  # fmt: skip


class HeaderJ(Struct):
    """What is read before anything else: which format and version a file claims."""

    format: Any = None
    version: Any = None


def to_builtins(project: ProjectJ) -> dict[str, Any]:
    """The plain JSON-ready dict of ``project``, keys in the order files have them."""
    obj = _lists(msgspec.to_builtins(project))
    return {k: obj[k] for k in _KEY_ORDER if k in obj}


def _lists(value: Any) -> Any:
    """Tuples (points, matrix rows) as the lists JSON readers expect."""
    if isinstance(value, dict):
        return {k: _lists(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_lists(v) for v in value]
    return value


def json_schema() -> dict[str, Any]:
    """The JSON Schema of the current project file version (for other tools)."""
    return msgspec.json.schema(ProjectJ)
