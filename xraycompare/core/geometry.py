"""Points and 3×3 transforms, in the one coordinate convention of the app.

Arrays are (H, W); points are (x, y) floats in an image's pixel frame with pixel centres
at integers (as OpenCV and scikit-image). A registration matrix maps *after* pixel
coordinates to *before* pixel coordinates.
"""

from __future__ import annotations

import math

import numpy as np


def as_matrix(matrix: np.ndarray | list[list[float]]) -> np.ndarray:
    """A read-only float64 3×3 copy; 2×3 affine matrices get the [0, 0, 1] row."""
    m = np.asarray(matrix, dtype=np.float64)
    if m.shape == (2, 3):
        m = np.vstack([m, [0.0, 0.0, 1.0]])
    if m.shape != (3, 3) or not np.all(np.isfinite(m)):
        raise ValueError(f"expected a finite 3×3 matrix, got shape {m.shape}")
    m = m.copy()
    m.flags.writeable = False
    return m


IDENTITY = as_matrix(np.eye(3))


def transform_points(matrix: np.ndarray, points: np.ndarray) -> np.ndarray:
    """Map (N, 2) points through a 3×3 matrix (with the projective divide)."""
    pts = np.asarray(points, dtype=np.float64).reshape(-1, 2)
    homogeneous = np.hstack([pts, np.ones((len(pts), 1))]) @ np.asarray(matrix).T
    w = homogeneous[:, 2:3]
    w = np.where(np.abs(w) < 1e-12, 1e-12, w)
    return homogeneous[:, :2] / w


def transform_point(matrix: np.ndarray, x: float, y: float) -> tuple[float, float]:
    """Map one (x, y) point through a 3×3 matrix."""
    ((px, py),) = transform_points(matrix, np.array([[x, y]]))
    return float(px), float(py)


def invert(matrix: np.ndarray) -> np.ndarray:
    """The inverse transform (read-only)."""
    return as_matrix(np.linalg.inv(np.asarray(matrix, dtype=np.float64)))


def compose(*matrices: np.ndarray) -> np.ndarray:
    """``compose(A, B, C)`` applies C first, then B, then A (matrix product A @ B @ C)."""
    out = np.eye(3)
    for m in matrices:
        out = out @ np.asarray(m, dtype=np.float64)
    return as_matrix(out)


def similarity(
    *,
    scale: float = 1.0,
    angle_deg: float = 0.0,
    tx: float = 0.0,
    ty: float = 0.0,
    center: tuple[float, float] = (0.0, 0.0),
) -> np.ndarray:
    """Scale and rotate about ``center``, then translate by (tx, ty).

    The angle follows OpenCV's ``getRotationMatrix2D``: positive turns the image
    counter-clockwise as seen on screen (y down). :func:`decompose` returns the same angle.
    """
    a = math.radians(angle_deg)
    c, s = scale * math.cos(a), scale * math.sin(a)
    cx, cy = center
    m = np.array(
        [
            [c, s, (1 - c) * cx - s * cy + tx],
            [-s, c, s * cx + (1 - c) * cy + ty],
            [0.0, 0.0, 1.0],
        ]
    )
    return as_matrix(m)


def translation(tx: float, ty: float) -> np.ndarray:
    """A pure translation by (tx, ty)."""
    return as_matrix([[1.0, 0.0, tx], [0.0, 1.0, ty], [0.0, 0.0, 1.0]])


def decompose(matrix: np.ndarray) -> dict[str, float]:
    """Rotation (degrees, as :func:`similarity`), mean scale, translation and mirroring."""
    m = np.asarray(matrix, dtype=np.float64)
    a, b, c, d = m[0, 0], m[0, 1], m[1, 0], m[1, 1]
    det = a * d - b * c
    return {
        "rotation_deg": math.degrees(math.atan2(b, a)),
        "scale": math.sqrt(abs(det)),
        "tx": float(m[0, 2]),
        "ty": float(m[1, 2]),
        "mirrored": float(det < 0),
    }


def is_affine(matrix: np.ndarray, *, tol: float = 1e-9) -> bool:
    """True when the last row is [0, 0, 1]."""
    m = np.asarray(matrix)
    return bool(np.allclose(m[2], [0.0, 0.0, 1.0], atol=tol))
