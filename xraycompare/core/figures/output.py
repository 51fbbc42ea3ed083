"""Figure files: PNG and TIFF (LZW) with their resolution, PDF and SVG as vectors.

Every byte is repeatable and says nothing about the patient: raster files carry only the
pixels, the resolution and (TIFF) the software name; PDF and SVG carry the software name and
no creation date. A figure without colour (no outlines, no difference panel) is written as
greyscale, a third of the size, as journals prefer for greyscale images.
"""

from __future__ import annotations

import io

import numpy as np
from matplotlib.figure import Figure
from PIL import Image

from xraycompare import __version__
from xraycompare.core.figures.drawing import figure_context

SOFTWARE = f"xraycompare {__version__}"
PNG_COMPRESSION = 1  # zlib level: 3× faster than the default 6 for a 600 dpi figure, 5 % larger


def encode_raster(rgb: np.ndarray, fmt: str, dpi: float) -> bytes:
    """An (H, W, 3) uint8 figure as PNG or LZW-compressed TIFF bytes at ``dpi``.

    Raises
    ------
    ValueError
        Not an RGB uint8 array, or a format other than ``png`` and ``tiff``.
    """
    if rgb.ndim != 3 or rgb.shape[2] != 3 or rgb.dtype != np.uint8:
        raise ValueError(f"a figure is (H, W, 3) uint8, not {rgb.shape} {rgb.dtype}")
    grey = bool(
        np.array_equal(rgb[..., 0], rgb[..., 1]) and np.array_equal(rgb[..., 1], rgb[..., 2])
    )
    image = Image.fromarray(np.ascontiguousarray(rgb[..., 0]) if grey else rgb)
    out = io.BytesIO()
    if fmt == "png":
        image.save(out, format="PNG", dpi=(dpi, dpi), compress_level=PNG_COMPRESSION)
    elif fmt == "tiff":
        image.save(out, format="TIFF", compression="tiff_lzw", dpi=(dpi, dpi), software=SOFTWARE)
    else:
        raise ValueError(f"{fmt} is not a raster format")
    return out.getvalue()


def encode_vector(figure: Figure, fmt: str) -> bytes:
    """A built figure as PDF or SVG bytes (text as text, images at their own resolution)."""
    if fmt == "pdf":
        metadata = {"Creator": SOFTWARE, "CreationDate": None}
    elif fmt == "svg":
        metadata = {"Creator": SOFTWARE, "Date": None}
    else:
        raise ValueError(f"{fmt} is not a vector format")
    out = io.BytesIO()
    with figure_context():
        figure.savefig(out, format=fmt, dpi=figure.dpi, metadata=metadata)
    return out.getvalue()
