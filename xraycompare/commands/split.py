"""``xraycompare split FIGURE --out DIR [--direction auto|horizontal|vertical]``.

Splits a published side-by-side figure into its two films: finds the gutter, leaves out
captions and panel letters outside the films, and writes ``DIR/before.png`` and
``DIR/after.png`` (the left or top panel is the before film; ``DIR`` is made if missing).
Prints the split as JSON: ``{"direction": .., "before": [x, y, w, h], "after": [x, y, w,
h]}`` in figure pixels. ``horizontal`` means panels side by side, ``vertical`` stacked.
The films carry no calibration (pixels only): a figure's pixels have no known size.

Exit 0 on success; 2 when the figure cannot be read or holds no two films separated by a
gutter, or when ``DIR`` cannot take the films (not a folder, a read-only or special file
named like a film): nothing is written; 1 when the disk fails a write.
"""

from __future__ import annotations

import argparse
import json
import sys

from xraycompare.commands.outputs import write_failed
from xraycompare.core.atomic import AtomicWriteError
from xraycompare.core.exit_codes import EXIT_BAD_INPUT, EXIT_OK
from xraycompare.core.io.image import ImageLoadError
from xraycompare.core.io.loading import load_image

PROG = "xraycompare split"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("figure", metavar="FIGURE", help="the figure (PNG, JPEG, TIFF, …)")
    parser.add_argument(
        "--out", required=True, metavar="DIR", help="the folder for before.png and after.png"
    )
    parser.add_argument(
        "--direction",
        choices=("auto", "horizontal", "vertical"),
        default="auto",
        help="horizontal: panels side by side; vertical: stacked (default: auto)",
    )


def run(args: argparse.Namespace) -> int:
    from xraycompare.core.figure_split import figure_pixels, find_split, write_split_films

    try:
        figure = load_image(args.figure)
    except ImageLoadError as exc:
        print(f"{PROG}: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    split = find_split(figure_pixels(figure), direction=args.direction)
    if split is None:
        kind = "" if args.direction == "auto" else f" {args.direction}"
        print(
            f"{PROG}: {args.figure}: no{kind} split found: the image does not hold two films "
            "separated by a plain gutter",
            file=sys.stderr,
        )
        return EXIT_BAD_INPUT
    try:
        write_split_films(figure, split, args.out)
    except AtomicWriteError as exc:
        return write_failed(PROG, exc)
    print(json.dumps(split.as_json()))
    return EXIT_OK
