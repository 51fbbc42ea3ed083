"""Command line: the GUI launcher and the headless sub-commands.

``xraycompare [BEFORE AFTER] [--demo] [--screenshot OUT.png ...]`` starts the app;
``xraycompare info|render|register|annotations|figure|joints|gallery|batch ...`` run headless.
Sub-commands import only the core, never Qt, so they start fast and run on servers without a
display.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence

from xraycompare import __version__
from xraycompare.core.exit_codes import EXIT_BAD_INPUT, EXIT_FAILURE
from xraycompare.core.types import VIEW_MODES

# name -> module under xraycompare.commands exposing add_arguments(parser) and run(args) -> int
SUBCOMMANDS: dict[str, str] = {
    "info": "Show what a radiograph holds (size, depth, photometric, calibration, window).",
    "render": "Render a radiograph through the display pipeline to an 8-bit PNG.",
    "register": "Align the after film to the before film and write the transform as JSON.",
    "annotations": "Export a project's regions and scores (GeoJSON, labelme or CSV).",
    "animate": "Export the flicker, swipe or blend of a pair as an animated GIF or MP4.",
    "split": "Split a published side-by-side figure into a before and an after film.",
    "figure": "Make a publication figure (Before | After panels) with its provenance.",
    "joints": "Find the joints of a hand film (MCP, PIP, DIP, thumb IP, wrist) and write JSON.",
    "gallery": "Show every joint of a pair, before | after, each aligned on its own joint.",
    "batch": "Register and compare every pair of a CSV, resumable, on this machine or a cluster.",
}


def _command_module(name: str):
    return importlib.import_module(f"xraycompare.commands.{name.replace('-', '_')}")


def build_gui_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="xraycompare",
        description="Compare two hand radiographs of the same patient taken at two times.",
        epilog="Headless commands: "
        + ", ".join(SUBCOMMANDS)
        + " (run 'xraycompare COMMAND --help').",
    )
    parser.add_argument("--version", action="version", version=f"xraycompare {__version__}")
    parser.add_argument("before", nargs="?", help="the earlier film (DICOM, PNG, JPEG, TIFF, BMP)")
    parser.add_argument("after", nargs="?", help="the later film")
    parser.add_argument("--demo", action="store_true", help="open the bundled demo pair")
    parser.add_argument("--project", metavar="FILE", help="open a project file (*.xrc.json)")
    parser.add_argument(
        "--screenshot",
        metavar="OUT.png",
        help="open the window, wait until the pair is shown, save a screenshot and exit",
    )
    parser.add_argument("--size", metavar="WxH", default="1600x1000", help="screenshot size")
    parser.add_argument(
        "--mode",
        default="side-by-side",
        choices=VIEW_MODES,
        help="the view to show (with --screenshot: the view to capture)",
    )
    parser.add_argument(
        "--no-register", action="store_true", help="do not align the pair automatically"
    )
    return parser


def build_command_parser(name: str) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=f"xraycompare {name}", description=SUBCOMMANDS[name])
    _command_module(name).add_arguments(parser)
    return parser


def share_malloc_arena() -> None:
    """One glibc malloc arena for every thread (Linux only; harmless elsewhere).

    Films are decoded on one pool thread and registered on others; with an arena per
    thread, memory freed after decoding could not be reused by the registration, and the
    peak while opening the demo pair was about 500 MB instead of about 380 MB (measured).
    """
    from xraycompare.core.allocator import M_ARENA_MAX, mallopt

    mallopt(M_ARENA_MAX, 1)


def run_command(name: str, args: argparse.Namespace) -> int:
    """Run a sub-command; whatever escapes it ends as one line on stderr, not a traceback.

    Commands report bad input themselves (exit 2); what still escapes is a lack of memory
    (exit 2: the input is too large for this machine) or a bug (exit 1, with the exception
    named; ``XRAYCOMPARE_TRACEBACK=1`` shows the traceback).
    """
    prog = f"xraycompare {name}"
    try:
        return int(_command_module(name).run(args))
    except KeyboardInterrupt:
        print(f"{prog}: interrupted", file=sys.stderr)
        return 130
    except MemoryError:
        print(f"{prog}: the input needs more memory than this machine has", file=sys.stderr)
        return EXIT_BAD_INPUT
    except BrokenPipeError:
        return EXIT_FAILURE  # the reader of stdout went away
    except Exception as exc:
        if os.environ.get("XRAYCOMPARE_TRACEBACK"):
            raise
        detail = str(exc).strip().splitlines()[0][:200] if str(exc).strip() else ""
        print(
            f"{prog}: internal error ({type(exc).__name__}{': ' + detail if detail else ''}); "
            "please report it (XRAYCOMPARE_TRACEBACK=1 shows where)",
            file=sys.stderr,
        )
        return EXIT_FAILURE


def main(argv: Sequence[str] | None = None) -> int:
    # One BLAS thread: on two cores, spinning OpenBLAS threads in small least-squares fits
    # cost 400 ms instead of 11 ms under load (measured in the exposure fit).
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    share_malloc_arena()
    args_list = list(sys.argv[1:] if argv is None else argv)
    if args_list and args_list[0] in SUBCOMMANDS:
        name = args_list[0]
        args = build_command_parser(name).parse_args(args_list[1:])
        return run_command(name, args)
    args = build_gui_parser().parse_args(args_list)
    if (args.before is None) != (args.after is None):
        print("xraycompare: give both BEFORE and AFTER, or neither", file=sys.stderr)
        return EXIT_BAD_INPUT
    from xraycompare.qt.app import run_app  # Qt is imported only for the GUI

    return run_app(args)
