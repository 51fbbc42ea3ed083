"""Reading films: XrayImage, the loaders (DICOM and raster), display pipeline, calibration,
the hand mask and the resolution pyramid.

``load_image`` is the entry point; every unreadable file raises :class:`ImageLoadError`.
"""

from xraycompare.core.io.image import ImageLoadError, Window, XrayImage
from xraycompare.core.io.loading import load_image

__all__ = ["ImageLoadError", "Window", "XrayImage", "load_image"]
