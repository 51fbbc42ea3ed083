"""The joint gallery of a pair: every site's tile, before | after, aligned on its own joint.

:func:`build_gallery` finds the joints of both films (unless given), aligns the pair (unless
given), then aligns the after film on each joint (:mod:`.align`) and cuts the tiles: the
before film's own pixels in a square around the joint, and the after film resampled into
that square through the joint's alignment. Every tile has one physical size (:mod:`.sites`).

Where a site's centre comes from, in order: the reader's correction on the before film; the
finder on the before film; the site's position on the after film (corrected or found)
mapped through the pair's alignment. A site known on neither film is *not found*: its tile
has no pixels and says so; nothing is guessed.

Each joint's alignment starts from the pair's alignment. When the tile still matches poorly,
it starts again from the joint's position on the after film (the finder's, when it agrees
with the pair's alignment) and from the alignment of the joint nearer the palm on the same
digit (a finger turns as a whole), and keeps the best. A joint the reader placed on the
after film is where the alignment starts and stays: the local alignment may turn the tile,
not move the joint away from the reader's mark.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from typing import Any, Literal

import numpy as np

from xraycompare.core.geometry import as_matrix, transform_points, translation
from xraycompare.core.io.hand_mask import foreground_mask, sample_pixels
from xraycompare.core.io.image import XrayImage
from xraycompare.core.joints import JointMap, find_joints
from xraycompare.core.joints.corrections import JointCorrections
from xraycompare.core.progress import ProgressFn, Reporter, Stage, StopFn
from xraycompare.core.registration import register
from xraycompare.core.registration.alignment import Alignment

from .align import (
    Film,
    LocalFit,
    centre_shift,
    fit_joint,
    tile_correlation,
    tile_pixels,
    work_scale,
)
from .sites import GALLERY_SITES, Box, HandScale, Point, hand_scale, tile_box

Source = Literal["found", "corrected", "after film"]
Status = Literal["ok", "poor", "failed"]

OK_NCC = 0.6  # a tile whose films correlate less is flagged "poor"
FAILED_NCC = 0.3  # ... and below this "failed": the films do not line up in it
RETRY_NCC = 0.8  # below this, other starts are tried
AGREE = 0.35  # of the MCP3-PIP3 distance: an after joint this close to where the pair's
# alignment puts the before joint is taken to be the same joint (a finger's own motion
# between visits moves a PIP joint a fraction of that; a misread notch moves it more)
KEEP_MARK = 0.1  # of the MCP3-PIP3 distance: how far a local alignment may move a marked joint
SAME_START = 0.05  # of the MCP3-PIP3 distance: a start this close to a fit adds nothing
PROXIMAL: dict[str, str] = {
    "IP1": "MCP1",
    **{f"PIP{d}": f"MCP{d}" for d in range(2, 6)},
    **{f"DIP{d}": f"PIP{d}" for d in range(2, 6)},
}

WORKERS = 2  # threads for the films' joints and the joints' alignments (OpenCV and NumPy
# release the GIL); the results do not depend on it: a digit's joints wait for the one nearer
# the palm, whatever finishes first
JOINTS = Stage("Finding the joints", 0.4)
PAIR = Stage("Aligning the pair", 0.5)
LOCAL = Stage("Aligning each joint", 0.95)
TILES = Stage("Cutting the tiles", 1.0)


@dataclass(frozen=True)
class TileQuality:
    """How well a tile's two films line up.

    ``ncc``: correlation of the before tile and the aligned after tile, weighted toward the
    joint (1 = identical up to brightness and contrast); ``ncc_global``: the same through
    the pair's alignment; ``shift_px``: how far (before pixels) the joint's own alignment
    moved the after anatomy at the joint from where the pair's alignment put it;
    ``feature_pairs``: the joint's consistent feature matches; ``local``: the tile has its
    own alignment (False: the pair's alignment fitted best and was kept).
    """

    ncc: float
    ncc_global: float
    shift_px: float
    feature_pairs: int
    local: bool

    def as_dict(self) -> dict[str, Any]:
        return {
            "ncc": _rounded(self.ncc),
            "ncc_global": _rounded(self.ncc_global),
            "shift_px": round(self.shift_px, 2),
            "feature_pairs": self.feature_pairs,
            "local": self.local,
        }


@dataclass(frozen=True, eq=False)
class GalleryTile:
    """One site of the gallery.

    ``found`` False: the site is on neither film; every other field but ``site`` is None.
    Otherwise ``centre`` is the joint in before pixels and ``after_centre`` where the
    tile's alignment puts it on the after film; ``source`` says where the centre came from;
    ``before_box`` is the tile (x, y, w, h) in before pixels, x and y the first pixel's
    centre; ``before_pixels`` are the before film's stored values in it, ``after_pixels``
    the after film's stored values resampled into it through ``matrix`` (the tile's
    after -> before alignment), both (h, w) of their film's dtype, 0 where
    ``before_valid`` / ``after_valid`` say a film has no data. ``status`` is "ok", "poor"
    or "failed" (from ``quality.ncc``) and ``reason`` says why when not "ok".
    """

    site: str
    found: bool
    source: Source | None = None
    centre: Point | None = None
    after_centre: Point | None = None
    before_box: Box | None = None
    before_pixels: np.ndarray | None = None
    after_pixels: np.ndarray | None = None
    before_valid: np.ndarray | None = None
    after_valid: np.ndarray | None = None
    matrix: np.ndarray | None = None
    quality: TileQuality | None = None
    status: Status | None = None
    reason: str | None = None

    def as_json(self) -> dict[str, Any]:
        """The tile for ``xraycompare gallery --json``: where it is and how well it matches."""
        if not self.found:
            return {"site": self.site, "found": False}
        assert self.centre is not None and self.after_centre is not None
        assert self.before_box is not None and self.matrix is not None
        assert self.quality is not None
        return {
            "site": self.site,
            "found": True,
            "source": self.source,
            "centre": [round(v, 2) for v in self.centre],
            "after_centre": [round(v, 2) for v in self.after_centre],
            "before_box": [round(v, 2) for v in self.before_box],
            "after_corners": [[round(float(v), 2) for v in p] for p in self.after_corners()],
            "matrix": [[float(v) for v in row] for row in self.matrix],
            "quality": self.quality.as_dict(),
            "status": self.status,
            "reason": self.reason,
        }

    def after_corners(self) -> np.ndarray:
        """The tile's four outer corners on the after film (4, 2): top left, top right,
        bottom right, bottom left."""
        if self.before_box is None or self.matrix is None:
            raise ValueError(f"{self.site} was not found: its tile has no corners")
        x, y, w, h = self.before_box
        corners = np.array(
            [[x - 0.5, y - 0.5], [x + w - 0.5, y - 0.5], [x + w - 0.5, y + h - 0.5],
             [x - 0.5, y + h - 0.5]]
        )  # fmt: skip
        return transform_points(np.linalg.inv(self.matrix), corners)


@dataclass(frozen=True, eq=False)
class Gallery:
    """Every site's tile in reading order, and how the gallery was made.

    ``global_matrix`` is the pair's after -> before alignment the joints started from;
    ``scale`` the hand's size the tiles follow; ``tile_side`` the tiles' side in before
    pixels and ``tile_mm`` in mm (None without a pixel spacing); ``before_joints`` and
    ``after_joints`` the joints used (corrections applied); ``seconds`` the whole time and
    ``timings`` its parts (joints, pair, local, tiles); ``warning`` the pair alignment's.
    """

    tiles: tuple[GalleryTile, ...]
    global_matrix: np.ndarray
    scale: HandScale
    tile_side: float
    tile_mm: float | None
    before_joints: JointMap
    after_joints: JointMap
    seconds: float
    timings: Mapping[str, float] = field(default_factory=dict)
    warning: str | None = None

    @property
    def sites(self) -> tuple[str, ...]:
        return tuple(t.site for t in self.tiles)

    def tile(self, site: str) -> GalleryTile:
        for t in self.tiles:
            if t.site == site:
                return t
        raise KeyError(site)

    def missing(self) -> tuple[str, ...]:
        """The sites found on neither film, in reading order."""
        return tuple(t.site for t in self.tiles if not t.found)

    def as_json(self) -> dict[str, Any]:
        """Per-site boxes and quality: what ``xraycompare gallery --json`` writes."""
        return {
            "tiles": [t.as_json() for t in self.tiles],
            "tile_side_px": self.tile_side,
            "tile_mm": None if self.tile_mm is None else round(self.tile_mm, 2),
            "scale_from": self.scale.source,
            "global_matrix": [[float(v) for v in row] for row in self.global_matrix],
            "direction": "after_to_before",
            "missing": list(self.missing()),
            "seconds": round(self.seconds, 3),
            "warning": self.warning,
        }


def build_gallery(
    before: XrayImage,
    after: XrayImage,
    *,
    alignment: Alignment | np.ndarray | None = None,
    before_joints: JointMap | None = None,
    after_joints: JointMap | None = None,
    corrections: JointCorrections | None = None,
    sites: Sequence[str] = GALLERY_SITES,
    progress: ProgressFn | None = None,
    should_stop: StopFn | None = None,
) -> Gallery:
    """Build the joint gallery of a pair.

    Parameters
    ----------
    before, after
        The films.
    alignment
        The pair's alignment (an :class:`Alignment` or a 3×3 after -> before matrix); the
        films are registered here when None.
    before_joints, after_joints
        Each film's joints; found here when None.
    corrections
        The reader's corrected joints; they replace the found ones on their film.
    sites
        The sites shown, in order (default: MCP1–5, IP1, PIP2–5, the wrist; see
        :func:`~xraycompare.core.gallery.sites.gallery_sites` for the DIP joints).
    progress, should_stop
        Progress and cancellation callbacks (:mod:`xraycompare.core.progress`).

    Returns
    -------
    Gallery

    Raises
    ------
    xraycompare.core.registration.RegistrationError
        ``alignment`` is None and the films cannot be aligned.
    xraycompare.core.progress.Cancelled
        ``should_stop()`` returned True.
    """
    start = time.perf_counter()
    report = Reporter(progress, should_stop)
    timings: dict[str, float] = {}
    corrections = (corrections or JointCorrections()).on_films(before.shape, after.shape)
    report.enter(JOINTS)
    with _Pool() as pool:
        jobs: dict[str, Future] = {}
        if before_joints is None:
            jobs["before"] = pool.submit(find_joints, before, should_stop=should_stop)
        if after_joints is None:
            jobs["after"] = pool.submit(find_joints, after, should_stop=should_stop)
        if alignment is None:
            jobs["pair"] = pool.submit(register, before, after, should_stop=should_stop)
        hand_mask = _hand_mask(before)  # on the calling thread, which would only wait
        results = {name: job.result() for name, job in jobs.items()}
    timings["joints"] = time.perf_counter() - start
    before_joints = results.get("before", before_joints)
    after_joints = results.get("after", after_joints)
    assert before_joints is not None and after_joints is not None
    warning = None
    if alignment is None:
        report.enter(PAIR)
        registration = results["pair"]
        global_matrix, warning = np.asarray(registration.matrix), registration.warning
    elif isinstance(alignment, Alignment):
        global_matrix, warning = alignment.matrix, alignment.warning
    else:
        global_matrix = as_matrix(alignment)
    before_map = corrections.applied("before", before_joints)
    after_map = corrections.applied("after", after_joints)
    scale = hand_scale(before_map.points(), spacing_mm=before.spacing_mm, shape=before.shape)
    side = scale.tile_side()
    plan = _Plan(
        Film(before.pixels, before.invert),
        Film(after.pixels, after.invert),
        np.asarray(global_matrix, dtype=np.float64),
        side,
        scale.phalanx_px,
        hand_mask,
        should_stop,
    )
    report.enter(LOCAL)
    t = time.perf_counter()
    placed = {
        site: _place(site, before_map, after_map, corrections, plan.global_matrix) for site in sites
    }
    fits = plan.fit_all(placed, report)
    timings["local"] = time.perf_counter() - t
    report.enter(TILES)
    t = time.perf_counter()
    tiles = tuple(_tile(site, placed[site], fits.get(site), plan, before, after) for site in sites)
    timings["tiles"] = time.perf_counter() - t
    report.done("Gallery ready")
    spacing = before.spacing_mm
    return Gallery(
        tiles=tiles,
        global_matrix=plan.global_matrix,
        scale=scale,
        tile_side=side,
        tile_mm=None if spacing is None else side * float(spacing[1]),
        before_joints=before_map,
        after_joints=after_map,
        seconds=time.perf_counter() - start,
        timings=timings,
        warning=warning,
    )


@dataclass(frozen=True)
class _Placed:
    """Where a site is: its before centre and source, and its after point when known."""

    centre: Point
    source: Source
    after_point: Point | None  # on the after film (corrected or found), when known
    marked: bool  # the after point is the reader's


def _place(
    site: str,
    before_map: JointMap,
    after_map: JointMap,
    corrections: JointCorrections,
    global_matrix: np.ndarray,
) -> _Placed | None:
    before_joint, after_joint = before_map.get(site), after_map.get(site)
    marked = corrections.point("after", site) is not None
    after_point = after_joint.point
    if before_joint.point is not None:
        source: Source = "corrected" if corrections.point("before", site) else "found"
        return _Placed(before_joint.point, source, after_point, marked)
    if after_point is None:
        return None
    centre = tuple(transform_points(global_matrix, np.array([after_point]))[0])
    return _Placed((float(centre[0]), float(centre[1])), "after film", after_point, marked)


@dataclass(frozen=True)
class _Plan:
    """What every joint's alignment shares."""

    before: Film
    after: Film
    global_matrix: np.ndarray
    side: float
    phalanx: float
    hand_mask: np.ndarray | None
    should_stop: StopFn | None

    def fit_all(self, placed: Mapping[str, _Placed | None], report: Reporter) -> dict[str, _Fit]:
        """Every placed site's alignment; digits' joints after the joint nearer the palm."""
        todo = [s for s, p in placed.items() if p is not None]
        total = max(1, len(todo))
        fits: dict[str, _Fit] = {}
        # rows: joints whose proximal neighbour is not shown, then those whose neighbour is done
        done = 0
        with _Pool() as pool:
            while todo:
                ready = [s for s in todo if PROXIMAL.get(s) not in todo]
                jobs = {s: pool.submit(self.fit, s, placed[s], fits) for s in ready}
                for s, job in jobs.items():
                    fits[s] = job.result()
                    done += 1
                    report.within(done / total)
                todo = [s for s in todo if s not in jobs]
        return fits

    def fit(self, site: str, where: _Placed | None, fits: Mapping[str, _Fit]) -> _Fit:
        assert where is not None
        box = tile_box(where.centre, self.side)
        if where.marked and where.after_point is not None:
            seed = self._seed(where.centre, where.after_point)
            fit = self._fit(box, seed)
            kept = centre_shift(fit.matrix, seed, where.centre) <= KEEP_MARK * self.phalanx
            if not kept:
                fit = replace(fit, matrix=seed, ncc=fit.ncc_start, local=False)
            at_global = tile_correlation(
                self.before, self.after, box, self.global_matrix, work_scale(self.side)
            )
            return _Fit(fit, box, at_global)
        best = self._fit(box, self.global_matrix)
        at_global = best.ncc_start
        starts = []
        if where.after_point is not None:
            seed = self._seed(where.centre, where.after_point)
            if centre_shift(seed, self.global_matrix, where.centre) <= AGREE * self.phalanx:
                starts.append(seed)
        neighbour = fits.get(PROXIMAL.get(site, ""))
        if neighbour is not None and neighbour.fit.local:
            starts.append(neighbour.fit.matrix)
        for seed in starts:
            if best.ncc >= RETRY_NCC:
                break
            if centre_shift(seed, best.matrix, where.centre) < SAME_START * self.phalanx:
                continue  # it would start where the last fit ended
            other = self._fit(box, seed)
            if other.ncc > best.ncc:
                best = other
        return _Fit(best, box, at_global)

    def _fit(self, box: Box, start: np.ndarray) -> LocalFit:
        return fit_joint(
            self.before,
            self.after,
            box,
            start,
            hand_mask=self.hand_mask,
            should_stop=self.should_stop,
        )

    def _seed(self, centre: Point, after_point: Point) -> np.ndarray:
        """The pair's alignment moved so that ``after_point`` lands on ``centre``."""
        mapped = transform_points(self.global_matrix, np.array([after_point]))[0]
        return translation(centre[0] - mapped[0], centre[1] - mapped[1]) @ self.global_matrix


@dataclass(frozen=True)
class _Fit:
    fit: LocalFit
    box: Box
    ncc_global: float  # the tile's correlation through the pair's alignment


def _tile(
    site: str,
    where: _Placed | None,
    done: _Fit | None,
    plan: _Plan,
    before: XrayImage,
    after: XrayImage,
) -> GalleryTile:
    if where is None or done is None:
        return GalleryTile(site, False)
    fit, box = done.fit, done.box
    matrix = np.asarray(fit.matrix, dtype=np.float64)
    before_pixels, before_valid = tile_pixels(before.pixels, box)
    after_pixels, after_valid = tile_pixels(after.pixels, box, np.linalg.inv(matrix))
    after_centre = transform_points(np.linalg.inv(matrix), np.array([where.centre]))[0]
    quality = TileQuality(
        ncc=fit.ncc,
        ncc_global=done.ncc_global,
        shift_px=centre_shift(matrix, plan.global_matrix, where.centre),
        feature_pairs=fit.feature_pairs,
        local=fit.local,
    )
    status, reason = _status(quality, fit.error)
    return GalleryTile(
        site=site,
        found=True,
        source=where.source,
        centre=where.centre,
        after_centre=(float(after_centre[0]), float(after_centre[1])),
        before_box=box,
        before_pixels=before_pixels,
        after_pixels=after_pixels,
        before_valid=before_valid,
        after_valid=after_valid,
        matrix=matrix,
        quality=quality,
        status=status,
        reason=reason,
    )


def _status(quality: TileQuality, error: str | None) -> tuple[Status, str | None]:
    ncc = quality.ncc
    if not np.isfinite(ncc) or ncc < FAILED_NCC:
        why = "the films do not line up at this joint"
        if not np.isfinite(ncc):
            why = "the after film does not show this joint"
        return "failed", f"{why}; place the joint on the after film" + (
            f" ({error})" if error else ""
        )
    if ncc < OK_NCC:
        return "poor", f"the tile's films correlate poorly ({ncc:.2f}); check the joint"
    return "ok", None


class _Pool(ThreadPoolExecutor):
    """:data:`WORKERS` threads; on an error (a stop request) the jobs not yet started are
    dropped, not run only to stop at once."""

    def __init__(self) -> None:
        super().__init__(max_workers=WORKERS)

    def __exit__(self, exc_type, exc_val, exc_tb):
        self.shutdown(wait=True, cancel_futures=exc_type is not None)
        return False


def _hand_mask(image: XrayImage) -> np.ndarray | None:
    """The before film's hand mask on a small copy (the joints' alignments crop it)."""
    mask = foreground_mask(sample_pixels(image.pixels, max_side=512), invert=image.invert)
    return mask if mask.any() else None


def _rounded(value: float) -> float | None:
    return round(float(value), 4) if np.isfinite(value) else None
