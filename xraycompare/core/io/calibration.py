"""What a position or length means in millimetres, and when it must not be said in mm.

PixelSpacing (calibrated) -> ImagerPixelSpacing (at detector, magnified) -> a user
calibration -> pixels only. Every figure carries its calibration label; a missing or
invalid spacing never produces "mm".
"""

from __future__ import annotations

import math

from xraycompare.core.io.image import XrayImage
from xraycompare.core.types import CALIBRATION_LABELS


def calibration_warning(before: XrayImage | None, after: XrayImage | None) -> str | None:
    """A warning when the two films' calibrations differ in type or spacing, else None."""
    if before is None or after is None:
        return None
    if before.calibration != after.calibration:
        return (
            f"Calibrations differ: Before is {CALIBRATION_LABELS[before.calibration]}, "
            f"After is {CALIBRATION_LABELS[after.calibration]}."
        )
    if before.spacing_mm and after.spacing_mm:
        (br, bc), (ar, ac) = before.spacing_mm, after.spacing_mm
        if not (math.isclose(br, ar, rel_tol=1e-3) and math.isclose(bc, ac, rel_tol=1e-3)):
            return (
                f"Pixel spacings differ: Before {br:.4g}×{bc:.4g} mm, After {ar:.4g}×{ac:.4g} mm."
            )
    return None


def pixel_value(image: XrayImage, x: float, y: float) -> tuple[int, float] | None:
    """(stored, modality) value of the pixel whose centre is nearest to (x, y), or None."""
    col, row = int(round(x)), int(round(y))
    if not (0 <= row < image.height and 0 <= col < image.width):
        return None
    stored = int(image.pixels[row, col])
    modality = float(image.modality_values(image.pixels[row : row + 1, col : col + 1])[0, 0])
    return stored, modality


def describe_position(image: XrayImage, x: float, y: float) -> str:
    """Status-bar text: pixel position, raw value, and mm with the calibration type."""
    parts = [f"x {x:.1f}  y {y:.1f} px"]
    value = pixel_value(image, x, y)
    if value is None:
        parts.append("outside the film")
    else:
        stored, modality = value
        if modality != stored:
            parts.append(f"value {stored} (modality {modality:.6g})")
        else:
            parts.append(f"value {stored}")
    if image.spacing_mm is not None:
        row_mm, col_mm = image.spacing_mm
        label = CALIBRATION_LABELS[image.calibration]
        parts.append(f"{x * col_mm:.2f}, {y * row_mm:.2f} mm ({label})")
    else:
        parts.append("pixels only (no calibration)")
    return "   ·   ".join(parts)
