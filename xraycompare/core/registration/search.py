"""The candidate search of a registration: every plausible first guess, scored inside the hand.

Helper module of :mod:`xraycompare.core.registration.pipeline`. Candidates are the start
(the films as they are, and centred at the size their pixel counts suggest), each distinct
feature hypothesis (:func:`.candidates.feature_hypotheses`), each quarter turn and axis
alignment of the hands (:func:`.candidates.placements`), and, when the proper candidates
are weak, the same for the left-right flipped after film. All are scored on a coarse copy
(:class:`.scoring.Scorer`); the best few distinct ones are refined on the coarse pyramid
levels and scored again on a finer copy; the best wins. A candidate whose scale is
implausible (outside 0.7-1.4 of every scale the films suggest) is marked down, so it wins
only on much stronger evidence.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import cv2
import numpy as np

from xraycompare.core.progress import Reporter
from xraycompare.core.registration import anatomy
from xraycompare.core.registration import coarse as co
from xraycompare.core.registration import features as feats
from xraycompare.core.registration import refine as rr
from xraycompare.core.registration.candidates import (
    Candidate,
    feature_hypotheses,
    placements,
    rotation_scan,
)
from xraycompare.core.registration.pyramid import finest_level
from xraycompare.core.registration.scoring import Score, Scorer

PLAUSIBLE = (0.7, 1.4)  # a film's magnification changes by less than this between visits
IMPLAUSIBLE_PENALTY = 0.2  # score an implausible scale must win by
MIRROR_PENALTY = 0.05  # score a mirror reading of the after film must win by
_TOP = 3  # candidates refined on the coarse levels
_STRONG_INLIERS = 40
_WORSE_COARSE, _WORSE_FINE, _MUCH_WORSE = 0.02, 0.01, 0.05  # see Search.worse
_RANK_POINTS = 5000  # template points when refining candidates to rank them
_SCAN_BELOW = 0.35  # best candidate's coarse score below which every turn is scanned


@dataclass
class Choice:
    """The search's answer: the best candidate, refined on the coarse levels.

    ``matrix`` maps after pixels (the flipped after film's when ``mirrored``) to before
    pixels; ``score`` and ``start_score`` are on the fine scorer; ``ranked`` holds every
    refined candidate with its fine score (for the report of a failure).
    """

    matrix: np.ndarray
    mirrored: bool
    score: Score
    start_matrix: np.ndarray
    start_score: Score
    plausible: bool
    source: str
    inliers: int
    ranked: list[tuple[Candidate, Score]] = field(default_factory=list)


def expected_scales(fb: co.Film, fa: co.Film, spacing_ratio: float | None) -> tuple[float, ...]:
    """Scales (after px -> before px) the films themselves suggest: the same pixel size, the
    same field of view, and the calibrations' ratio when both films have one."""
    out = [1.0, fb.factor / fa.factor]
    if spacing_ratio is not None and np.isfinite(spacing_ratio) and spacing_ratio > 0:
        out.append(float(spacing_ratio))
    return tuple(out)


def matrix_scale(matrix: np.ndarray) -> float:
    return float(np.sqrt(abs(np.linalg.det(np.asarray(matrix)[:2, :2]))))


def plausible_scale(matrix: np.ndarray, expected: tuple[float, ...]) -> bool:
    s = matrix_scale(matrix)
    return any(PLAUSIBLE[0] <= s / e <= PLAUSIBLE[1] for e in expected)


def make_scorer(fb: co.Film, fa: co.Film, side: int) -> Scorer:
    """A scorer of the pair on copies ``side`` px long, or half the before film's size if
    that is smaller (near its own pixel size a film's noise and JPEG blocks decorrelate)."""
    side = int(min(side, max(64, 0.5 * max(fb.values.shape))))
    return Scorer(
        fb.small,
        fa.small,
        full_shapes=(fb.values.shape, fa.values.shape),
        before_hand=fb.mask,
        before_rigid=fb.rigid,
        before_artefacts=fb.artefacts,
        after_artefacts=fa.artefacts,
        after_blank=fa.blank,
        side=side,
    )


FINGER_PRIOR = 0.3  # weight of points off the rigid part in the intensity refinement


def rigid_weights(fb: co.Film) -> np.ndarray:
    """Refinement weights over the before film's small copy: rigid part 1, the rest less."""
    return np.where(fb.rigid, 1.0, FINGER_PRIOR).astype(np.float32)


def centred(fb: co.Film, fa: co.Film, scale: float) -> np.ndarray:
    """The after film's centre on the before film's centre, at ``scale``."""
    (bh, bw), (ah, aw) = fb.values.shape, fa.values.shape
    m = np.diag([scale, scale, 1.0])
    m[:2, 2] = [(bw - 1) / 2 - scale * (aw - 1) / 2, (bh - 1) / 2 - scale * (ah - 1) / 2]
    return m


class Search:
    """One pair's candidate search (see the module docstring)."""

    def __init__(
        self,
        fb: co.Film,
        fa: co.Film,
        model: str,
        details: dict,
        report: Reporter,
        *,
        expected: tuple[float, ...],
    ) -> None:
        self.fb, self.fa = fb, fa
        self.model = model
        self.details = details
        self.report = report
        self.expected = expected
        self.coarse = make_scorer(fb, fa, 160)
        self.fine = make_scorer(fb, fa, 320)
        self._flipped: co.Film | None = None
        lo, hi = min(expected), max(expected)
        self.scale_range = (0.5 * lo, 2.0 * hi)
        self.rigid_weight = rigid_weights(fb)
        self.anatomy = anatomy.feature_mask(fb.mask, fb.artefacts)
        grown = cv2.dilate(fb.mask.astype(np.uint8), np.ones((5, 5), np.uint8)) > 0
        self.refine_mask = grown & ~fb.artefacts
        self.templates: dict = {}  # template points per level, shared by all refinements

    # -- candidates ---------------------------------------------------------------------
    def flipped(self) -> co.Film:
        if self._flipped is None:
            self._flipped = co.flipped_film(self.fa, with_features=True)
        return self._flipped

    def _stored(self, c: Candidate) -> np.ndarray:
        """A candidate's matrix from the stored (unflipped) after film."""
        if not c.mirrored:
            return c.matrix
        return c.matrix @ co.flip_matrix(self.fa.values.shape[1])

    def _features(self, fa: co.Film, mirrored: bool) -> list[Candidate]:
        """Hypotheses from the features of both sizes (the half-size ones hold up on noisy,
        blurred or low-contrast films, where the full-size ones find few matches)."""
        out: list[Candidate] = []
        count = 0
        for af, bf in (
            (fa.features, self.fb.features),
            (fa.coarse_features, self.fb.coarse_features),
        ):
            if af is None or bf is None:
                continue
            pa, pb = feats.match(af, bf)
            count += len(pa)
            out += self._hypotheses(pa, pb, mirrored, spacing=bf.factor)
        self.details["mirror_matches" if mirrored else "matches"] = float(count)
        return out

    def _hypotheses(self, pa, pb, mirrored: bool, spacing: float) -> list[Candidate]:
        fb = self.fb
        if len(pa) < 5:
            return []
        # keypoints on the rigid part of the before hand count fully, on fingers half, off
        # the hand (its outline, the air, the other hand) little
        weights = anatomy.match_weights(pb, fb.factor, self.anatomy, fb.rigid)
        found = feature_hypotheses(
            pa,
            pb,
            weights,
            threshold=1.5 * spacing,
            scale_range=self.scale_range,
            seed=len(pa),
        )
        out = [Candidate(m, "features", n, mirrored) for m, n in found]
        if self.model == "affine":
            out += [self._affine(c, pa, pb, spacing) for c in out[:2]]
        return [c for c in out if c is not None]

    def _affine(self, c: Candidate, pa, pb, spacing: float) -> Candidate | None:
        """An affine fit of the matches near a similarity hypothesis (scale and shear)."""
        pred = pa @ c.matrix[:2, :2].T + c.matrix[:2, 2]
        near = np.linalg.norm(pred - pb, axis=1) < 0.08 * max(self.fb.values.shape)
        if near.sum() < 8:
            return None
        m, inl = cv2.estimateAffine2D(
            pa[near].astype(np.float32),
            pb[near].astype(np.float32),
            method=cv2.USAC_MAGSAC,
            ransacReprojThreshold=1.5 * spacing,
            maxIters=2000,
            confidence=0.999,
        )
        if m is None or inl is None or int(inl.sum()) < 8:
            return None
        sv = np.linalg.svd(m[:, :2], compute_uv=False)
        if sv[0] / max(sv[1], 1e-9) > 1.6:
            return None
        return Candidate(np.vstack([m, [0, 0, 1.0]]), "features", int(inl.sum()), c.mirrored)

    def _placements(self, fa: co.Film, mirrored: bool) -> list[Candidate]:
        found = placements(
            self.fb.mask,
            fa.mask,
            self.fb.values.shape,
            fa.values.shape,
            scale_range=self.scale_range,
        )
        return [Candidate(m, "placement", 0, mirrored) for m in found]

    # -- the search ---------------------------------------------------------------------
    def run(self, initial: np.ndarray | None) -> Choice:
        starts = self._starts(initial)
        cands = list(starts)
        if initial is None:
            cands += self._features(self.fa, False)
            cands += self._placements(self.fa, False)
        scored = self._rank(cands)
        best_c, best_s = scored[0]
        weak = best_c.source != "features" or best_c.inliers < _STRONG_INLIERS
        if initial is None and (weak or best_s.value < 0.4):
            self.report.check()  # a mirrored film: the flipped film's candidates
            fl = self.flipped()
            mirror = self._features(fl, True) + self._placements(fl, True)
            self.details["mirror_inliers"] = float(
                max([c.inliers for c in mirror if c.source == "features"], default=0)
            )
            scored = self._rank(cands + mirror)
        if initial is None and self._ranked_value(*scored[0]) < _SCAN_BELOW:
            self.report.check()  # nothing convincing: scan every turn
            scan = self._scan(mirrored=scored[0][0].mirrored)
            scored = sorted(
                scored + self._rank(scan), key=lambda t: -self._ranked_value(t[0], t[1])
            )
        self.report.check()
        refined = self._refine_top(scored)
        start_scores = [(c, self.fine.score(self._stored(c))) for c in starts]
        start_c, start_s = max(start_scores, key=lambda t: t[1].value)
        # the starts compete unrefined too: "never worse than the start"
        pool = refined + start_scores
        best_c, best_s = max(pool, key=lambda t: self._ranked_value(t[0], t[1]))
        self.details.update(
            candidates=float(len(cands)),
            start_score=round(start_s.value, 4),
            search_score=round(best_s.value, 4),
        )
        return Choice(
            matrix=best_c.matrix,
            mirrored=best_c.mirrored,
            score=best_s,
            start_matrix=start_c.matrix,
            start_score=start_s,
            plausible=plausible_scale(best_c.matrix, self.expected),
            source=best_c.source,
            inliers=best_c.inliers,
            ranked=sorted(pool, key=lambda t: -t[1].value),
        )

    def _scan(self, *, mirrored: bool) -> list[Candidate]:
        """Candidates from a scan of every turn (the flipped film's too if it led)."""
        scorer = make_scorer(self.fb, self.flipped() if mirrored else self.fa, 96)
        shape_a = self.fa.values.shape
        found = rotation_scan(scorer, self.fb.values.shape, shape_a, self.expected[:2])
        self.details["scanned"] = 1.0
        return [Candidate(m, "scan", 0, mirrored) for m in found]

    def _starts(self, initial: np.ndarray | None) -> list[Candidate]:
        if initial is not None:
            return [Candidate(np.asarray(initial, dtype=np.float64), "initial")]
        out = [Candidate(np.eye(3), "start")]
        ratio = self.fb.factor / self.fa.factor
        if self.fb.values.shape != self.fa.values.shape:
            out.append(Candidate(centred(self.fb, self.fa, ratio), "start"))
        return out

    def _ranked_value(self, c: Candidate, s: Score) -> float:
        """The score, less a penalty for an implausible scale and for a mirror reading (a
        film is flipped far less often than a hand's outline looks alike both ways)."""
        penalty = 0.0 if plausible_scale(self._stored(c), self.expected) else IMPLAUSIBLE_PENALTY
        return s.value - penalty - (MIRROR_PENALTY if c.mirrored else 0.0)

    def _rank(self, cands: list[Candidate]) -> list[tuple[Candidate, Score]]:
        scored = [(c, self.coarse.score(self._stored(c))) for c in cands]
        return sorted(scored, key=lambda t: -self._ranked_value(t[0], t[1]))

    def _distinct(self, a: np.ndarray, b: np.ndarray) -> bool:
        h, w = self.fb.values.shape
        pts = np.array([[w / 2, h / 2], [w / 4, h / 4], [3 * w / 4, 3 * h / 4]], float)
        pa = np.c_[pts, np.ones(3)] @ np.linalg.inv(a).T
        back = pa @ b.T
        return float(np.abs(back[:, :2] - pts).max()) > 0.02 * max(h, w)

    def _refine_top(self, scored) -> list[tuple[Candidate, Score]]:
        chosen: list[Candidate] = []
        lead = self._ranked_value(*scored[0])
        for c, sc in scored:
            if chosen and lead > 0.3 and self._ranked_value(c, sc) < 0.5 * lead:
                break  # far behind the leader: refining it would not change the answer
            if all(self._distinct(self._stored(c), self._stored(d)) for d in chosen):
                chosen.append(c)
            if len(chosen) == _TOP:
                break
        out = []
        for c in chosen:
            self.report.check()
            fa = self.flipped() if c.mirrored else self.fa
            refined = self._coarse_refine(c, fa)
            s_before = self.fine.score(self._stored(c))
            s_after = self.fine.score(self._stored(refined))
            # a refinement that lowers the score is rejected
            if self.worse(self._stored(refined), self._stored(c), s_after, s_before):
                out.append((c, s_before))
            else:
                out.append((refined, s_after))
        return out

    def worse(self, a: np.ndarray, b: np.ndarray, fine_a: Score, fine_b: Score) -> bool:
        """Is (stored) matrix ``a`` clearly worse than ``b``?

        The coarse and fine scores can disagree by a few hundredths when fingers moved (each
        weighs the parts of the hand differently); a real loss (a refinement pulled away by
        a label, a wrong candidate) shows on both, or by a lot on one.
        """
        ca, cb = self.coarse.score(a).value, self.coarse.score(b).value
        fa, fb = fine_a.value, fine_b.value
        both = ca < cb - _WORSE_COARSE and fa < fb - _WORSE_FINE
        return both or ca < cb - _MUCH_WORSE or fa < fb - _MUCH_WORSE

    def _coarse_refine(self, c: Candidate, fa: co.Film) -> Candidate:
        """Refined on the two coarsest levels, with few points: enough to rank candidates."""
        pyr = self.fb.pyramid
        top = len(pyr.levels) - 1
        finest = max(min(finest_level(pyr) + 1, top), top - 1)
        model = "affine" if self.model == "affine" else "similarity"
        res = rr.refine(
            pyr,
            fa.pyramid,
            self.refine_mask,
            c.matrix,
            model,
            finest=finest,
            target_points=_RANK_POINTS,
            weights=self.rigid_weight,
            templates=self.templates,
            after_ignore=fa.artefacts,
            check_stop=self.report.check,
        )
        matrix = np.linalg.inv(res.warp)
        if not np.all(np.isfinite(matrix)):
            return c
        return Candidate(matrix, c.source, c.inliers, c.mirrored)
