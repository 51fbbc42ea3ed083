"""Landmark registration: a transform from pairs of clicked points, with each pair's residual.

Two pairs fix a similarity (position, rotation, magnification) exactly; three or more give
an affine transform by least squares, unless a model is asked for. The residual of each
pair (how far its after point lands from its before point) tells the user which click is
off; the RMS goes in the status bar.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from skimage.transform import AffineTransform, EuclideanTransform, SimilarityTransform

from xraycompare.core.geometry import as_matrix, transform_points

_ESTIMATORS = {
    "rigid": EuclideanTransform,
    "similarity": SimilarityTransform,
    "affine": AffineTransform,
}
_MIN_PAIRS = {"rigid": 2, "similarity": 2, "affine": 3}


@dataclass(frozen=True, eq=False)
class LandmarkFit:
    """A transform fitted to landmark pairs.

    ``matrix`` maps after pixel coordinates to before pixel coordinates (read-only 3x3);
    ``residuals_px[i]`` is the distance, in before pixels, between pair i's before point and
    its after point mapped through ``matrix``; ``rms_px`` their root mean square.
    """

    matrix: np.ndarray
    residuals_px: np.ndarray
    rms_px: float
    model: str


def fit_landmarks(
    before_points: np.ndarray | list,
    after_points: np.ndarray | list,
    *,
    model: str | None = None,
) -> LandmarkFit:
    """Fit an after -> before transform to landmark pairs.

    Parameters
    ----------
    before_points, after_points
        (N, 2) (x, y) points; pair i is ``before_points[i]`` and ``after_points[i]``.
    model
        ``"rigid"``, ``"similarity"`` or ``"affine"``; by default a similarity for two pairs
        and an affine transform (least squares) for three or more.

    Returns
    -------
    LandmarkFit

    Raises
    ------
    ValueError
        Fewer pairs than the model needs (2, or 3 for affine), mismatched arrays, or
        degenerate points (coincident, or collinear for an affine fit).
    """
    b = np.asarray(before_points, dtype=np.float64).reshape(-1, 2)
    a = np.asarray(after_points, dtype=np.float64).reshape(-1, 2)
    if len(a) != len(b):
        raise ValueError(f"{len(b)} before points but {len(a)} after points")
    if not (np.isfinite(a).all() and np.isfinite(b).all()):
        raise ValueError("landmark coordinates must be finite")
    if model is None:
        model = "similarity" if len(a) <= 2 else "affine"
    if model not in _ESTIMATORS:
        raise ValueError(f"model must be rigid, similarity or affine, got {model!r}")
    need = _MIN_PAIRS[model]
    if len(a) < need:
        article = "an" if model == "affine" else "a"
        raise ValueError(
            f"{article} {model} fit needs at least {need} landmark pairs, got {len(a)}"
        )
    for pts, name in ((a, "after"), (b, "before")):
        spread = pts - pts.mean(axis=0)
        sv = np.linalg.svd(spread, compute_uv=False) if len(pts) > 1 else np.zeros(2)
        if sv[0] < 1e-6:
            raise ValueError(f"the {name} landmarks coincide")
        if model == "affine" and sv[1] < 1e-6 * max(1.0, sv[0]):
            raise ValueError(f"the {name} landmarks are collinear: an affine fit needs a triangle")
    tf = _ESTIMATORS[model].from_estimate(a, b)
    if not tf:
        raise ValueError(f"the landmarks do not determine a {model} transform")
    matrix = as_matrix(tf.params)
    residuals = np.linalg.norm(transform_points(matrix, a) - b, axis=1)
    residuals.flags.writeable = False
    rms = float(np.sqrt(np.mean(residuals**2)))
    return LandmarkFit(matrix=matrix, residuals_px=residuals, rms_px=rms, model=model)


def project_to_model(
    matrix: np.ndarray, model: str, *, center: tuple[float, float] | None = None
) -> np.ndarray:
    """The closest ``model`` transform to ``matrix``, agreeing with it at ``center``.

    ``center`` is an after-frame point (default the origin) whose image is kept; use the
    hand's centre so that dropping shear or scale does not move the hand.
    """
    m = np.asarray(matrix, dtype=np.float64)
    a = m[:2, :2]
    if model == "affine":
        out = np.eye(3)
        out[:2] = m[:2]
        return out
    u, _, vt = np.linalg.svd(a)
    rot = u @ vt
    if np.linalg.det(rot) < 0:  # the closest proper rotation (a reflection is no answer)
        u[:, -1] *= -1
        rot = u @ vt
    lin = rot if model == "rigid" else rot * float(np.sqrt(abs(np.linalg.det(a))))
    c = np.zeros(2) if center is None else np.asarray(center, dtype=np.float64)
    target = a @ c + m[:2, 2]
    out = np.eye(3)
    out[:2, :2] = lin
    out[:2, 2] = target - lin @ c
    return out
