"""``xraycompare info IMAGE [--json]``: what a radiograph holds, without patient identifiers.

The JSON keys are a contract (scripts parse them): ``width``, ``height``, ``bits_stored``,
``photometric``, ``modality``, ``spacing_mm`` ([row, col] or null), ``calibration``
("calibrated", "detector" or "none"), ``window`` ([center, width] of the default window)
and ``transfer_syntax`` (null for non-DICOM), plus descriptive extras. Patient name, ID,
birth date, accession number and dates are never printed.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from xraycompare.core.exit_codes import EXIT_BAD_INPUT, EXIT_FAILURE, EXIT_OK
from xraycompare.core.io.image import ImageLoadError, XrayImage
from xraycompare.core.io.loading import load_image
from xraycompare.core.types import CALIBRATION_LABELS


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("image", metavar="IMAGE", help="a DICOM, PNG, JPEG, TIFF or BMP file")
    parser.add_argument("--json", action="store_true", help="print one JSON object")


def run(args: argparse.Namespace) -> int:
    try:
        image = load_image(args.image)
    except ImageLoadError as exc:
        print(f"xraycompare info: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    facts = describe(image)
    try:
        if args.json:
            print(json.dumps(facts, allow_nan=False, ensure_ascii=False))
        else:
            print(as_text(facts))
    except (ValueError, OSError) as exc:  # a NaN slipped in, or stdout closed
        print(f"xraycompare info: {exc}", file=sys.stderr)
        return EXIT_FAILURE
    return EXIT_OK


def describe(image: XrayImage) -> dict[str, Any]:
    """The non-identifying facts about a film, as JSON-ready values.

    Parameters
    ----------
    image
        A loaded film.

    Returns
    -------
    dict
        The contract keys (see the module docstring) and descriptive extras.
    """
    info = image.info
    window = image.default_window
    default_lut = image.default_voi_lut_index
    presets: list[dict[str, Any]] = []
    for preset in image.presets:
        if preset.window is not None:
            w = preset.window
            presets.append(
                {
                    "label": preset.label,
                    "center": _tidy(w.center),
                    "width": _tidy(w.width),
                    "function": w.function,
                }
            )
        else:
            presets.append({"label": preset.label, "voi_lut_index": preset.voi_lut_index})
    return {
        "width": image.width,
        "height": image.height,
        "bits_stored": image.bits_stored,
        "photometric": image.photometric,
        "modality": info.modality,
        "spacing_mm": list(image.spacing_mm) if image.spacing_mm is not None else None,
        "calibration": image.calibration,
        "window": [_tidy(window.center), _tidy(window.width)],
        "transfer_syntax": info.transfer_syntax,
        "transfer_syntax_uid": info.transfer_syntax_uid,
        "format": info.format,
        "stored_dtype": str(image.pixels.dtype),
        "value_range": list(image.value_range),
        "invert": image.invert,
        "window_function": window.function,
        "window_source": image.default_window_source,
        "voi_lut": image.voi_luts[default_lut].label if default_lut is not None else None,
        "presets": presets,
        "rescale": [image.rescale_slope, image.rescale_intercept],
        "modality_lut": image.modality_lut is not None,
        "body_part": info.body_part,
        "laterality": info.laterality,
        "view_position": info.view_position,
        "manufacturer": info.manufacturer,
        "sop_class": info.sop_class,
        "frames": info.number_of_frames,
        "notices": list(image.notices),
        "content_hash": image.content_hash,
    }


def _tidy(value: float) -> float:
    """Drop float noise (117.88099999999986 -> 117.881); window units are never that fine."""
    return float(f"{value:.6g}") if abs(value) >= 1 else round(value, 6)


def as_text(facts: dict[str, Any]) -> str:
    """A readable listing of :func:`describe`'s facts."""
    spacing = facts["spacing_mm"]
    if spacing is None:
        spacing_text = "none: pixels only"
    else:
        spacing_text = (
            f"{spacing[0]:g} × {spacing[1]:g} mm (row × column, "
            f"{CALIBRATION_LABELS[facts['calibration']]})"
        )
    center, width = facts["window"]
    window_text = f"centre {center:g}, width {width:g} ({facts['window_function']}"
    window_text += f", from the {'file' if facts['window_source'] == 'file' else 'hand'})"
    if facts["voi_lut"]:
        window_text += f"; default VOI LUT: {facts['voi_lut']}"
    rows = [
        ("Size", f"{facts['width']} × {facts['height']} px (width × height)"),
        ("Format", facts["format"]),
        ("Bits stored", f"{facts['bits_stored']} ({facts['stored_dtype']})"),
        ("Photometric", facts["photometric"] + (" (shown inverted)" if facts["invert"] else "")),
        ("Modality", facts["modality"] or "-"),
        ("Body part", facts["body_part"] or "-"),
        ("Laterality", facts["laterality"] or "-"),
        ("View", facts["view_position"] or "-"),
        ("Spacing", spacing_text),
        ("Window", window_text),
        ("Transfer syntax", facts["transfer_syntax"] or "-"),
        ("Frames", str(facts["frames"])),
    ]
    for preset in facts["presets"]:
        if "center" in preset:
            text = f"centre {preset['center']:g}, width {preset['width']:g}"
        else:
            text = f"VOI LUT table {preset['voi_lut_index'] + 1}"
        rows.append(("Preset", f"{preset['label']}: {text}"))
    rows += [("Notice", notice) for notice in facts["notices"]]
    rows.append(("SHA-256", facts["content_hash"]))
    width = max(len(name) for name, _ in rows)
    return "\n".join(f"{name + ':':<{width + 1}} {value}" for name, value in rows)
