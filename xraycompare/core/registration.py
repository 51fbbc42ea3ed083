"""Automatic registration of a pair of hand films: ``register()`` -> :class:`Registration`.

The matrix maps *after* pixel coordinates to *before* pixel coordinates (3x3 float64, pixel
centres at integers). Pipeline, each step chosen for a failure mode of real film pairs:

1. Hand masks (:mod:`xraycompare.core.foreground`): work on the hand, not on collimation
   bands, markers, rulers or a differently cropped forearm.
2. A coarse guess from SIFT features on contrast-normalised copies about 600 px on a side,
   fitted with RANSAC (similarity) or MAGSAC++ (affine)
   (:mod:`~xraycompare.core.registration_coarse`, :mod:`~.registration_features`): any
   rotation, scale, exposure and processing differences; mirrored films are detected
   here; the hands' outlines are the fallback when features fail.
3. Intensity refinement coarse to fine (:mod:`~xraycompare.core.registration_refine`,
   :mod:`~.registration_pyramid`): robust (erosions, remodeling and markers do not pull),
   locally normalised (exposure, gamma, CR versus DR do not matter), down to the pyramid
   level whose short side is still 800 px (full resolution adds only noise on larger films).
4. Quality figures inside the hand (:mod:`~xraycompare.core.registration_quality`).

A *local* alignment (``roi``) refines a rigid or similarity correction inside one region of
the before film (a finger, a joint) on top of the global alignment, starting from the
region's own feature matches (:mod:`~xraycompare.core.local_alignment`).

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
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Literal

import cv2
import numpy as np

from xraycompare.core import local_alignment as local
from xraycompare.core import registration_coarse as co
from xraycompare.core import registration_features as feats
from xraycompare.core import registration_refine as rr
from xraycompare.core.geometry import as_matrix
from xraycompare.core.landmarks import LandmarkFit, fit_landmarks, project_to_model
from xraycompare.core.registration_quality import (
    QualityProbe,
    RegistrationQuality,
    bone_bright,
    evaluate_quality,
    warp_to_before,
)

__all__ = [
    "LandmarkFit",
    "QualityProbe",
    "Registration",
    "RegistrationCancelled",
    "RegistrationError",
    "RegistrationQuality",
    "evaluate_quality",
    "fit_landmarks",
    "register",
    "warp_to_before",
]

Model = Literal["rigid", "similarity", "affine"]
MODELS: tuple[str, ...] = ("rigid", "similarity", "affine")
_MIN_SIDE = 48


class RegistrationError(Exception):
    """The films cannot be aligned; the message says why in words a user understands."""


class RegistrationCancelled(Exception):  # noqa: N818 (the name is the API contract)
    """``should_stop()`` returned True; nothing was changed."""


@dataclass(frozen=True, eq=False)
class Registration:
    """The result of :func:`register`.

    ``matrix`` maps after pixel coordinates to before pixel coordinates (read-only 3x3).
    ``roi`` is the before-frame region of a local alignment (None for a global one).
    ``reflected_matrix`` is set only when ``mirrored``: the det < 0 transform that aligns
    the after film if it really is stored flipped. ``details`` holds diagnostic figures
    (feature inliers, points used, robust inlier fraction, ...).
    """

    matrix: np.ndarray
    model: str
    quality: RegistrationQuality
    seconds: float
    mirrored: bool = False
    warning: str | None = None
    roi: tuple[float, float, float, float] | None = None
    reflected_matrix: np.ndarray | None = None
    details: dict[str, float] = field(default_factory=dict)


ProgressFn = Callable[[float, str], None]
StopFn = Callable[[], bool]


def _reporter(progress: ProgressFn | None, should_stop: StopFn | None):
    def report(fraction: float, message: str) -> None:
        if should_stop is not None and should_stop():
            raise RegistrationCancelled
        if progress is not None:
            progress(float(min(max(fraction, 0.0), 1.0)), message)

    return report


def register(
    before,
    after,
    *,
    model: str = "similarity",
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
        :class:`~xraycompare.core.imaging.XrayImage` or (H, W) arrays of stored values, bone
        bright (an XrayImage's own polarity is honoured). Sizes may differ.
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
    report = _reporter(progress, should_stop)
    report(0.0, "Preparing the films")
    b = bone_bright(before)
    a = bone_bright(after)
    for name, v in (("before", b), ("after", a)):
        if min(v.shape) < _MIN_SIDE:
            raise RegistrationError(
                f"The {name} film is too small to align ({v.shape[1]}×{v.shape[0]} px)."
            )
        if not float(v.max()) > float(v.min()):
            raise RegistrationError(f"The {name} film is blank (all pixels have one value).")
    if roi is not None:
        roi = _check_roi(roi, b.shape)
    if initial is not None:
        initial = np.asarray(as_matrix(initial), dtype=np.float64)

    need_features = initial is None
    with ThreadPoolExecutor(max_workers=2) as pool:
        job_b = pool.submit(co.prepare_film, b, mask, with_features=need_features)
        job_a = pool.submit(co.prepare_film, a, None, with_features=need_features)
        fb, fa = job_b.result(), job_a.result()
    report(0.3, "Finding the hand's features")
    details: dict[str, float] = {}
    lap = _Laps(details, start)
    lap("t_prepare")

    global_model = model if roi is None else "similarity"
    mirrored = False
    reflected: np.ndarray | None = None
    if initial is None:
        guess = co.coarse_guess(fb, fa, global_model, details, report)
        if guess is None:
            raise RegistrationError(
                "No hand could be found in one of the films, so they cannot be aligned "
                "automatically. Place landmarks instead."
            )
        if guess.mirrored:
            mirrored = True
            fa = co.flipped_film(fa)
        start_matrix = guess.matrix
    else:
        start_matrix = initial
    lap("t_coarse")
    report(0.5, "Refining the alignment")

    stop = should_stop
    refine_mask = cv2.dilate(fb.mask.astype(np.uint8), np.ones((5, 5), np.uint8)).astype(bool)
    matrix = start_matrix
    if roi is None or initial is None:
        # drop what the model cannot do (shear, scale) without moving the hand's centre
        axes = feats.mask_axes(fa.mask, fa.values.shape)
        centre = None if axes is None else tuple(axes[0])
        gm = project_to_model(matrix, global_model, center=centre)
        res = _run_refine(fb, fa, refine_mask, gm, global_model, None, stop, report, 0.5, 0.85)
        matrix = np.linalg.inv(res.warp)
        details.update(
            points=float(res.points),
            inlier_fraction=res.inlier_fraction,
            residual_scale=res.residual_scale,
        )
    if roi is not None:
        report(0.85, "Aligning the region")
        local_model = "rigid" if model == "rigid" else "similarity"
        matrix, pairs = local.local_guess(fb.pyramid, fa.pyramid, fb.mask, matrix, roi, local_model)
        details["roi_feature_inliers"] = float(pairs)
        res = _run_refine(
            fb,
            fa,
            refine_mask,
            matrix,
            model,
            roi,
            stop,
            report,
            0.88,
            0.95,
            focus=local.focus_of(roi),
        )
        matrix = np.linalg.inv(res.warp)
        details.update(roi_points=float(res.points), roi_inlier_fraction=res.inlier_fraction)

    lap("t_refine")
    report(0.95, "Measuring the alignment quality")
    if mirrored:
        flip = co.flip_matrix(a.shape[1])
        reflected = matrix @ flip
        matrix = reflected @ co.hand_axis_reflection(co.unflipped_mask(fa, True), a.shape)
    a_small = np.ascontiguousarray(fa.small[:, ::-1]) if mirrored else fa.small
    probe = QualityProbe(
        fb.small,
        a_small,
        mask=fb.mask,
        after_mask=co.unflipped_mask(fa, mirrored),
        factors=(fb.factor, fa.factor),
    )
    quality = probe.evaluate(matrix)
    quality = RegistrationQuality(
        ncc_initial=probe.evaluate(np.eye(3)).ncc_final,
        ncc_final=quality.ncc_final,
        mi_final=quality.mi_final,
        overlap=quality.overlap,
    )
    warning = _warning(quality, details, mirrored, reflected, probe)
    lap("t_quality")
    seconds = time.perf_counter() - start
    report(1.0, "Aligned")
    return Registration(
        matrix=as_matrix(matrix),
        model=model,
        quality=quality,
        seconds=seconds,
        mirrored=mirrored,
        warning=warning,
        roi=roi,
        reflected_matrix=None if reflected is None else as_matrix(reflected),
        details=details,
    )


class _Laps:
    """Stage times into ``details`` (diagnostics for benchmarks and bug reports)."""

    def __init__(self, details: dict[str, float], start: float) -> None:
        self.details, self.last = details, start

    def __call__(self, name: str) -> None:
        now = time.perf_counter()
        self.details[name] = round(now - self.last, 4)
        self.last = now


def _run_refine(
    fb, fa, mask, matrix, model, roi, stop, report, f0, f1, focus=None
) -> rr.RefineResult:
    try:
        return rr.refine(
            fb.pyramid,
            fa.pyramid,
            mask,
            matrix,
            model,
            roi=roi,
            focus=focus,
            should_stop=stop,
            progress=lambda f: report(f0 + (f1 - f0) * f, "Refining the alignment"),
        )
    except rr.Cancelled as exc:
        raise RegistrationCancelled from exc


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
