"""The frames of an animated export, drawn by the comparison core, with corner labels.

Each frame is :meth:`ComparisonPair.render` of the plan's box at the plan's size, so an
export shows exactly what the comparison views show (the active alignment, the exposure
match, the window). Frames are grey: the films are grey and the labels white on a dark
outline, so a GIF's 256-entry palette holds every level exactly. Nothing but the films and
the words "Before" and "After" is drawn: no name, date or file name.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Iterator

import cv2
import numpy as np

from xraycompare.core.animation.plan import AnimationPlan
from xraycompare.core.compare import compositing
from xraycompare.core.compare.comparison import ComparisonPair
from xraycompare.core.compare.frames import frame_valid_mask
from xraycompare.core.compare.settings import ComparisonSettings
from xraycompare.core.geometry import invert
from xraycompare.core.types import FILM_TITLES, FILMS

_FONT = cv2.FONT_HERSHEY_SIMPLEX


def frame_key(plan: AnimationPlan, index: int) -> Hashable:
    """Frames with equal keys are identical (drawn once; a GIF shows them as one)."""
    if plan.mode == "flicker":
        return _flicker_film(plan, index)
    if plan.mode == "swipe":
        return _swipe_split(plan, index)
    return round(plan.sweep(index) * 255)


class FrameSource:
    """Draws a plan's frames: both films sampled into the frame once, composed per frame.

    The films' rasters do not change from frame to frame (same box, same size), so they
    are rendered once by :meth:`ComparisonPair.render` and each frame is only composed
    (:mod:`xraycompare.core.compare.compositing`), as the comparison views compose theirs.
    """

    def __init__(self, pair: ComparisonPair, plan: AnimationPlan) -> None:
        self.plan = plan
        d, size = plan.device_to_before, plan.size
        self._films = {
            film: pair.render(d, size, settings=ComparisonSettings("flicker", flicker_phase=film))[
                ..., 1
            ].copy()
            for film in FILMS
        }
        to_after = invert(pair.after_to_before) @ d
        self._valid = {
            "before_valid": frame_valid_mask(pair.before_pyramid.shape, d, size),
            "after_valid": frame_valid_mask(pair.after_pyramid.shape, to_after, size),
        }

    def frame(self, index: int) -> np.ndarray:
        """Frame ``index``: (height, width) uint8 grey, labels drawn if the plan asks."""
        plan = self.plan
        before, after = self._films["before"], self._films["after"]
        if plan.mode == "flicker":
            film = _flicker_film(plan, index)
            grey = self._films[film].copy()
            alphas = (1.0, 0.0) if film == "before" else (0.0, 1.0)
        elif plan.mode == "swipe":
            split = _swipe_split(plan, index)
            rgb = compositing.swipe(before, after, position=split - 0.5, **self._valid)
            grey = np.ascontiguousarray(rgb[..., 1])
            _draw_divider(grey, split)
            label_width = _label_layout(grey.shape)[2]
            alphas = (
                float(np.clip(split / label_width, 0, 1)),
                float(np.clip((grey.shape[1] - split) / label_width, 0, 1)),
            )
        else:
            weight = round(plan.sweep(index) * 255) / 255
            rgb = compositing.blend(before, after, weight=weight, **self._valid)
            grey = np.ascontiguousarray(rgb[..., 1])
            alphas = (1.0 - weight, weight)
        if plan.labels:
            draw_labels(grey, before_alpha=alphas[0], after_alpha=alphas[1])
        return grey

    def __iter__(self) -> Iterator[tuple[Hashable, np.ndarray]]:
        """Every frame with its key, in order; a repeated key reuses the frame drawn."""
        last_key: Hashable = None
        frame = None
        for index in range(self.plan.frame_count):
            key = frame_key(self.plan, index)
            if frame is None or key != last_key:
                frame, last_key = self.frame(index), key
            yield key, frame


def render_frame(pair: ComparisonPair, plan: AnimationPlan, index: int) -> np.ndarray:
    """Frame ``index`` of a plan (a preview; build a :class:`FrameSource` for many)."""
    return FrameSource(pair, plan).frame(index)


def draw_labels(grey: np.ndarray, *, before_alpha: float = 1.0, after_alpha: float = 1.0) -> None:
    """Write "Before" in the top-left and "After" in the top-right corner, in place.

    White letters on a dark outline read on bone and on air alike; ``*_alpha`` fades each
    label (a cross-fade fades its labels with its films).
    """
    scale, thickness, _, margin = _label_layout(grey.shape)
    for film, alpha in (("before", before_alpha), ("after", after_alpha)):
        if alpha <= 0:
            continue
        text = FILM_TITLES[film]
        (tw, th), _ = cv2.getTextSize(text, _FONT, scale, thickness)
        x = margin if film == "before" else grey.shape[1] - margin - tw
        org = (x, margin + th)
        outline = np.zeros_like(grey)
        cv2.putText(
            outline,
            text,
            org,
            _FONT,
            scale,
            255,
            thickness + 2 * max(1, thickness // 2 + 1),
            cv2.LINE_AA,
        )
        fill = np.zeros_like(grey)
        cv2.putText(fill, text, org, _FONT, scale, 255, thickness, cv2.LINE_AA)
        shade = outline.astype(np.float32) * (alpha / 255.0)
        ink = fill.astype(np.float32) * (alpha / 255.0)
        out = grey.astype(np.float32) * (1.0 - shade)  # dark outline
        out = out * (1.0 - ink) + 255.0 * ink  # white letters
        np.copyto(grey, np.clip(np.rint(out), 0, 255).astype(np.uint8))


def _label_layout(shape: tuple[int, int]) -> tuple[float, int, int, int]:
    """Font scale, stroke, the wider label's width and the corner margin for a frame."""
    h, w = shape
    height = max(9, min(round(0.05 * h), round(0.07 * w)))  # "Before" stays under 40 % wide
    scale = cv2.getFontScaleFromHeight(_FONT, height, 1)
    thickness = max(1, round(height / 12))
    (tw, _), _ = cv2.getTextSize(FILM_TITLES["before"], _FONT, scale, thickness)
    return scale, thickness, tw, max(4, round(0.025 * min(h, w)))


def _flicker_film(plan: AnimationPlan, index: int) -> str:
    return "before" if plan.phase(index) < 0.5 else "after"


def _swipe_split(plan: AnimationPlan, index: int) -> int:
    """The first frame column showing the after film: right edge (all before) at the start."""
    width = plan.size[0]
    return int(np.clip(math.floor((1.0 - plan.sweep(index)) * width + 0.5), 0, width))


def _draw_divider(grey: np.ndarray, split: int) -> None:
    """The curtain's edge, a thin white line, where both films meet."""
    w = grey.shape[1]
    if 0 < split < w:
        half = max(1, w // 400)
        grey[:, max(0, split - half) : min(w, split + half)] = 255
