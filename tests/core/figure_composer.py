"""Published-style side-by-side figures made from real films, with the films' true boxes.

Used by the split tests and benchmarks/bench_teaching.py: two films laid out left/right or
top/bottom on a white, black or grey canvas, with a gutter of any width, optional
"Before"/"After" captions, panel letters in the margin, a frame around the figure, uneven
film sizes, and JPEG compression as journals apply it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import cv2
import numpy as np

from xraycompare.core.figure_split import Box


@dataclass(frozen=True)
class ComposedFigure:
    image: np.ndarray  # (H, W) uint8
    before: Box
    after: Box


def compose_figure(
    before: np.ndarray,
    after: np.ndarray,
    *,
    direction: Literal["horizontal", "vertical"] = "horizontal",
    gutter: int = 20,
    canvas: int = 255,
    margin: int = 12,
    captions: bool = False,
    letters: bool = False,
    frame: int = 0,
    align: Literal["start", "center", "end"] = "center",
    jpeg_quality: int | None = None,
) -> ComposedFigure:
    """Lay two uint8 films out as a journal figure; the boxes are where the films went."""
    ink = 0 if canvas > 127 else 255
    text_height = 0
    if captions or letters:
        text_height = max(14, min(before.shape[0], after.shape[0]) // 12)
    top = margin + (text_height + 6 if letters else 0)
    below = text_height + 10 if captions else 0
    horizontal = direction == "horizontal"
    (h1, w1), (h2, w2) = before.shape, after.shape
    if horizontal:
        across = max(h1, h2)
        width = margin + w1 + gutter + w2 + margin
        height = top + across + below + margin
        offsets = [_place(across, h1, align), _place(across, h2, align)]
        origins = [(margin, top + offsets[0]), (margin + w1 + gutter, top + offsets[1])]
    else:
        across = max(w1, w2)
        width = margin + across + margin
        height = top + h1 + below + gutter + top + h2 + below + margin
        offsets = [_place(across, w1, align), _place(across, w2, align)]
        second_top = top + h1 + below + gutter + top
        origins = [(margin + offsets[0], top), (margin + offsets[1], second_top)]
    figure = np.full((height + 2 * frame, width + 2 * frame), canvas, np.uint8)
    boxes = []
    for film, (x, y), label, letter in zip(
        (before, after), origins, ("Before", "After"), ("A", "B"), strict=True
    ):
        x, y = x + frame, y + frame
        h, w = film.shape
        figure[y : y + h, x : x + w] = film
        boxes.append(Box(x, y, w, h))
        scale = cv2.getFontScaleFromHeight(cv2.FONT_HERSHEY_SIMPLEX, text_height, 2)
        if captions:
            (tw, _), _ = cv2.getTextSize(label, cv2.FONT_HERSHEY_SIMPLEX, scale, 2)
            org = (x + (w - tw) // 2, y + h + 6 + text_height)
            cv2.putText(figure, label, org, cv2.FONT_HERSHEY_SIMPLEX, scale, ink, 2, cv2.LINE_AA)
        if letters:
            org = (x, y - 6)
            cv2.putText(figure, letter, org, cv2.FONT_HERSHEY_SIMPLEX, scale, ink, 2, cv2.LINE_AA)
    if frame:
        cv2.rectangle(figure, (0, 0), (figure.shape[1] - 1, figure.shape[0] - 1), ink, frame)
    if jpeg_quality is not None:
        ok, data = cv2.imencode(".jpg", figure, [cv2.IMWRITE_JPEG_QUALITY, jpeg_quality])
        assert ok
        figure = cv2.imdecode(data, cv2.IMREAD_GRAYSCALE)
    return ComposedFigure(figure, boxes[0], boxes[1])


def _place(across: int, size: int, align: str) -> int:
    if align == "start":
        return 0
    if align == "end":
        return across - size
    return (across - size) // 2


def shrink_to(film: np.ndarray, longest: int) -> np.ndarray:
    """A film area-reduced so its longer side is ``longest`` pixels, as figures show them."""
    h, w = film.shape
    scale = longest / max(h, w)
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    return cv2.resize(film, size, interpolation=cv2.INTER_AREA)
