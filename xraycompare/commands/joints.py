"""``xraycompare joints IMAGE [--json OUT]``: where the hand's joints are, as JSON.

The keys are a contract (scripts parse them)::

    {"joints": [{"site": "PIP3", "x": .., "y": .., "confidence": ..}, ...],
     "laterality": "left" | "right" | null, "seconds": ..}

``joints`` lists the sites found (sites not found are left out: nothing is guessed), in
reading order, in pixel coordinates of the film with pixel centres at integers;
``confidence`` is 0–1. ``laterality`` comes from the thumb's side (read as a PA film is
shown) and is null when it cannot be told. Without ``--json`` the JSON goes to stdout.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from xraycompare.commands.outputs import refused_targets, write_failed
from xraycompare.core.atomic import AtomicWriteError, write_atomic
from xraycompare.core.exit_codes import EXIT_BAD_INPUT, EXIT_FAILURE, EXIT_OK
from xraycompare.core.io.image import ImageLoadError
from xraycompare.core.io.loading import load_image
from xraycompare.core.joints import find_joints


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("image", metavar="IMAGE", help="a DICOM, PNG, JPEG, TIFF or BMP file")
    parser.add_argument("--json", metavar="OUT", help="write the JSON here (default: stdout)")


def run(args: argparse.Namespace) -> int:
    refused = refused_targets("xraycompare joints", [args.json])
    if refused is not None:
        return refused
    try:
        image = load_image(args.image)
    except ImageLoadError as exc:
        print(f"xraycompare joints: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    joints = find_joints(image)
    text = json.dumps(joints.as_json(), indent=2, allow_nan=False) + "\n"
    try:
        if args.json:
            write_atomic(Path(args.json), text.encode("utf-8"))
        else:
            sys.stdout.write(text)
    except AtomicWriteError as exc:
        return write_failed("xraycompare joints", exc)
    except OSError as exc:
        print(f"xraycompare joints: {exc}", file=sys.stderr)
        return EXIT_FAILURE
    return EXIT_OK
