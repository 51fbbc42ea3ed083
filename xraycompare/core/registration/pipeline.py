"""Automatic registration of a pair of hand films: ``register()`` -> :class:`Registration`.

The matrix maps *after* pixel coordinates to *before* pixel coordinates (3x3 float64, pixel
centres at integers). Pipeline, each step chosen for a failure mode of real film pairs:

1. Hand masks (:mod:`xraycompare.core.io.hand_mask`) without burnt-in text, markers and
   label boxes (:mod:`~xraycompare.core.registration.anatomy`), and the hand's rigid part
   (palm, carpus, forearm): work on the hand, not on labels, bands or the frame.
2. Candidates (:mod:`~xraycompare.core.registration.search`): the films as they are and
   centred, the best few distinct SIFT hypotheses found only where the anatomy is, each
   quarter turn of the hands' outlines, and the mirrored film's candidates when the rest
   are weak. Every candidate is scored the same way inside the hand
   (:mod:`~xraycompare.core.registration.scoring`); the best few are refined on the coarse
   levels and scored again; the best wins, and a scale no two films of one hand show wins
   only on much stronger evidence.
3. Intensity refinement coarse to fine (:mod:`~xraycompare.core.registration.refine`):
   robust, locally normalised, with the fingers weighted down (they move on their own
   between visits). A refinement that lowers the score is rejected: the result is never
   worse than the start.
4. Quality figures inside the hand (:mod:`~xraycompare.core.registration.quality`) and a
   verdict (:mod:`~xraycompare.core.registration.status`): ``status`` is ``"ok"``,
   ``"poor"`` (usable, but check it) or ``"failed"`` (no candidate is plausible: the
   matrix is only the best guess), with the ``reason`` in plain words.

A *local* alignment (``roi``) refines a rigid or similarity correction inside one region of
the before film (a finger, a joint) on top of the global alignment, starting from the
region's own feature matches (:mod:`~xraycompare.core.registration.local`).

Mirrored films: a hand and its mirror image have no proper transform between them. When the
after film matches the before film clearly better once flipped left-right, the result says
``mirrored=True`` with a warning (status ``"poor"``); ``matrix`` is then the best *proper*
(det > 0) transform, i.e. the mirror match followed by a reflection of the after film about
its hand's long axis (so the hands overlap as well as they can), and ``reflected_matrix``
holds the mirror match itself (det < 0) for a user who confirms the film is stored flipped.
Nothing is flipped silently.
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
from xraycompare.core.registration import search as se
from xraycompare.core.registration import status as st
from xraycompare.core.registration.landmarks import project_to_model
from xraycompare.core.registration.quality import (
    QualityProbe,
    RegistrationQuality,
    bone_bright,
)
from xraycompare.core.registration.scoring import Score
from xraycompare.core.types import MODELS, Film, Model

_MIN_SIDE = 48


class RegistrationError(Exception):
    """The films cannot be aligned; the message says why in words a user understands.

    ``film`` names the film at fault when one is (too small, blank): its file is then bad
    input for alignment, not a failed alignment.
    """

    def __init__(self, message: str, *, film: Film | None = None) -> None:
        super().__init__(message)
        self.film = film


class RegistrationCancelled(Cancelled):
    """``should_stop()`` returned True; nothing was changed."""


@dataclass(frozen=True, eq=False)
class Registration:
    """The result of :func:`register`.

    ``matrix`` maps after pixel coordinates to before pixel coordinates (read-only 3x3).
    ``status`` is ``"ok"``, ``"poor"`` (usable but doubtful: show it, offer landmarks) or
    ``"failed"`` (no candidate is plausible: ``matrix`` is only the best guess; derive
    nothing from it, e.g. no exposure match); ``reason`` says why in plain words (None when
    ``"ok"``). ``roi`` is the before-frame region of a local alignment (None for a global
    one). ``reflected_matrix`` is set only when ``mirrored``: the det < 0 transform that
    aligns the after film if it really is stored flipped. ``details`` holds diagnostic
    figures (feature inliers, candidate scores, stage times, ...).
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
    status: str = st.OK
    reason: str | None = None


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
    expected: tuple[float, ...]
    mirrored: bool = False
    search: se.Search | None = None
    choice: se.Choice | None = None
    final: Score | None = None
    start_kept: bool = False


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
        A 3x3 after -> before starting matrix (e.g. from landmarks): skips the candidate
        search and refines from there; the result is never worse than it.
    progress
        ``progress(fraction, message)``, called from the calling thread.
    should_stop
        Polled between steps and iterations (well within 0.5 s); True cancels.

    Returns
    -------
    Registration
        Always the best candidate found; ``status`` and ``reason`` say whether it can be
        trusted.

    Raises
    ------
    RegistrationError
        Nothing to align (blank or tiny films).
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
    start_matrix = None if initial is None else np.asarray(as_matrix(initial), dtype=np.float64)
    matrix = _search(run, start_matrix)
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


def _spacing_ratio(before, after) -> float | None:
    """after mm per px / before mm per px, when both films are calibrated."""
    sb, sa = getattr(before, "spacing_mm", None), getattr(after, "spacing_mm", None)
    if not sb or not sa:
        return None
    return float(np.sqrt(sa[0] * sa[1] / (sb[0] * sb[1])))


def _prepare(before, after, model, mask, roi, initial, report: Reporter) -> _Run:
    """Bone-bright values, hand masks, pyramids and (without a start) features of both films."""
    b = bone_bright(before)
    a = bone_bright(after)
    films: tuple[tuple[Film, np.ndarray], ...] = (("before", b), ("after", a))
    for name, v in films:
        if min(v.shape) < _MIN_SIDE:
            raise RegistrationError(
                f"The {name} film is too small to align ({v.shape[1]}×{v.shape[0]} px; "
                f"alignment needs at least {_MIN_SIDE} px a side).",
                film=name,
            )
        if not float(v.max()) > float(v.min()):
            raise RegistrationError(
                f"The {name} film is blank (all pixels have one value).", film=name
            )
    need_features = initial is None
    # the two films are independent: OpenCV releases the GIL, so both cores work
    with ThreadPoolExecutor(max_workers=2) as pool:
        job_b = pool.submit(co.prepare_film, b, mask, with_features=need_features)
        job_a = pool.submit(co.prepare_film, a, None, with_features=need_features)
        fb, fa = job_b.result(), job_a.result()
    global_model: Model = model if roi is None else "similarity"
    expected = se.expected_scales(fb, fa, _spacing_ratio(before, after))
    return _Run(fb, fa, a, global_model, report, details={}, expected=expected)


def _search(run: _Run, initial: np.ndarray | None) -> np.ndarray:
    """The best candidate (refined on the coarse levels), a mirrored film's too."""
    run.search = se.Search(
        run.before, run.after, run.model, run.details, run.report, expected=run.expected
    )
    choice = run.search.run(initial)
    run.choice = choice
    run.details["feature_inliers"] = float(choice.inliers)
    if choice.mirrored:
        run.mirrored = True
        run.after = run.search.flipped()
    return choice.matrix


def _refine_global(run: _Run, matrix: np.ndarray) -> np.ndarray:
    """Intensity refinement of the whole hand with the global model, fingers weighted down;
    rejected when it lowers the score (never worse than the candidate it started from)."""
    # drop what the model cannot do (shear, scale) without moving the hand's centre
    axes = feats.mask_axes(run.after.mask, run.after.values.shape)
    centre = None if axes is None else tuple(axes[0])
    start = project_to_model(matrix, run.model, center=centre)
    res = _run_refine(run, start, run.model, None, weights=se.rigid_weights(run.before))
    run.details.update(
        points=float(res.points),
        inlier_fraction=res.inlier_fraction,
        residual_scale=res.residual_scale,
    )
    refined = np.linalg.inv(res.warp)
    choice, search = run.choice, run.search
    if choice is None or search is None:
        return refined
    stored, base_stored = _stored(run, refined), _stored(run, start)
    base = search.fine.score(base_stored)
    final = search.fine.score(stored) if np.all(np.isfinite(stored)) else None
    if final is None or search.worse(stored, base_stored, final, base):
        run.details["refinement_rejected"] = 1.0
        refined, stored, final = start, base_stored, base
    # never worse than the films as they were (or the landmarks' start)
    if not run.mirrored and search.worse(stored, choice.start_matrix, final, choice.start_score):
        run.start_kept = True
        refined, final = choice.start_matrix, choice.start_score
    run.final = final
    run.details["score"] = round(final.value, 4)
    run.details["fit"] = round(final.ncc, 4)
    run.details["coverage"] = round(final.coverage, 4)
    run.details["support"] = round(final.support, 4)
    run.details["rigid_support"] = round(final.rigid_support, 4)
    if run.before.guessed_hand:
        run.details["guessed_hand"] = 1.0
    return refined


def _stored(run: _Run, matrix: np.ndarray) -> np.ndarray:
    """A matrix from the film refined (flipped when mirrored) as from the stored after film."""
    if not run.mirrored:
        return matrix
    return matrix @ co.flip_matrix(run.after_values.shape[1])


def _refine_local(run: _Run, matrix: np.ndarray, roi, model: Model) -> np.ndarray:
    """A finger's or joint's own correction inside ``roi``, from its features, then refined;
    never worse inside the region than the alignment it started from."""
    refine_mask, templates = _refine_inputs(run)
    fit = local.refine_region(
        run.before.pyramid,
        run.after.pyramid,
        run.before.mask,
        refine_mask,
        matrix,
        roi,
        model,
        after_ignore=run.after.artefacts,
        templates=templates,
        check_stop=run.report.check,
        progress=run.report.within,
    )
    run.details.update(
        roi_feature_inliers=float(fit.feature_pairs),
        roi_points=float(fit.points),
        roi_inlier_fraction=fit.inlier_fraction,
        roi_score=round(fit.score, 4),
        roi_start_score=round(fit.start_score, 4),
    )
    if fit.chosen == "start":
        run.details["roi_start_kept"] = 1.0
    return fit.matrix


def _measure(run: _Run, matrix: np.ndarray, *, model: Model, roi) -> Registration:
    """Quality figures inside the hand, the mirror bookkeeping, the verdict and a warning."""
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
    verdict = _verdict(run, reflected if run.mirrored else matrix, roi)
    mirrored_fit = probe.evaluate(reflected).ncc_final if run.mirrored else None
    warning = st.warning(verdict, run.details, mirrored_fit=mirrored_fit)
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
        status=verdict.status,
        reason=verdict.reason,
    )


def _verdict(run: _Run, stored: np.ndarray, roi) -> st.Verdict:
    """The verdict of the global alignment, or of a local one inside its region."""
    final = run.final
    if roi is not None:
        inherited = None
        if final is not None:  # the global alignment was made in this call
            inherited = _global_verdict(run, final, run.choice.matrix if run.choice else stored)
        return st.judge_local(run.details.get("roi_score", 0.0), inherited=inherited)
    if final is None and run.search is not None:
        final = run.search.fine.score(stored)
    if final is None:
        return st.Verdict(st.OK, None)
    return _global_verdict(run, final, stored)


def _global_verdict(run: _Run, final: Score, stored: np.ndarray) -> st.Verdict:
    return st.judge(
        final,
        plausible=se.plausible_scale(stored, run.expected),
        scale=se.matrix_scale(stored),
        mirrored=run.mirrored,
        start_kept=run.start_kept,
        hand_found=not run.before.guessed_hand,
    )


class _Laps:
    """Stage times into ``details`` (diagnostics for benchmarks and bug reports)."""

    def __init__(self, start: float) -> None:
        self.last = start

    def __call__(self, details: dict[str, float], name: str) -> None:
        now = time.perf_counter()
        details[name] = round(now - self.last, 4)
        self.last = now


def _run_refine(
    run: _Run, matrix, model, roi, focus=None, weights=None, coarsest=None, finest=None
) -> rr.RefineResult:
    refine_mask, templates = _refine_inputs(run)
    return rr.refine(
        run.before.pyramid,
        run.after.pyramid,
        refine_mask,
        matrix,
        model,
        roi=roi,
        focus=focus,
        weights=weights,
        coarsest=coarsest,
        finest=finest,
        templates=templates,
        after_ignore=run.after.artefacts,
        check_stop=run.report.check,
        progress=run.report.within,
    )


def _refine_inputs(run: _Run) -> tuple[np.ndarray, dict | None]:
    """Where the intensity refinement takes its points, and its template cache."""
    if run.search is not None:
        return run.search.refine_mask, run.search.templates
    grown = cv2.dilate(run.before.mask.astype(np.uint8), np.ones((5, 5), np.uint8))
    return grown.astype(bool) & ~run.before.artefacts, None


def _check_roi(roi, shape) -> tuple[float, float, float, float]:
    x, y, w, h = (float(v) for v in roi)
    if not (np.isfinite([x, y, w, h]).all() and w > 0 and h > 0):
        raise ValueError(f"roi must be (x, y, w, h) with positive size, got {roi!r}")
    x0, y0 = max(0.0, x), max(0.0, y)
    x1, y1 = min(float(shape[1]), x + w), min(float(shape[0]), y + h)
    if x1 - x0 < 16 or y1 - y0 < 16:
        raise RegistrationError("The selected region is too small or outside the before film.")
    return (x0, y0, x1 - x0, y1 - y0)
