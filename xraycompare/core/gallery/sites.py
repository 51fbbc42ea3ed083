"""Which joints the gallery shows, where each sits in its grid, and how big a tile is.

A tile shows one joint with some of both bones around it, at one physical size for every
site and on both films (the after film is resampled into the before tile's frame, so its
tile covers the same anatomy). The size comes from the hand itself: a share of the distance
from MCP3 to PIP3 (the middle finger's proximal phalanx, about 45 mm in an adult), so a
child's small hand gets tiles to its own scale; without that distance, the other fingers'
proximal phalanges stand in for it, then the film's pixel spacing, then the film's size.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

Box = tuple[float, float, float, float]
Point = tuple[float, float]

# reading order (SvdH order for the scored joints, then the distal joints, then the wrist)
SCORED_ROW: tuple[str, ...] = ("MCP1", "MCP2", "MCP3", "MCP4", "MCP5")
PROXIMAL_ROW: tuple[str, ...] = ("IP1", "PIP2", "PIP3", "PIP4", "PIP5")
DIP_SITES: tuple[str, ...] = ("DIP2", "DIP3", "DIP4", "DIP5")
WRIST = "RC"
GALLERY_SITES: tuple[str, ...] = (*SCORED_ROW, *PROXIMAL_ROW, WRIST)
GALLERY_SITES_WITH_DIP: tuple[str, ...] = (*SCORED_ROW, *PROXIMAL_ROW, *DIP_SITES, WRIST)
SITE_LABELS: dict[str, str] = {WRIST: "Wrist (RC)"}

# the tile's side as a share of the MCP3-PIP3 distance: a joint and a third of each bone
TILE_PER_PHALANX = 0.55
# an adult middle finger's MCP3-PIP3 distance, for films without both joints
PHALANX_MM = 45.0
# without joints or a calibration: the phalanx as a share of the film's shorter side (a hand
# filling a cassette; the same proportion core.registration.alignment.joint_roi assumes)
PHALANX_PER_FILM = 0.18
# other fingers' MCP-PIP distances relative to the middle finger's (adult proportions of the
# proximal phalanges: index 40, ring 42, little 33 against middle 45 mm)
PHALANX_RATIOS: dict[int, float] = {2: 0.89, 4: 0.93, 5: 0.74}

ScaleSource = Literal["MCP3-PIP3", "other fingers", "pixel spacing", "film size"]


def gallery_sites(*, dip: bool = False) -> tuple[str, ...]:
    """The sites in reading order: MCP1–5, IP1, PIP2–5, (DIP2–5), the wrist."""
    return GALLERY_SITES_WITH_DIP if dip else GALLERY_SITES


def site_label(site: str) -> str:
    """What a tile is called on screen and in a figure ("PIP3", "Wrist (RC)")."""
    return SITE_LABELS.get(site, site)


def grid_position(site: str) -> tuple[int, int]:
    """(row, column) of a site in the gallery's grid: one column per digit (thumb first).

    Rows: MCP joints, then the thumb's IP and the PIP joints, then the DIP joints (none
    for the thumb), then the wrist under the middle finger. A view and a figure lay out
    the sites they show in these rows, dropping the rows they do not show.
    """
    for row, names in enumerate((SCORED_ROW, PROXIMAL_ROW, ("", *DIP_SITES))):
        if site in names:
            return row, names.index(site)
    if site == WRIST:
        return 3, 2
    raise KeyError(f"{site!r} is not a gallery site")


@dataclass(frozen=True)
class HandScale:
    """How big the hand is on the before film: the MCP3–PIP3 distance and where it came from."""

    phalanx_px: float
    source: ScaleSource

    def tile_side(self) -> float:
        """The tile's side in before pixels (whole pixels, at least 16)."""
        return float(max(16, round(TILE_PER_PHALANX * self.phalanx_px)))


def hand_scale(
    points: dict[str, Point],
    *,
    spacing_mm: tuple[float, float] | None,
    shape: tuple[int, int],
) -> HandScale:
    """The hand's MCP3–PIP3 distance in before pixels.

    Parameters
    ----------
    points
        Site -> (x, y) of the before film's joints (found or corrected).
    spacing_mm
        The before film's pixel spacing (row, column) in mm, or None.
    shape
        (H, W) of the before film.

    Returns
    -------
    HandScale
        From MCP3 and PIP3 when both are known; else the median of the other fingers'
        MCP–PIP distances scaled to the middle finger; else 45 mm through the pixel
        spacing; else a share of the film's shorter side.
    """
    if "MCP3" in points and "PIP3" in points:
        return HandScale(_distance(points["MCP3"], points["PIP3"]), "MCP3-PIP3")
    others = [
        _distance(points[f"MCP{d}"], points[f"PIP{d}"]) / ratio
        for d, ratio in PHALANX_RATIOS.items()
        if f"MCP{d}" in points and f"PIP{d}" in points
    ]
    if others:
        return HandScale(float(np.median(others)), "other fingers")
    if spacing_mm is not None and spacing_mm[1] > 0:
        return HandScale(PHALANX_MM / float(spacing_mm[1]), "pixel spacing")
    return HandScale(PHALANX_PER_FILM * float(min(shape)), "film size")


def tile_box(centre: Point, side: float) -> Box:
    """The tile's box (x, y, w, h) in before pixels around a joint, on whole pixels.

    ``x``, ``y`` are the first pixel's centre (the box holds pixels x .. x + w - 1), so the
    before tile is the film's own pixels, never resampled; the joint lies within half a
    pixel of the tile's middle. The box may reach past the film's edges (shown as no data).
    """
    n = int(side)
    x0 = round(centre[0] - (n - 1) / 2)
    y0 = round(centre[1] - (n - 1) / 2)
    return (float(x0), float(y0), float(n), float(n))


def box_frame(box: Box, size: tuple[int, int]) -> np.ndarray:
    """3×3 map from the pixels of a raster of ``size`` (w, h) covering ``box`` to before pixels.

    The raster's outer edges are the box's (a tile drawn at any resolution shows the same
    region).
    """
    x, y, w, h = box
    sx, sy = w / size[0], h / size[1]
    return np.array(
        [[sx, 0.0, x - 0.5 + 0.5 * sx], [0.0, sy, y - 0.5 + 0.5 * sy], [0.0, 0.0, 1.0]],
        dtype=np.float64,
    )


def _distance(a: Point, b: Point) -> float:
    return float(np.hypot(a[0] - b[0], a[1] - b[1]))
