"""What an animated export shows, frame by frame: the area, the size, the timing.

An animation loops one *cycle* of ``period`` seconds: flicker shows the before film for
the first half and the after film for the second; swipe moves the curtain from the right
edge (all before) to the left edge (all after) and back; blend cross-fades before → after →
before. Swipe and blend follow a cosine, so the motion slows at the turns, where the eye
compares. A GIF holds one cycle (viewers loop it); an MP4 holds whole cycles filling at
least ten seconds (slide software plays a video once unless told to loop).

The frame shows a box of the *before* film's pixels (by default the largest rectangle both
films cover, so no edge of either film flickers in the corner) scaled to the chosen width.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal, get_args

import cv2
import numpy as np

from xraycompare.core.geometry import as_matrix, transform_points

AnimationMode = Literal["flicker", "swipe", "blend"]
ANIMATION_MODES: tuple[AnimationMode, ...] = get_args(AnimationMode)
AnimationFormat = Literal["gif", "mp4"]
ANIMATION_FORMATS: tuple[AnimationFormat, ...] = get_args(AnimationFormat)

DEFAULT_FPS: dict[str, float] = {"gif": 10.0, "mp4": 25.0}
DEFAULT_PERIOD: dict[str, float] = {"flicker": 1.0, "swipe": 4.0, "blend": 4.0}
DEFAULT_WIDTH = 800
MP4_SECONDS = 10.0  # an MP4 holds whole cycles filling at least this long
MAX_GIF_FPS = 50.0  # GIF delays are whole hundredths; browsers slow anything under 2 to 10
MAX_FPS = 120.0
MAX_SIDE = 4096
MAX_SECONDS = 600.0

Crop = tuple[int, int, int, int]  # x, y, width, height in before pixels


class AnimationSettingsError(ValueError):
    """An animation option is out of range; the message says which and why."""


@dataclass(frozen=True)
class AnimationSettings:
    """The choices of an animated export; None takes the default for the mode and format.

    ``crop`` is (x, y, width, height) in before pixels (None: the area both films cover);
    ``width`` the frame width in pixels (None: that area's width, at most 800); ``period``
    the seconds of one cycle; ``duration`` the seconds of the file (None: one cycle for a
    GIF, whole cycles filling ten seconds for an MP4).
    """

    mode: AnimationMode = "flicker"
    fps: float | None = None
    width: int | None = None
    crop: Crop | None = None
    labels: bool = False
    period: float | None = None
    duration: float | None = None

    def __post_init__(self) -> None:
        if self.mode not in ANIMATION_MODES:
            raise AnimationSettingsError(f"unknown animation mode {self.mode!r}")
        if self.fps is not None and not (math.isfinite(self.fps) and 0 < self.fps <= MAX_FPS):
            raise AnimationSettingsError(f"--fps must be above 0 and at most {MAX_FPS:g}")
        if self.width is not None and not 16 <= self.width <= MAX_SIDE:
            raise AnimationSettingsError(f"--width must be between 16 and {MAX_SIDE} pixels")
        for name in ("period", "duration"):
            value = getattr(self, name)
            if value is not None and not (math.isfinite(value) and 0 < value <= MAX_SECONDS):
                raise AnimationSettingsError(
                    f"--{name} must be above 0 and at most {MAX_SECONDS:g} seconds"
                )
        if self.crop is not None and (len(self.crop) != 4 or min(self.crop[2:]) < 1):
            raise AnimationSettingsError("--crop needs X Y W H with W and H at least 1")


@dataclass(frozen=True)
class AnimationPlan:
    """Every frame of an export, decided before any is drawn.

    ``crop`` is the before-pixel box shown, ``size`` the frame (width, height), ``fps`` the
    frame rate, ``frame_count`` the frames in the file (``frame_count / fps`` seconds).
    """

    format: AnimationFormat
    mode: AnimationMode
    crop: Crop
    size: tuple[int, int]
    fps: float
    frame_count: int
    period: float
    labels: bool

    @property
    def duration(self) -> float:
        return self.frame_count / self.fps

    @property
    def device_to_before(self) -> np.ndarray:
        """3×3 map from frame pixel (x, y) to before pixel coordinates (centres at integers)."""
        x, y, w, h = self.crop
        sx, sy = w / self.size[0], h / self.size[1]
        return as_matrix([[sx, 0, x - 0.5 + 0.5 * sx], [0, sy, y - 0.5 + 0.5 * sy], [0, 0, 1]])

    def phase(self, index: int) -> float:
        """Where frame ``index`` falls in its cycle, in [0, 1)."""
        return (index / self.fps / self.period) % 1.0

    def sweep(self, index: int) -> float:
        """The cosine sweep 0 → 1 → 0 over a cycle (swipe and blend)."""
        return (1.0 - math.cos(2 * math.pi * self.phase(index))) / 2.0


def animation_format(path: str) -> AnimationFormat:
    """The format an output file name asks for (``.gif`` or ``.mp4``, any case)."""
    suffix = path.rsplit(".", 1)[-1].lower() if "." in path else ""
    if suffix not in ANIMATION_FORMATS:
        raise AnimationSettingsError("the output must end in .gif or .mp4")
    return suffix  # type: ignore[return-value]


def check_format(settings: AnimationSettings, fmt: AnimationFormat) -> None:
    """Refuse settings the format cannot play (before any film is opened)."""
    if fmt == "gif" and settings.fps is not None and settings.fps > MAX_GIF_FPS:
        raise AnimationSettingsError(f"a GIF plays at most {MAX_GIF_FPS:g} frames per second")


def plan_animation(
    settings: AnimationSettings,
    fmt: AnimationFormat,
    *,
    before_shape: tuple[int, int],
    after_shape: tuple[int, int],
    after_to_before: np.ndarray,
) -> AnimationPlan:
    """Decide the area, size and timing of an export.

    Parameters
    ----------
    settings
        The user's choices.
    fmt
        ``"gif"`` or ``"mp4"``.
    before_shape, after_shape
        The films' (height, width).
    after_to_before
        The alignment shown (after pixel coordinates -> before pixel coordinates).

    Raises
    ------
    AnimationSettingsError
        The crop misses the before film, or the rate is too high for a GIF.
    """
    check_format(settings, fmt)
    crop = _crop(settings.crop, before_shape, after_shape, after_to_before)
    fps = settings.fps if settings.fps is not None else DEFAULT_FPS[fmt]
    width = settings.width if settings.width is not None else min(DEFAULT_WIDTH, crop[2])
    height = max(1, round(width * crop[3] / crop[2]))
    if height > MAX_SIDE:
        raise AnimationSettingsError(f"the frames would be {height} pixels high (at most 4096)")
    if fmt == "mp4":  # H.264 in 4:2:0 needs even sides
        width, height = max(2, width - width % 2), max(2, height - height % 2)
    period = settings.period if settings.period is not None else DEFAULT_PERIOD[settings.mode]
    duration = settings.duration
    if duration is None:
        duration = period if fmt == "gif" else period * math.ceil(MP4_SECONDS / period - 1e-9)
    frames = max(2, round(duration * fps))
    return AnimationPlan(
        fmt, settings.mode, crop, (width, height), fps, frames, period, settings.labels
    )


def _crop(
    crop: Crop | None,
    before_shape: tuple[int, int],
    after_shape: tuple[int, int],
    after_to_before: np.ndarray,
) -> Crop:
    h, w = before_shape
    if crop is None:
        return common_area(before_shape, after_shape, after_to_before)
    x, y, cw, ch = (round(v) for v in crop)
    x0, y0, x1, y1 = max(0, x), max(0, y), min(w, x + cw), min(h, y + ch)
    if x1 - x0 < 8 or y1 - y0 < 8:
        raise AnimationSettingsError(f"--crop {x} {y} {cw} {ch} misses the {w}×{h} before film")
    return (x0, y0, x1 - x0, y1 - y0)


def common_area(
    before_shape: tuple[int, int],
    after_shape: tuple[int, int],
    after_to_before: np.ndarray,
    *,
    grid: int = 256,
) -> Crop:
    """The largest upright rectangle of before pixels that both films cover.

    Found on a grid of about ``grid`` cells along the longer side (cells wholly inside
    both films), so it lies inside the true area by at most a cell. Falls back to the
    whole before film when the films barely overlap.
    """
    h, w = before_shape
    ah, aw = after_shape
    cell = max(1.0, max(h, w) / grid)
    gh, gw = math.ceil(h / cell), math.ceil(w / cell)
    corners = np.array([[-0.5, -0.5], [aw - 0.5, -0.5], [aw - 0.5, ah - 0.5], [-0.5, ah - 0.5]])
    outline = transform_points(after_to_before, corners)
    mask = np.zeros((gh, gw), np.uint8)
    points = np.rint(np.clip((outline + 0.5) / cell, -1e5, 1e5) * 16).astype(np.int32)
    cv2.fillPoly(mask, [points], 1, lineType=cv2.LINE_8, shift=4)
    # a cell is in only when wholly inside: shrink by one cell, and off the before film's edge
    mask = cv2.erode(mask, np.ones((3, 3), np.uint8), borderValue=0)
    best = _largest_rectangle(mask.astype(bool))
    if best is None or best[2] * best[3] < 0.05 * gh * gw:
        return (0, 0, w, h)
    cx, cy, cw, ch = best
    x0, y0 = math.ceil(cx * cell), math.ceil(cy * cell)
    x1, y1 = min(w, math.floor((cx + cw) * cell)), min(h, math.floor((cy + ch) * cell))
    return (x0, y0, x1 - x0, y1 - y0)


def _largest_rectangle(mask: np.ndarray) -> Crop | None:
    """The largest all-True upright rectangle (x, y, w, h) of a bool grid (histogram method)."""
    rows, cols = mask.shape
    heights = np.zeros(cols, dtype=np.int64)
    best, best_area = None, 0
    for r in range(rows):
        heights = np.where(mask[r], heights + 1, 0)
        hs = [*heights.tolist(), 0]  # plain ints: this loop runs for every cell
        stack: list[int] = []
        for c, current in enumerate(hs):
            while stack and hs[stack[-1]] >= current:
                top = stack.pop()
                left = stack[-1] + 1 if stack else 0
                area = hs[top] * (c - left)
                if area > best_area:
                    best_area = area
                    best = (left, r - hs[top] + 1, c - left, hs[top])
            stack.append(c)
    return best
