"""A small calibrated pair for figure tests: a 400 × 300 "hand" with four bright markers,
and its follow-up made through a known transform (turned 4°, 3 % larger, shifted)."""

from __future__ import annotations

import cv2
import numpy as np

from xraycompare.core.document import Document
from xraycompare.core.geometry import similarity
from xraycompare.core.io.image import ImageInfo, PatientIdentity, Window, XrayImage
from xraycompare.core.registration.alignment import Alignment

MARKERS = ((80, 60), (300, 90), (150, 220), (330, 240))  # (x, y) centres in the before film
# after (x, y) -> before: turned 4°, 3 % larger, shifted; the after film is made through it
TRUTH = similarity(scale=1 / 1.03, angle_deg=4.0, tx=-9.0, ty=6.0, center=(200, 150))


def scene(h: int = 300, w: int = 400) -> np.ndarray:
    """12-bit values: dark air, a mid-grey block (the hand), four bright square markers."""
    values = np.full((h, w), 200.0)
    values[30:270, 40:360] = 1500.0
    for x, y in MARKERS:
        values[y - 6 : y + 7, x - 6 : x + 7] = 3800.0
    return values.astype(np.uint16)


def film(pixels: np.ndarray, *, spacing: float | None = 0.1, date: str | None = None) -> XrayImage:
    return XrayImage(
        pixels=pixels,
        bits_stored=12,
        photometric="MONOCHROME2",
        invert=False,
        default_window=Window(2000.0, 4000.0),
        default_window_source="auto",
        info=ImageInfo(format="test"),
        spacing_mm=None if spacing is None else (spacing, spacing),
        calibration="none" if spacing is None else "calibrated",
        identity=PatientIdentity(study_date=date),
    )


def document(
    *, spacing: float | None = 0.1, aligned: bool = True, dates: tuple[str, str] | None = None
) -> Document:
    """The pair in a Document, aligned by the true transform unless ``aligned`` is False."""
    before = scene()
    after = cv2.warpAffine(
        before,
        TRUTH[:2],
        (400, 300),
        flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
        borderValue=200,
    )
    doc = Document()
    first, second = dates or (None, None)
    doc.set_pair(
        film(before, spacing=spacing, date=first), film(after, spacing=spacing, date=second)
    )
    if aligned:
        doc.set_global_alignment(Alignment("Global", TRUTH, quality={"ncc_final": 0.99}))
    return doc
