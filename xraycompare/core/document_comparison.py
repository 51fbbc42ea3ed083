"""The comparison a Document shows: its films, active alignment, exposure match and windows.

One function, so the comparison pane, animated exports and any other view of a Document
draw the same picture from the same settings.
"""

from __future__ import annotations

import numpy as np

from xraycompare.core.compare.comparison import ComparisonPair, prepare_pair
from xraycompare.core.compare.exposure import (
    ExposureMatch,
    fit_exposure_match,
    identity_match,
    modality_table,
)
from xraycompare.core.document import Document
from xraycompare.core.io.image import XrayImage
from xraycompare.core.io.pyramid import pyramid_for


def document_comparison(
    document: Document, *, match: ExposureMatch | None = None
) -> ComparisonPair:
    """The comparison the app shows for a Document: its alignment, match and windows.

    Parameters
    ----------
    document
        The open pair.
    match
        The exposure match (the app's, fitted off the UI thread); when None, a linear
        match recorded in the project (gain and offset) is used as recorded, so an export
        remakes what was seen, and otherwise the document's method is fitted here.

    Raises
    ------
    ValueError
        The document holds no pair.
    """
    before, after = document.before, document.after
    if before is None or after is None:
        raise ValueError("the document holds no pair of films")
    matrix = document.alignment_matrix
    if match is None:
        match = _recorded_match(document, before, after, matrix)
    return prepare_pair(
        before,
        after,
        matrix,
        match=match,
        before_display=document.display("before"),
        after_display=document.display("after"),
        link_window=document.link_window,
        before_pyramid=pyramid_for(before),
        after_pyramid=pyramid_for(after),
    )


def _recorded_match(
    document: Document, before: XrayImage, after: XrayImage, matrix: np.ndarray
) -> ExposureMatch:
    d = document.difference
    if d.exposure_method == "none":
        return identity_match(after)
    gain, intercept = d.exposure_gain, d.exposure_offset
    if d.exposure_method == "linear" and gain is not None and intercept is not None:
        values, offset = modality_table(after)
        table = values * np.float32(gain) + np.float32(intercept)
        return ExposureMatch("linear", table, offset, float(gain), float(intercept))
    return fit_exposure_match(before, after, matrix, method=d.exposure_method)
