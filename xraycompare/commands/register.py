"""``xraycompare register BEFORE AFTER [--model M] [--roi X Y W H] [--json OUT] [--warped PNG]``.

Aligns the after film to the before film and writes one JSON object (to OUT, or stdout):
``matrix`` (3x3, after -> before pixel coordinates, pixel centres at integers),
``direction`` (``"after_to_before"``), ``model``, ``quality`` (figures inside the hand),
``mirrored``, ``seconds`` (registration only, not loading), ``warning``, ``roi``,
``before_size``, ``after_size``, ``software``, for a mirrored film ``reflected_matrix``,
and ``status`` with ``reason``:

- ``"status": "ok"``: aligned; ``reason`` is null. Exit 0.
- ``"status": "poor"``: usable but doubtful (low correlation inside the hand, little
  overlap, a mirrored film, an unusual scale); ``warning`` and ``reason`` say why, and the
  warning goes to stderr. Exit 0: check the result, or place landmarks.
- ``"status": "failed"``: no candidate is plausible at all (different people's hands, a
  wrist against a hand, a film of something else). The best candidate is still written
  (JSON and ``--warped``) so that it can be looked at, but nothing should be derived from
  it (no exposure match, no difference image); the reason goes to stderr. Exit 3
  (``EXIT_NOT_ALIGNED``).

``--roi`` (before pixels) aligns that region locally after a global registration; its
status is that of the region (a failed global alignment fails it too). ``--warped`` writes
the after film resampled into the before frame through its display pipeline as an 8-bit
PNG (black outside the after film).

Other exits: 2 when an input cannot be read or aligned at all (a blank or tiny film, which
is named) or an argument is invalid (a region outside the before film), 1 when an output
cannot be written; the reason goes to stderr and no JSON is written.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path

import numpy as np

from xraycompare import __version__
from xraycompare.commands.outputs import refused_targets, write_failed
from xraycompare.core.annotations.formats import COORDINATE_LIMIT
from xraycompare.core.atomic import AtomicWriteError, write_atomic_files
from xraycompare.core.exit_codes import (
    EXIT_BAD_INPUT,
    EXIT_FAILURE,
    EXIT_NOT_ALIGNED,
    EXIT_OK,
)
from xraycompare.core.io.display import display_lut
from xraycompare.core.io.image import ImageLoadError, XrayImage
from xraycompare.core.io.loading import load_image
from xraycompare.core.io.raster import encode_png
from xraycompare.core.types import MODELS

PROG = "xraycompare register"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("before", metavar="BEFORE", help="the earlier film (DICOM, PNG, JPEG, …)")
    parser.add_argument("after", metavar="AFTER", help="the later film")
    parser.add_argument(
        "--model",
        choices=MODELS,
        default="similarity",
        help="transform model (default: similarity = position, rotation, magnification)",
    )
    parser.add_argument(
        "--roi",
        nargs=4,
        type=float,
        metavar=("X", "Y", "W", "H"),
        help="align this before-film region (a finger, a joint) locally, after a global "
        "registration",
    )
    parser.add_argument("--json", metavar="OUT", help="write the JSON here (default: stdout)")
    parser.add_argument(
        "--warped",
        metavar="OUT.png",
        help="write the after film resampled into the before frame (8-bit, display window)",
    )


def run(args: argparse.Namespace) -> int:
    from xraycompare.core.registration import RegistrationError, register

    roi = None
    if args.roi is not None:
        x, y, w, h = args.roi
        if not all(abs(v) <= COORDINATE_LIMIT for v in args.roi) or w <= 0 or h <= 0:
            print(
                f"{PROG}: --roi needs X Y W H in pixels (within ±{COORDINATE_LIMIT:g}) with a "
                "positive width and height",
                file=sys.stderr,
            )
            return EXIT_BAD_INPUT
        roi = (x, y, w, h)
    refused = refused_targets(PROG, (args.warped, args.json))  # before minutes of work
    if refused is not None:
        return refused
    films = []
    for path in (args.before, args.after):
        try:
            films.append(load_image(path))
        except ImageLoadError as exc:
            print(f"{PROG}: {exc}", file=sys.stderr)
            return EXIT_BAD_INPUT
    before, after = films
    try:
        result = register(before, after, model=args.model, roi=roi)
    except RegistrationError as exc:
        if exc.film is None:  # the region given
            print(f"{PROG}: --roi: {exc}", file=sys.stderr)
        else:
            path = args.before if exc.film == "before" else args.after
            print(f"{PROG}: {path}: cannot be aligned: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    failed = result.status == "failed"
    if failed:
        print(f"{PROG}: not aligned: {result.reason}", file=sys.stderr)
    elif result.warning:
        print(f"{PROG}: warning: {result.warning}", file=sys.stderr)
    try:
        text = json.dumps(_as_json(result, before, after), indent=2, allow_nan=False) + "\n"
        files = {}  # both files or neither
        if args.warped:
            files[Path(args.warped)] = _warped_png(after, result.matrix, before.shape)
        if args.json:
            files[Path(args.json)] = text.encode("utf-8")
        write_atomic_files(files)
        if not args.json:
            sys.stdout.write(text)
    except AtomicWriteError as exc:
        return write_failed(PROG, exc)
    except (OSError, ValueError) as exc:
        print(f"{PROG}: cannot write the output: {exc}", file=sys.stderr)
        return EXIT_FAILURE
    return EXIT_NOT_ALIGNED if failed else EXIT_OK


def _as_json(result, before: XrayImage, after: XrayImage) -> dict:
    quality = result.quality.as_dict()
    out = {
        "matrix": [[float(v) for v in row] for row in np.asarray(result.matrix)],
        "direction": "after_to_before",
        "model": result.model,
        # a figure not measured (NaN) is null: the file stays valid JSON
        "quality": {k: v if math.isfinite(v) else None for k, v in quality.items()},
        "mirrored": bool(result.mirrored),
        "seconds": round(float(result.seconds), 4),
        "warning": result.warning,
        "roi": None if result.roi is None else [float(v) for v in result.roi],
        "before_size": [before.width, before.height],
        "after_size": [after.width, after.height],
        "software": f"xraycompare {__version__}",
        "status": result.status,
        "reason": result.reason,
    }
    if result.reflected_matrix is not None:
        out["reflected_matrix"] = [[float(v) for v in row] for row in result.reflected_matrix]
    return out


def _warped_png(after: XrayImage, matrix: np.ndarray, before_shape: tuple[int, int]) -> bytes:
    """The after film's stored values resampled, then windowed: interpolate, then display."""
    from xraycompare.core.registration import warp_to_before

    stored = warp_to_before(after, matrix, before_shape, interpolation="linear")
    inside = warp_to_before(
        np.ones(after.shape, np.uint8), matrix, before_shape, interpolation="nearest"
    )
    display = display_lut(after).apply(stored)
    display = np.where(inside > 0, display, 0).astype(np.uint8)
    return encode_png(display)
