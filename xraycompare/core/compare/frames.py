"""Sampling a film into a view's frame: stored values and where the film has data.

Thin additions to :class:`xraycompare.core.io.pyramid.ImagePyramid` for comparison views:
projective alignments (the pyramid samples affine maps only), and a validity mask that is
skipped entirely when the frame lies on the film (the usual case once zoomed in) and
otherwise filled as the film's outline polygon instead of mapping every pixel.
"""

from __future__ import annotations

import cv2
import numpy as np

from xraycompare.core.geometry import is_affine
from xraycompare.core.io.pyramid import INTERPOLATION_FLAGS, ImagePyramid
from xraycompare.core.types import Interpolation


def sample_frame(
    pyramid: ImagePyramid,
    device_to_image: np.ndarray,
    size: tuple[int, int],
    *,
    interpolation: Interpolation = "linear",
) -> np.ndarray:
    """Stored values of a film in a frame, for affine and projective maps alike.

    Parameters
    ----------
    pyramid
        The film's pyramid.
    device_to_image
        3×3 map from frame pixel (x, y) to the film's pixel coordinates.
    size
        The frame's (width, height).
    interpolation
        ``"nearest"``, ``"linear"`` or ``"cubic"`` (a figure's choice; views use linear).

    Returns
    -------
    numpy.ndarray
        (height, width) stored values (the pyramid's dtype); 0 off the film.
    """
    if is_affine(device_to_image):
        return pyramid.sample(device_to_image, size, interpolation=interpolation)
    level = pyramid.level_for(device_to_image)
    m = pyramid.level_matrix(level) @ device_to_image
    src = pyramid.levels[level]
    work = src.astype(np.float32) if src.dtype == np.int16 else src
    out = cv2.warpPerspective(
        work,
        m,
        size,
        flags=INTERPOLATION_FLAGS[interpolation] | cv2.WARP_INVERSE_MAP,
        borderValue=0,
    )
    return np.rint(out).astype(src.dtype) if out.dtype != src.dtype else out


def frame_valid_mask(
    shape: tuple[int, int], device_to_image: np.ndarray, size: tuple[int, int]
) -> np.ndarray | None:
    """Where a frame shows the film: None when everywhere, else a bool (height, width) mask.

    Zoomed in, the frame usually lies wholly on the film and no mask is made at all;
    otherwise the film's outline is filled as a polygon (cheaper than mapping every pixel;
    within half a pixel of :meth:`ImagePyramid.valid_mask` along the outline).

    Parameters
    ----------
    shape
        The film's (height, width).
    device_to_image
        3×3 map from frame pixel (x, y) to the film's pixel coordinates.
    size
        The frame's (width, height).
    """
    img_h, img_w = shape
    w, h = size
    m = np.asarray(device_to_image, dtype=np.float64)
    frame_corners = np.array([[0, 0, 1], [w - 1, 0, 1], [w - 1, h - 1, 1], [0, h - 1, 1]], float)
    mapped = frame_corners @ m.T
    mapped = mapped[:, :2] / mapped[:, 2:3]
    if (
        np.all(mapped >= -0.5)
        and np.all(mapped[:, 0] <= img_w - 0.5)
        and np.all(mapped[:, 1] <= img_h - 0.5)
    ):
        return None
    if not is_affine(m):
        xs = np.arange(w, dtype=np.float64)[None, :]
        ys = np.arange(h, dtype=np.float64)[:, None]
        z = m[2, 0] * xs + m[2, 1] * ys + m[2, 2]
        x = (m[0, 0] * xs + m[0, 1] * ys + m[0, 2]) / z
        y = (m[1, 0] * xs + m[1, 1] * ys + m[1, 2]) / z
        return (z > 0) & (x >= -0.5) & (x <= img_w - 0.5) & (y >= -0.5) & (y <= img_h - 0.5)
    corners = np.array(
        [[0, 0, 1], [img_w - 1, 0, 1], [img_w - 1, img_h - 1, 1], [0, img_h - 1, 1]], float
    )
    outline = (corners @ np.linalg.inv(m).T)[:, :2]
    mask = np.zeros((h, w), dtype=np.uint8)
    points = np.rint(np.clip(outline, -1e6, 1e6) * 256).astype(np.int32)
    cv2.fillConvexPoly(mask, points, 1, lineType=cv2.LINE_8, shift=8)
    return mask.view(bool)
