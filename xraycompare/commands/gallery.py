"""``xraycompare gallery (PROJECT | BEFORE AFTER) --out FILE``: every joint, before | after.

Options (a contract): ``--mode side-by-side|overlay|difference`` (default side-by-side),
``--dpi D`` (default 600), ``--width-mm W`` (default 180), ``--dip`` (the DIP joints too),
``--json OUT`` (per-site tile boxes, alignments and quality). The format comes from FILE's
extension (.png .tif .tiff .pdf .svg); the provenance goes next to it as ``FILE`` with its
extension replaced by ``.provenance.json``.

The joints of both films are found, the pair is aligned (a project keeps its own alignment,
windows and corrected joints), then each joint is aligned on its own and shown in a tile of
one physical size. Sites found on neither film are empty tiles saying "not found".

Exit 0 on success; 2 for bad input (an unreadable film or project, a bad option or
extension, no joint found on either film), naming the file, with nothing written; 3 when
the films cannot be aligned (nothing written); 1 when a file cannot be written. Warnings
(poorly aligned tiles, sites not found) go to stderr. Nothing identifying the patient is
printed or drawn.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from xraycompare.commands.figure import add_figure_file
from xraycompare.commands.pair_inputs import add_pair_inputs, open_inputs
from xraycompare.core.atomic import AtomicWriteError, resolve_target, write_atomic
from xraycompare.core.exit_codes import EXIT_BAD_INPUT, EXIT_FAILURE, EXIT_NOT_ALIGNED, EXIT_OK
from xraycompare.core.figures.spec import FigureError, format_for_path, sidecar_path

PROG = "xraycompare gallery"
MODES = ("side-by-side", "overlay", "difference")  # core.gallery.GALLERY_MODES (no matplotlib)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_pair_inputs(parser)
    add_figure_file(parser)
    parser.add_argument(
        "--mode",
        choices=MODES,
        default="side-by-side",
        help="each tile: before | after side by side (default), their overlay or difference",
    )
    parser.add_argument("--dip", action="store_true", help="show the DIP joints too")
    parser.add_argument(
        "--json", metavar="OUT", help="also write each tile's box, alignment and quality here"
    )


def run(args: argparse.Namespace) -> int:
    from xraycompare.core.gallery import (
        build_gallery,
        check_options,
        gallery_record,
        gallery_sites,
        write_gallery,
    )

    out = Path(args.out)
    try:
        format_for_path(out)
        check_options(args.mode, args.dpi, args.width_mm)
        for target in (out, sidecar_path(out), *([Path(args.json)] if args.json else [])):
            resolve_target(target)
    except (FigureError, AtomicWriteError) as exc:
        print(f"{PROG}: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    from xraycompare.core.registration import RegistrationError, register
    from xraycompare.core.registration.alignment import alignment_from

    opened = open_inputs(PROG, args.inputs, align=False)
    if opened is None:
        return EXIT_BAD_INPUT
    document = opened.document
    before, after = document.before, document.after
    assert before is not None and after is not None
    if document.global_alignment is None:
        try:
            registration = register(before, after)
        except RegistrationError as exc:
            film = {"before": before, "after": after}.get(exc.film or "")
            where = f"{film.source}: " if film is not None else ""
            print(f"{PROG}: {where}cannot align the films: {exc}", file=sys.stderr)
            return EXIT_NOT_ALIGNED
        document.set_global_alignment(alignment_from(registration))
    gallery = build_gallery(
        before,
        after,
        alignment=document.global_alignment,
        corrections=document.joint_corrections,
        sites=gallery_sites(dip=args.dip),
    )
    if all(not t.found for t in gallery.tiles):
        names = " and ".join(str(p) for p in args.inputs)
        print(
            f"{PROG}: {names}: no joint was found on either film (is it a PA hand film?)",
            file=sys.stderr,
        )
        return EXIT_BAD_INPUT
    try:
        written = write_gallery(
            document, gallery, out, mode=args.mode, dpi=args.dpi, width_mm=args.width_mm
        )
        if args.json:
            write_atomic(Path(args.json), gallery_record(gallery))
    except FigureError as exc:
        print(f"{PROG}: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except (OSError, ValueError) as exc:
        print(f"{PROG}: cannot write the output: {exc}", file=sys.stderr)
        return EXIT_FAILURE
    for warning in written.warnings:
        print(f"{PROG}: warning: {warning}", file=sys.stderr)
    layout = written.layout
    found = sum(t.found for t in gallery.tiles)
    print(
        f"{written.path}: {found} of {len(gallery.tiles)} joints, "
        f"{layout.width_mm:.1f} × {layout.height_mm:.1f} mm"
    )
    print(written.sidecar)
    return EXIT_OK
