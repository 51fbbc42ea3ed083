"""``xraycompare figure (PROJECT | BEFORE AFTER) --out FILE [options]``: a publication figure.

Options (a contract): ``--layout before-after|before-after-difference|before-after-overlay|
grid-insets``, ``--width-mm W``, ``--dpi D``, ``--crop X Y W H``, ``--inset X Y W H ...``,
``--no-annotations``, ``--unaligned``. The format comes from FILE's extension (.png .tif
.tiff .pdf .svg); the provenance goes next to it as ``FILE`` with its extension replaced by
``.provenance.json``. A pair given as two files is aligned automatically first (not with
``--unaligned``); a project keeps its own alignment, windows and regions. Rectangles are in
before-film pixels. ``--inset`` may be repeated, or given several rectangles at once;
insets alone choose the ``grid-insets`` layout.

Exit 0 on success; 2 for bad input (an unreadable film or project, a bad option, a crop off
the film, an unknown extension), naming the file, with nothing written; 1 when a file cannot
be written. Warnings (a pixel-only film without a scale bar, enlargement beyond the film's
resolution, a poor alignment) go to stderr. Nothing identifying the patient is printed.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from xraycompare.commands.pair_inputs import add_pair_inputs, open_inputs
from xraycompare.core.atomic import AtomicWriteError, resolve_target
from xraycompare.core.exit_codes import EXIT_BAD_INPUT, EXIT_FAILURE, EXIT_OK
from xraycompare.core.figures.spec import (
    COMMAND_LAYOUTS,
    FigureError,
    FigureSpec,
    format_for_path,
    sidecar_path,
)

PROG = "xraycompare figure"


def add_figure_file(parser: argparse.ArgumentParser) -> None:
    """``--out FILE``, ``--width-mm W`` and ``--dpi D``: the file of every figure command."""
    parser.add_argument(
        "--out", required=True, metavar="FILE", help="the figure: .png, .tif, .tiff, .pdf or .svg"
    )
    parser.add_argument(
        "--width-mm", type=float, default=180.0, metavar="W", help="printed width (default 180)"
    )
    parser.add_argument(
        "--dpi", type=int, default=600, metavar="D", help="resolution (default 600)"
    )


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_pair_inputs(parser)
    add_figure_file(parser)
    parser.add_argument(
        "--layout",
        choices=COMMAND_LAYOUTS,
        help="the panels (default: before-after; grid-insets when --inset is given)",
    )
    parser.add_argument(
        "--crop",
        nargs=4,
        type=float,
        metavar=("X", "Y", "W", "H"),
        help="the region every panel shows, in before-film pixels (default: the whole film)",
    )
    parser.add_argument(
        "--inset",
        nargs="+",
        type=float,
        action="append",
        metavar="X Y W H",
        help="a region shown enlarged (before-film pixels); repeat for more",
    )
    parser.add_argument(
        "--no-annotations",
        action="store_true",
        help="leave out the project's arrows, text labels and region outlines",
    )
    parser.add_argument(
        "--unaligned", action="store_true", help="show the after film without any alignment"
    )


def run(args: argparse.Namespace) -> int:
    if len(args.inputs) > 2:
        print(f"{PROG}: give a project file, or the before and the after film", file=sys.stderr)
        return EXIT_BAD_INPUT
    try:
        spec = _spec(args)
        out = Path(args.out)
        for target in (out, sidecar_path(out)):
            resolve_target(target)
    except (FigureError, ValueError, AtomicWriteError) as exc:
        print(f"{PROG}: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT

    from xraycompare.core.figures.render import write_figure  # loads matplotlib

    opened = open_inputs(PROG, args.inputs, align=not args.unaligned)
    if opened is None:
        return EXIT_BAD_INPUT
    try:
        written = write_figure(opened.document, spec, out)
    except FigureError as exc:
        print(f"{PROG}: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except (OSError, ValueError) as exc:
        print(f"{PROG}: cannot write {out}: {exc}", file=sys.stderr)
        return EXIT_FAILURE
    for warning in written.warnings:
        print(f"{PROG}: warning: {warning}", file=sys.stderr)
    layout = written.layout
    size = f"{layout.width_mm:.1f} × {layout.height_mm:.1f} mm"
    if spec.is_raster:
        size = f"{layout.width_px} × {layout.height_px} px, {size} at {spec.dpi} dpi"
    print(f"{written.path}: {size}")
    print(written.sidecar)
    return EXIT_OK


def _spec(args: argparse.Namespace) -> FigureSpec:
    """The figure's options from the command line (ValueError / FigureError when invalid)."""
    fmt = format_for_path(args.out)
    insets = []
    for numbers in args.inset or ():
        if len(numbers) % 4:
            raise ValueError("each --inset needs four numbers: X Y W H")
        insets += [tuple(numbers[i : i + 4]) for i in range(0, len(numbers), 4)]
    layout = args.layout or ("grid-insets" if insets else "before-after")
    if insets and layout != "grid-insets":
        raise ValueError("--inset needs --layout grid-insets")
    spec = FigureSpec(
        layout=layout,
        width_mm=args.width_mm,
        dpi=args.dpi,
        format=fmt,
        crop=None if args.crop is None else tuple(args.crop),
        insets=tuple(insets),
        unaligned=args.unaligned,
    )
    return spec.without_annotations() if args.no_annotations else spec
