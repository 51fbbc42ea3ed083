"""``PROJECT | BEFORE AFTER``: the inputs of every command that works on a pair.

The argument is declared once, and :func:`open_inputs` opens it (a project as saved, or two
films put in time order and aligned automatically), printing notes and warnings on stderr
and returning None after a one-line error (the caller exits 2).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from xraycompare.core.io.image import printable_name
from xraycompare.core.project.opening import OpenedPair, PairInputError, open_pair


def add_pair_inputs(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "inputs",
        nargs="+",
        metavar="PROJECT | BEFORE AFTER",
        help="a project file (*.xrc.json), or the before and the after film (put in time "
        "order by their study dates and aligned automatically)",
    )


def open_inputs(prog: str, inputs: Sequence[str], *, align: bool = True) -> OpenedPair | None:
    """The pair named on the command line, or None once the reason is on stderr."""
    if len(inputs) > 2:
        print(f"{prog}: give a project file, or the before and the after film", file=sys.stderr)
        return None
    try:
        opened = open_pair(inputs, align=align)
    except PairInputError as exc:  # the path as typed, control characters escaped
        print(f"{prog}: {printable_name(str(exc.path))}: {exc.reason}", file=sys.stderr)
        return None
    for note in opened.notes:
        print(f"{prog}: note: {note}", file=sys.stderr)
    if opened.registration is not None and opened.registration.warning:
        print(f"{prog}: warning: {opened.registration.warning}", file=sys.stderr)
    return opened
