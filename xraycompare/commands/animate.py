"""``xraycompare animate (PROJECT | BEFORE AFTER) --out FILE.gif|FILE.mp4 [options]``.

Exports the flicker, swipe or blend of a pair as an animated GIF or an MP4 for slides.
A project is shown as saved (its active alignment, windows and exposure match); two films
are put in time order by their study dates and aligned automatically. Options:

``--mode flicker|swipe|blend``  what moves (default flicker)
``--fps F``                     frames per second (default 10 for GIF, 25 for MP4)
``--width PX``                  frame width (default: the area's width, at most 800)
``--crop X Y W H``              the area, in before pixels (default: the largest rectangle
                                both films cover)
``--labels``                    "Before" / "After" in the top corners
``--period S``                  seconds of one cycle (default 1 for flicker, 4 otherwise)
``--duration S``                seconds of the file (default: one cycle for a GIF, which
                                loops; whole cycles filling 10 s for an MP4)

Nothing identifying is written: the frames hold the films and the two words only, and the
file has no title, comment or date. Exit 0 on success; 2 when an input or option is bad
(the message names the file; nothing is written); 1 when writing fails.
"""

from __future__ import annotations

import argparse
import sys

from xraycompare.commands.pair_inputs import add_pair_inputs, open_inputs
from xraycompare.core.annotations.formats import COORDINATE_LIMIT
from xraycompare.core.atomic import AtomicWriteError, resolve_target
from xraycompare.core.exit_codes import EXIT_BAD_INPUT, EXIT_FAILURE, EXIT_OK

PROG = "xraycompare animate"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from xraycompare.core.animation.plan import ANIMATION_MODES

    add_pair_inputs(parser)
    parser.add_argument("--out", required=True, metavar="FILE", help="the .gif or .mp4 to write")
    parser.add_argument("--mode", choices=ANIMATION_MODES, default="flicker")
    parser.add_argument("--fps", type=float, metavar="F", help="frames per second")
    parser.add_argument("--width", type=int, metavar="PX", help="frame width in pixels")
    parser.add_argument(
        "--crop", nargs=4, type=float, metavar=("X", "Y", "W", "H"), help="area in before pixels"
    )
    parser.add_argument("--labels", action="store_true", help='"Before" / "After" corner labels')
    parser.add_argument("--period", type=float, metavar="S", help="seconds of one cycle")
    parser.add_argument("--duration", type=float, metavar="S", help="seconds of the file")


def run(args: argparse.Namespace) -> int:
    from xraycompare.core.animation import (
        AnimationSettings,
        AnimationSettingsError,
        document_comparison,
        export_animation,
    )
    from xraycompare.core.animation.plan import animation_format, check_format

    if len(args.inputs) > 2:
        print(f"{PROG}: give a project file, or the before and the after film", file=sys.stderr)
        return EXIT_BAD_INPUT
    if args.crop is not None and not all(abs(v) <= COORDINATE_LIMIT for v in args.crop):
        print(
            f"{PROG}: --crop needs X Y W H in pixels, each within ±{COORDINATE_LIMIT:g}",
            file=sys.stderr,
        )
        return EXIT_BAD_INPUT
    try:
        fmt = animation_format(args.out)
        resolve_target(args.out)
        settings = AnimationSettings(
            mode=args.mode,
            fps=args.fps,
            width=args.width,
            crop=None if args.crop is None else tuple(round(v) for v in args.crop),
            labels=args.labels,
            period=args.period,
            duration=args.duration,
        )
        check_format(settings, fmt)
    except (AnimationSettingsError, AtomicWriteError) as exc:
        print(f"{PROG}: {args.out}: {getattr(exc, 'reason', exc)}", file=sys.stderr)
        return EXIT_BAD_INPUT
    opened = open_inputs(PROG, args.inputs)
    if opened is None:
        return EXIT_BAD_INPUT
    try:
        plan = export_animation(document_comparison(opened.document), args.out, settings=settings)
    except AnimationSettingsError as exc:
        print(f"{PROG}: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except (AtomicWriteError, OSError, ValueError) as exc:
        print(f"{PROG}: cannot write {args.out}: {exc}", file=sys.stderr)
        return EXIT_FAILURE
    x, y, w, h = plan.crop
    print(
        f"{args.out}: {plan.mode}, {plan.size[0]} × {plan.size[1]} px, {plan.frame_count} "
        f"frames at {plan.fps:g} fps ({plan.duration:.1f} s); before pixels {x} {y} {w} {h}"
    )
    return EXIT_OK
