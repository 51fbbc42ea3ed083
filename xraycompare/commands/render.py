"""``xraycompare render IMAGE --out PNG [--window C W] [--max-size PX]``.

The film through the display pipeline (the file's default window unless given) to an 8-bit
PNG, bone white. ``--max-size`` shrinks it so the longer side is at most PX pixels, by area
averaging. The PNG is written to a temporary file and moved into place, so a failure never
leaves a broken or half-written image behind; an ``--out`` that is a device, a folder or a
read-only file is refused (exit 2), a link is written through to its file. A window beyond
any film's values is refused, one that misses the film's values is warned about.
"""

from __future__ import annotations

import argparse
import math
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np

from xraycompare.commands.outputs import refused_targets, write_failed
from xraycompare.core.atomic import AtomicWriteError, write_atomic
from xraycompare.core.exit_codes import EXIT_BAD_INPUT, EXIT_FAILURE, EXIT_OK
from xraycompare.core.io.display import render_display
from xraycompare.core.io.image import ImageLoadError, Window, XrayImage
from xraycompare.core.io.loading import load_image
from xraycompare.core.io.raster import encode_png


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("image", metavar="IMAGE", help="a DICOM, PNG, JPEG, TIFF or BMP file")
    parser.add_argument("--out", required=True, metavar="PNG", help="the PNG file to write")
    parser.add_argument(
        "--window",
        nargs=2,
        type=float,
        metavar=("C", "W"),
        help="window centre and width in modality units (default: the file's own window)",
    )
    parser.add_argument(
        "--max-size",
        type=int,
        metavar="PX",
        help="shrink so that the longer side is at most PX pixels",
    )
    parser.add_argument(
        "--invert", action="store_true", help="flip the polarity (bone dark) on top of the file's"
    )


def run(args: argparse.Namespace) -> int:
    if args.max_size is not None and args.max_size < 1:
        print("xraycompare render: --max-size must be at least 1", file=sys.stderr)
        return EXIT_BAD_INPUT
    refused = refused_targets("xraycompare render", [args.out])  # before decoding the film
    if refused is not None:
        return refused
    try:
        image = load_image(args.image)
    except ImageLoadError as exc:
        print(f"xraycompare render: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    window = None
    if args.window is not None:
        center, width = args.window
        if not (math.isfinite(center) and math.isfinite(width) and width > 0):
            print("xraycompare render: the window width must be > 0", file=sys.stderr)
            return EXIT_BAD_INPUT
        try:
            # A user window keeps the file's VOI function (SIGMOID stays SIGMOID), as viewers do.
            window = replace(image.default_window, center=center, width=width)
        except ValueError as exc:
            print(f"xraycompare render: --window: {exc}", file=sys.stderr)
            return EXIT_BAD_INPUT
        note = _outside_note(image, window)
        if note:
            print(f"xraycompare render: warning: {note}", file=sys.stderr)
    display = render_display(image, window, inverted=args.invert)
    if args.max_size is not None:
        display = shrink(display, args.max_size)
    try:
        write_atomic(Path(args.out), encode_png(display))
    except AtomicWriteError as exc:  # the target refused (a device, read-only): bad --out
        return write_failed("xraycompare render", exc)
    except (OSError, ValueError) as exc:
        print(f"xraycompare render: cannot write {args.out!r}: {exc}", file=sys.stderr)
        return EXIT_FAILURE
    print(f"{args.out}: {display.shape[1]} × {display.shape[0]} px")
    return EXIT_OK


def _outside_note(image: XrayImage, window: Window) -> str:
    """A warning when a window misses every value of the film (a blank image results)."""
    lo, hi = (float(v) for v in image.modality_values(np.array(image.value_range)))
    lo, hi = min(lo, hi), max(lo, hi)
    if window.low <= hi and window.high >= lo:
        return ""
    shade = "black" if (window.low > hi) != image.invert else "white"
    return (
        f"the window {window.low:g} to {window.high:g} misses every value of the film "
        f"({lo:g} to {hi:g}): the image comes out {shade}"
    )


def shrink(display: np.ndarray, max_size: int) -> np.ndarray:
    """Area-downsample so the longer side is at most ``max_size`` (unchanged if already)."""
    import cv2

    h, w = display.shape[:2]
    scale = max_size / max(h, w)
    if scale >= 1:
        return display
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    return cv2.resize(display, size, interpolation=cv2.INTER_AREA)
