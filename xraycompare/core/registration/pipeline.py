"""Automatic registration of a pair of hand films: ``register()`` -> :class:`Registration`.

The matrix maps *after* pixel coordinates to *before* pixel coordinates (3x3 float64, pixel
centres at integers). Pipeline, each step chosen for a failure mode of real film pairs:

1. Hand masks (:mod:`xraycompare.core.io.hand_mask`): work on the hand, not on collimation
   bands, markers, rulers or a differently cropped forearm.
2. A coarse guess from SIFT features on contrast-normalised copies about 600 px on a side,
   fitted with RANSAC (similarity) or MAGSAC++ (affine)
   (:mod:`~xraycompare.core.registration.coarse`, :mod:`~.registration_features`): any
   rotation, scale, exposure and processing differences; mirrored films are detected
   here; the hands' outlines are the fallback when features fail.
3. Intensity refinement coarse to fine (:mod:`~xraycompare.core.registration.refine`,
   :mod:`~.registration_pyramid`): robust (erosions, remodeling and markers do not pull),
   locally normalised (exposure, gamma, CR versus DR do not matter), down to the pyramid
   level whose short side is still 800 px (full resolution adds only noise on larger films).
4. Quality figures inside the hand (:mod:`~xraycompare.core.registration.quality`).

A *local* alignment (``roi``) refines a rigid or similarity correction inside one region of
the before film (a finger, a joint) on top of the global alignment, starting from the
region's own feature matches (:mod:`~xraycompare.core.registration.local`).

Mirrored films: a hand and its mirror image have no proper transform between them. When the
after film matches the before film clearly better once flipped left-right, the result says
``mirrored=True`` with a warning; ``matrix`` is then the best *proper* (det > 0) transform,
i.e. the mirror match followed by a reflection of the after film about its hand's long axis
(so the hands overlap as well as they can), and ``reflected_matrix`` holds the mirror match
itself (det < 0) for a user who confirms the film is stored flipped. Nothing is flipped
silently.
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace

import cv2
import numpy as np

from xraycompare.core.geometry import as_matrix
from xraycompare.core.progress import Cancelled, ProgressFn, Reporter, Stage, StopFn
from xraycompare.core.registration import coarse as co
from xraycompare.core.registration import features as feats
from xraycompare.core.registration import local
from xraycompare.core.registration import refine as rr
from xraycompare.core.registration.landmarks import project_to_model
from xraycompare.core.registration.quality import (
    QualityProbe,
    RegistrationQuality,
    bone_bright,
)
from xraycompare.core.types import MODELS, Model

_MIN_SIDE = 48


class RegistrationError(Exception):
    """The films cannot be aligned; the message says why in words a user understands."""


class RegistrationCancelled(Cancelled):
    """``should_stop()`` returned True; nothing was changed."""


@dataclass(frozen=True, eq=False)
class Registration:
    """The result of :func:`register`.

    ``matrix`` maps after pixel coordinates to before pixel coordinates (read-only 3x3).
    ``roi`` is the before-frame region of a local alignment (None for a global one).
    ``reflected_matrix`` is set only when ``mirrored``: the det < 0 transform that aligns
    the after film if it really is stored flipped. ``details`` holds diagnostic figures
    (feature inliers, points used, robust inlier fraction, stage times, ...).
    """

    matrix: np.ndarray
    model: Model
    quality: RegistrationQuality
    seconds: float
    mirrored: bool = False
    warning: str | None = None
    roi: tuple[float, float, float, float] | None = None
    reflected_matrix: np.ndarray | None = None
    details: dict[str, float] = field(default_factory=dict)


# The named stages of a registration and where each ends on the progress bar.
PREPARE = Stage("Preparing the films", 0.3)
COARSE = Stage("Finding the hand's features", 0.5)
REFINE = Stage("Refining the alignment", 0.85)
LOCAL = Stage("Aligning the region", 0.95)
QUALITY = Stage("Measuring the alignment quality", 1.0)


@dataclass
class _Run:
    """What the stages of one registration share."""

    before: co.Film
    after: co.Film
    after_values: np.ndarray  # the after film as given (bone bright), before any flip
    model: Model  # of the global fit (a similarity under a local alignment)
    report: Reporter
    details: dict[str, float]
    mirrored: bool = False


def register(
    before,
    after,
    *,
    model: Model = "similarity",
    mask: np.ndarray | None = None,
    roi: tuple[float, float, float, float] | None = None,
    initial: np.ndarray | None = None,
    progress: ProgressFn | None = None,
    should_stop: StopFn | None = None,
) -> Registration:
    """Align the after film to the before film.

    Parameters
    ----------
    before, after
        :class:`~xraycompare.core.io.image.XrayImage` or (H, W) arrays of stored values,
        bone bright (an XrayImage's own polarity is honoured). Sizes may differ.
    model
        ``"rigid"``, ``"similarity"`` (default: position and magnification) or ``"affine"``.
        With ``roi`` it is the model of the local correction (rigid or similarity advised).
    mask
        Optional before-frame hand mask (bool, any resolution); computed when None.
    roi
        (x, y, w, h) in before pixels: align just this region (a finger, a joint) with a
        correction on top of ``initial`` (or of a global registration made first).
    initial
        A 3x3 after -> before starting matrix (e.g. from landmarks): skips the feature
        search and refines from there.
    progress
        ``progress(fraction, message)``, called from the calling thread.
    should_stop
        Polled between steps and iterations (well within 0.5 s); True cancels.

    Returns
    -------
    Registration

    Raises
    ------
    RegistrationError
        Nothing to align (blank or tiny films, no hand, no usable structure).
    RegistrationCancelled
        ``should_stop()`` returned True.
    """
    if model not in MODELS:
        raise ValueError(f"model must be one of {MODELS}, got {model!r}")
    start = time.perf_counter()
    report = Reporter(progress, should_stop, cancelled=RegistrationCancelled)
    laps = _Laps(start)
    report.enter(PREPARE)
    run = _prepare(before, after, model, mask, roi, initial, report)
    if roi is not None:
        roi = _check_roi(roi, run.before.values.shape)
    laps(run.details, "t_prepare")
    report.enter(COARSE)
    matrix = _coarse(run) if initial is None else np.asarray(as_matrix(initial), dtype=np.float64)
    laps(run.details, "t_coarse")
    report.enter(REFINE)
    if roi is None or initial is None:
        matrix = _refine_global(run, matrix)
    if roi is not None:
        report.enter(LOCAL)
        matrix = _refine_local(run, matrix, roi, model)
    laps(run.details, "t_refine")
    report.enter(QUALITY)
    result = _measure(run, matrix, model=model, roi=roi)
    laps(run.details, "t_quality")
    report.done("Aligned")
    return replace(result, seconds=time.perf_counter() - start)


def _prepare(before, after, model, mask, roi, initial, report: Reporter) -> _Run:
    """Bone-bright values, hand masks, pyramids and (without a start) features of both films."""
    b = bone_bright(before)
    a = bone_bright(after)
    for name, v in (("before", b), ("after", a)):
        if min(v.shape) < _MIN_SIDE:
            raise RegistrationError(
                f"The {name} film is too small to align ({v.shape[1]}×{v.shape[0]} px)."
            )
        if not float(v.max()) > float(v.min()):
            raise RegistrationError(f"The {name} film is blank (all pixels have one value).")
    need_features = initial is None
    # the two films are independent: OpenCV releases the GIL, so both cores work
    with ThreadPoolExecutor(max_workers=2) as pool:
        job_b = pool.submit(co.prepare_film, b, mask, with_features=need_features)
        job_a = pool.submit(co.prepare_film, a, None, with_features=need_features)
        fb, fa = job_b.result(), job_a.result()
    global_model: Model = model if roi is None else "similarity"
    return _Run(fb, fa, a, global_model, report, details={})


def _coarse(run: _Run) -> np.ndarray:
    """The first guess: features (a mirrored film's too), else the hands' outlines."""
    guess = co.coarse_guess(run.before, run.after, run.model, run.details, run.report)
    if guess is None:
        raise RegistrationError(
            "No hand could be found in one of the films, so they cannot be aligned "
            "automatically. Place landmarks instead."
        )
    if guess.mirrored:
        run.mirrored = True
        run.after = co.flipped_film(run.after)
    return guess.matrix


def _refine_global(run: _Run, matrix: np.ndarray) -> np.ndarray:
    """Intensity refinement of the whole hand with the global model."""
    # drop what the model cannot do (shear, scale) without moving the hand's centre
    axes = feats.mask_axes(run.after.mask, run.after.values.shape)
    centre = None if axes is None else tuple(axes[0])
    start = project_to_model(matrix, run.model, center=centre)
    res = _run_refine(run, start, run.model, None)
    run.details.update(
        points=float(res.points),
        inlier_fraction=res.inlier_fraction,
        residual_scale=res.residual_scale,
    )
    return np.linalg.inv(res.warp)


def _refine_local(run: _Run, matrix: np.ndarray, roi, model: Model) -> np.ndarray:
    """A finger's or joint's own correction inside ``roi``, from its features, then refined."""
    guess_model: Model = "rigid" if model == "rigid" else "similarity"
    fb, fa = run.before, run.after
    matrix, pairs = local.local_guess(fb.pyramid, fa.pyramid, fb.mask, matrix, roi, guess_model)
    run.details["roi_feature_inliers"] = float(pairs)
    res = _run_refine(run, matrix, model, roi, focus=local.focus_of(roi))
    run.details.update(roi_points=float(res.points), roi_inlier_fraction=res.inlier_fraction)
    return np.linalg.inv(res.warp)


def _measure(run: _Run, matrix: np.ndarray, *, model: Model, roi) -> Registration:
    """Quality figures inside the hand, the mirror bookkeeping and a warning when due."""
    fb, fa = run.before, run.after
    reflected = None
    if run.mirrored:
        flip = co.flip_matrix(run.after_values.shape[1])
        reflected = matrix @ flip
        matrix = reflected @ co.hand_axis_reflection(
            co.unflipped_mask(fa, True), run.after_values.shape
        )
    a_small = np.ascontiguousarray(fa.small[:, ::-1]) if run.mirrored else fa.small
    probe = QualityProbe(
        fb.small,
        a_small,
        mask=fb.mask,
        after_mask=co.unflipped_mask(fa, run.mirrored),
        factors=(fb.factor, fa.factor),
    )
    quality = probe.evaluate(matrix)
    warning = _warning(quality, run.details, run.mirrored, reflected, probe)
    return Registration(
        matrix=as_matrix(matrix),
        model=model,
        quality=quality,
        seconds=0.0,
        mirrored=run.mirrored,
        warning=warning,
        roi=roi,
        reflected_matrix=None if reflected is None else as_matrix(reflected),
        details=run.details,
    )


class _Laps:
    """Stage times into ``details`` (diagnostics for benchmarks and bug reports)."""

    def __init__(self, start: float) -> None:
        self.last = start

    def __call__(self, details: dict[str, float], name: str) -> None:
        now = time.perf_counter()
        details[name] = round(now - self.last, 4)
        self.last = now


def _run_refine(run: _Run, matrix, model, roi, focus=None) -> rr.RefineResult:
    refine_mask = cv2.dilate(run.before.mask.astype(np.uint8), np.ones((5, 5), np.uint8))
    return rr.refine(
        run.before.pyramid,
        run.after.pyramid,
        refine_mask.astype(bool),
        matrix,
        model,
        roi=roi,
        focus=focus,
        check_stop=run.report.check,
        progress=run.report.within,
    )


def _check_roi(roi, shape) -> tuple[float, float, float, float]:
    x, y, w, h = (float(v) for v in roi)
    if not (np.isfinite([x, y, w, h]).all() and w > 0 and h > 0):
        raise ValueError(f"roi must be (x, y, w, h) with positive size, got {roi!r}")
    x0, y0 = max(0.0, x), max(0.0, y)
    x1, y1 = min(float(shape[1]), x + w), min(float(shape[0]), y + h)
    if x1 - x0 < 16 or y1 - y0 < 16:
        raise RegistrationError("The selected region is too small or outside the before film.")
    return (x0, y0, x1 - x0, y1 - y0)


def _warning(
    quality: RegistrationQuality, details: dict, mirrored: bool, reflected, probe: QualityProbe
) -> str | None:
    if mirrored:
        q = probe.evaluate(reflected)
        return (
            "The after film looks mirrored (flipped left-right), or it shows the other hand: "
            "a hand cannot be rotated onto its mirror image. Flipped, it matches well "
            f"(correlation {q.ncc_final:.2f}); flip the after film and align again, or check "
            "that both films show the same hand."
        )
    # Few consistent features means the first guess came from the hands' outlines: the
    # films may show different hands or differ too much. The figures then confirm it.
    # (Calibrated on real films: the same hand twice has 29 pairs, NMI 0.25, NCC 0.77;
    # different people's hands 0-4 pairs, NMI 0.05-0.11.)
    few = "feature_inliers" in details and details["feature_inliers"] < 12
    few_local = "roi_feature_inliers" in details and details["roi_feature_inliers"] < 6
    poor = quality.ncc_final < 0.6 or quality.mi_final < 0.15
    if few or poor:
        reason = "few matching features, " if few else ""
        return (
            f"The alignment may be poor ({reason}correlation {quality.ncc_final:.2f}, "
            f"{quality.overlap:.0%} of the hand overlaps): check that both films show the "
            "same hand, and check the alignment, or place landmarks and refine."
        )
    if quality.overlap < 0.6:
        return (
            f"Only {quality.overlap:.0%} of the before film's hand is covered by the after "
            "film's hand: the films are cropped or collimated differently. The alignment "
            "rests on the part both films show."
        )
    if few_local:
        return (
            "Few features inside the region: the local alignment may be off. Check it, or "
            "draw a larger region around the finger or joint."
        )
    return None
