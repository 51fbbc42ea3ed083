"""Resolution pyramid of stored values, sampled straight into screen pixels.

Every view (the panes, the comparison modes, the magnifier) draws by asking for exactly
the device pixels it shows: a device->image affine picks the pyramid level whose
resolution is just above the screen's and ``cv2.warpAffine`` resamples it. The cost of a
frame is then proportional to the window size, not the film size, and the full-resolution
film is never windowed or warped on a mouse move.
"""

from __future__ import annotations

import math
import weakref
from typing import TYPE_CHECKING

import cv2
import numpy as np

if TYPE_CHECKING:
    from xraycompare.core.io.image import XrayImage

INTERPOLATION_FLAGS = {  # the app's interpolation names as OpenCV flags
    "nearest": cv2.INTER_NEAREST,
    "linear": cv2.INTER_LINEAR,
    "cubic": cv2.INTER_CUBIC,
}


class ImagePyramid:
    """Levels of an (H, W) array, each half the size of the previous (area averaged).

    Level 0 is the array itself (not copied). Coarser levels keep the dtype, so stored
    values stay stored values and display LUTs apply at every level.
    """

    def __init__(self, pixels: np.ndarray, *, min_side: int = 256) -> None:
        if pixels.ndim != 2:
            raise ValueError("ImagePyramid needs a 2-D array")
        self.levels: list[np.ndarray] = [pixels]
        work = pixels.astype(np.float32) if pixels.dtype == np.int16 else pixels
        while max(work.shape) > min_side and min(work.shape) >= 4:
            h, w = work.shape
            work = cv2.resize(work, ((w + 1) // 2, (h + 1) // 2), interpolation=cv2.INTER_AREA)
            self.levels.append(work.astype(pixels.dtype) if work.dtype != pixels.dtype else work)

    @property
    def shape(self) -> tuple[int, int]:
        return self.levels[0].shape  # type: ignore[return-value]

    def level_matrix(self, level: int) -> np.ndarray:
        """3×3 map from level-0 pixel coordinates to ``level`` pixel coordinates."""
        h0, w0 = self.levels[0].shape
        h, w = self.levels[level].shape
        sx, sy = w / w0, h / h0
        return np.array([[sx, 0, 0.5 * sx - 0.5], [0, sy, 0.5 * sy - 0.5], [0, 0, 1]])

    def level_for(self, device_to_image: np.ndarray) -> int:
        """The coarsest level still at least as fine as the screen (no aliasing, no waste)."""
        m = np.asarray(device_to_image, dtype=np.float64)
        image_per_device = math.sqrt(abs(m[0, 0] * m[1, 1] - m[0, 1] * m[1, 0]))
        if not math.isfinite(image_per_device) or image_per_device <= 1.0:
            return 0
        return min(math.floor(math.log2(image_per_device)), len(self.levels) - 1)

    def sample(
        self,
        device_to_image: np.ndarray,
        size: tuple[int, int],
        *,
        interpolation: str = "linear",
        border: float = 0,
        level: int | None = None,
    ) -> np.ndarray:
        """Resample into an output raster of ``size`` = (width, height) device pixels.

        Parameters
        ----------
        device_to_image
            3×3 affine mapping output pixel (x, y) to level-0 image coordinates.
        size
            Output (width, height).
        interpolation
            ``"nearest"``, ``"linear"`` or ``"cubic"``.
        border
            Value for output pixels that fall outside the image.
        level
            Force a pyramid level (default: :meth:`level_for`).

        Returns
        -------
        numpy.ndarray
            (height, width) array of the pyramid's dtype.
        """
        lvl = self.level_for(device_to_image) if level is None else level
        m = self.level_matrix(lvl) @ np.asarray(device_to_image, dtype=np.float64)
        src = self.levels[lvl]
        if src.dtype == np.int16:
            src = src.astype(np.float32)
        out = cv2.warpAffine(
            src,
            m[:2].astype(np.float64),
            (max(1, int(size[0])), max(1, int(size[1]))),
            flags=INTERPOLATION_FLAGS[interpolation] | cv2.WARP_INVERSE_MAP,
            borderMode=cv2.BORDER_CONSTANT,
            borderValue=border,
        )
        if out.dtype != self.levels[0].dtype:
            out = np.rint(out).astype(self.levels[0].dtype)
        return out

    def valid_mask(self, device_to_image: np.ndarray, size: tuple[int, int]) -> np.ndarray:
        """Bool (height, width): True where the output pixel lies on the image."""
        h0, w0 = self.levels[0].shape
        w, h = max(1, int(size[0])), max(1, int(size[1]))
        m = np.asarray(device_to_image, dtype=np.float64)
        xs = np.arange(w, dtype=np.float32)
        ys = np.arange(h, dtype=np.float32)[:, None]
        x = m[0, 0] * xs + m[0, 1] * ys + m[0, 2]
        y = m[1, 0] * xs + m[1, 1] * ys + m[1, 2]
        return (x >= -0.5) & (x <= w0 - 0.5) & (y >= -0.5) & (y <= h0 - 0.5)


_PYRAMIDS: weakref.WeakKeyDictionary[object, ImagePyramid] = weakref.WeakKeyDictionary()


def pyramid_for(image: XrayImage) -> ImagePyramid:
    """The pyramid of a film's stored pixels, built once and shared by every view."""
    pyramid = _PYRAMIDS.get(image)
    if pyramid is None:
        pyramid = ImagePyramid(image.pixels)
        _PYRAMIDS[image] = pyramid
    return pyramid
