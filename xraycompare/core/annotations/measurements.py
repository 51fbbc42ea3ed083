"""What a region measures: size in calibrated units (or pixels) and the raw values inside.

Sizes are in millimetres only when the film has a valid pixel spacing, and every result
carries its calibration type ("calibrated", "at detector", "user calibration") so a label
can say what the millimetres mean; without a spacing, sizes are in pixels. Spacing is
(row, column) in mm, so x distances scale by the column spacing and y by the row spacing.

Mean and SD are of the *modality* values (after rescale slope/intercept) of the pixels
whose centres lie inside the region, never of display bytes; SD is the sample SD (n − 1),
as ImageJ and QuPath report it.

Cost grows with the outline, not with vertices × box pixels: sizes come from the polygon
itself (``cv2.contourArea``, ``cv2.arcLength``, the convex hull), and the inside is a mask
of the region's own box, filled row by row from where the edges cross each row of pixel
centres (even-odd rule). An outline that crosses the rows far more often than any drawn
one (a crafted zigzag), and regions past a total pixel budget, get their sizes but not the
values inside, so a hostile project cannot make an export take minutes.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import cv2
import numpy as np

from xraycompare.core.annotations.regions import Region
from xraycompare.core.io.image import XrayImage
from xraycompare.core.types import CALIBRATION_LABELS, Calibration

Spacing = tuple[float, float]
MAX_CROSSINGS_PER_ROW = 64  # a hand outline with its fingers crosses a row < 20 times
MEASURED_PIXELS = 20_000_000  # box pixels measured per call (~0.4 s; 500 joints are ~5 M)


@dataclass(frozen=True)
class RegionMeasurement:
    """One region's measurements; None where a value does not apply or needs the pixels."""

    region_id: str
    film: str
    geometry: str
    calibration: Calibration
    length_unit: str  # "mm" or "px"
    area_unit: str  # "mm²" or "px²"
    area: float | None = None
    perimeter: float | None = None
    longest_diameter: float | None = None
    length: float | None = None
    pixel_count: int | None = None
    mean: float | None = None
    sd: float | None = None
    value_unit: str = "modality value"
    spacing_mm: Spacing | None = None  # the (row, col) spacing the sizes used

    @property
    def calibration_label(self) -> str:
        return CALIBRATION_LABELS[self.calibration]

    @property
    def has_pixels(self) -> bool:
        """True when the values inside were measured (the image was available)."""
        return self.pixel_count is not None


def valid_spacing(spacing_mm: object) -> Spacing | None:
    """``spacing_mm`` when it is two finite positive numbers, else None (pixels only)."""
    try:
        row, col = (float(v) for v in spacing_mm)  # type: ignore[attr-defined]
    except (TypeError, ValueError):
        return None
    if not (math.isfinite(row) and math.isfinite(col) and row > 0 and col > 0):
        return None
    return (row, col)


def measure_region(
    image: XrayImage | None,
    region: Region,
    *,
    spacing_mm: Spacing | None = None,
    calibration: Calibration = "none",
    measure_values: bool = True,
) -> RegionMeasurement:
    """Measure one region on its film.

    Parameters
    ----------
    image
        The region's film; None when the pixels are not available (sizes are still
        measured, mean and SD are not).
    region
        The region, in that film's pixel frame.
    spacing_mm, calibration
        Used only when ``image`` is None (e.g. the calibration recorded in a project);
        otherwise the image's own spacing and calibration type apply.
    measure_values
        False to skip the values inside (sizes only) even when the image is given.

    Returns
    -------
    RegionMeasurement
        Area, perimeter and longest diameter for closed regions, length for length
        callipers and arrows, and the mean and SD inside when the pixels are available.
    """
    if image is not None:
        spacing_mm, calibration = image.spacing_mm, image.calibration
    spacing = valid_spacing(spacing_mm) if calibration != "none" else None
    if spacing is None:
        calibration, sx, sy, unit = "none", 1.0, 1.0, "px"
    else:
        sy, sx = spacing
        unit = "mm"
    scale = np.array([sx, sy])
    base = {
        "region_id": region.id,
        "film": region.film,
        "geometry": region.geometry,
        "calibration": calibration,
        "length_unit": unit,
        "area_unit": f"{unit}²",
        "spacing_mm": spacing,
    }
    if region.geometry in ("length", "arrow"):
        (a, b) = region.points_array() * scale
        return RegionMeasurement(**base, length=float(np.hypot(*(b - a))))
    if not region.is_closed:
        return RegionMeasurement(**base)

    outline = region.outline(samples=_ellipse_samples(region))
    # float32 for OpenCV, about the centroid so large coordinates keep their precision
    scaled = (outline * scale - (outline * scale).mean(axis=0)).astype(np.float32)
    if region.geometry == "ellipse":
        c, p1, p2 = region.points_array() * scale
        area = math.pi * abs(float(np.linalg.det(np.stack([p1 - c, p2 - c]))))
    else:
        area = float(cv2.contourArea(scaled))
    perimeter = float(cv2.arcLength(scaled, closed=True))
    hull = cv2.convexHull(scaled).reshape(-1, 2).astype(np.float64)
    diameter = _diameter(hull)
    stats: dict[str, float | int | None] = {}
    inside = inside_pixels(outline, image.shape) if image is not None and measure_values else None
    if image is not None and inside is not None:
        (row, col), mask = inside
        h, w = mask.shape
        values = image.modality_values(image.pixels[row : row + h, col : col + w][mask])
        stats["pixel_count"] = int(values.size)  # float64 sums, no float64 copy
        stats["mean"] = float(values.mean(dtype=np.float64)) if values.size else None
        stats["sd"] = float(values.std(ddof=1, dtype=np.float64)) if values.size > 1 else None
    return RegionMeasurement(
        **base, area=area, perimeter=perimeter, longest_diameter=diameter, **stats
    )


def measure_regions(
    regions: Iterable[Region],
    images: Mapping[str, XrayImage | None],
    *,
    calibrations: Mapping[str, tuple[Spacing | None, Calibration]] | None = None,
    pixel_budget: int = MEASURED_PIXELS,
) -> dict[str, RegionMeasurement]:
    """Measure many regions: ``images`` and ``calibrations`` are keyed by film.

    Once the regions' boxes add up to ``pixel_budget`` pixels, the rest are measured
    without the values inside (``has_pixels`` False), so the time stays bounded whatever
    a project holds; :func:`unmeasured_values` counts them.
    """
    out = {}
    spent = 0
    for r in regions:
        spacing, calibration = (calibrations or {}).get(r.film, (None, "none"))
        image = images.get(r.film)
        box = _box_pixels(r, image.shape) if image is not None and r.is_closed else 0
        spent += box
        out[r.id] = measure_region(
            image, r, spacing_mm=spacing, calibration=calibration,
            measure_values=spent <= pixel_budget,
        )  # fmt: skip
    return out


def unmeasured_values(
    regions: Iterable[Region],
    images: Mapping[str, XrayImage | None],
    measurements: Mapping[str, RegionMeasurement],
) -> int:
    """How many closed regions on an available film lack the values inside (too intricate
    an outline, or past the pixel budget of :func:`measure_regions`)."""
    return sum(
        1
        for r in regions
        if r.is_closed
        and images.get(r.film) is not None
        and r.id in measurements
        and not measurements[r.id].has_pixels
    )


def inside_pixels(
    outline: np.ndarray, shape: tuple[int, int]
) -> tuple[tuple[int, int], np.ndarray] | None:
    """The pixels whose centres lie inside a closed outline (even-odd rule).

    Parameters
    ----------
    outline
        (N, 2) vertices (x, y), closed implicitly.
    shape
        (H, W) of the image; the mask covers the outline's box clipped to it.

    Returns
    -------
    tuple or None
        ``((row, col), mask)``: the box's top-left pixel and a bool mask of its size (empty
        when the outline lies outside the image); None when the outline crosses the pixel
        rows more than :data:`MAX_CROSSINGS_PER_ROW` times per row (not a drawn outline).
    """
    h, w = shape
    x0, y0 = outline[:, 0], outline[:, 1]
    row0, row1 = max(0, math.ceil(y0.min())), min(h - 1, math.floor(y0.max()))
    col0, col1 = max(0, math.ceil(x0.min())), min(w - 1, math.floor(x0.max()))
    if row0 > row1 or col0 > col1:
        return (0, 0), np.zeros((0, 0), dtype=bool)
    rows, cols = row1 - row0 + 1, col1 - col0 + 1
    x1, y1 = np.roll(x0, -1), np.roll(y0, -1)
    # an edge crosses the centres of rows r with min(y) <= r < max(y) (half-open: a vertex
    # on a row is counted once), at x = x0 + (r - y0) (x1 - x0) / (y1 - y0)
    first = np.maximum(np.ceil(np.minimum(y0, y1)), row0)
    last = np.minimum(np.ceil(np.maximum(y0, y1)) - 1, row1)
    counts = np.maximum(last - first + 1, 0).astype(np.int64)
    total = int(counts.sum())
    if total > MAX_CROSSINGS_PER_ROW * rows + 4 * len(outline):
        return None
    edges = np.flatnonzero(counts)
    edge = np.repeat(edges, counts[edges])
    start = np.repeat(np.cumsum(counts[edges]) - counts[edges], counts[edges])
    r = first[edge] + (np.arange(total) - start)
    x = x0[edge] + (r - y0[edge]) * (x1[edge] - x0[edge]) / (y1[edge] - y0[edge])
    # each crossing flips inside/outside for the centres from ceil(x) on; the running
    # parity along the row is the mask (centres left of the box are flips at its start)
    c = np.clip(np.ceil(x) - col0, 0, cols).astype(np.int64)
    flips = np.zeros((rows, cols + 1), dtype=np.uint8)
    np.add.at(flips, ((r - row0).astype(np.int64), c), 1)
    mask = (np.cumsum(flips[:, :cols], axis=1, dtype=np.uint8) & 1).astype(bool)
    return (row0, col0), mask


def _box_pixels(region: Region, shape: tuple[int, int]) -> int:
    """Pixels of the region's box inside the image (what measuring its inside costs)."""
    pts = region.points_array()
    if region.geometry == "ellipse":
        c, p1, p2 = pts
        reach = np.hypot(*(p1 - c)) + np.hypot(*(p2 - c))
        pts = np.array([c - reach, c + reach])
    h, w = shape
    (x0, y0), (x1, y1) = pts.min(axis=0), pts.max(axis=0)
    width = max(0.0, min(x1, w - 1) - max(x0, 0) + 1)
    height = max(0.0, min(y1, h - 1) - max(y0, 0) + 1)
    return int(width * height)


def _diameter(hull: np.ndarray) -> float:
    """The largest distance between two hull vertices, in blocks (no n² matrix at once)."""
    best = 0.0
    block = max(1, 1_000_000 // max(len(hull), 1))
    for i in range(0, len(hull), block):
        d = hull[i : i + block, None, :] - hull[None, :, :]
        best = max(best, float(np.sqrt((d * d).sum(axis=2).max())))
    return best


@dataclass(frozen=True)
class MeasurementChange:
    """How a lineage changed from the before film to the after film (after − before).

    Values are None when the two films' units cannot be compared; ``warning`` says why, or
    what to keep in mind (different calibration types, pixels mapped through an alignment).
    """

    lineage_id: str
    before: RegionMeasurement
    after: RegionMeasurement
    area_unit: str
    length_unit: str
    area_change: float | None = None
    area_change_percent: float | None = None
    longest_diameter_change: float | None = None
    length_change: float | None = None
    mean_change: float | None = None
    warning: str = ""


def measurement_change(
    lineage_id: str,
    before: RegionMeasurement,
    after: RegionMeasurement,
    *,
    matrix: np.ndarray | None = None,
) -> MeasurementChange:
    """The change of a lineage's measurements from before to after.

    Parameters
    ----------
    lineage_id
        The lineage both regions belong to.
    before, after
        The measurements of its region on each film.
    matrix
        The alignment (after -> before pixels). When both films are uncalibrated it
        expresses the after sizes in before-film pixels (by the scale of its linear part),
        so pixel sizes from two detectors become comparable.

    Returns
    -------
    MeasurementChange
        Differences in the before film's units; None where units disagree.
    """
    warning = ""
    area_factor = length_factor = 1.0
    area_unit, length_unit = before.area_unit, before.length_unit
    if before.length_unit != after.length_unit:
        return MeasurementChange(
            lineage_id, before, after, area_unit, length_unit,
            mean_change=_diff(after.mean, before.mean),
            warning="one film is calibrated and the other is not: sizes are not comparable",
        )  # fmt: skip
    if before.length_unit == "px":
        if matrix is not None:
            det = abs(float(np.linalg.det(np.asarray(matrix, dtype=np.float64)[:2, :2])))
            area_factor, length_factor = det, math.sqrt(det)
            area_unit, length_unit = "px² (before film)", "px (before film)"
            warning = "uncalibrated: after sizes are in before-film pixels via the alignment"
        else:
            warning = "uncalibrated: pixel sizes of the two films may differ"
    else:
        notes = []
        if before.calibration != after.calibration:
            notes.append(
                f"calibrations differ ({before.calibration_label} vs {after.calibration_label})"
            )
        if matrix is not None and before.spacing_mm and after.spacing_mm:
            notes.extend(_magnification_note(before.spacing_mm, after.spacing_mm, matrix))
        warning = "; ".join(notes)

    def scaled(value: float | None, factor: float) -> float | None:
        return None if value is None else value * factor

    after_area = scaled(after.area, area_factor)
    area_change = _diff(after_area, before.area)
    percent = None
    if area_change is not None and before.area:
        percent = 100.0 * area_change / before.area
    return MeasurementChange(
        lineage_id,
        before,
        after,
        area_unit,
        length_unit,
        area_change=area_change,
        area_change_percent=percent,
        longest_diameter_change=_diff(
            scaled(after.longest_diameter, length_factor), before.longest_diameter
        ),
        length_change=_diff(scaled(after.length, length_factor), before.length),
        mean_change=_diff(after.mean, before.mean),
        warning=warning,
    )


def lineage_changes(
    regions: Iterable[Region],
    measurements: Mapping[str, RegionMeasurement],
    *,
    matrix: np.ndarray | None = None,
) -> dict[str, MeasurementChange]:
    """The change of every lineage that has a measured region on both films."""
    pairs: dict[str, dict[str, Region]] = {}
    for r in regions:
        pairs.setdefault(r.lineage_id, {})[r.film] = r
    out = {}
    for lineage, films in pairs.items():
        b, a = films.get("before"), films.get("after")
        if b is not None and a is not None and b.id in measurements and a.id in measurements:
            out[lineage] = measurement_change(
                lineage, measurements[b.id], measurements[a.id], matrix=matrix
            )
    return out


def _magnification_note(before: Spacing, after: Spacing, matrix: np.ndarray) -> list[str]:
    """A note when the alignment says the same anatomy has another size in mm on each film.

    The same bone measures ``scale * before_spacing`` mm per after pixel on the before film
    and ``after_spacing`` mm on the after one (``scale`` from the alignment); a mismatch
    means a magnification difference (e.g. hand-to-detector distance) that the pixel
    spacings do not capture, and mm sizes differ by it even without any change.
    """
    scale = math.sqrt(abs(float(np.linalg.det(np.asarray(matrix, dtype=np.float64)[:2, :2]))))
    if not (scale > 0 and math.isfinite(scale)):
        return []  # a degenerate alignment says nothing about magnification
    ratio = math.sqrt(after[0] * after[1]) / (scale * math.sqrt(before[0] * before[1]))
    if abs(ratio - 1.0) <= 0.01:
        return []
    return [
        f"the alignment shows {100 * (ratio - 1):+.1f} % magnification on the after film "
        f"that its pixel spacing does not account for ({100 * (ratio**2 - 1):+.1f} % in area)"
    ]


def _ellipse_samples(region: Region) -> int:
    """Outline vertices for an ellipse: about one per 2 px of circumference (chord error
    well under 0.05 px), 32 to 360; rasterising cost grows with the vertex count."""
    if region.geometry != "ellipse":
        return 0
    c, p1, p2 = region.points_array()
    radius = max(float(np.hypot(*(p1 - c))), float(np.hypot(*(p2 - c))))
    return int(np.clip(math.ceil(math.pi * radius), 32, 360))


def _diff(a: float | None, b: float | None) -> float | None:
    return None if a is None or b is None else a - b
