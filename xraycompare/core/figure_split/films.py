"""The two films of a split figure as files: what the command writes and the app opens.

The films are written as PNGs, ``before.png`` and ``after.png``, at the figure's own bit
depth (a raster figure's pixels are already what the journal printed; a DICOM figure is
rendered through its display window first). PNG carries no pixel spacing, so the films
open with pixel-only calibration, as they must: a figure's pixels have no known size.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from xraycompare.core.atomic import output_folder, write_atomic_files
from xraycompare.core.figure_split.split import FigureSplit, apply_split
from xraycompare.core.io.display import render_display
from xraycompare.core.io.image import XrayImage
from xraycompare.core.io.raster import encode_png

FILM_NAMES = ("before.png", "after.png")


def figure_pixels(figure: XrayImage) -> np.ndarray:
    """The figure as it looks: stored pixels of a raster, the display rendering of a DICOM."""
    return render_display(figure) if figure.info.format == "DICOM" else figure.pixels


def write_split_films(
    figure: XrayImage, split: FigureSplit, folder: str | Path
) -> tuple[Path, Path]:
    """Write ``before.png`` and ``after.png`` into ``folder`` (made if missing).

    Both films are encoded before either file is written, and both are put in place
    only when both were written, so a failure leaves neither (and no half-written film).

    Returns
    -------
    tuple of Path
        The before and the after file.

    Raises
    ------
    AtomicWriteError
        The folder cannot be made or a file cannot be written.
    """
    payloads = [encode_png(film) for film in apply_split(figure_pixels(figure), split)]
    folder = output_folder(folder)
    paths = tuple(folder / name for name in FILM_NAMES)
    write_atomic_files(dict(zip(paths, payloads, strict=True)))  # both films or neither
    return paths  # type: ignore[return-value]
